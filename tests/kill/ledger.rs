//! The side-effect ledger: a SQLite file apart from the store, to which the
//! steps append `(idempotency key, effect)` each time they apply an effect,
//! as an external system would see them. Each append is its own committed
//! transaction before the step goes on, so an effect applied before a kill
//! is in the ledger.

use flow_runtime::Step;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The file's name in the test's directory.
pub const FILE: &str = "ledger.db";

/// The child's connection, for the steps.
static LEDGER: OnceLock<Mutex<Connection>> = OnceLock::new();

/// Opens (creating) the ledger. WAL with `synchronous = NORMAL`: a
/// committed append survives the death of the process, which is what is
/// tested here.
pub fn open(dir: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(dir.join(FILE))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS effects (
             seq   INTEGER PRIMARY KEY AUTOINCREMENT,
             key   TEXT NOT NULL,
             value TEXT NOT NULL,
             run   INTEGER NOT NULL
         )",
    )?;
    Ok(conn)
}

/// Gives the child's steps the ledger, for child run `run`.
pub fn install(conn: Connection, run: u32) {
    if LEDGER.set(Mutex::new(conn)).is_err() {
        crate::child::fatal("the ledger was installed twice");
    }
    RUN.get_or_init(|| run);
}

static RUN: OnceLock<u32> = OnceLock::new();

/// Step `step` applied `value`, under its idempotency key.
pub fn apply(step: &Step, value: String) {
    append(step.idempotency_key(), value);
}

/// The compensation of `step` applied `value`: under `undo:` and the key of
/// the step it undoes.
pub fn undo(step: &Step, value: String) {
    append(format!("undo:{}", step.idempotency_key()), value);
}

fn append(key: String, value: String) {
    let Some(ledger) = LEDGER.get() else {
        crate::child::fatal("a step ran before the ledger was installed");
    };
    let run = RUN.get().copied().unwrap_or_default();
    let conn = ledger.lock().unwrap_or_else(PoisonError::into_inner);
    let appended = conn
        .prepare_cached("INSERT INTO effects (key, value, run) VALUES (?1, ?2, ?3)")
        .and_then(|mut insert| insert.execute(rusqlite::params![key, value, run]));
    if let Err(error) = appended {
        crate::child::fatal(&format!(
            "the ledger refused an effect for `{key}`: {error}"
        ));
    }
}

/// One applied effect, as the parent reads it back.
pub struct Effect {
    pub key: String,
    pub value: String,
    pub run: u32,
}

/// Every effect in the ledger, in order of application.
pub fn read(dir: &Path) -> rusqlite::Result<Vec<Effect>> {
    let conn = open(dir)?;
    let mut statement = conn.prepare("SELECT key, value, run FROM effects ORDER BY seq")?;
    statement
        .query_map([], |row| {
            Ok(Effect {
                key: row.get(0)?,
                value: row.get(1)?,
                run: row.get(2)?,
            })
        })?
        .collect()
}

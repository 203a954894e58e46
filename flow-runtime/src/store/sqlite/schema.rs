//! The schema, its versions and the connections' settings.
//!
//! The schema's version is SQLite's `user_version`; the file is marked as a
//! flow store by its `application_id`. [`MIGRATIONS`]`[n]` takes a file from
//! version `n` to `n + 1`; opening runs the missing ones in one transaction
//! and refuses a file whose version is newer than the last one known here.

use super::{OpenError, SqliteOptions};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;

/// Marks a SQLite file as a flow store: `"flow"` in ASCII.
pub(super) const APPLICATION_ID: i32 = 0x666c_6f77;

/// Each entry takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1.
///
/// Times are nanoseconds since the Unix epoch, so every `SystemTime` reads
/// back exactly as it was written (as in the memory store): a wake-up time
/// rounded to milliseconds would either fire early or read back changed.
/// `hash` holds the u64's bits as an i64.
pub(super) const V1: &str = "
CREATE TABLE instances (
    id                TEXT PRIMARY KEY NOT NULL, -- 32 hexadecimal digits
    created           INTEGER NOT NULL UNIQUE,   -- order of creation, 1, 2, ...
    flow              TEXT NOT NULL,
    hash              INTEGER NOT NULL,
    business_key      TEXT,
    status            TEXT NOT NULL,             -- Status::as_str
    version           INTEGER NOT NULL,
    state             BLOB NOT NULL,
    wake_at           INTEGER,
    wait_name         TEXT,                      -- the open wait, if any
    wait_assignee     TEXT,
    wait_groups       TEXT,                      -- JSON array of strings
    wait_since        INTEGER,
    cancel_reason     TEXT,                      -- a requested cancellation
    cancel_compensate INTEGER,
    broken            TEXT,
    claimed_until     INTEGER,                   -- the lease of a claim
    UNIQUE (flow, business_key)
);
-- claim (runnable ones in creation order), list by status, the inbox
CREATE INDEX instances_by_status ON instances (status, created);
-- claim (due parked ones), next_wake
CREATE INDEX instances_by_wake ON instances (wake_at) WHERE status IN ('waiting', 'sleeping');
-- list by flow (and status)
CREATE INDEX instances_by_flow ON instances (flow, status, created);

-- append-only
CREATE TABLE journal (
    instance TEXT NOT NULL REFERENCES instances (id),
    seq      INTEGER NOT NULL,                   -- 0, 1, ... per instance
    event    BLOB NOT NULL,
    PRIMARY KEY (instance, seq)
);

CREATE TABLE signals (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    instance    TEXT NOT NULL REFERENCES instances (id),
    wait        TEXT NOT NULL,
    payload     BLOB NOT NULL,
    by_user     TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX signals_by_instance ON signals (instance, wait);

CREATE TABLE dedupe (
    instance TEXT NOT NULL REFERENCES instances (id),
    key      TEXT NOT NULL,
    PRIMARY KEY (instance, key)
) WITHOUT ROWID;
";

/// Version 2: an instance may wait at several waits at once (one per
/// branch of a parallel region that waits), so its open waits get a table
/// of their own; the columns of version 1's one open wait move there.
const V2: &str = "
CREATE TABLE waits (
    instance    TEXT NOT NULL REFERENCES instances (id),
    position    INTEGER NOT NULL,                -- 0, 1, ... in the commit's order
    wait        TEXT NOT NULL,
    assignee    TEXT,
    groups_json TEXT NOT NULL,                   -- JSON array of strings
    since       INTEGER NOT NULL,
    PRIMARY KEY (instance, position)
) WITHOUT ROWID;
INSERT INTO waits (instance, position, wait, assignee, groups_json, since)
    SELECT id, 0, wait_name, wait_assignee, coalesce(wait_groups, '[]'), coalesce(wait_since, 0)
    FROM instances WHERE wait_name IS NOT NULL;
ALTER TABLE instances DROP COLUMN wait_name;
ALTER TABLE instances DROP COLUMN wait_assignee;
ALTER TABLE instances DROP COLUMN wait_groups;
ALTER TABLE instances DROP COLUMN wait_since;
";

/// Opens the writer's connection: WAL, the options' `synchronous`, foreign
/// keys; then brings the schema to [`VERSION`].
pub(super) fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, OpenError> {
    let sqlite = |error: rusqlite::Error| OpenError::sqlite(path, error);
    let mut conn = Connection::open(path).map_err(sqlite)?;
    conn.busy_timeout(options.busy_timeout).map_err(sqlite)?;
    // Refuse a foreign or newer file before changing anything in it.
    check(&conn, path)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(sqlite)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(OpenError::Sqlite {
            path: path.to_owned(),
            message: format!("the file cannot use WAL mode (its journal mode is {mode})"),
        });
    }
    conn.pragma_update(None, "synchronous", options.synchronous.pragma())
        .map_err(sqlite)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sqlite)?;
    if let Some(bytes) = options.max_size {
        let page: i64 = conn
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .map_err(sqlite)?;
        let pages = (bytes / page.max(1).unsigned_abs()).max(1);
        let pages = i64::try_from(pages).unwrap_or(i64::MAX);
        conn.pragma_update(None, "max_page_count", pages)
            .map_err(sqlite)?;
    }
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Opens a reader's connection: it can only query.
pub(super) fn open_reader(path: &Path, options: &SqliteOptions) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(options.busy_timeout)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// The file's application id and schema version.
fn marks(conn: &Connection) -> rusqlite::Result<(i32, i64, i64)> {
    let application: i32 = conn.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let objects: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    Ok((application, version, objects))
}

/// Refuses a file of another application, and one whose schema is newer
/// than this build's.
fn check(conn: &Connection, path: &Path) -> Result<i64, OpenError> {
    let (application, version, objects) =
        marks(conn).map_err(|error| OpenError::sqlite(path, error))?;
    let empty = application == 0 && version == 0 && objects == 0;
    if application != APPLICATION_ID && !empty {
        return Err(OpenError::Foreign {
            path: path.to_owned(),
        });
    }
    if version > VERSION {
        return Err(OpenError::FutureSchema {
            path: path.to_owned(),
            found: version,
            supported: VERSION,
        });
    }
    Ok(version)
}

/// Runs the migrations the file lacks, all in one transaction (which also
/// serializes two processes opening the same new file).
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), OpenError> {
    let sqlite = |error: rusqlite::Error| OpenError::sqlite(path, error);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite)?;
    let found = check(&tx, path)?;
    let from = usize::try_from(found).unwrap_or_default();
    for migration in &MIGRATIONS[from..] {
        tx.execute_batch(migration).map_err(sqlite)?;
    }
    if found < VERSION {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sqlite)?;
        tx.pragma_update(None, "user_version", VERSION)
            .map_err(sqlite)?;
    }
    tx.commit().map_err(sqlite)
}

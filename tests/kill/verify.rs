//! The checks after the last run: the orders, the acks against the store,
//! the ledger against what each order should have done, and SQLite's own
//! `integrity_check` of both files.

use crate::acks;
use crate::checks::{check_acks, check_ledger};
use crate::child::STORE;
use crate::flow;
use crate::ledger;
use crate::orders::{self, Stored};
use crate::parent::Kills;
use flow_runtime::Status;
use flow_runtime::store::{Filter, SqliteStore, Store};
use std::fmt;
use std::path::Path;

/// The figures of a run that passed.
pub struct Report {
    orders: usize,
    failed: usize,
    starts: usize,
    signals: usize,
    commits: usize,
    events: usize,
    effects_expected: usize,
    effects_applied: usize,
    keys_reapplied: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} orders ({} shipped, {} refused and compensated), {} journal events\n  \
             acknowledged and found in the store: {} starts, {} signals, {} commits\n  \
             ledger: {} effects expected, {} applications ({} keys applied more than once: retries and re-runs after kills), every value as expected\n  \
             PRAGMA integrity_check: ok on the store and the ledger",
            self.orders,
            self.orders - self.failed,
            self.failed,
            self.events,
            self.starts,
            self.signals,
            self.commits,
            self.effects_expected,
            self.effects_applied,
            self.keys_reapplied,
        )
    }
}

/// Runs every check; `Err` lists what was wrong (the first 40 problems).
pub fn all(dir: &Path, orders: u32, kills: &Kills) -> Result<Report, String> {
    let stored = read_store(dir)?;
    let mut problems = Vec::new();
    let numbers: Vec<u32> = stored.iter().map(|order| order.n).collect();
    if numbers != (0..orders).collect::<Vec<_>>() {
        problems.push(format!(
            "the store holds {} orders, not each of 0..{orders} once: {numbers:?}",
            stored.len()
        ));
    }
    for order in &stored {
        problems.extend(orders::check(order));
    }
    let mut acked = Vec::new();
    for run in 1..=kills.runs {
        acked.extend(acks::read(&acks::path(dir, run))?);
    }
    let (starts, signals, commits) = check_acks(&stored, &acked, &mut problems);
    let effects = ledger::read(dir).map_err(|e| format!("reading the ledger: {e}"))?;
    let (effects_expected, effects_applied, keys_reapplied) =
        check_ledger(&effects, &stored, &mut problems);
    for file in [STORE, ledger::FILE] {
        let verdict = integrity(&dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        if verdict != ["ok"] {
            problems.push(format!("PRAGMA integrity_check of {file}: {verdict:?}"));
        }
    }
    if !problems.is_empty() {
        let shown = problems.len().min(40);
        return Err(format!(
            "{} problems{}:\n  {}",
            problems.len(),
            if shown < problems.len() {
                ", the first 40"
            } else {
                ""
            },
            problems[..shown].join("\n  ")
        ));
    }
    Ok(Report {
        orders: stored.len(),
        failed: stored
            .iter()
            .filter(|order| order.status == Status::Failed)
            .count(),
        starts,
        signals,
        commits,
        events: stored.iter().map(|order| order.journal.len()).sum(),
        effects_expected,
        effects_applied,
        keys_reapplied,
    })
}

/// Every order, by number, read through the store's own interface.
fn read_store(dir: &Path) -> Result<Vec<Stored>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let store = SqliteStore::open(dir.join(STORE)).map_err(|e| e.to_string())?;
        let mut stored = Vec::new();
        for summary in store
            .list(Filter::default())
            .await
            .map_err(|e| e.to_string())?
        {
            let id = summary.id;
            let n = summary
                .key
                .as_deref()
                .and_then(flow::number)
                .ok_or_else(|| format!("{id} has no order key: {:?}", summary.key))?;
            let row = store
                .load(id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{id} is listed but does not load"))?;
            let journal = store.journal(id).await.map_err(|e| e.to_string())?;
            let entries = journal
                .iter()
                .map(|event| serde_json::from_slice(event))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("order {n}: an event does not decode: {e}"))?;
            let state = serde_json::from_slice(&row.state)
                .map_err(|e| format!("order {n}: its state does not decode: {e}"))?;
            stored.push(Stored {
                n,
                id,
                status: row.status,
                version: row.version,
                state,
                journal,
                entries,
            });
        }
        stored.sort_by_key(|order| order.n);
        Ok(stored)
    })
}

/// `PRAGMA integrity_check`'s rows.
fn integrity(path: &Path) -> rusqlite::Result<Vec<String>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut statement = conn.prepare("PRAGMA integrity_check")?;
    statement.query_map([], |row| row.get(0))?.collect()
}

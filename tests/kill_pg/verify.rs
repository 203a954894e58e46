//! The checks after the last workers: the orders, every worker's acks
//! against the store, the ledgers against what each order should have done,
//! the refusal logs against the stops, and the journal rows' numbering.

use crate::checks::{check_acks, check_ledger};
use crate::orders::{self, Stored};
use crate::parent::{Kills, run_dir};
use crate::pg::Schema;
use crate::{acks, flow, ledger, rejects};
use flow_runtime::Status;
use flow_runtime::store::{Filter, Store};
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
    lease_lost: usize,
    conflicts: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} orders ({} shipped, {} refused and compensated), {} journal events\n  \
             acknowledged and found in the store: {} starts, {} signals, {} commits\n  \
             ledgers: {} effects expected, {} applications ({} keys applied more than once), every value as expected\n  \
             the stopped worker's late commits refused: {} as LeaseLost, {} as Conflict; none of the others'\n  \
             journal rows numbered 0.. per instance, as many as each instance counts",
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
            self.lease_lost,
            self.conflicts,
        )
    }
}

/// Runs every check; `Err` lists what was wrong (the first 40 problems).
pub fn all(schema: &Schema, dir: &Path, orders: u32, kills: &Kills) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (stored, journal_problems) = runtime.block_on(async {
        let stored = read_store(schema).await?;
        Ok::<_, String>((stored, journal_rows(schema).await))
    })?;
    let mut problems = journal_problems;
    let numbers: Vec<u32> = stored.iter().map(|order| order.n).collect();
    if numbers != (0..orders).collect::<Vec<_>>() {
        problems.push(format!(
            "the store holds {} orders, not each of 0..{orders} once",
            stored.len()
        ));
    }
    for order in &stored {
        problems.extend(orders::check(order));
    }
    let mut acked = Vec::new();
    let mut effects = Vec::new();
    let (mut lease_lost, mut conflicts, mut stopped_refused) = (0, 0, 0);
    for run in 1..=kills.runs {
        let dir = run_dir(dir, run);
        acked.extend(acks::read(&acks::path(&dir, run))?);
        effects.extend(ledger::read(&dir).map_err(|e| format!("the ledger of run {run}: {e}"))?);
        let refusals = rejects::read(&rejects::path(&dir, run))?;
        for refusal in &refusals {
            // Refused after the run came back from a stop.
            let late = kills
                .stops
                .iter()
                .any(|stop| stop.run == run && refusal.at >= stop.continued);
            match late {
                true => {
                    stopped_refused += 1;
                    match refusal.kind.as_str() {
                        "lease_lost" => lease_lost += 1,
                        _ => conflicts += 1,
                    }
                }
                _ => problems.push(format!(
                    "run {run}, never stopped past its lease then, had its commit of {} at version {} refused ({})",
                    refusal.id, refusal.version, refusal.kind
                )),
            }
        }
    }
    if stopped_refused == 0 {
        problems.push(format!(
            "no late commit of a stopped worker was refused ({} stops)",
            kills.stops.len()
        ));
    }
    let (starts, signals, commits) = check_acks(&stored, &acked, &mut problems);
    let (effects_expected, effects_applied, keys_reapplied) =
        check_ledger(&effects, &stored, &mut problems);
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
        lease_lost,
        conflicts,
    })
}

/// Every order, by number, read through the store's own interface.
async fn read_store(schema: &Schema) -> Result<Vec<Stored>, String> {
    let store = schema.store().await;
    let mut stored = Vec::new();
    let listed = store
        .list(Filter::default())
        .await
        .map_err(|e| e.to_string())?;
    for summary in listed {
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
}

/// The journal's rows: numbered 0, 1, ... per instance, as many as the
/// instance's count says.
async fn journal_rows(schema: &Schema) -> Vec<String> {
    let checks = [
        (
            "instances whose journal count is not their journal's length",
            "SELECT count(*) FROM instances i
             WHERE journal_len <> (SELECT count(*) FROM journal j WHERE j.instance = i.id)",
        ),
        (
            "instances whose journal is not numbered 0, 1, ...",
            "SELECT count(*) FROM (SELECT instance FROM journal GROUP BY instance
                                   HAVING min(seq) <> 0 OR max(seq) + 1 <> count(*)) AS bad",
        ),
    ];
    let mut problems = Vec::new();
    for (what, sql) in checks {
        let bad: i64 = schema.execute(sql).await[0].get(0);
        if bad != 0 {
            problems.push(format!("{bad} {what}"));
        }
    }
    problems
}

//! The checks after the last run: the orders, the acks against the store,
//! the ledger against what each order should have done, and SQLite's own
//! `integrity_check` of both files.

use crate::acks::{self, Ack};
use crate::child::STORE;
use crate::flow::{self, Checkout};
use crate::ledger;
use crate::orders::{self, Stored};
use crate::parent::Kills;
use flow_runtime::store::{Filter, SqliteStore, Store};
use flow_runtime::{InstanceId, Status};
use std::collections::{BTreeMap, HashMap};
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
    let (effects_expected, effects_applied, keys_reapplied) =
        check_ledger(dir, &stored, &mut problems)?;
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

/// Every ack against the store: the started instance is the order's, the
/// accepted signal was accepted once and delivered, the commit's version was
/// reached and its events are in the journal. Returns the counts.
fn check_acks(
    stored: &[Stored],
    acked: &[Ack],
    problems: &mut Vec<String>,
) -> (usize, usize, usize) {
    let by_id: HashMap<InstanceId, &Stored> = stored.iter().map(|o| (o.id, o)).collect();
    let by_number: HashMap<u32, &Stored> = stored.iter().map(|o| (o.n, o)).collect();
    let (mut starts, mut commits) = (0, 0);
    let mut signals: HashMap<(InstanceId, u32), usize> = HashMap::new();
    let mut versions: BTreeMap<(InstanceId, u64), (usize, u64)> = BTreeMap::new();
    for ack in acked {
        match ack {
            Ack::Start { n, id } => {
                starts += 1;
                if by_number.get(n).map(|order| order.id) != Some(*id) {
                    problems.push(format!("start of order {n} acknowledged as {id}, which the store does not hold as order {n}"));
                }
            }
            Ack::Signal { id, visit } => {
                *signals.entry((*id, *visit)).or_default() += 1;
                match by_id.get(id) {
                    None => problems.push(format!(
                        "a signal for {id} acknowledged, but no such instance"
                    )),
                    // The order's journal shows each decision delivered
                    // once (`orders::check`): this one must be among them.
                    Some(order) if *visit > flow::visits(order.n) => problems.push(format!(
                        "order {}: a decision for visit {visit} of its wait acknowledged",
                        order.n
                    )),
                    Some(_) => {}
                }
            }
            Ack::Commit {
                id,
                version,
                events,
                digest,
            } => {
                commits += 1;
                if let Some(other) = versions.insert((*id, *version), (*events, *digest))
                    && other != (*events, *digest)
                {
                    problems.push(format!(
                        "two different commits of {id} acknowledged at version {version}"
                    ));
                }
                let Some(order) = by_id.get(id) else {
                    problems.push(format!(
                        "a commit of {id} acknowledged, but no such instance"
                    ));
                    continue;
                };
                if order.version < *version {
                    problems.push(format!(
                        "order {}: a commit to version {version} was acknowledged, but the store is at {}",
                        order.n, order.version
                    ));
                }
                let found = *events == 0
                    || order
                        .journal
                        .windows(*events)
                        .any(|window| acks::digest(window) == *digest);
                if !found {
                    problems.push(format!(
                        "order {}: the {events} events of its acknowledged commit to version {version} are not in its journal",
                        order.n
                    ));
                }
            }
            Ack::Crash { .. } => {}
        }
    }
    for ((id, visit), accepted) in &signals {
        if *accepted > 1 {
            problems.push(format!(
                "{id}: {accepted} decisions for visit {visit} accepted under one dedupe key"
            ));
        }
    }
    (starts, signals.values().sum(), commits)
}

/// The ledger against what each order should have done: every expected
/// effect at least once, each application with the expected value, nothing
/// else. Returns the number of keys expected, of applications, and of keys
/// applied more than once.
fn check_ledger(
    dir: &Path,
    stored: &[Stored],
    problems: &mut Vec<String>,
) -> Result<(usize, usize, usize), String> {
    let effects = ledger::read(dir).map_err(|e| format!("reading the ledger: {e}"))?;
    let mut expected: HashMap<String, String> = HashMap::new();
    for order in stored {
        for (key, value) in expected_effects(order.n, order.id) {
            expected.insert(key, value);
        }
    }
    let mut applied: HashMap<&str, usize> = HashMap::new();
    for effect in &effects {
        match expected.get(&effect.key) {
            None => problems.push(format!(
                "the ledger has an effect no order should have had: `{}` = `{}` (run {})",
                effect.key, effect.value, effect.run
            )),
            Some(value) if *value != effect.value => problems.push(format!(
                "`{}` was applied as `{}` in run {}, expected `{value}`",
                effect.key, effect.value, effect.run
            )),
            Some(_) => *applied.entry(&effect.key).or_default() += 1,
        }
    }
    for key in expected.keys() {
        if !applied.contains_key(key.as_str()) {
            problems.push(format!("`{key}` was never applied"));
        }
    }
    // A charge that timed out was charged again under the same key.
    for order in stored.iter().filter(|o| flow::pay_times_out_first(o.n)) {
        let key = key_of(order.id, "pay", 1);
        if applied.get(key.as_str()).copied().unwrap_or_default() < 2 {
            problems.push(format!(
                "order {}: its timed-out charge was not retried",
                order.n
            ));
        }
    }
    let reapplied = applied.values().filter(|count| **count > 1).count();
    Ok((expected.len(), effects.len(), reapplied))
}

/// The idempotency key of a visit of a task of order `id`, as
/// `Step::idempotency_key` documents it: `flow/instance/node/iteration`.
fn key_of(id: InstanceId, node: &str, visit: u32) -> String {
    let flow = <Checkout as flow_runtime::Flow>::GRAPH.name();
    format!("{flow}/{id}/{node}/{visit}")
}

/// The effects order `n` should have applied, by key, with their values.
fn expected_effects(n: u32, id: InstanceId) -> Vec<(String, String)> {
    let mut effects = vec![
        (key_of(id, "reserve", 1), format!("reserve {n} after none")),
        (key_of(id, "pay", 1), format!("charge {n} approved ok-{n}")),
        (key_of(id, "pack", 1), format!("pack {n}")),
        (key_of(id, "bill", 1), format!("bill {n} for P{n}")),
    ];
    if flow::rejected_first(n) {
        let again = format!("reserve {n} after rejected-{n}");
        effects.push((key_of(id, "reserve", 2), again));
    }
    if flow::ship_refused(n) {
        let undo =
            |node: &str, visit, value: String| (format!("undo:{}", key_of(id, node, visit)), value);
        effects.extend([
            undo("pay", 1, format!("refund P{n}")),
            undo("pack", 1, format!("unpack C{n}")),
            undo("bill", 1, format!("void I{n}")),
        ]);
        for visit in 1..=flow::visits(n) {
            effects.push(undo("reserve", visit, format!("release R{n}")));
        }
    } else {
        effects.push((key_of(id, "ship", 1), format!("ship C{n} with I{n}")));
    }
    effects
}

/// `PRAGMA integrity_check`'s rows.
fn integrity(path: &Path) -> rusqlite::Result<Vec<String>> {
    let conn = rusqlite::Connection::open(path)?;
    let mut statement = conn.prepare("PRAGMA integrity_check")?;
    statement.query_map([], |row| row.get(0))?.collect()
}

//! The checks of the acks and of the ledger against the orders as stored,
//! whichever store holds them: shared by the SQLite kill test and the
//! PostgreSQL multi-worker one (`tests/kill_pg/`).

use crate::acks::{self, Ack};
use crate::flow::{self, Checkout};
use crate::ledger::Effect;
use crate::orders::Stored;
use flow_runtime::InstanceId;
use std::collections::{BTreeMap, HashMap};

/// Every ack against the store: the started instance is the order's, the
/// accepted signal was accepted once and delivered, the commit's version was
/// reached and its events are in the journal. Returns the counts.
pub fn check_acks(
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
pub fn check_ledger(
    effects: &[Effect],
    stored: &[Stored],
    problems: &mut Vec<String>,
) -> (usize, usize, usize) {
    let mut expected: HashMap<String, String> = HashMap::new();
    for order in stored {
        for (key, value) in expected_effects(order.n, order.id) {
            expected.insert(key, value);
        }
    }
    let mut applied: HashMap<&str, usize> = HashMap::new();
    for effect in effects {
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
    (expected.len(), effects.len(), reapplied)
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

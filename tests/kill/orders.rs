//! What each order must look like at the end, however often its child was
//! killed: its end, its context, and a journal in which every node on its
//! path was entered once, every task completed once, every compensation done
//! once, and the retries happened as planned.

use crate::flow::{self, Approval, Checkout, CheckoutEnd, CheckoutNode, Order};
use flow_runtime::store::Status;
use flow_runtime::{Cause, Entry, Event, Flow, InstanceId, InstanceState, NodeId, Position};
use std::time::Duration;

/// One order as the store has it at the end.
pub struct Stored {
    pub n: u32,
    pub id: InstanceId,
    pub status: Status,
    pub version: u64,
    pub state: InstanceState<Checkout>,
    /// The journal's events as stored (for the ack digests).
    pub journal: Vec<Vec<u8>>,
    pub entries: Vec<Entry<CheckoutNode>>,
}

/// The nodes every order passes, in order; a shipped one ends at `shipped`.
/// A rejected one visits the first three [`LOOP`] nodes twice.
const PATH: [&str; 11] = [
    "start",
    "reserve",
    "approval",
    "decided",
    "cool_off",
    "pay",
    "fulfil",
    "pack",
    "bill",
    "fulfilled",
    "ship",
];

/// The nodes of the loop a rejection takes.
const LOOP: [&str; 3] = ["reserve", "approval", "decided"];

/// Everything wrong with `order`, one line each.
pub fn check(order: &Stored) -> Vec<String> {
    let n = order.n;
    let refused = flow::ship_refused(n);
    let mut problems = Vec::new();
    let mut problem = |text: String| problems.push(format!("order {n} ({}): {text}", order.id));

    let expected = if refused {
        Status::Failed
    } else {
        Status::Completed
    };
    if order.status != expected {
        problem(format!("ended {}, expected {expected}", order.status));
    }
    let ended_right = match &order.state.position {
        Position::Completed { end } => !refused && *end == CheckoutEnd::Shipped,
        Position::Stopped {
            at,
            cause: Cause::StepFailed { node, .. },
        } => refused && *at == CheckoutNode::Ship && *node == CheckoutNode::Ship,
        _ => false,
    };
    if !ended_right {
        problem(format!("its stored position is {:?}", order.state.position));
    }
    for wrong in context(n, &order.state.context) {
        problem(wrong);
    }
    for wrong in journal(n, &order.entries) {
        problem(wrong);
    }
    let undone: Vec<&str> = order
        .state
        .compensation
        .compensated
        .iter()
        .map(|done| done.node.name())
        .collect();
    // A refused order undid its compensable steps (both visits of `reserve`
    // after a rejection); a shipped one keeps them, none undone.
    let kept = order.state.saga.len();
    let steps = 3 + flow::visits(n) as usize;
    if (undone.len(), kept) != if refused { (steps, 0) } else { (0, steps) } {
        problem(format!(
            "its state lists {undone:?} as compensated and {kept} completed steps to compensate"
        ));
    }
    problems
}

/// The context the steps' values and the approval left.
fn context(n: u32, order: &Order) -> Vec<String> {
    let refused = flow::ship_refused(n);
    let text = |value: &str| Some(value.to_owned());
    let fields = [
        ("reservation", &order.reservation, text(&format!("R{n}"))),
        ("payment", &order.payment, text(&format!("P{n}"))),
        ("parcel", &order.parcel, text(&format!("C{n}"))),
        ("invoice", &order.invoice, text(&format!("I{n}"))),
        (
            "tracking",
            &order.tracking,
            (!refused).then(|| format!("T{n}")),
        ),
    ];
    let mut wrong: Vec<String> = fields
        .into_iter()
        .filter(|(_, actual, expected)| *actual != expected)
        .map(|(field, actual, expected)| {
            format!("context field `{field}` is {actual:?}, expected {expected:?}")
        })
        .collect();
    let approval = Approval {
        approved: true,
        note: format!("ok-{n}"),
    };
    if order.n != n || order.approval.as_ref() != Some(&approval) {
        wrong.push(format!(
            "context is order {} with approval {:?}",
            order.n, order.approval
        ));
    }
    wrong
}

/// The journal's events, checked node by node.
fn journal(n: u32, entries: &[Entry<CheckoutNode>]) -> Vec<String> {
    let refused = flow::ship_refused(n);
    let events: Vec<&Event<CheckoutNode>> = entries.iter().map(|entry| &entry.event).collect();
    let count = |wanted: &dyn Fn(&Event<CheckoutNode>) -> bool| {
        events.iter().filter(|event| wanted(event)).count()
    };
    let mut wrong = Vec::new();
    let mut expect = |what: String, actual: usize, expected: usize| {
        if actual != expected {
            wrong.push(format!(
                "{what} {actual} times in its journal, expected {expected}"
            ));
        }
    };

    let mut path: Vec<&str> = PATH.to_vec();
    if !refused {
        path.push("shipped");
    }
    let nodes = (0..Checkout::GRAPH.nodes().len()).filter_map(CheckoutNode::from_index);
    let visits = flow::visits(n) as usize;
    for node in nodes {
        let name = node.name();
        let times = if LOOP.contains(&name) { visits } else { 1 };
        let on_path = if path.contains(&name) { times } else { 0 };
        let entered = count(&|e| matches!(e, Event::Entered { node: at, .. } if *at == node));
        expect(format!("`{name}` entered"), entered, on_path);
        if flow::TASKS.contains(&name) {
            let done = if refused && name == "ship" { 0 } else { times };
            let succeeded =
                count(&|e| matches!(e, Event::Succeeded { node: at, .. } if *at == node));
            expect(format!("`{name}` completed"), succeeded, done);
        }
        if flow::COMPENSABLE.contains(&name) {
            let undone =
                count(&|e| matches!(e, Event::Compensated { node: at, .. } if *at == node));
            expect(
                format!("`{name}` compensated"),
                undone,
                if refused { times } else { 0 },
            );
        }
    }
    let signalled = count(&|e| {
        matches!(
            e,
            Event::Signalled {
                node: CheckoutNode::Approval,
                ..
            }
        )
    });
    expect("a decision delivered".into(), signalled, visits);
    let woke = count(&|e| {
        matches!(
            e,
            Event::Woke {
                node: CheckoutNode::CoolOff
            }
        )
    });
    expect("`cool_off` fired".into(), woke, 1);
    let failed = count(&|e| {
        matches!(
            e,
            Event::Failed {
                node: CheckoutNode::Ship,
                ..
            }
        )
    });
    expect("`ship` failed".into(), failed, usize::from(refused));
    let completed = count(&|e| matches!(e, Event::Completed { .. }));
    expect(
        "the instance completed".into(),
        completed,
        usize::from(!refused),
    );

    let retries = [
        (CheckoutNode::Pay, flow::pay_times_out_first(n), 150),
        (CheckoutNode::Bill, flow::bill_fails_first(n), 100),
    ];
    for (node, fails_first, backoff) in retries {
        let backoff = Some(Duration::from_millis(backoff));
        let first_failed = count(&|e| {
            matches!(e, Event::AttemptFailed { node: at, attempt: 1, retry_in, .. }
                if *at == node && *retry_in == backoff)
        });
        let others_failed = count(
            &|e| matches!(e, Event::AttemptFailed { node: at, attempt, .. } if *at == node && *attempt != 1),
        );
        let name = node.name();
        expect(
            format!("`{name}`'s first attempt failed with a retry in {backoff:?}"),
            first_failed,
            usize::from(fails_first),
        );
        expect(
            format!("a later attempt of `{name}` failed"),
            others_failed,
            0,
        );
        let attempt = if fails_first { 2 } else { 1 };
        let succeeded = count(
            &|e| matches!(e, Event::Succeeded { node: at, attempt: a } if *at == node && *a == attempt),
        );
        expect(
            format!("`{name}` completed at attempt {attempt}"),
            succeeded,
            1,
        );
    }

    // Newest first: the region's two (in either order), `pay`, then each
    // visit of `reserve`, the last one first.
    let undone: Vec<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Compensated { node, iteration } => Some(format!("{}#{iteration}", node.name())),
            _ => None,
        })
        .collect();
    let mut last: Vec<String> = vec!["pay#1".into()];
    last.extend((1..=visits).rev().map(|visit| format!("reserve#{visit}")));
    let region: Vec<&str> = undone.iter().take(2).map(String::as_str).collect();
    let region_first = region == ["pack#1", "bill#1"] || region == ["bill#1", "pack#1"];
    if refused && (undone.len() != 2 + last.len() || !region_first || undone[2..] != last[..]) {
        wrong.push(format!(
            "compensated {undone:?}: expected `pack#1` and `bill#1`, then {last:?}"
        ));
    }
    wrong
}

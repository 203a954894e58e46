//! The flow the kill test runs, and what each of its instances is meant to
//! do. Every step applies its effect to the ledger under its idempotency
//! key, computed from the context the engine stored (so a context lost or
//! garbled by a crash shows up as a wrong effect). Whether an attempt fails is
//! decided from the instance's number and the attempt, never from memory:
//! the process dies.

use crate::ledger;
use crate::plan::{self, Point};
use flow_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// The payload of the `approval` wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
    pub note: String,
}

/// One order: its number, and what its steps produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    pub n: u32,
    pub reservation: Option<String>,
    pub approval: Option<Approval>,
    pub payment: Option<String>,
    pub parcel: Option<String>,
    pub invoice: Option<String>,
    pub tracking: Option<String>,
}

impl Order {
    pub fn new(n: u32) -> Self {
        Order {
            n,
            ..Order::default()
        }
    }
}

/// The business key of order `n`: starting it again finds the first one.
pub fn key(n: u32) -> String {
    format!("order-{n}")
}

/// The order number in a business key.
pub fn number(key: &str) -> Option<u32> {
    key.strip_prefix("order-")?.parse().ok()
}

/// The decision order `n` receives at its `visit`-th visit of `approval`:
/// a rejection first for some orders (they reserve again), then approval.
pub fn decision(n: u32, visit: u32) -> Approval {
    if visit == 1 && rejected_first(n) {
        Approval {
            approved: false,
            note: format!("rejected-{n}"),
        }
    } else {
        Approval {
            approved: true,
            note: format!("ok-{n}"),
        }
    }
}

/// The dedupe key of order `n`'s decision at its `visit`-th visit of the
/// wait: every resend of it is harmless.
pub fn dedupe(n: u32, visit: u32) -> String {
    format!("approval-{n}-{visit}")
}

/// The first decision rejects the order: it goes back to `reserve` (its
/// second visit, with its own idempotency key) and waits again.
pub fn rejected_first(n: u32) -> bool {
    n % 7 == 2
}

/// How often order `n` visits `reserve`, `approval` and `decided`.
pub fn visits(n: u32) -> u32 {
    if rejected_first(n) { 2 } else { 1 }
}

/// `pay` charges, then times out on its first attempt: retried after 150 ms.
pub fn pay_times_out_first(n: u32) -> bool {
    n.is_multiple_of(3)
}

/// `bill` fails its first attempt (inside the region): retried after 100 ms.
pub fn bill_fails_first(n: u32) -> bool {
    n % 4 == 1
}

/// `ship` refuses the order for good: it fails at `ship` and its four
/// compensable steps are undone.
pub fn ship_refused(n: u32) -> bool {
    n.is_multiple_of(5)
}

/// When an order's approval is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalTiming {
    /// Right after it is started, before it reaches the wait: kept until
    /// it gets there.
    Early,
    /// By the child's sweep over waiting instances, while it runs.
    Sweep,
    /// Only when a child starts (after a kill): it waits across a restart.
    AfterRestart,
}

pub fn signal_timing(n: u32) -> SignalTiming {
    match n % 4 {
        3 => SignalTiming::Early,
        1 => SignalTiming::Sweep,
        _ => SignalTiming::AfterRestart,
    }
}

/// The compensable tasks, in the order they complete (`pack` and `bill`
/// run concurrently).
pub const COMPENSABLE: [&str; 4] = ["reserve", "pay", "pack", "bill"];

/// Every task of the flow.
pub const TASKS: [&str; 5] = ["reserve", "pay", "pack", "bill", "ship"];

pub mod steps {
    use super::*;
    use std::time::Duration;

    fn note(order: &Order) -> &str {
        order.approval.as_ref().map_or("none", |a| a.note.as_str())
    }

    fn or_none(place: &Option<String>) -> &str {
        place.as_deref().unwrap_or("none")
    }

    /// Reserves; after a rejection, under the rejection's terms.
    pub async fn reserve(order: &Order, step: &Step) -> Result<String, StepError> {
        ledger::apply(step, format!("reserve {} after {}", order.n, note(order)));
        Ok(format!("R{}", order.n))
    }

    pub async fn release(order: &Order, step: &Step) -> Result<(), StepError> {
        ledger::undo(step, format!("release {}", or_none(&order.reservation)));
        Ok(())
    }

    /// Charges, then (for some orders, on the first attempt) times out
    /// after charging: the retry charges again under the same key.
    pub async fn pay(order: &Order, step: &Step) -> Result<String, StepError> {
        ledger::apply(step, format!("charge {} approved {}", order.n, note(order)));
        plan::reached(Point::MidStep);
        if step.attempt() == 1 && pay_times_out_first(order.n) {
            return Err(StepError::new("the gateway timed out after charging"));
        }
        Ok(format!("P{}", order.n))
    }

    /// The compensation killed at `mid_compensation`: the branch tasks'
    /// compensations ran (and committed) before it.
    pub async fn refund(order: &Order, step: &Step) -> Result<(), StepError> {
        ledger::undo(step, format!("refund {}", or_none(&order.payment)));
        plan::reached(Point::MidCompensation);
        Ok(())
    }

    /// How long `pack` takes: 20 ms, or `FLOW_KILL_PACK_MS` (the
    /// PostgreSQL kill test makes it longer, so that a stopped worker is
    /// likely caught inside a step).
    fn pack_time() -> Duration {
        static TIME: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
        *TIME.get_or_init(|| {
            let ms = std::env::var("FLOW_KILL_PACK_MS").ok();
            Duration::from_millis(ms.and_then(|ms| ms.parse().ok()).unwrap_or(20))
        })
    }

    /// A branch task that takes a moment, so the other branch runs meanwhile.
    pub async fn pack(n: u32, step: &Step) -> Result<String, StepError> {
        tokio::time::sleep(pack_time()).await;
        ledger::apply(step, format!("pack {n}"));
        Ok(format!("C{n}"))
    }

    pub async fn unpack(order: &Order, step: &Step) -> Result<(), StepError> {
        ledger::undo(step, format!("unpack {}", or_none(&order.parcel)));
        Ok(())
    }

    /// The branch task killed at `mid_region`.
    pub async fn bill(n: u32, payment: &Option<String>, step: &Step) -> Result<String, StepError> {
        ledger::apply(step, format!("bill {n} for {}", or_none(payment)));
        plan::reached(Point::MidRegion);
        if step.attempt() == 1 && bill_fails_first(n) {
            return Err(StepError::new("the invoicing service is busy"));
        }
        Ok(format!("I{n}"))
    }

    pub async fn void(order: &Order, step: &Step) -> Result<(), StepError> {
        ledger::undo(step, format!("void {}", or_none(&order.invoice)));
        Ok(())
    }

    /// Refuses some orders for good, before doing anything.
    pub async fn ship(order: &Order, step: &Step) -> Result<String, StepError> {
        if ship_refused(order.n) {
            return Err(StepError::permanent("the address does not exist"));
        }
        let (parcel, invoice) = (or_none(&order.parcel), or_none(&order.invoice));
        ledger::apply(step, format!("ship {parcel} with {invoice}"));
        Ok(format!("T{}", order.n))
    }
}

flow! {
    /// Reserves, waits for an approval (a rejection reserves again), cools
    /// off, pays (retried), packs and bills at once (billing retried), ships;
    /// a refused shipment undoes every completed compensable step.
    pub flow Checkout(order: Order, step: &Step) {
        start -> reserve;
        task reserve = steps::reserve(&order, step) => order.reservation
            compensate steps::release(&order, step)
            -> approval;
        wait approval: Approval => order.approval -> decided;
        xor decided {
            order.approval.as_ref().is_some_and(|a| a.approved) => cool_off,
            else => reserve,
        }
        timer cool_off = 200ms -> pay;
        task pay = steps::pay(&order, step) => order.payment
            retry 2 backoff fixed(150ms)
            compensate steps::refund(&order, step)
            -> fulfil;
        and fulfil -> pack, bill;
        task pack = steps::pack(order.n, step) => order.parcel
            compensate steps::unpack(&order, step)
            -> fulfilled;
        task bill = steps::bill(order.n, &order.payment, step) => order.invoice
            retry 2 backoff fixed(100ms)
            compensate steps::void(&order, step)
            -> fulfilled;
        join fulfilled -> ship;
        task ship = steps::ship(&order, step) => order.tracking -> shipped;
        end shipped;
    }
}

//! Flows whose parallel branches wait and sleep, for the region tests: a
//! purchase two departments approve at the same time, a build that cools
//! off in one branch, and a delivery whose second branch fails after the
//! first one parked.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The calls the steps of one test made, by step name, in order: one
/// ledger per test, named by the context.
#[derive(Default)]
pub struct Calls(Mutex<Vec<String>>);

impl Calls {
    pub fn record(&self, what: impl Into<String>) {
        self.0.lock().unwrap().push(what.into());
    }

    /// How often `step` was called.
    pub fn count(&self, step: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|c| *c == step).count()
    }

    /// Every call, in order.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The calls of the test whose contexts name `ledger`.
pub fn calls(ledger: &str) -> Arc<Calls> {
    static LEDGERS: Mutex<BTreeMap<String, Arc<Calls>>> = Mutex::new(BTreeMap::new());
    LEDGERS
        .lock()
        .unwrap()
        .entry(ledger.to_owned())
        .or_default()
        .clone()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub ok: bool,
}

pub fn approval(by: &str) -> Approval {
    Approval {
        by: by.to_owned(),
        ok: true,
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Purchase {
    pub ledger: String,
    pub amount: u32,
    /// The budget `hold` reserved: what `release` gives back.
    pub hold: Option<String>,
    pub finance: Option<Approval>,
    pub booked: Option<u32>,
    pub legal: Option<Approval>,
    pub placed: bool,
}

pub mod steps {
    use super::*;

    pub async fn hold(ledger: &str, amount: u32) -> Result<String, StepError> {
        calls(ledger).record("hold");
        Ok(format!("hold-{amount}"))
    }

    pub async fn release(ledger: &str, hold: &Option<String>) -> Result<(), StepError> {
        calls(ledger).record(format!("release {}", hold.as_deref().unwrap_or("nothing")));
        Ok(())
    }

    pub async fn book(ledger: &str, amount: u32) -> Result<u32, StepError> {
        calls(ledger).record("book");
        Ok(amount * 2)
    }

    pub async fn remind(ledger: &str) -> Result<(), StepError> {
        calls(ledger).record("remind");
        Ok(())
    }

    pub async fn place(ledger: &str) -> Result<bool, StepError> {
        calls(ledger).record("place");
        Ok(true)
    }

    pub async fn work(ledger: &str, what: &'static str) -> Result<bool, StepError> {
        calls(ledger).record(what);
        Ok(true)
    }

    pub async fn refuse(ledger: &str, what: &'static str) -> Result<bool, StepError> {
        calls(ledger).record(what);
        Err(StepError::permanent("the carrier refuses the parcel"))
    }
}

flow! {
    /// Finance holds the budget and approves, legal approves (with a
    /// reminder after two days), at the same time; then the order is placed.
    pub flow Purchasing(order: Purchase) {
        start -> approvals;
        and approvals -> hold, legal;
        task hold = steps::hold(&order.ledger, order.amount) => order.hold
            compensate steps::release(&order.ledger, &order.hold)
            -> finance;
        wait finance: Approval => order.finance for group("finance") -> book;
        task book = steps::book(&order.ledger, order.amount) => order.booked -> approved;
        wait legal: Approval => order.legal for group("legal")
            timeout 48h -> remind
            -> approved;
        task remind = steps::remind(&order.ledger) -> legal;
        join approved -> place;
        task place = steps::place(&order.ledger) => order.placed -> done;
        end done;
    }
}

pub fn finance(by: &str) -> PurchasingSignal {
    PurchasingSignal::Finance(approval(by))
}

pub fn legal(by: &str) -> PurchasingSignal {
    PurchasingSignal::Legal(approval(by))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Build {
    pub ledger: String,
    pub compiled: bool,
    pub cooled: bool,
    pub released: bool,
}

flow! {
    /// One branch compiles, the other lets the furnace cool for an hour.
    pub flow Cooling(build: Build) {
        start -> split;
        and split -> compile, cool;
        task compile = steps::work(&build.ledger, "compile") => build.compiled -> joined;
        timer cool = 1h -> cooled;
        task cooled = steps::work(&build.ledger, "cooled") => build.cooled -> joined;
        join joined -> release;
        task release = steps::work(&build.ledger, "release") => build.released -> done;
        end done;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Delivery {
    pub ledger: String,
    pub hold: Option<String>,
    pub signed: Option<Approval>,
    pub docs: Option<Approval>,
    pub shipped: bool,
}

flow! {
    /// The first branch holds the goods and waits for a signature; the
    /// second waits for the documents, then ships, which fails for good.
    pub flow Shipping(delivery: Delivery) {
        start -> split;
        and split -> hold, docs;
        task hold = steps::hold(&delivery.ledger, 7) => delivery.hold
            compensate steps::release(&delivery.ledger, &delivery.hold)
            -> sign;
        wait sign: Approval => delivery.signed -> joined;
        wait docs: Approval => delivery.docs -> ship;
        task ship = steps::refuse(&delivery.ledger, "ship") => delivery.shipped -> joined;
        join joined -> done;
        end done;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub ledger: String,
    pub gift: bool,
    pub packed: bool,
    pub wrapped: bool,
    pub card: Option<Approval>,
}

flow! {
    /// A gift is wrapped and waits for its card, in an `or` nested in a
    /// branch of the `and`, while the other branch packs.
    pub flow Gifting(parcel: Parcel) {
        start -> outer;
        and outer -> pack, extras;
        task pack = steps::work(&parcel.ledger, "pack") => parcel.packed -> outer_done;
        or extras {
            parcel.gift => wrap,
            else => extras_done,
        }
        task wrap = steps::work(&parcel.ledger, "wrap") => parcel.wrapped -> card;
        wait card: Approval => parcel.card -> extras_done;
        join extras_done -> outer_done;
        join outer_done -> done;
        end done;
    }
}

//! Flows that run on an engine in the engine tests: an order that waits for
//! a manager, sleeps, retries and compensates.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// What the steps did, shared by every instance of a test: effect counts
/// by idempotency key, and how often each step ran.
#[derive(Default)]
pub struct Ledger {
    effects: Mutex<BTreeMap<String, u32>>,
    pub runs: AtomicU32,
    /// `ship` fails this many times (in total) before it succeeds.
    pub ship_failures: AtomicU32,
}

impl Ledger {
    pub fn record(&self, key: String) {
        *self.effects.lock().unwrap().entry(key).or_default() += 1;
        self.runs.fetch_add(1, Ordering::SeqCst);
    }

    pub fn effects(&self) -> BTreeMap<String, u32> {
        self.effects.lock().unwrap().clone()
    }

    /// How many times a step of `node` ran (its compensations not counted).
    pub fn count(&self, node: &str) -> u32 {
        self.effects
            .lock()
            .unwrap()
            .iter()
            .filter(|(key, _)| !key.starts_with("refund:") && key.contains(&format!("/{node}/")))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The ledger the steps of the engine tests write to: one per test,
/// registered under the order's `ledger` name.
pub fn ledger(name: &str) -> Arc<Ledger> {
    static LEDGERS: Mutex<BTreeMap<String, Arc<Ledger>>> = Mutex::new(BTreeMap::new());
    LEDGERS
        .lock()
        .unwrap()
        .entry(name.to_owned())
        .or_default()
        .clone()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Approval {
    pub approved: bool,
    pub note: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    /// Names the ledger the steps write to.
    pub ledger: String,
    pub amount: u32,
    pub approval: Option<Approval>,
    pub payment: Option<String>,
    pub shipped: bool,
    pub escalated: u32,
}

pub mod steps {
    use super::*;

    pub async fn pay(order: &Order, step: &Step) -> Result<String, StepError> {
        ledger(&order.ledger).record(step.idempotency_key());
        Ok(format!("payment-{}", order.amount))
    }

    pub async fn refund(order: &Order, step: &Step) -> Result<(), StepError> {
        ledger(&order.ledger).record(format!("refund:{}", step.idempotency_key()));
        Ok(())
    }

    pub async fn ship(order: &Order, step: &Step) -> Result<bool, StepError> {
        let ledger = ledger(&order.ledger);
        ledger.record(step.idempotency_key());
        let left = ledger.ship_failures.load(Ordering::SeqCst);
        if left > 0 {
            ledger.ship_failures.store(left - 1, Ordering::SeqCst);
            return Err(StepError::new("carrier unavailable"));
        }
        Ok(true)
    }

    pub async fn escalate(order: &mut Order) -> Result<(), StepError> {
        order.escalated += 1;
        Ok(())
    }
}

flow! {
    /// Large orders wait for a manager; every order is paid, cools off
    /// for an hour and ships (with retries every ten minutes).
    pub flow Fulfilment(order: Order, step: &Step) {
        start -> size;
        xor size {
            order.amount > 1000 => approval,
            else => pay,
        }
        wait approval: Approval => order.approval
            for group("manager")
            timeout 48h -> escalate
            -> decided;
        task escalate = steps::escalate(&mut order) -> approval;
        xor decided {
            order.approval.as_ref().is_some_and(|a| a.approved) => pay,
            else => rejected,
        }
        task pay = steps::pay(&order, step) => order.payment
            compensate steps::refund(&order, step)
            -> cool_off;
        timer cool_off = 1h -> ship;
        task ship = steps::ship(&order, step) => order.shipped
            retry 3 backoff fixed(10m)
            -> shipped;
        end shipped;
        end rejected;
    }
}

pub fn order(ledger: &str, amount: u32) -> Order {
    Order {
        ledger: ledger.to_owned(),
        amount,
        ..Order::default()
    }
}

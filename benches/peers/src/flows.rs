//! The workloads as `flow!` machines, run in memory: with `Flow::run` (the
//! default, full history: every event with its time) and with a
//! `Runner` keeping none (`History::Off`).

use crate::measure::{batch, concurrent};
use crate::steps::{CHAIN, FAN_SUM, SAGA, add, fetch, refuse, undo, work};
use flow_runtime::prelude::*;
use flow_runtime::{History, Runner};

/// The chain's context: the counter every step adds to.
#[derive(Debug, Default)]
pub struct Counter {
    n: u32,
}

flow! {
    flow Chain(counter: Counter) {
        start -> s1;
        task s1 = add(&mut counter.n) -> s2;
        task s2 = add(&mut counter.n) -> s3;
        task s3 = add(&mut counter.n) -> s4;
        task s4 = add(&mut counter.n) -> s5;
        task s5 = add(&mut counter.n) -> s6;
        task s6 = add(&mut counter.n) -> s7;
        task s7 = add(&mut counter.n) -> s8;
        task s8 = add(&mut counter.n) -> s9;
        task s9 = add(&mut counter.n) -> s10;
        task s10 = add(&mut counter.n) -> done;
        end done;
    }
}

/// The saga's context: how many compensations ran.
#[derive(Debug, Default)]
pub struct Ledger {
    undone: u32,
}

flow! {
    flow Saga(ledger: Ledger) {
        start -> s1;
        task s1 = work(1) compensate undo(&mut ledger.undone) -> s2;
        task s2 = work(2) compensate undo(&mut ledger.undone) -> s3;
        task s3 = work(3) compensate undo(&mut ledger.undone) -> s4;
        task s4 = work(4) compensate undo(&mut ledger.undone) -> s5;
        task s5 = work(5) compensate undo(&mut ledger.undone) -> s6;
        task s6 = refuse(6) -> done;
        end done;
    }
}

/// The fan-out's context: one field per branch.
#[derive(Debug, Default)]
pub struct Quote {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

flow! {
    flow FanOut(quote: Quote) {
        start -> split;
        and split -> a, b, c, d;
        task a = fetch(1) => quote.a -> joined;
        task b = fetch(2) => quote.b -> joined;
        task c = fetch(3) => quote.c -> joined;
        task d = fetch(4) => quote.d -> joined;
        join joined -> done;
        end done;
    }
}

/// One chain instance at `history`: answers the counter.
async fn chain_once(history: History) -> u32 {
    let runner = Runner::new().history(history);
    runner
        .run::<Chain>(Counter::default())
        .await
        .unwrap()
        .context
        .n
}

/// Workload 1: seconds per chain run.
pub async fn chain() -> f64 {
    batch(|| async { assert_eq!(chain_once(History::Full).await, CHAIN) }).await
}

/// Workload 1 without history: seconds per chain run.
pub async fn chain_history_off() -> f64 {
    batch(|| async { assert_eq!(chain_once(History::Off).await, CHAIN) }).await
}

/// Workload 2 with the default (full) history: seconds per saga run.
pub async fn saga() -> f64 {
    batch(|| async {
        let failed = Saga::run(Ledger::default()).await.unwrap_failed();
        assert_eq!(failed.context.undone, SAGA);
        assert!(!failed.journal.is_empty());
    })
    .await
}

/// Workload 2 without history: seconds per saga run.
pub async fn saga_history_off() -> f64 {
    let runner = Runner::new().history(History::Off);
    batch(|| async {
        let failed = runner.run::<Saga>(Ledger::default()).await.unwrap_failed();
        assert_eq!(failed.context.undone, SAGA);
        assert!(failed.journal.is_empty());
    })
    .await
}

/// One fan-out at `history`: answers the sum of the branches' values.
async fn fan_out_once(history: History) -> u32 {
    let runner = Runner::new().history(history);
    let quote = runner
        .run::<FanOut>(Quote::default())
        .await
        .unwrap()
        .context;
    quote.a + quote.b + quote.c + quote.d
}

/// Workload 3: seconds per fan-out run.
pub async fn fan_out() -> f64 {
    batch(|| async { assert_eq!(fan_out_once(History::Full).await, FAN_SUM) }).await
}

/// Workload 3 without history: seconds per fan-out run.
pub async fn fan_out_history_off() -> f64 {
    batch(|| async { assert_eq!(fan_out_once(History::Off).await, FAN_SUM) }).await
}

/// Workload 4: seconds per completed chain instance, 10k at once.
pub async fn concurrent_chain() -> f64 {
    concurrent(|| async { assert_eq!(chain_once(History::Full).await, CHAIN) }).await
}

/// Workload 4 without history: seconds per completed chain instance.
pub async fn concurrent_chain_history_off() -> f64 {
    concurrent(|| async { assert_eq!(chain_once(History::Off).await, CHAIN) }).await
}

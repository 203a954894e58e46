//! The in-memory sequential path at each history level: a 10-step chain of
//! trivial steps and the 5-compensation saga, against the same logic
//! written by hand as plain async Rust, measured in the same run.
//!
//! ```text
//! cargo bench --bench hot_path
//! ```
//!
//! Divide a chain figure by 10 for the cost per step. The workspace builds
//! tokio with `test-util` for its tests, which makes every clock read
//! dearer than in a user's build; `benches/peers` (its own manifest) does
//! not.

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::prelude::*;
use flow_runtime::{History, Runner};
use std::convert::Infallible;
use std::hint::black_box;

#[derive(Debug, Default)]
struct Counter {
    n: u32,
}

async fn bump(n: u32) -> Result<u32, Infallible> {
    black_box(Ok(n + 1))
}

flow! {
    flow Chain(counter: Counter) {
        start -> s1;
        task s1 = bump(counter.n) => counter.n -> s2;
        task s2 = bump(counter.n) => counter.n -> s3;
        task s3 = bump(counter.n) => counter.n -> s4;
        task s4 = bump(counter.n) => counter.n -> s5;
        task s5 = bump(counter.n) => counter.n -> s6;
        task s6 = bump(counter.n) => counter.n -> s7;
        task s7 = bump(counter.n) => counter.n -> s8;
        task s8 = bump(counter.n) => counter.n -> s9;
        task s9 = bump(counter.n) => counter.n -> s10;
        task s10 = bump(counter.n) => counter.n -> done;
        end done;
    }
}

async fn chain_by_hand(mut counter: Counter) -> Result<Counter, Infallible> {
    for _ in 0..10 {
        counter.n = bump(counter.n).await?;
    }
    Ok(counter)
}

#[derive(Debug, thiserror::Error)]
#[error("step {0} failed")]
struct Refused(u32);

#[derive(Debug, Default)]
struct Ledger {
    undone: u32,
}

async fn work(n: u32) -> Result<u32, Refused> {
    black_box(Ok(n))
}

async fn refuse(n: u32) -> Result<u32, Refused> {
    black_box(Err(Refused(n)))
}

async fn undo(ledger: &mut Ledger) -> Result<(), Refused> {
    ledger.undone += 1;
    black_box(Ok(()))
}

flow! {
    flow Saga(ledger: Ledger) {
        start -> s1;
        task s1 = work(1) compensate undo(ledger) -> s2;
        task s2 = work(2) compensate undo(ledger) -> s3;
        task s3 = work(3) compensate undo(ledger) -> s4;
        task s4 = work(4) compensate undo(ledger) -> s5;
        task s5 = work(5) compensate undo(ledger) -> s6;
        task s6 = refuse(6) -> done;
        end done;
    }
}

const LEVELS: [(&str, History); 3] = [
    ("full", History::Full),
    ("path", History::Path),
    ("off", History::Off),
];

fn chain(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("10-step chain, trivial steps");
    group.bench_function("by hand", |b| {
        b.to_async(&runtime).iter(|| async {
            let done = chain_by_hand(Counter::default()).await.unwrap();
            assert_eq!(done.n, 10);
            black_box(done)
        });
    });
    for (name, history) in LEVELS {
        let runner = Runner::new().history(history);
        group.bench_function(format!("flow! machine, history {name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let done = runner.run::<Chain>(Counter::default()).await.unwrap();
                assert_eq!(done.context.n, 10);
                black_box(done)
            });
        });
    }
    group.finish();
}

fn saga(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("saga: 5 steps, the 6th fails, 5 compensations");
    for (name, history) in LEVELS {
        let runner = Runner::new().history(history);
        group.bench_function(format!("flow! machine, history {name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let failed = runner.run::<Saga>(Ledger::default()).await.unwrap_failed();
                assert_eq!(failed.context.undone, 5);
                black_box(failed)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, chain, saga);
criterion_main!(benches);

//! The in-memory sequential path at each history level: a 10-step chain of
//! trivial steps, against the same chain written by hand as plain async
//! Rust, measured in the same run (the saga at each level is in
//! `benches/compensation.rs`).
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

criterion_group!(benches, chain);
criterion_main!(benches);

//! Five compensable steps, the sixth fails, five compensations run: the
//! generated machine against the same logic written by hand as plain async
//! Rust, measured in the same run.
//!
//! ```text
//! cargo bench --bench compensation
//! ```
//!
//! The machine runs at each history level (see `flow_runtime::History`).

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::prelude::*;
use flow_runtime::{History, Runner};
use std::hint::black_box;

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

/// The same saga by hand: run the steps, remember what completed, undo it
/// newest first when one fails.
async fn by_hand(mut ledger: Ledger) -> Result<Ledger, (Refused, Ledger)> {
    let mut completed: Vec<u32> = Vec::new();
    for n in 1..=6 {
        let result = if n == 6 {
            refuse(n).await
        } else {
            work(n).await
        };
        match result {
            Ok(_) => completed.push(n),
            Err(error) => {
                while let Some(_done) = completed.pop() {
                    undo(&mut ledger).await.expect("undo succeeds");
                }
                return Err((error, ledger));
            }
        }
    }
    Ok(ledger)
}

fn compensation(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("saga: 5 steps, the 6th fails, 5 compensations");
    group.bench_function("flow! machine", |b| {
        b.to_async(&runtime).iter(|| async {
            let failed = Saga::run(Ledger::default()).await.unwrap_failed();
            assert_eq!(failed.context.undone, 5);
            black_box(failed)
        })
    });
    // The default above is `History::Full`; the lighter levels beside it.
    for (name, history) in [("path", History::Path), ("off", History::Off)] {
        let runner = Runner::new().history(history);
        group.bench_function(format!("flow! machine, history {name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let failed = runner.run::<Saga>(Ledger::default()).await.unwrap_failed();
                assert_eq!(failed.context.undone, 5);
                black_box(failed)
            })
        });
    }
    group.bench_function("hand-written async", |b| {
        b.to_async(&runtime).iter(|| async {
            let (error, ledger) = by_hand(Ledger::default()).await.unwrap_err();
            assert_eq!(ledger.undone, 5);
            black_box((error, ledger))
        })
    });
    group.finish();
}

criterion_group!(benches, compensation);
criterion_main!(benches);

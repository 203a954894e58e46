//! A 4-way parallel split and its join: the generated machine against the
//! same fan-out written by hand with `tokio::join!`, measured in the same
//! run. Each branch is one step that yields to the scheduler once (a real
//! suspension, as an I/O call would be) and writes its own field.
//!
//! ```text
//! cargo bench --bench fan_out
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::prelude::*;
use std::hint::black_box;

#[derive(Debug, Default)]
struct Quote {
    a: u32,
    b: u32,
    c: u32,
    d: u32,
}

async fn fetch(n: u32) -> Result<u32, std::convert::Infallible> {
    tokio::task::yield_now().await;
    black_box(Ok(n))
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

/// The same fan-out by hand: four futures joined, each writing its field.
async fn by_hand(mut quote: Quote) -> Quote {
    let (a, b, c, d) = tokio::join!(fetch(1), fetch(2), fetch(3), fetch(4));
    let ok = |result: Result<u32, std::convert::Infallible>| result.unwrap_or_else(|n| match n {});
    quote.a = ok(a);
    quote.b = ok(b);
    quote.c = ok(c);
    quote.d = ok(d);
    quote
}

fn fan_out(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("4-way fan-out and join");
    group.bench_function("flow! machine", |b| {
        b.to_async(&runtime).iter(|| async {
            let done = FanOut::run(Quote::default()).await.unwrap();
            assert_eq!(done.context.d, 4);
            black_box(done)
        })
    });
    group.bench_function("tokio::join! by hand", |b| {
        b.to_async(&runtime).iter(|| async {
            let quote = by_hand(Quote::default()).await;
            assert_eq!(quote.d, 4);
            black_box(quote)
        })
    });
    group.finish();
}

criterion_group!(benches, fan_out);
criterion_main!(benches);

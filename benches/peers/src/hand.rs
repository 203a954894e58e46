//! The floors: each workload written by hand as plain async Rust, calling
//! the same step functions.

use crate::measure::{batch, concurrent};
use crate::steps::{
    BRANCHES, CHAIN, FAN_SUM, Refused, SAGA, add, fetch, infallible, refuse, undo, work,
};

/// Ten steps, each adding to the counter: answers the counter.
async fn chain_once() -> u32 {
    let mut counter = 0;
    for _ in 0..CHAIN {
        infallible(add(&mut counter).await);
    }
    counter
}

/// Five compensable steps, the sixth fails, the completed ones are undone
/// newest first: answers the error and how many were undone.
async fn saga_once() -> (Refused, u32) {
    let mut undone = 0;
    let mut completed = Vec::new();
    for n in 1..=SAGA + 1 {
        let result = if n > SAGA {
            refuse(n).await
        } else {
            work(n).await
        };
        match result {
            Ok(value) => completed.push(value),
            Err(error) => {
                while completed.pop().is_some() {
                    undo(&mut undone).await.expect("undo succeeds");
                }
                return (error, undone);
            }
        }
    }
    unreachable!("step {} always fails", SAGA + 1)
}

/// Four branches joined with `tokio::join!`: answers the sum of their values.
async fn fan_out_once() -> u32 {
    let (a, b, c, d) = tokio::join!(fetch(1), fetch(2), fetch(3), fetch(4));
    const _: () = assert!(BRANCHES == 4);
    infallible(a) + infallible(b) + infallible(c) + infallible(d)
}

/// Workload 1: seconds per chain run.
pub async fn chain() -> f64 {
    batch(|| async { assert_eq!(chain_once().await, CHAIN) }).await
}

/// Workload 2: seconds per saga run.
pub async fn saga() -> f64 {
    batch(|| async { assert_eq!(saga_once().await, (Refused(SAGA + 1), SAGA)) }).await
}

/// Workload 3: seconds per fan-out run.
pub async fn fan_out() -> f64 {
    batch(|| async { assert_eq!(fan_out_once().await, FAN_SUM) }).await
}

/// Workload 4: seconds per completed chain instance, 10k spawned at once.
pub async fn concurrent_chain() -> f64 {
    concurrent(|| async { assert_eq!(chain_once().await, CHAIN) }).await
}

//! Timing: every figure is one batch of at least [`MIN_WALL`] of wall time.

use std::future::Future;
use std::time::{Duration, Instant};

/// The least wall time one figure is measured over.
pub const MIN_WALL: Duration = Duration::from_millis(500);

/// Instances started at once in the concurrency workload.
pub const INSTANCES: usize = 10_000;

/// Runs `run` again and again until at least [`MIN_WALL`] has elapsed and
/// answers the seconds one run took on average. Time is read after chunks
/// of runs (1, 2, 4, … up to 4096), so reading the clock costs nothing
/// measurable even for runs of a few nanoseconds.
pub async fn batch<F, Fut>(mut run: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    let mut runs: u64 = 0;
    let mut chunk: u64 = 1;
    loop {
        for _ in 0..chunk {
            run().await;
        }
        runs += chunk;
        let elapsed = start.elapsed();
        if elapsed >= MIN_WALL {
            return elapsed.as_secs_f64() / runs as f64;
        }
        chunk = (chunk * 2).min(4096);
    }
}

/// Spawns [`INSTANCES`] tasks made by `instance` on the current runtime, all
/// at once, and awaits every one: in a [`batch`], the seconds per
/// repetition divided by [`INSTANCES`] is the time per completed instance.
pub async fn spawn_all<F, Fut>(instance: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..INSTANCES).map(|_| tokio::spawn(instance())).collect();
    for handle in handles {
        handle.await.expect("an instance panicked");
    }
}

/// [`batch`] of [`spawn_all`]: answers the seconds per completed instance.
pub async fn concurrent<F, Fut>(instance: F) -> f64
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    batch(|| spawn_all(&instance)).await / INSTANCES as f64
}

//! The durable driver's own cost: nanoseconds per transition of the engine
//! on the memory store, and the share serialization takes, for a 10-step
//! flow with a 1 KiB context. A load program printing its figures; the
//! results are in `BENCHMARKS.md`.
//!
//! ```text
//! cargo bench --bench engine_memory
//! ```
//!
//! On a current-thread runtime (one core), 5 passes of 2000 instances, 64
//! running at once. Beside it, in the same run: `F::run` of the same flow
//! in memory with no engine (the floor the driver adds to), and the
//! serialization the engine does per transition (the state, 1 KiB context
//! included, and the transition's journal events) timed alone.

use flow_runtime::prelude::*;
use flow_runtime::{Engine, InstanceId, InstanceState};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Big {
    pub n: u64,
    /// 1 KiB of payload the engine stores with every transition.
    pub blob: String,
}

impl Big {
    fn new() -> Self {
        Big {
            n: 0,
            blob: "x".repeat(1024),
        }
    }
}

async fn step(big: &mut Big) -> Result<(), StepError> {
    big.n += 1;
    Ok(())
}

flow! {
    /// Ten trivial steps over a 1 KiB context.
    pub flow TenBig(big: Big) {
        start -> s1;
        task s1 = step(&mut big) -> s2;
        task s2 = step(&mut big) -> s3;
        task s3 = step(&mut big) -> s4;
        task s4 = step(&mut big) -> s5;
        task s5 = step(&mut big) -> s6;
        task s6 = step(&mut big) -> s7;
        task s7 = step(&mut big) -> s8;
        task s8 = step(&mut big) -> s9;
        task s9 = step(&mut big) -> s10;
        task s10 = step(&mut big) -> done;
        end done;
    }
}

const INSTANCES: usize = 2000;

/// Runs `INSTANCES` instances on a memory-store engine: time and commits.
async fn engine_pass() -> (Duration, usize) {
    let engine = Engine::memory()
        .register::<TenBig>()
        .concurrency(64)
        .start();
    let began = Instant::now();
    let ids: Vec<InstanceId> = join_all((0..INSTANCES).map(|_| engine.start::<TenBig>(Big::new())))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for outcome in join_all(ids.iter().map(|&id| engine.outcome::<TenBig>(id))).await {
        assert!(outcome.unwrap().is_completed());
    }
    let took = began.elapsed();
    let commits = engine.commits();
    engine.shutdown().await;
    (took, commits)
}

/// The same instances with `F::run`: no store, nothing serialized.
async fn in_memory_pass() -> Duration {
    let began = Instant::now();
    for _ in 0..INSTANCES {
        assert!(TenBig::run(Big::new()).await.is_completed());
    }
    began.elapsed()
}

/// What the engine serializes for one instance's run: its state at every
/// commit and every journal event once; and the one decode of its state
/// when it is claimed.
async fn serialization_per_instance(commits_per_instance: usize) -> Duration {
    let engine = Engine::memory().register::<TenBig>().start();
    let id = engine.start::<TenBig>(Big::new()).await.unwrap();
    engine.outcome::<TenBig>(id).await.unwrap();
    let journal = engine.history::<TenBig>(id).await.unwrap();
    engine.shutdown().await;
    let state = InstanceState::<TenBig>::new(Big::new());
    let rounds = 2000;
    let began = Instant::now();
    for _ in 0..rounds {
        for _ in 0..commits_per_instance {
            black_box(serde_json::to_vec(black_box(&state)).unwrap());
        }
        for entry in journal.entries() {
            black_box(serde_json::to_vec(black_box(entry)).unwrap());
        }
        let bytes = serde_json::to_vec(&state).unwrap();
        black_box(serde_json::from_slice::<InstanceState<TenBig>>(&bytes).unwrap());
    }
    began.elapsed() / rounds
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for pass in 1..=5 {
            let (engine, commits) = engine_pass().await;
            let floor = in_memory_pass().await;
            let per_instance = commits / INSTANCES;
            let serialization = serialization_per_instance(per_instance).await;
            let per_transition = engine.as_nanos() as f64 / commits as f64;
            let floor_per_transition = floor.as_nanos() as f64 / commits as f64;
            let serial_per_transition = serialization.as_nanos() as f64 / per_instance as f64;
            println!(
                "pass {pass}: engine on the memory store {per_transition:.0} ns a transition \
                 ({commits} commits for {INSTANCES} instances); F::run {floor_per_transition:.0} ns \
                 for the same work ({:.1}x); serialization {serial_per_transition:.0} ns a transition \
                 = {:.0}% of the engine's",
                per_transition / floor_per_transition,
                100.0 * serial_per_transition / per_transition,
            );
        }
    });
}

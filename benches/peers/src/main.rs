//! A load program: `flow` against peer workflow and state-machine crates on
//! the same workloads, with the same step functions (`steps.rs`) and the
//! same runtime flavour, beside a hand-written floor.
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml
//! ```
//!
//! Every figure is one batch of at least 0.5 s of wall time; the program
//! measures everything twice in one process, prints both passes, and
//! computes the ratios from the better one. It ends with a markdown table
//! for `BENCHMARKS.md`.

mod flows;
mod hand;
mod measure;
mod peer_cano;
mod report;
mod steps;

use report::{Cell, Entry, Role, Unit, Workload};
use std::future::Future;
use std::pin::Pin;

/// A boxed measurement: answers the seconds per repetition (per instance
/// for the concurrency workload).
pub type Measure = fn() -> Pin<Box<dyn Future<Output = f64>>>;

/// A measured row: `row!("name", Role, path::to::measure)`.
macro_rules! row {
    ($name:expr, $role:ident, $measure:path) => {
        Entry::new($name, Role::$role, Cell::Measure(|| Box::pin($measure())))
    };
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            title: "chain: 10 trivial steps",
            unit: Unit::NsPerStep,
            multi_thread: false,
            entries: vec![
                row!("hand-written async", Floor, hand_chain),
                row!("flow", Flow, flows::chain),
                row!("cano (workflow built once)", Peer, peer_cano::chain),
                row!(
                    "cano (workflow built per run)",
                    Peer,
                    peer_cano::chain_built_per_run
                ),
            ],
        },
        Workload {
            title: "saga: 5 compensable steps, the 6th fails, 5 compensations",
            unit: Unit::UsPerRun,
            multi_thread: false,
            entries: vec![
                row!("hand-written async", Floor, hand_saga),
                row!("flow (history: full)", Flow, flows::saga),
                Entry::new(
                    "flow (history: off)",
                    Role::Flow,
                    Cell::Missing("n/a (History missing)"),
                ),
                row!("cano (workflow built once)", Peer, peer_cano::saga),
            ],
        },
        Workload {
            title: "fan-out: 4-way `and` split and join, each branch yields once",
            unit: Unit::UsPerRun,
            multi_thread: false,
            entries: vec![
                row!("`tokio::join!` by hand", Floor, hand_fan_out),
                row!("flow", Flow, flows::fan_out),
                row!("cano (workflow built once)", Peer, peer_cano::fan_out),
            ],
        },
        Workload {
            title: "10k concurrent chains, multi-thread runtime (2 workers)",
            unit: Unit::InstancesPerSec,
            multi_thread: true,
            entries: vec![
                row!("10k spawned hand-written chains", Floor, hand_concurrent),
                row!("flow", Flow, flows::concurrent_chain),
                row!(
                    "cano (workflow per instance)",
                    Peer,
                    peer_cano::concurrent_chain
                ),
            ],
        },
    ]
}

async fn hand_chain() -> f64 {
    measure::batch(|| async { assert_eq!(hand::chain().await, steps::CHAIN) }).await
}

async fn hand_saga() -> f64 {
    measure::batch(|| async {
        let (error, undone) = hand::saga().await;
        assert_eq!(
            (error, undone),
            (steps::Refused(steps::SAGA + 1), steps::SAGA)
        );
    })
    .await
}

async fn hand_fan_out() -> f64 {
    measure::batch(|| async { assert_eq!(hand::fan_out().await, steps::FAN_SUM) }).await
}

async fn hand_concurrent() -> f64 {
    measure::concurrent(|| async { assert_eq!(hand::chain().await, steps::CHAIN) }).await
}

fn main() {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a multi-thread runtime");
    let mut workloads = workloads();
    for pass in 0..2 {
        println!("== pass {}", pass + 1);
        for workload in &mut workloads {
            let runtime = if workload.multi_thread {
                &multi
            } else {
                &current
            };
            workload.measure(pass, |measure| runtime.block_on(measure()));
        }
    }
    println!();
    report::print_table(&workloads);
}

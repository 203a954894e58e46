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
mod peer_sayiir;
mod peer_statig;
#[cfg(feature = "steno")]
mod peer_steno;
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

// Why a peer has no row for a workload (the module of each says more).
const SAYIIR_NO_SAGA: &str =
    "sayiir has no compensation: a failed task fails the workflow, nothing is undone";
const STATIG_NO_FAN_OUT: &str =
    "a statig machine is in one state at a time: four branches at once would be a join outside it";
const STATIG_NOT_SEND: &str = "rustc cannot prove statig's async handler futures `Send` \
     (rust-lang/rust#100013), which `tokio::spawn` on the multi-thread runtime needs";

/// A steno row, or "n/a" in a build without the `steno` feature.
macro_rules! steno_row {
    ($name:expr, $measure:ident) => {{
        #[cfg(feature = "steno")]
        let cell = Cell::Measure(|| Box::pin(peer_steno::$measure()));
        #[cfg(not(feature = "steno"))]
        let cell = Cell::Missing("n/a (built without `steno`)");
        Entry::new($name, Role::Peer, cell)
    }};
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "chain, per step",
            title: "chain: 10 trivial steps",
            unit: Unit::NsPerStep,
            multi_thread: false,
            entries: vec![
                row!("hand-written async", Floor, hand::chain),
                row!("flow (history: full)", Flow, flows::chain),
                row!("flow (history: off)", Flow, flows::chain_history_off),
                row!("cano (workflow built once)", Peer, peer_cano::chain),
                row!(
                    "cano (workflow built per run)",
                    Peer,
                    peer_cano::chain_built_per_run
                ),
                row!("sayiir", Peer, peer_sayiir::chain),
                steno_row!("steno", chain),
                row!("statig", Peer, peer_statig::chain),
            ],
        },
        Workload {
            name: "saga, per run",
            title: "saga: 5 compensable steps, the 6th fails, 5 compensations",
            unit: Unit::UsPerRun,
            multi_thread: false,
            entries: vec![
                row!("hand-written async", Floor, hand::saga),
                row!("flow (history: full)", Flow, flows::saga),
                row!("flow (history: off)", Flow, flows::saga_history_off),
                row!("cano (workflow built once)", Peer, peer_cano::saga),
                Entry::new("sayiir", Role::Peer, Cell::Cannot(SAYIIR_NO_SAGA)),
                steno_row!("steno", saga),
                row!("statig (transitions by hand)", Peer, peer_statig::saga),
            ],
        },
        Workload {
            name: "fan-out, per run",
            title: "fan-out: 4-way `and` split and join, each branch yields once",
            unit: Unit::UsPerRun,
            multi_thread: false,
            entries: vec![
                row!("`tokio::join!` by hand", Floor, hand::fan_out),
                row!("flow (history: full)", Flow, flows::fan_out),
                row!("flow (history: off)", Flow, flows::fan_out_history_off),
                row!("cano (workflow built once)", Peer, peer_cano::fan_out),
                row!("sayiir", Peer, peer_sayiir::fan_out),
                steno_row!("steno", fan_out),
                Entry::new("statig", Role::Peer, Cell::Cannot(STATIG_NO_FAN_OUT)),
            ],
        },
        Workload {
            name: "10k concurrent, instances/s",
            title: "10k concurrent chains, multi-thread runtime (2 workers)",
            unit: Unit::InstancesPerSec,
            multi_thread: true,
            entries: vec![
                row!(
                    "10k spawned hand-written chains",
                    Floor,
                    hand::concurrent_chain
                ),
                row!("flow (history: full)", Flow, flows::concurrent_chain),
                row!(
                    "flow (history: off)",
                    Flow,
                    flows::concurrent_chain_history_off
                ),
                row!(
                    "cano (workflow per instance)",
                    Peer,
                    peer_cano::concurrent_chain
                ),
                row!("sayiir", Peer, peer_sayiir::concurrent_chain),
                steno_row!("steno (one SEC)", concurrent_chain),
                Entry::new("statig", Role::Peer, Cell::Cannot(STATIG_NOT_SEND)),
            ],
        },
    ]
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
    print_load("before");
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
    print_load("after");
    println!();
    report::print_table(&workloads);
}

/// Prints the load average (on Linux), so a reader can tell a run on a
/// quiet machine from one beside other builds.
fn print_load(when: &str) {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("load average {when}: {}", load.join(" "));
    }
}

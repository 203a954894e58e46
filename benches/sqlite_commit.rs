//! The SQLite store's commit ceiling, the baseline that durable engine
//! throughput is measured against (DESIGN.md §7), in both synchronous modes:
//!
//! - `batched`: 64 tasks on a multi-threaded runtime each commit 8
//!   transitions of their own instance (a 1 KiB state and 3 events of
//!   ~100 bytes each) one after another, so the writer's group commit
//!   gathers the concurrent ones into shared transactions. Reported in
//!   commits per second; the mean batch size is printed after each mode.
//! - `single`: one task commits one transition at a time: the latency of
//!   one acknowledged commit (a whole transaction and its fsync).
//!
//! ```text
//! cargo bench --bench sqlite_commit
//! ```
//!
//! The figures depend on the disk: the store is in the system's temporary
//! directory (`TMPDIR`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flow_runtime::InstanceId;
use flow_runtime::store::{
    Commit, NewInstance, SqliteOptions, SqliteStore, Status, Store, Synchronous,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const TASKS: usize = 64;
const COMMITS_PER_TASK: usize = 8;

struct Bench {
    store: SqliteStore,
    /// Each instance's version, so every commit names the current one.
    versions: Arc<Vec<AtomicU64>>,
    _dir: tempfile::TempDir,
}

fn id(n: usize) -> InstanceId {
    InstanceId::from_u128(n as u128 + 1)
}

fn transition(n: usize, version: u64) -> Commit {
    Commit {
        id: id(n),
        version,
        hash: 0,
        status: Status::Runnable,
        state: vec![b's'; 1024],
        wake_at: None,
        waits: Vec::new(),
        events: (0..3).map(|event| vec![b'0' + event; 100]).collect(),
        consumed: None,
    }
}

async fn open(runtime: &tokio::runtime::Runtime, synchronous: Synchronous) -> Bench {
    let _enter = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(dir.path().join("bench.db"), options).unwrap();
    for n in 0..TASKS {
        let new = NewInstance {
            id: id(n),
            flow: "bench".to_owned(),
            hash: 1,
            key: None,
            state: vec![b's'; 1024],
            events: Vec::new(),
        };
        store.create(new).await.unwrap();
    }
    let versions = Arc::new((0..TASKS).map(|_| AtomicU64::new(0)).collect());
    Bench {
        store,
        versions,
        _dir: dir,
    }
}

/// Every task commits its transitions; returns how long all took.
async fn burst(bench: &Bench) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let store = bench.store.clone();
            let versions = Arc::clone(&bench.versions);
            tokio::spawn(async move {
                for _ in 0..COMMITS_PER_TASK {
                    let version = versions[n].load(Ordering::Relaxed);
                    store.commit(vec![transition(n, version)]).await.unwrap();
                    versions[n].store(version + 1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    start.elapsed()
}

fn modes() -> [(Synchronous, &'static str); 2] {
    [(Synchronous::Full, "FULL"), (Synchronous::Normal, "NORMAL")]
}

fn batched(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("sqlite batched commits");
    group.throughput(Throughput::Elements((TASKS * COMMITS_PER_TASK) as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for (synchronous, name) in modes() {
        let bench = runtime.block_on(open(&runtime, synchronous));
        let before = bench.store.write_stats();
        group.bench_function(format!("synchronous={name}, {TASKS} tasks"), |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let bench = &bench;
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += burst(bench).await;
                    }
                    total
                }
            })
        });
        let after = bench.store.write_stats();
        let transactions = after.transactions - before.transactions;
        let operations = after.operations - before.operations;
        eprintln!(
            "synchronous={name}: {operations} commits in {transactions} transactions, \
             {:.1} per transaction",
            operations as f64 / transactions.max(1) as f64
        );
    }
    group.finish();
}

fn single(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("sqlite single commit");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for (synchronous, name) in modes() {
        let bench = runtime.block_on(open(&runtime, synchronous));
        group.bench_function(format!("synchronous={name}"), |b| {
            b.to_async(&runtime).iter(|| async {
                let version = bench.versions[0].load(Ordering::Relaxed);
                bench
                    .store
                    .commit(vec![transition(0, version)])
                    .await
                    .unwrap();
                bench.versions[0].store(version + 1, Ordering::Relaxed);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, batched, single);
criterion_main!(benches);

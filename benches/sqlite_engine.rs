//! The engine on a SQLite file, measured: a load program that prints its
//! figures (issue 10's benchmarks; the results are in `BENCHMARKS.md`).
//!
//! ```text
//! cargo bench --bench sqlite_engine              # every figure, ~2 minutes here
//! cargo bench --bench sqlite_engine -- --parked 10000   # fewer parked instances
//! cargo bench --bench sqlite_engine -- --only throughput # one figure: fsync, throughput,
//!                                                        # latency, memory or resume
//! ```
//!
//! In one run, on files in the system's temporary directory (`TMPDIR`):
//!
//! 1. the disk's fsync latency (4 KiB write + `fdatasync`, the median of 200);
//! 2. for each synchronous mode, step transitions per second of 1000
//!    concurrent instances of a 10-step flow, against the ceiling of raw
//!    batched inserts into a SQLite file in the same mode, measured right
//!    after: as many rows as the engine made transitions, each as large as
//!    a transition's writes, 1000 (one per instance) a transaction;
//! 3. start-to-complete latency of one 10-step instance at a time;
//! 4. resident memory per parked instance, with 100 000 instances waiting
//!    at a `wait` (the process's RSS before and after they parked), and
//!    the live heap (glibc's `mallinfo2`) beside it;
//! 5. the time a new engine takes to resume 100 000 instances that were
//!    signalled at their `wait` while no engine ran, until all have
//!    completed.

use flow_runtime::prelude::*;
use flow_runtime::store::{NewSignal, SqliteOptions, SqliteStore, Store, Synchronous};
use flow_runtime::{Engine, InstanceId};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Load {
    pub n: u64,
    pub approved: Option<bool>,
}

async fn step(load: &mut Load) -> Result<(), StepError> {
    load.n += 1;
    Ok(())
}

flow! {
    /// Ten trivial steps: what is measured is the engine and the store.
    pub flow Ten(load: Load) {
        start -> s1;
        task s1 = step(&mut load) -> s2;
        task s2 = step(&mut load) -> s3;
        task s3 = step(&mut load) -> s4;
        task s4 = step(&mut load) -> s5;
        task s5 = step(&mut load) -> s6;
        task s6 = step(&mut load) -> s7;
        task s7 = step(&mut load) -> s8;
        task s8 = step(&mut load) -> s9;
        task s9 = step(&mut load) -> s10;
        task s10 = step(&mut load) -> done;
        end done;
    }
}

flow! {
    /// Parks at once until someone approves.
    pub flow Parked(load: Load) {
        start -> approve;
        wait approve: bool => load.approved -> done;
        end done;
    }
}

fn options(synchronous: Synchronous) -> SqliteOptions {
    SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    }
}

fn mode_name(synchronous: Synchronous) -> &'static str {
    match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    }
}

/// The median time of a 4 KiB write and `fdatasync` on a file in `dir`.
fn fsync_latency(dir: &Path) -> Duration {
    let mut file = std::fs::File::create(dir.join("fsync.probe")).unwrap();
    let block = [7u8; 4096];
    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            let began = Instant::now();
            file.write_all(&block).unwrap();
            file.sync_data().unwrap();
            began.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// What the engine's commits of one run looked like, read from its file.
struct Shape {
    transitions: u64,
    /// The writer's transactions, and the operations they carried (the
    /// commits, and the starts, claims and releases around them).
    transactions: u64,
    operations: u64,
    bytes_per_transition: u64,
}

fn shape(path: &Path, store: &SqliteStore) -> Shape {
    let stats = store.write_stats();
    let db = rusqlite::Connection::open(path).unwrap();
    let count = |sql: &str| -> u64 {
        let value: i64 = db.query_row(sql, [], |row| row.get(0)).unwrap();
        value.max(0) as u64
    };
    let journal = count("SELECT coalesce(sum(length(event)), 0) FROM journal");
    let state = count("SELECT coalesce(sum(length(state)), 0) FROM instances");
    let instances = count("SELECT count(*) FROM instances").max(1);
    let transitions = count("SELECT coalesce(sum(version), 0) FROM instances").max(1);
    Shape {
        transitions,
        transactions: stats.transactions.max(1),
        operations: stats.operations,
        // Every transition writes the state (the final size stands for all)
        // and its events.
        bytes_per_transition: (journal + state / instances * transitions) / transitions,
    }
}

/// Rows per second of raw batched inserts into a new SQLite file in `dir`:
/// `rows` rows of `bytes` bytes, `batch` rows a transaction, WAL, in the
/// given synchronous mode. The ceiling an engine on SQLite cannot pass.
fn raw_inserts(dir: &Path, synchronous: Synchronous, rows: u64, batch: u64, bytes: u64) -> f64 {
    let path = dir.join(format!("raw-{}.db", mode_name(synchronous)));
    let mut db = rusqlite::Connection::open(&path).unwrap();
    db.pragma_update(None, "journal_mode", "WAL").unwrap();
    db.pragma_update(None, "synchronous", mode_name(synchronous))
        .unwrap();
    db.execute_batch("CREATE TABLE t (instance INTEGER, seq INTEGER, body BLOB)")
        .unwrap();
    let body = vec![b'x'; bytes as usize];
    let began = Instant::now();
    let mut written = 0;
    while written < rows {
        let tx = db.transaction().unwrap();
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO t VALUES (?1, ?2, ?3)")
                .unwrap();
            for _ in 0..batch.min(rows - written) {
                insert
                    .execute(rusqlite::params![
                        (written % 1000) as i64,
                        written as i64,
                        body
                    ])
                    .unwrap();
                written += 1;
            }
        }
        tx.commit().unwrap();
    }
    rows as f64 / began.elapsed().as_secs_f64()
}

/// Waits until every instance in `ids` has finished; panics after a minute.
async fn all_finished(engine: &Engine, ids: &[InstanceId]) {
    let outcomes = join_all(ids.iter().map(|&id| engine.outcome::<Ten>(id)));
    let outcomes = tokio::time::timeout(Duration::from_secs(120), outcomes)
        .await
        .expect("the instances did not finish within two minutes");
    for outcome in outcomes {
        assert!(outcome.unwrap().is_completed());
    }
}

/// 1000 concurrent 10-step instances: transitions per second, and the
/// same file's raw ceiling.
async fn throughput(dir: &Path, synchronous: Synchronous) {
    let path = dir.join(format!("throughput-{}.db", mode_name(synchronous)));
    let store = SqliteStore::open_with(&path, options(synchronous)).unwrap();
    let engine = Engine::builder(store.clone())
        .register::<Ten>()
        .concurrency(1000)
        .start();
    let began = Instant::now();
    let ids: Vec<InstanceId> = join_all((0..1000).map(|_| engine.start::<Ten>(Load::default())))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    all_finished(&engine, &ids).await;
    let took = began.elapsed();
    engine.shutdown().await;
    let shape = shape(&path, &store);
    let per_second = shape.transitions as f64 / took.as_secs_f64();
    // The most a transaction of the engine could carry: one commit of each
    // concurrent instance.
    let batch = 1000;
    let ceiling = raw_inserts(
        dir,
        synchronous,
        shape.transitions,
        batch,
        shape.bytes_per_transition,
    );
    println!(
        "throughput {:<6}  1000 x 10-step instances: {} transitions in {:.2} s = {:.0} transitions/s \
         (writer: {} transactions carrying {} operations; {} B a transition)",
        mode_name(synchronous),
        shape.transitions,
        took.as_secs_f64(),
        per_second,
        shape.transactions,
        shape.operations,
        shape.bytes_per_transition,
    );
    println!(
        "ceiling    {:<6}  raw inserts of as many rows of that size, {batch} a transaction: {:.0} rows/s; engine = {:.0}% of it",
        mode_name(synchronous),
        ceiling,
        100.0 * per_second / ceiling
    );
}

/// One instance at a time, start to outcome.
async fn latency(dir: &Path, synchronous: Synchronous) {
    let path = dir.join(format!("latency-{}.db", mode_name(synchronous)));
    let engine = Engine::sqlite_with(&path, options(synchronous))
        .unwrap()
        .register::<Ten>()
        .start();
    let mut times = Vec::new();
    for _ in 0..200 {
        let began = Instant::now();
        let id = engine.start::<Ten>(Load::default()).await.unwrap();
        assert!(engine.outcome::<Ten>(id).await.unwrap().is_completed());
        times.push(began.elapsed());
    }
    engine.shutdown().await;
    times.sort();
    println!(
        "latency    {:<6}  one 10-step instance, start to outcome (200 runs): median {:.2} ms, p99 {:.2} ms",
        mode_name(synchronous),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() * 99 / 100].as_secs_f64() * 1e3,
    );
}

/// The process's resident set, from `/proc/self/statm`.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|pages| pages.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Starts `count` instances of `F`, 1000 at a time, and waits until all
/// are parked.
async fn start_parked<F: flow_runtime::Durable<Context = Load>>(
    engine: &Engine,
    path: &Path,
    count: usize,
    load: Load,
) {
    for chunk in 0..count.div_ceil(1000) {
        let n = 1000.min(count - chunk * 1000);
        for started in join_all((0..n).map(|_| engine.start::<F>(load.clone()))).await {
            started.unwrap();
        }
    }
    // Counted on a connection of our own: listing 100 000 instances through
    // the engine every few hundred milliseconds would be most of what the
    // process allocates, and the figure would measure that.
    let db = rusqlite::Connection::open(path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let parked: i64 = db
            .query_row(
                "SELECT count(*) FROM instances WHERE status IN ('waiting', 'sleeping')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if parked as usize == count && engine.is_idle() {
            return;
        }
        assert!(Instant::now() < deadline, "only {parked} of {count} parked");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Resident memory per instance parked at a wait.
async fn parked_memory(dir: &Path, count: usize) {
    let path = dir.join("parked.db");
    let engine = Engine::sqlite(&path).unwrap().register::<Parked>().start();
    let before = rss_bytes();
    start_parked::<Parked>(&engine, &path, count, Load::default()).await;
    let after = rss_bytes();
    // SAFETY: mallinfo2 only reads glibc's heap statistics.
    let live = unsafe { libc::mallinfo2() }.uordblks;
    let context = serde_json::to_vec(&Load::default()).unwrap().len();
    println!(
        "memory     parked    {count} instances waiting: RSS {:.1} MiB -> {:.1} MiB, {:.0} B per instance \
         (context {context} B serialized); live heap {:.1} MiB",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        after.saturating_sub(before) as f64 / count as f64,
        live as f64 / 1048576.0,
    );
    engine.shutdown().await;
}

/// A new engine resuming instances that became runnable while no engine
/// ran: parked at a wait, then signalled through the store (as another
/// process, an HTTP handler say, would) during the downtime.
async fn resume(dir: &Path, count: usize) {
    let path = dir.join("resume.db");
    let engine = Engine::sqlite(&path).unwrap().register::<Parked>().start();
    start_parked::<Parked>(&engine, &path, count, Load::default()).await;
    engine.shutdown().await;
    drop(engine);

    let ids: Vec<InstanceId> = {
        let db = rusqlite::Connection::open(&path).unwrap();
        let mut select = db.prepare("SELECT id FROM instances").unwrap();
        select
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(|id| id.unwrap().parse().unwrap())
            .collect()
    };
    let store = SqliteStore::open(&path).unwrap();
    for chunk in ids.chunks(1000) {
        let signals = chunk.iter().map(|&id| {
            store.signal(
                id,
                NewSignal {
                    wait: "approve".to_owned(),
                    payload: b"true".to_vec(),
                    by: None,
                    dedupe: None,
                },
            )
        });
        for delivered in join_all(signals).await {
            delivered.unwrap();
        }
    }
    drop(store);

    let began = Instant::now();
    let engine = Engine::sqlite(&path)
        .unwrap()
        .register::<Parked>()
        .concurrency(1000)
        .start();
    let db = rusqlite::Connection::open(&path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done: i64 = db
            .query_row(
                "SELECT count(*) FROM instances WHERE status = 'completed'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if done as usize == count {
            break;
        }
        assert!(Instant::now() < deadline, "only {done} of {count} resumed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = began.elapsed();
    engine.shutdown().await;
    println!(
        "resume     FULL      {count} instances signalled while no engine ran, a new engine on the file: \
         all completed in {:.2} s ({:.0} instances/s)",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64()
    );
}

/// The value after `--name` on the command line.
fn option(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == name)
        .and_then(|at| args.get(at + 1))
        .cloned()
}

/// Whether the figure `name` is asked for (`--only name`, or no `--only`).
fn wanted(name: &str) -> bool {
    option("--only").is_none_or(|only| only == name)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would too.
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let parked = option("--parked").map_or(100_000, |count| count.parse().expect("--parked N"));
    if wanted("fsync") {
        println!(
            "fsync      disk      4 KiB write + fdatasync, median of 200: {:.3} ms",
            fsync_latency(dir.path()).as_secs_f64() * 1e3
        );
    }
    runtime.block_on(async {
        for synchronous in [Synchronous::Full, Synchronous::Normal] {
            if wanted("throughput") {
                throughput(dir.path(), synchronous).await;
            }
        }
        for synchronous in [Synchronous::Full, Synchronous::Normal] {
            if wanted("latency") {
                latency(dir.path(), synchronous).await;
            }
        }
        if wanted("memory") {
            parked_memory(dir.path(), parked).await;
        }
        if wanted("resume") {
            resume(dir.path(), parked).await;
        }
    });
}

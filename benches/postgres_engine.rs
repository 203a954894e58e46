//! The engine on PostgreSQL with many worker processes, measured: a load
//! program that prints its figures (the results are in `BENCHMARKS.md`).
//!
//! ```text
//! export FLOW_POSTGRES_URL=$(.ci/setup-postgres | tail -n 1)
//! cargo bench --bench postgres_engine                      # every figure
//! cargo bench --bench postgres_engine -- --instances 1000  # fewer instances per run
//! cargo bench --bench postgres_engine -- --only raw        # one figure: raw, workers or latency
//! ```
//!
//! In one run, each part in a schema of its own on the same server:
//!
//! 1. the server's raw ceiling, on 4 connections at once: batched inserts
//!    (64 rows of the size of a stored state per statement), batched claims
//!    (`FOR UPDATE SKIP LOCKED`, 64 rows per statement), and batched fenced
//!    commits (64 version-checked row updates, each with a journal row, in
//!    one pipelined transaction, as the store's writer sends them);
//! 2. step transitions per second of `--instances` instances of a 10-step
//!    flow, created beforehand, run by 1, 2 and 4 worker processes (this
//!    program re-executed), from the workers' start until the last
//!    instance completed;
//! 3. the latency from a signal, sent by a client-only engine in this
//!    process, to the start of the step after the wait in a worker process
//!    (both read the same clock): the median and the 99th percentile of 100,
//!    one at a time.
//!
//! Without a server it prints what to install and measures nothing.

use flow_runtime::prelude::*;
use flow_runtime::store::{Filter, NewInstance, PostgresOptions, PostgresStore, Status, Store};
use flow_runtime::{Engine, InstanceState};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Load {
    pub n: u64,
    pub go: Option<u64>,
    /// When the step after the wait began, in nanoseconds since the epoch.
    pub resumed: Option<u128>,
}

async fn step(load: &mut Load) -> Result<(), StepError> {
    load.n += 1;
    Ok(())
}

async fn stamp() -> Result<u128, StepError> {
    Ok(nanos())
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
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
    /// Parks at a wait; the next step notes when it began.
    pub flow Ping(load: Load) {
        start -> go;
        wait go: u64 => load.go -> stamp;
        task stamp = stamp() => load.resumed -> done;
        end done;
    }
}

const WORKER_VAR: &str = "FLOW_BENCH_WORKER";

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("FLOW_POSTGRES_URL").or_else(|_| std::env::var("DATABASE_URL"));
    let Ok(url) = url else {
        println!(
            "SKIPPED: no PostgreSQL server: install postgresql (or run .ci/setup-postgres) and set FLOW_POSTGRES_URL"
        );
        return Ok(());
    };
    if let Ok(schema) = std::env::var(WORKER_VAR) {
        return worker(&url, &schema).await;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    let instances: usize = value("--instances").map_or(Ok(2000), |n| n.parse())?;
    let only = value("--only");
    let wanted = |part: &str| only.as_deref().is_none_or(|only| only == part);
    let admin = Admin::connect(&url).await?;
    println!("PostgreSQL {}", admin.version().await?);
    if wanted("raw") {
        raw::ceiling(&admin, instances * 11).await?;
    }
    if wanted("workers") {
        for workers in [1, 2, 4] {
            throughput(&url, &admin, instances, workers).await?;
        }
    }
    if wanted("latency") {
        latency(&url, &admin).await?;
    }
    Ok(())
}

/// A worker process: runs instances until its standard input closes.
async fn worker(url: &str, schema: &str) -> Result<(), Error> {
    let options = PostgresOptions {
        schema: schema.to_owned(),
        ..PostgresOptions::default()
    };
    let engine = Engine::postgres_with(url, options)
        .await?
        .register::<Ten>()
        .register::<Ping>()
        .poll_interval(Duration::from_millis(50))
        .start();
    tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
        .await??;
    engine.shutdown().await;
    Ok(())
}

fn spawn_workers(schema: &str, count: usize) -> Result<Vec<Child>, Error> {
    let exe = std::env::current_exe()?;
    (0..count)
        .map(|_| {
            Command::new(&exe)
                .env(WORKER_VAR, schema)
                .stdin(Stdio::piped())
                .spawn()
                .map_err(Error::from)
        })
        .collect()
}

fn stop_workers(children: Vec<Child>) -> Result<(), Error> {
    for mut child in children {
        drop(child.stdin.take());
        child.wait()?;
    }
    Ok(())
}

async fn store(url: &str, schema: &str) -> Result<PostgresStore, Error> {
    let options = PostgresOptions {
        schema: schema.to_owned(),
        pool_size: 16,
        ..PostgresOptions::default()
    };
    Ok(PostgresStore::connect_with(url, options).await?)
}

/// Transitions per second of `instances` 10-step instances run by
/// `workers` worker processes.
async fn throughput(
    url: &str,
    admin: &Admin,
    instances: usize,
    workers: usize,
) -> Result<(), Error> {
    let schema = admin.fresh(&format!("bench_workers_{workers}")).await?;
    let store = store(url, &schema).await?;
    let hash = <Ten as flow_runtime::Flow>::GRAPH.hash();
    let chunks: Vec<Vec<usize>> = (0..instances)
        .collect::<Vec<_>>()
        .chunks(instances.div_ceil(16).max(1))
        .map(<[usize]>::to_vec)
        .collect();
    join_all(chunks.into_iter().map(|chunk| {
        let store = store.clone();
        async move {
            for _ in chunk {
                let state = InstanceState::<Ten>::new(Load::default());
                let new = NewInstance {
                    id: state.id,
                    flow: "Ten".to_owned(),
                    hash,
                    key: None,
                    state: serde_json::to_vec(&state).expect("a state encodes"),
                    events: Vec::new(),
                };
                store.create(new).await.expect("created");
            }
        }
    }))
    .await;
    let started = Instant::now();
    let children = spawn_workers(&schema, workers)?;
    loop {
        let done = admin
            .count(&format!(
                "SELECT count(*) FROM {schema}.instances WHERE status = 'completed'"
            ))
            .await?;
        if done as usize >= instances {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let transitions = admin
        .count(&format!(
            "SELECT sum(version)::bigint FROM {schema}.instances"
        ))
        .await?;
    stop_workers(children)?;
    println!(
        "{workers} worker process(es): {instances} instances, {transitions} transitions in {:.2} s: {:.0} transitions/s (process start included)",
        elapsed.as_secs_f64(),
        transitions as f64 / elapsed.as_secs_f64()
    );
    drop(store);
    admin.drop_schema(&schema).await
}

/// Signal-to-resumed-step latency, one instance at a time.
async fn latency(url: &str, admin: &Admin) -> Result<(), Error> {
    const COUNT: usize = 100;
    let schema = admin.fresh("bench_latency").await?;
    let client = Engine::builder(store(url, &schema).await?)
        .register::<Ping>()
        .poll_interval(Duration::from_millis(20))
        .client_only()
        .start();
    let children = spawn_workers(&schema, 1)?;
    let mut ids = Vec::new();
    for _ in 0..COUNT {
        ids.push(client.start::<Ping>(Load::default()).await?);
    }
    let waiting = Filter {
        status: Some(Status::Waiting),
        ..Filter::default()
    };
    while client.list(waiting.clone()).await?.len() < COUNT {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the worker go idle: it waits for a notification or its poll.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut latencies = Vec::new();
    for id in ids {
        let sent = nanos();
        client.signal(id, PingSignal::Go(1)).await?;
        let done = client.outcome::<Ping>(id).await?;
        let resumed = done.unwrap().context.resumed.expect("stamped");
        latencies.push(Duration::from_nanos((resumed.saturating_sub(sent)) as u64));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    stop_workers(children)?;
    latencies.sort();
    println!(
        "signal -> resumed step, a worker in another process: median {:.2} ms, p99 {:.2} ms, max {:.2} ms ({COUNT}, one at a time; the worker polls every 50 ms)",
        ms(latencies[COUNT / 2]),
        ms(latencies[COUNT * 99 / 100]),
        ms(latencies[COUNT - 1]),
    );
    client.shutdown().await;
    admin.drop_schema(&schema).await
}

fn ms(time: Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}

/// One connection outside any store, for schemas and counts.
pub struct Admin {
    client: tokio_postgres::Client,
    url: String,
}

impl Admin {
    async fn connect(url: &str) -> Result<Admin, Error> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(Admin {
            client,
            url: url.to_owned(),
        })
    }

    async fn version(&self) -> Result<String, Error> {
        Ok(self
            .client
            .query_one("SHOW server_version", &[])
            .await?
            .get(0))
    }

    async fn fresh(&self, name: &str) -> Result<String, Error> {
        let schema = format!("{name}_{}", std::process::id());
        self.drop_schema(&schema).await?;
        Ok(schema)
    }

    async fn drop_schema(&self, schema: &str) -> Result<(), Error> {
        self.client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await?;
        Ok(())
    }

    async fn count(&self, sql: &str) -> Result<i64, Error> {
        let row = self.client.query_one(sql, &[]).await?;
        Ok(row.get::<_, Option<i64>>(0).unwrap_or_default())
    }
}

#[path = "postgres_engine/raw.rs"]
mod raw;

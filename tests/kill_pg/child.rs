//! A worker: runs orders on an engine over the shared PostgreSQL schema
//! until every order finished, unless it is killed first (by the parent,
//! or by itself at its plan's crash point).
//!
//! On start it delivers the approval of every waiting order (they waited
//! across a kill), starts its share of the orders (by business key, so an
//! order started before a kill is found, not started again), sends the early
//! approvals, and then sweeps the waiting orders every 50 ms, as the SQLite
//! kill test's child does. Its ledger and logs are in a directory of its
//! own run.

use crate::flow::{self, Checkout, CheckoutSignal, Order, SignalTiming};
use crate::plan::{self, Plan, Point};
use crate::{CHILD, acks, ledger, rejects};
use flow_runtime::store::{PostgresOptions, PostgresStore};
use flow_runtime::{CommitPoint, Delivery, Engine, EngineError, Event, Filter, InstanceId, Status};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The run's directory (its ledger, acks and refusals).
pub const DIR: &str = "FLOW_KILL_DIR";
/// The schema the workers share.
pub const SCHEMA: &str = "FLOW_KILL_SCHEMA";
/// This worker's number, and how many there are: it starts the orders whose
/// number is its own modulo the count.
pub const WORKER: &str = "FLOW_KILL_WORKER";
pub const WORKERS: &str = "FLOW_KILL_WORKERS";
/// How many orders there are.
pub const INSTANCES: &str = "FLOW_KILL_INSTANCES";
/// Set in the last runs: the worker delivers every decision, whatever its
/// timing, so no order waits for a restart that does not come.
pub const APPROVE_ALL: &str = "FLOW_KILL_APPROVE_ALL";

/// A dead or stopped worker's claims pass after this; longer than any one
/// transition on a busy machine.
pub const LEASE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(25);
const SWEEP: Duration = Duration::from_millis(50);
const START_EVERY: Duration = Duration::from_millis(5);
/// No worker lives longer, whatever happens.
const LIFETIME: Duration = Duration::from_secs(400);

struct Config {
    run: u32,
    dir: PathBuf,
    url: String,
    schema: String,
    worker: u32,
    workers: u32,
    instances: u32,
    plan: Option<Plan>,
    approve_all: bool,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let number = |name: &str| -> Result<u32, String> {
            var(name)?
                .parse()
                .map_err(|_| format!("{name} is not a number"))
        };
        Ok(Config {
            run: number(CHILD)?,
            dir: PathBuf::from(var(DIR)?),
            url: var(crate::pg::URL_VAR)?,
            schema: var(SCHEMA)?,
            worker: number(WORKER)?,
            workers: number(WORKERS)?,
            instances: number(INSTANCES)?,
            plan: match std::env::var(plan::VAR) {
                Ok(text) => Some(Plan::from_env(&text)?),
                Err(_) => None,
            },
            approve_all: std::env::var_os(APPROVE_ALL).is_some(),
        })
    }
}

/// Ends the worker at once with an error (exit code 3): what went wrong is
/// on stderr, and the parent fails the test.
pub fn fatal(message: &str) -> ! {
    eprintln!("kill test worker: {message}");
    std::process::exit(3);
}

pub fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => fatal(&message),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|error| fatal(&format!("no tokio runtime: {error}")));
    match runtime.block_on(run(&config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fatal(&message),
    }
}

async fn run(config: &Config) -> Result<(), String> {
    let conn = ledger::open(&config.dir).map_err(|e| format!("the ledger: {e}"))?;
    ledger::install(conn, config.run);
    acks::install(&acks::path(&config.dir, config.run)).map_err(|e| format!("the ack log: {e}"))?;
    plan::install(config.plan);
    let options = PostgresOptions {
        schema: config.schema.clone(),
        ..PostgresOptions::default()
    };
    let store = PostgresStore::connect_with(&config.url, options)
        .await
        .map_err(|e| e.to_string())?;
    let store = rejects::Logged::new(store, &rejects::path(&config.dir, config.run))
        .map_err(|e| format!("the refusal log: {e}"))?;
    let engine = Engine::builder(store)
        .register::<Checkout>()
        .lease(LEASE)
        .poll_interval(POLL)
        .crash_hook(|point, commit| match point {
            CommitPoint::Before => plan::reached(Point::BeforeCommit),
            CommitPoint::After => {
                plan::reached(Point::AfterCommit);
                acks::committed(commit);
            }
        })
        .start();

    sweep(&engine, config, true).await?;
    let started: HashSet<u32> = list(&engine, Filter::default())
        .await?
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    let mine = (0..config.instances).filter(|n| n % config.workers == config.worker);
    for n in mine.filter(|n| !started.contains(n)) {
        let id = engine
            .start_with_key::<Checkout>(flow::key(n), Order::new(n))
            .await
            .map_err(|e| format!("starting order {n}: {e}"))?
            .id();
        acks::started(n, id);
        if flow::signal_timing(n) == SignalTiming::Early {
            approve(&engine, n, id).await?;
        }
        tokio::time::sleep(START_EVERY).await;
    }

    let born = std::time::Instant::now();
    let parent = std::os::unix::process::parent_id();
    loop {
        if std::os::unix::process::parent_id() != parent {
            fatal("the parent is gone");
        }
        if born.elapsed() > LIFETIME {
            fatal(&format!("still running after {} s", LIFETIME.as_secs()));
        }
        let all = list(&engine, Filter::default()).await?;
        if let Some((n, id, _)) = all.iter().find(|(_, _, status)| *status == Status::Broken) {
            let reason = engine.outcome::<Checkout>(*id).await.err();
            return Err(format!("order {n} ({id}) is broken: {reason:?}"));
        }
        let open = all.iter().find(|(_, _, status)| !status.is_finished());
        let Some((n, id, _)) = open else {
            // Every order there finished; the others' shares may still be
            // on their way.
            if all.len() >= config.instances as usize {
                break;
            }
            tokio::time::sleep(SWEEP).await;
            continue;
        };
        sweep(&engine, config, false).await?;
        if let Ok(Err(error)) = tokio::time::timeout(SWEEP, engine.outcome::<Checkout>(*id)).await {
            return Err(format!("order {n} ({id}): {error}"));
        }
    }
    engine.shutdown().await;
    Ok(())
}

/// The orders the filter selects: number, id, status.
async fn list(engine: &Engine, filter: Filter) -> Result<Vec<(u32, InstanceId, Status)>, String> {
    let summaries = engine
        .list(filter)
        .await
        .map_err(|e| format!("listing: {e}"))?;
    summaries
        .into_iter()
        .map(|summary| {
            let n = summary.key.as_deref().and_then(flow::number);
            let n =
                n.ok_or_else(|| format!("{} has no order key: {:?}", summary.id, summary.key))?;
            Ok((n, summary.id, summary.status))
        })
        .collect()
}

/// Approves the waiting orders: all of them after a restart or when asked
/// to approve all, else those whose decision comes while a worker runs.
async fn sweep(engine: &Engine, config: &Config, restart: bool) -> Result<(), String> {
    let waiting = Filter {
        status: Some(Status::Waiting),
        ..Filter::default()
    };
    for (n, id, _) in list(engine, waiting).await? {
        let now = restart
            || config.approve_all
            || matches!(
                flow::signal_timing(n),
                SignalTiming::Sweep | SignalTiming::Early
            );
        if now {
            approve(engine, n, id).await?;
        }
    }
    Ok(())
}

/// Sends order `n` the decision for the visit of `approval` it is at or
/// heading to, under that visit's dedupe key: a resend (by this worker or
/// another) is a duplicate, or finds the order past the wait.
async fn approve(engine: &Engine, n: u32, id: InstanceId) -> Result<(), String> {
    let journal = engine
        .history::<Checkout>(id)
        .await
        .map_err(|e| format!("the history of order {n} ({id}): {e}"))?;
    let delivered = journal
        .events()
        .filter(|event| matches!(event, Event::Signalled { .. }))
        .count();
    let visit = delivered as u32 + 1;
    let decision = CheckoutSignal::Approval(flow::decision(n, visit));
    match engine
        .signal_once(id, flow::dedupe(n, visit), decision)
        .await
    {
        Ok(Delivery::Accepted) => {
            acks::signalled(id, visit);
            Ok(())
        }
        Ok(Delivery::Duplicate)
        | Err(EngineError::WaitNotReachable { .. } | EngineError::Finished { .. }) => Ok(()),
        Err(error) => Err(format!("approving order {n} ({id}): {error}")),
    }
}

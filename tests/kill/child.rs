//! The child: runs the orders on an engine over the SQLite file until every
//! one finished, unless it is killed first (by the parent, or by itself at
//! its plan's crash point).
//!
//! On start it delivers the approval of every instance that waits (they
//! waited across the kill), starts the orders its run adds (by business key,
//! so an order started before the kill is found, not started again), sends
//! the early approvals, and then sweeps the waiting instances every 50 ms.

use crate::flow::{self, Checkout, CheckoutSignal, Order, SignalTiming};
use crate::plan::{self, Plan, Point};
use crate::{CHILD, acks, ledger};
use flow_runtime::{CommitPoint, Delivery, Engine, EngineError, Event, Filter, InstanceId, Status};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The store's file in the test's directory.
pub const STORE: &str = "flows.db";
/// The test's directory.
pub const DIR: &str = "FLOW_KILL_DIR";
/// How many orders exist once the child started.
pub const INSTANCES: &str = "FLOW_KILL_INSTANCES";
/// Set in the last run and the named crash points' runs: the child
/// delivers every decision, whatever its timing, so no order waits for a
/// restart that does not come.
pub const APPROVE_ALL: &str = "FLOW_KILL_APPROVE_ALL";

/// A dead child's claims pass after this; short, so a restarted child
/// takes its instances back soon, and longer than any one transition.
const LEASE: Duration = Duration::from_millis(1500);
const POLL: Duration = Duration::from_millis(25);
const SWEEP: Duration = Duration::from_millis(50);
const START_EVERY: Duration = Duration::from_millis(5);
/// No child lives longer, whatever happens (the parent's deadlines are
/// shorter; this bounds a child whose parent is gone).
const LIFETIME: Duration = Duration::from_secs(300);

struct Config {
    run: u32,
    dir: PathBuf,
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
            instances: number(INSTANCES)?,
            plan: match std::env::var(plan::VAR) {
                Ok(text) => Some(Plan::from_env(&text)?),
                Err(_) => None,
            },
            approve_all: std::env::var_os(APPROVE_ALL).is_some(),
        })
    }
}

/// Ends the child at once with an error (exit code 3): what went wrong is
/// on stderr, and the parent fails the test.
pub fn fatal(message: &str) -> ! {
    eprintln!("kill test child: {message}");
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
    // The embedded default, as a user opens it: `Synchronous::Full`.
    let engine = Engine::sqlite(config.dir.join(STORE))
        .map_err(|e| e.to_string())?
        .register::<Checkout>()
        .lease(LEASE)
        .poll_interval(POLL)
        .crash_hook(|point, commit| match point {
            CommitPoint::Before => plan::reached(Point::BeforeCommit),
            CommitPoint::After => {
                // Killed here, the commit is durable but not acknowledged.
                plan::reached(Point::AfterCommit);
                acks::committed(commit);
            }
        })
        .start();

    // They waited across the restart: their approvals come now.
    sweep(&engine, config, true).await?;
    let started: HashSet<u32> = list(&engine, Filter::default())
        .await?
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    for n in (0..config.instances).filter(|n| !started.contains(n)) {
        let id = engine
            .start_with_key::<Checkout>(flow::key(n), Order::new(n))
            .await
            .map_err(|e| format!("starting order {n}: {e}"))?
            .id();
        acks::started(n, id);
        if flow::signal_timing(n) == SignalTiming::Early {
            approve(&engine, n, id).await?;
        }
        // Spread over the run, so kills land among starts too.
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
            if all.len() >= config.instances as usize {
                break;
            }
            return Err(format!(
                "{} orders in the store, not {}",
                all.len(),
                config.instances
            ));
        };
        sweep(&engine, config, false).await?;
        // Awaiting an open order a while surfaces an engine that stopped
        // after a failed commit (its orders would otherwise just not move).
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
/// to approve all, else those whose decision comes while the child runs.
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
/// heading to (one more than the decisions its journal shows delivered),
/// under that visit's dedupe key: a resend is a duplicate, or finds the
/// order past the wait; both change nothing.
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

//! Many workers on PostgreSQL: worker processes share the order flow on one
//! database, and approvals come from a separate command that runs no
//! worker (as an HTTP handler would).
//!
//! ```text
//! export DATABASE_URL=postgres://flow:flow@127.0.0.1/flow_test   # .ci/setup-postgres prints one
//! cargo run --example order_workers -- demo 3     # 3 workers, 12 orders, approvals, the outcome
//!
//! # or by hand, in several terminals:
//! cargo run --example order_workers -- worker     # as many as you like; Ctrl-D (or kill -9) stops one
//! cargo run --example order_workers -- start 12   # starts orders 1..=12; the large ones wait
//! cargo run --example order_workers -- approve    # alice approves every waiting order
//! cargo run --example order_workers -- status     # every order and where it is
//! ```
//!
//! Each worker claims runnable orders under a lease and prints what its
//! steps do, with its process id: the orders spread over the workers. Kill
//! one with `kill -9` while orders run: its claims pass to the others when
//! their lease ends, and every order still completes once. Orders are
//! started under their business keys (`order-1`, ...), so starting them
//! again starts nothing twice. The store is the schema `flow` of the
//! database (`DROP SCHEMA flow CASCADE` starts over).

use flow_runtime::prelude::*;
use flow_runtime::store::Filter;
use flow_runtime::{Engine, EngineError, Outcome, Status, User};
use serde::{Deserialize, Serialize};
use std::process::{Command, Stdio};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
    pub by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    pub id: u32,
    pub amount: u32,
    pub approval: Option<Approval>,
    pub payment: Option<String>,
    pub parcel: Option<String>,
}

mod steps {
    use super::Order;
    use flow_runtime::StepError;

    fn worker() -> u32 {
        std::process::id()
    }

    pub async fn validate(order: &Order) -> Result<(), StepError> {
        println!("  [worker {}] order {}: valid", worker(), order.id);
        Ok(())
    }

    pub async fn pay(order: &Order, key: String) -> Result<String, StepError> {
        // A payment provider would take `key` to charge once however often
        // the step runs.
        println!(
            "  [worker {}] order {}: charged {} (key {key})",
            worker(),
            order.id,
            order.amount
        );
        Ok(format!("payment-{}", order.id))
    }

    pub async fn refund(order: &Order) -> Result<(), StepError> {
        println!("  [worker {}] order {}: refunded", worker(), order.id);
        Ok(())
    }

    pub async fn ship(order: &Order) -> Result<String, StepError> {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        println!("  [worker {}] order {}: shipped", worker(), order.id);
        Ok(format!("parcel-{}", order.id))
    }
}

flow! {
    /// An order: large ones wait for a manager; paid, then shipped.
    pub flow WorkerOrder(order: Order, step: &Step) {
        start -> validate;
        task validate = steps::validate(&order) -> size;
        xor size {
            order.amount > 1000 => approval,
            else => pay,
        }
        wait approval: Approval => order.approval for group("manager") -> decided;
        xor decided {
            order.approval.as_ref().is_some_and(|a| a.approved) => pay,
            else => rejected,
        }
        task pay = steps::pay(&order, step.idempotency_key()) => order.payment
            compensate steps::refund(&order)
            -> ship;
        task ship = steps::ship(&order) => order.parcel
            retry 3 backoff exponential(100ms, 1s)
            -> shipped;
        end shipped;
        end rejected;
    }
}

fn url() -> Result<String, String> {
    std::env::var("DATABASE_URL")
        .or_else(|_| std::env::var("FLOW_POSTGRES_URL"))
        .map_err(|_| {
            "set DATABASE_URL to a PostgreSQL database (.ci/setup-postgres installs one and prints its URL)"
                .to_owned()
        })
}

/// A worker: claims and runs orders until its standard input closes.
async fn worker(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::postgres(url)
        .await?
        .register::<WorkerOrder>()
        .lease(Duration::from_secs(5))
        .poll_interval(Duration::from_millis(500))
        .start();
    println!("worker {} runs; Ctrl-D stops it", std::process::id());
    // Standard input closing (Ctrl-D, or the demo closing the pipe) stops it.
    tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
        .await??;
    engine.shutdown().await;
    println!("worker {} stopped", std::process::id());
    Ok(())
}

/// A client engine: starts, signals and queries; runs nothing.
async fn client(url: &str) -> Result<Engine, Box<dyn std::error::Error>> {
    Ok(Engine::postgres(url)
        .await?
        .register::<WorkerOrder>()
        .poll_interval(Duration::from_millis(100))
        .client_only()
        .start())
}

async fn start(engine: &Engine, count: u32) -> Result<(), EngineError> {
    for id in 1..=count {
        let amount = if id % 3 == 0 { 1500 } else { 200 + 10 * id };
        let order = Order {
            id,
            amount,
            ..Order::default()
        };
        let started = engine
            .start_with_key::<WorkerOrder>(format!("order-{id}"), order)
            .await?;
        println!("order-{id} ({amount}): {}", started.id());
    }
    Ok(())
}

/// Alice approves every order waiting in the managers' inbox.
async fn approve(engine: &Engine) -> Result<(), EngineError> {
    let alice = User::new("alice").in_group("manager");
    for task in engine.tasks(&alice).await? {
        let decision = Approval {
            approved: true,
            by: "alice".to_owned(),
        };
        let signal = WorkerOrderSignal::Approval(decision);
        engine.complete(task.instance, &alice, signal).await?;
        println!("approved {}", task.instance);
    }
    Ok(())
}

async fn status(engine: &Engine) -> Result<(), EngineError> {
    for summary in engine.list(Filter::default()).await? {
        let key = summary.key.unwrap_or_default();
        match summary.status {
            Status::Completed | Status::Failed => {
                let outcome = engine.outcome::<WorkerOrder>(summary.id).await?;
                match outcome {
                    Outcome::Completed(done) => println!("{key:>9}  {:?}: {}", done.end, done.path),
                    other => println!("{key:>9}  {other}"),
                }
            }
            other => println!("{key:>9}  {other}"),
        }
    }
    Ok(())
}

/// Starts `workers` worker processes, starts 12 orders as a client, has a
/// separate process approve the large ones, waits for every order, and
/// stops the workers.
async fn demo(url: &str, workers: usize) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for _ in 0..workers {
        children.push(
            Command::new(&exe)
                .arg("worker")
                .stdin(Stdio::piped())
                .spawn()?,
        );
    }
    let engine = client(url).await?;
    start(&engine, 12).await?;
    // Wait until the large orders wait for a manager.
    let alice = User::new("alice").in_group("manager");
    let large = (1..=12).filter(|id| id % 3 == 0).count();
    while engine.tasks(&alice).await?.len() < large {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("{large} orders wait for a manager; approving them from another process");
    let approved = Command::new(&exe).arg("approve").status()?;
    if !approved.success() {
        return Err(format!("the approve command failed: {approved}").into());
    }
    for summary in engine.list(Filter::default()).await? {
        engine.outcome::<WorkerOrder>(summary.id).await?;
    }
    status(&engine).await?;
    for mut child in children {
        drop(child.stdin.take());
        child.wait()?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = url()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["worker"] => worker(&url).await?,
        ["start", count] => start(&client(&url).await?, count.parse()?).await?,
        ["approve"] => approve(&client(&url).await?).await?,
        ["status"] => status(&client(&url).await?).await?,
        ["demo"] => demo(&url, 3).await?,
        ["demo", workers] => demo(&url, workers.parse()?).await?,
        _ => {
            return Err(
                "usage: order_workers demo [WORKERS] | worker | start COUNT | approve | status"
                    .into(),
            );
        }
    }
    Ok(())
}

//! The order process with a manager's approval, on an engine kept in a
//! SQLite file: run it, stop it, run it again, and the waiting order is
//! still there.
//!
//! ```text
//! cargo run --example order_approval              # start the orders; order 2 waits
//! cargo run --example order_approval              # again: order 2 still waits, read from the file
//! cargo run --example order_approval -- approve   # alice approves it; it finishes
//! cargo run --example order_approval -- list      # every instance in the file
//! cargo run --example order_approval -- history order-2   # its journal, its path as Mermaid
//! ```
//!
//! Validate, check stock, wait for a manager's approval when the order is
//! over 1000, pay (refunded if a later step fails), update stock (restored
//! likewise), confirm. A 500 order completes on its own; a 1500 order parks
//! in the managers' inbox until `alice` approves it, however many times the
//! process stops in between; a third order's stock update fails, and its
//! payment is refunded. Each order is started under its business key
//! (`order-1`, ...), so running the example again starts nothing twice.
//!
//! The file is `order_approval.db` in the current directory (or the path
//! in `FLOW_DB`); delete it to start over. Inspect it with
//! `sqlite3 order_approval.db 'select id, key, status from instances'`.

use flow_runtime::diagram::mermaid_with_path;
use flow_runtime::prelude::*;
use flow_runtime::store::Filter;
use flow_runtime::{Engine, EngineError, InstanceId, Outcome, Started, Status, User};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// A manager's decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
    pub comment: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    pub id: u32,
    pub amount: u32,
    pub items: Vec<String>,
    pub approval: Option<Approval>,
    pub payment: Option<String>,
    pub reserved: bool,
}

mod steps {
    use super::Order;
    use flow_runtime::{Permanent, StepError};

    pub async fn validate(order: &Order) -> Result<(), StepError> {
        if order.items.is_empty() {
            return Err(StepError::permanent("an order needs items"));
        }
        Ok(())
    }

    pub async fn check_stock(order: &Order) -> Result<(), StepError> {
        println!(
            "  order {}: {} item(s) in stock",
            order.id,
            order.items.len()
        );
        Ok(())
    }

    pub async fn pay(order: &Order, key: String) -> Result<String, StepError> {
        println!("  order {}: charged {} (key {key})", order.id, order.amount);
        Ok(format!("payment-{}", order.id))
    }

    pub async fn refund(order: &Order) -> Result<(), StepError> {
        println!("  order {}: refunded {:?}", order.id, order.payment);
        Ok(())
    }

    pub async fn update_stock(order: &Order) -> Result<bool, Permanent<String>> {
        if order.items.iter().any(|item| item == "discontinued") {
            return Err(Permanent(format!(
                "order {}: an item was discontinued",
                order.id
            )));
        }
        println!("  order {}: stock updated", order.id);
        Ok(true)
    }

    pub async fn restore_stock(order: &Order) -> Result<(), StepError> {
        println!("  order {}: stock restored", order.id);
        Ok(())
    }

    pub async fn confirm(order: &Order) -> Result<(), StepError> {
        println!("  order {}: confirmation sent", order.id);
        Ok(())
    }
}

flow! {
    /// An order, approved by a manager when it is large.
    pub flow OrderApproval(order: Order, step: &Step) {
        start -> validate;
        task validate = steps::validate(&order) -> check_stock;
        task check_stock = steps::check_stock(&order) -> size;
        xor size {
            order.amount > 1000 => manual_approval,
            else => pay,
        }
        /// A manager decides; the instance parks until then.
        wait manual_approval: Approval => order.approval
            for group("manager")
            -> decided;
        xor decided {
            order.approval.as_ref().is_some_and(|a| a.approved) => pay,
            else => rejected,
        }
        task pay = steps::pay(&order, step.idempotency_key()) => order.payment
            compensate steps::refund(&order)
            -> update_stock;
        task update_stock = steps::update_stock(&order) => order.reserved
            compensate steps::restore_stock(&order)
            -> confirm;
        task confirm = steps::confirm(&order) -> confirmed;
        end confirmed;
        end rejected;
    }
}

fn order(id: u32, amount: u32, items: &[&str]) -> Order {
    Order {
        id,
        amount,
        items: items.iter().map(|item| item.to_string()).collect(),
        ..Order::default()
    }
}

async fn report(engine: &Engine, id: InstanceId) -> Result<(), EngineError> {
    match engine.outcome::<OrderApproval>(id).await? {
        Outcome::Completed(done) => {
            println!("  -> {:?}: {}", done.end, done.path);
        }
        Outcome::Failed(failed) => println!(
            "  -> failed at {:?}: {}; compensated {:?}",
            failed.node,
            failed.error,
            failed.compensation.compensated_names()
        ),
        other => println!("  -> {other}"),
    }
    Ok(())
}

fn manager() -> User {
    User::new("alice").in_group("manager")
}

/// Starts the three orders, unless an earlier run did, and shows where
/// each one is.
async fn run_orders(engine: &Engine) -> Result<(), EngineError> {
    let orders = [
        (order(1, 500, &["book"]), "runs to the end on its own"),
        (order(2, 1500, &["laptop"]), "waits for a manager"),
        (
            order(3, 300, &["discontinued"]),
            "the stock update fails, the payment is refunded",
        ),
    ];
    for (order, story) in orders {
        let key = format!("order-{}", order.id);
        println!("{key} ({}): {story}", order.amount);
        let started = engine.start_with_key::<OrderApproval>(&key, order).await?;
        if let Started::Existing(id) = started {
            println!("  found in the file: instance {id}");
        }
        let id = started.id();
        match engine.until_parked(id).await? {
            Status::Waiting => {
                for task in engine.tasks(&manager()).await? {
                    if task.instance == id {
                        println!(
                            "  waiting at `{}` in alice's inbox since {}",
                            task.wait,
                            ago(task.since)
                        );
                    }
                }
                println!("  approve it with: cargo run --example order_approval -- approve");
            }
            _ => report(engine, id).await?,
        }
    }
    Ok(())
}

/// Alice approves every order waiting in her inbox.
async fn approve(engine: &Engine) -> Result<(), EngineError> {
    let alice = manager();
    let inbox = engine.tasks(&alice).await?;
    if inbox.is_empty() {
        println!("alice's inbox is empty");
    }
    for task in inbox {
        println!(
            "alice approves `{}` of instance {} (waiting since {})",
            task.wait,
            task.instance,
            ago(task.since)
        );
        let approval = Approval {
            approved: true,
            comment: "fine by me".into(),
        };
        engine
            .complete(
                task.instance,
                &alice,
                OrderApprovalSignal::ManualApproval(approval),
            )
            .await?;
        report(engine, task.instance).await?;
    }
    Ok(())
}

async fn list(engine: &Engine) -> Result<(), EngineError> {
    for summary in engine.list(Filter::default()).await? {
        let at: String = summary
            .waits
            .iter()
            .map(|wait| format!(" at `{}`", wait.wait))
            .collect();
        println!(
            "{}  {:<8} {}{}",
            summary.id,
            summary.key.as_deref().unwrap_or("-"),
            summary.status,
            at
        );
    }
    Ok(())
}

/// One instance's journal and its path drawn on the flow, by id or key.
async fn history(engine: &Engine, which: &str) -> Result<(), Box<dyn std::error::Error>> {
    let summaries = engine.list(Filter::default()).await?;
    let Some(summary) = summaries
        .iter()
        .find(|s| s.key.as_deref() == Some(which) || s.id.to_string() == which)
    else {
        return Err(format!("no instance `{which}` in the file: see `list`").into());
    };
    let journal = engine.history::<OrderApproval>(summary.id).await?;
    println!("instance {} ({}), {}", summary.id, which, summary.status);
    print!("{journal}");
    println!("\n{}", mermaid_with_path::<OrderApproval>(&journal.path()));
    Ok(())
}

/// How long ago `since` was, to the second.
fn ago(since: SystemTime) -> String {
    let seconds = SystemTime::now()
        .duration_since(since)
        .unwrap_or_default()
        .as_secs();
    format!("{seconds} s ago")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::var_os("FLOW_DB").unwrap_or_else(|| "order_approval.db".into());
    let engine = Engine::sqlite(&file)?.register::<OrderApproval>().start();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => run_orders(&engine).await?,
        ["approve"] => approve(&engine).await?,
        ["list"] => list(&engine).await?,
        ["history", which] => history(&engine, which).await?,
        _ => {
            eprintln!("usage: order_approval [approve | list | history <id or key>]");
            std::process::exit(2);
        }
    }
    engine.shutdown().await;
    Ok(())
}

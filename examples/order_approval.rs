//! The order process with a manager's approval, on an engine.
//!
//! ```text
//! cargo run --example order_approval
//! ```
//!
//! Validate, check stock, wait for a manager's approval when the order is
//! over 1000, pay (refunded if a later step fails), update stock (restored
//! likewise), confirm. Three orders run on one engine over the memory
//! store: a 500 order completes on its own; a 1500 order parks in the
//! managers' inbox until `alice` approves it; a third order's stock update
//! fails, and its payment is refunded.

use flow_runtime::prelude::*;
use flow_runtime::{Engine, EngineError, InstanceId, Outcome, Status, User};
use serde::{Deserialize, Serialize};

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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), EngineError> {
    let engine = Engine::memory().register::<OrderApproval>().start();

    println!("order 1 (500): runs to the end on its own");
    let small = engine
        .start::<OrderApproval>(order(1, 500, &["book"]))
        .await?;
    report(&engine, small).await?;

    println!("order 2 (1500): waits for a manager");
    let large = engine
        .start::<OrderApproval>(order(2, 1500, &["laptop"]))
        .await?;
    assert_eq!(engine.until_parked(large).await?, Status::Waiting);
    let alice = User::new("alice").in_group("manager");
    for task in engine.tasks(&alice).await? {
        println!(
            "  inbox of alice: `{}` of {} instance {}",
            task.wait, task.flow, task.instance
        );
    }
    let approval = Approval {
        approved: true,
        comment: "fine by me".into(),
    };
    engine
        .complete(large, &alice, OrderApprovalSignal::ManualApproval(approval))
        .await?;
    report(&engine, large).await?;
    let journal = engine.history::<OrderApproval>(large).await?;
    for event in journal
        .events()
        .filter(|e| e.to_string().contains("completed by"))
    {
        println!("  journal: {event}");
    }

    println!("order 3 (300): the stock update fails, the payment is refunded");
    let doomed = engine
        .start::<OrderApproval>(order(3, 300, &["discontinued"]))
        .await?;
    report(&engine, doomed).await?;

    engine.shutdown().await;
    Ok(())
}

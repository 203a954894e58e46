use flow_runtime::prelude::*;
use std::time::SystemTime;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Approval {
    approved: bool,
}

pub struct Order {
    owner: String,
    approval: Option<Approval>,
    ship_after: SystemTime,
}

async fn escalate(_order: &Order) -> Result<(), String> {
    Ok(())
}

flow! {
    flow WaitWithMatchRoute(order: Order) {
        start -> approve;
        wait approve: Approval -> match {
            Approval { approved: true } => done,
            _ => escalate,
        };
        task escalate = escalate(&order) -> done;
        end done;
    }
}

fn main() {}

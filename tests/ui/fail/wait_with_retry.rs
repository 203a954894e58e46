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
    flow WaitWithRetry(order: Order) {
        start -> approve;
        wait approve: Approval => order.approval retry 3 -> done;
        end done;
    }
}
fn main() {}

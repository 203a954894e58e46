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
    flow WaitCycleWithoutExit(order: Order) {
        start -> size;
        xor size {
            order.owner.is_empty() => done,
            else => approve,
        }
        wait approve: Approval => order.approval timeout 48h -> escalate -> escalate;
        task escalate = escalate(&order) -> approve;
        end done;
    }
}

fn main() {}

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
    flow WaitInBranch(order: Order) {
        start -> fulfil;
        and fulfil -> approve, escalate;
        wait approve: Approval => order.approval -> fulfilled;
        task escalate = escalate(&order) -> fulfilled;
        join fulfilled -> done;
        end done;
    }
}
fn main() {
    // The fallback still defines the signal enum: no follow-on error here.
    let _ = WaitInBranchSignal::Approve(Approval { approved: true });
}

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
    flow WaitTimeoutRouteUndefined(order: Order) {
        start -> approve;
        wait approve: Approval => order.approval timeout 48h -> escalte -> done;
        task escalate = escalate(&order) -> done;
        end done;
    }
}
fn main() {
    // The fallback still defines the signal enum: no follow-on error here.
    let _ = WaitTimeoutRouteUndefinedSignal::Approve(Approval { approved: true });
}

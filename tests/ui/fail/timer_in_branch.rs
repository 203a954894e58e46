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
    flow TimerInBranch(order: Order) {
        start -> fulfil;
        and fulfil -> cool_off, escalate;
        timer cool_off = 30m -> fulfilled;
        task escalate = escalate(&order) -> fulfilled;
        join fulfilled -> done;
        end done;
    }
}

fn main() {}

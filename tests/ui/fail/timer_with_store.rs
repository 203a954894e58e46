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
    flow TimerWithStore(order: Order) {
        start -> ship_day;
        timer ship_day = at(order.ship_after) => order.ship_after -> done;
        end done;
    }
}

fn main() {}

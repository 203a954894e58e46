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
    flow AssigneeGivenTwice(order: Order) {
        start -> approve;
        wait approve: Approval => order.approval
            for user(order.owner.clone()), group("manager"), user("bob")
            -> done;
        end done;
    }
}
fn main() {}

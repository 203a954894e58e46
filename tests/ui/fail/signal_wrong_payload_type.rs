use flow_runtime::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Approval {
    approved: bool,
}

pub struct Order {
    approval: Option<Approval>,
}

flow! {
    flow SignalWrongPayloadType(order: Order) {
        start -> approve;
        wait approve: Approval => order.approval -> done;
        end done;
    }
}

fn main() {
    let _ = SignalWrongPayloadTypeSignal::Approve(42);
}

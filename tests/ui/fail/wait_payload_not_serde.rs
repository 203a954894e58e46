use flow_runtime::prelude::*;

pub struct Approval {
    approved: bool,
}

pub struct Order {
    approval: Option<Approval>,
}

flow! {
    flow WaitPayloadNotSerde(order: Order) {
        start -> approve;
        wait approve: Approval => order.approval -> done;
        end done;
    }
}

fn main() {
    // Code that names the signal enum still compiles around the one error.
    let _ = WaitPayloadNotSerdeSignal::Approve(Approval { approved: true });
}

// The smallest flow: one task between `start` and an `end`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<(), String> {
    if order.amount == 0 { Err("empty order".to_owned()) } else { Ok(()) }
}

flow! {
    flow Minimal(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let done = runtime.block_on(Minimal::run(Order { amount: 3 })).unwrap();
    assert_eq!(done.end, MinimalEnd::Done);
    assert_eq!(done.path.to_string(), "start -> validate -> done");
    assert_eq!(done.context.amount, 3);

    let failed = runtime.block_on(Minimal::run(Order { amount: 0 })).unwrap_failed();
    assert_eq!(failed.node, MinimalNode::Validate);
    assert_eq!(failed.error.to_string(), "empty order");
    assert_eq!(failed.path.to_string(), "start -> validate");

    assert_eq!(<Minimal as Flow>::GRAPH.name(), "Minimal");
    assert_eq!(<Minimal as Flow>::START, MinimalNode::Start);
}

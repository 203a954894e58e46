use flow_runtime::prelude::*;
use std::rc::Rc;

struct Order {
    amount: u32,
    note: Rc<String>,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow ContextNotSend(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        end done;
    }
}

fn main() {}

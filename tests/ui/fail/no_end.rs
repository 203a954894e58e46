use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow NoEnd(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
    }
}

fn main() {}

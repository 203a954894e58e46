use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow UnknownStatement(order: Order) {
        start -> validate;
        step validate = validate(&order) -> done;
        end done;
    }
}

fn main() {}

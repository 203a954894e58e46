use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow TaskNamedStart(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        task start = validate(&order) -> done;
        end done;
    }
}

fn main() {}

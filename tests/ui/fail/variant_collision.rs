use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow VariantCollision(order: Order) {
        start -> step_1;
        task step_1 = validate(&order) -> step1;
        task step1 = validate(&order) -> done;
        end done;
    }
}

fn main() {}

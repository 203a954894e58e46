use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow NoStart(order: Order) {
        task validate = validate(&order) -> done;
        end done;
    }
}

fn main() {}

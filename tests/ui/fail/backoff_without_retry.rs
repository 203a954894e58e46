use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow BackoffWithoutRetry(order: Order) {
        start -> charge;
        task charge = charge(&order) backoff fixed(1s) -> done;
        end done;
    }
}

fn main() {}

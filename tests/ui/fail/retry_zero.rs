use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow RetryZero(order: Order) {
        start -> charge;
        task charge = charge(&order) retry 0 -> done;
        end done;
    }
}

fn main() {}

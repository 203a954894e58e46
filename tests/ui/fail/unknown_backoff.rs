use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn refund(_order: &Order) -> Result<(), String> {
    Ok(())
}

flow! {
    flow UnknownBackoff(order: Order) {
        start -> charge;
        task charge = charge(&order) retry 3 backoff linear(1s) -> done;
        end done;
    }
}

fn main() {}

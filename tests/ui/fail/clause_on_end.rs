use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn refund(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow ClauseOnEnd(order: Order) {
        start -> charge;
        task charge = charge(&order) -> done;
        end done compensate refund(&order);
    }
}

fn main() {}

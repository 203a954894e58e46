use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow ClauseGivenTwice(order: Order) {
        start -> charge;
        task charge = charge(&order) timeout 5s -> done timeout 10s;
        end done;
    }
}

fn main() {}

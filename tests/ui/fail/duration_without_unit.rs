use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow DurationWithoutUnit(order: Order) {
        start -> charge;
        task charge = charge(&order) timeout 5 -> done;
        end done;
    }
}

fn main() {}

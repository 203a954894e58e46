use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn notify(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow ErrorRouteUndefined(order: Order) {
        start -> charge;
        task charge = charge(&order) on error -> notfy -> done;
        task notify = notify(&order) -> declined;
        end done;
        end declined;
    }
}

fn main() {}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    failures: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow ErrorStoreWrongType(order: Order) {
        start -> charge;
        task charge = charge(&order) on error => order.failures -> declined -> done;
        end done;
        end declined;
    }
}

fn main() {}

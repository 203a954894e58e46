use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    receipt: String,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow StoreTypeMismatch(order: Order) {
        start -> charge;
        task charge = charge(&order) => order.receipt -> done;
        end done;
    }
}

fn main() {}

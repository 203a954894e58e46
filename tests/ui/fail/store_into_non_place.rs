use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    total: u32,
}

async fn total(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow StoreIntoNonPlace(order: Order) {
        start -> total;
        task total = total(&order) => order.total + 1 -> done;
        end done;
    }
}

fn main() {}

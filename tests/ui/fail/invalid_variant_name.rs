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
    flow InvalidVariantName(order: Order) {
        start -> _1;
        task _1 = charge(&order) -> self_;
        task self_ = charge(&order) -> done;
        end done;
    }
}

fn main() {}

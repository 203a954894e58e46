use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow UnreachableNode(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        end done;
        end cancelled;
    }
}

fn main() {}

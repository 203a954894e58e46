use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow DuplicateNode(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        task validate = validate(&order) -> done;
        end done;
    }
}

fn main() {}

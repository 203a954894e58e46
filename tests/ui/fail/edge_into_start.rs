use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow EdgeIntoStart(order: Order) {
        start -> validate;
        task validate = validate(&order) -> again;
        xor again {
            order.amount > 10 => start,
            else => done,
        }
        end done;
    }
}

fn main() {}

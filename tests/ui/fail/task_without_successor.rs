use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow TaskWithoutSuccessor(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => validate,
            else => done,
        }
        task validate = validate(&order);
        end done;
    }
}

fn main() {}

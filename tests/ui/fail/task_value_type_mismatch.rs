// The value type a task writes is checked against its step's.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(amount: u32) -> Result<String, String> {
    Ok(amount.to_string())
}

flow! {
    flow Shop(order: Order) {
        start -> pay;
        task pay: u32 = charge(order.amount) -> done;
        end done;
    }
}

fn main() {}

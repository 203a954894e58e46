// `:` after a task's name must be followed by its value type.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow Shop(order: Order) {
        start -> pay;
        task pay: = charge(order.amount) -> done;
        end done;
    }
}

fn main() {
    let _ = ShopTask::pay();
}

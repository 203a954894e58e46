// A sub-flow call's value is its child's end and context: it takes no type.
use flow_runtime::prelude::*;

#[derive(Clone)]
struct Order {
    amount: u32,
}

async fn count(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow Check(order: Order) {
        start -> count;
        task count: u32 = count(order.amount) -> done;
        end done;
    }
}

flow! {
    flow Shop(order: Order) {
        start -> check;
        flow check: u32 = Check(order.clone()) -> done;
        end done;
    }
}

fn main() {
    let _ = ShopTask::check();
}

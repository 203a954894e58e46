// A clause written right after a split's name: splits take no clauses.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    a: u32,
    b: u32,
}

async fn step(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow RetryAfterSplitName(order: Order) {
        start -> split;
        and split retry 3 -> a, b;
        task a = step(order.amount) => order.a -> joined;
        task b = step(order.amount) => order.b -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

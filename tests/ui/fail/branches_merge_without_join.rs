// Two branches of an `and` meet at a task that is not a `join` and run on to
// an `end`: one error, on the merging node.
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
    flow MergeWithoutJoin(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> merge;
        task b = step(order.amount) => order.b -> merge;
        task merge = step(order.amount) -> done;
        end done;
    }
}
fn main() {}

// A flow without any `end` is told to add one, once; its loop is not also
// reported as a cycle that never reaches an `end`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn step(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow NoEndWithCycle(order: Order) {
        start -> poll;
        task poll = step(&order) -> check;
        xor check {
            order.amount > 10 => poll,
            else => poll,
        }
    }
}

fn main() {}

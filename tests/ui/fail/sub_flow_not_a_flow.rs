use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    a: u32,
    b: u32,
}

async fn step(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

struct NotAFlow;

flow! {
    flow Parent(order: Order) {
        start -> child;
        flow child = NotAFlow(order.amount) -> done;
        end done;
    }
}
fn main() {}

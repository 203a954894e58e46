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
    flow BranchTwice(order: Order) {
        start -> split;
        and split -> a, a;
        task a = step(order.amount) => order.a -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

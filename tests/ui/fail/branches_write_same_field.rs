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
    flow SameField(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> joined;
        task b = step(order.amount + 1) => order.a -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

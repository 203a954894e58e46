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
    flow DifferentJoins(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> first;
        task b = step(order.amount) => order.b -> second;
        join first -> second;
        join second -> done;
        end done;
    }
}
fn main() {}

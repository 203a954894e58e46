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
    flow Child(amount: u32) {
        start -> done;
        end done;
    }
}

flow! {
    flow Parent(order: Order) {
        start -> child;
        flow child = Child(order.a > 1) => order.b -> done;
        end done;
    }
}
fn main() {}

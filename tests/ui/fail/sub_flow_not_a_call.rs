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
    flow Child(order: Order) {
        start -> done;
        end done;
    }
}

flow! {
    flow NotACall(order: Order) {
        start -> child;
        flow child = Child -> done;
        end done;
    }
}
fn main() {}

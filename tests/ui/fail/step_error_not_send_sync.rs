// A step whose error is a `Box<dyn Error>` without `Send + Sync`: one
// error, on the call, saying what to write.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, Box<dyn std::error::Error>> {
    Ok(order.amount)
}

flow! {
    flow ErrorNotSendSync(order: Order) {
        start -> charge;
        task charge = charge(&order) -> done;
        end done;
    }
}

fn main() {}

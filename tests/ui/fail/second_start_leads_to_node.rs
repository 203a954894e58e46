// The second `start` is the mistake; `audit`, which only it leads to, is not
// also reported as unreachable.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn step(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow SecondStart(order: Order) {
        start -> validate;
        task validate = step(&order) -> done;
        start -> audit;
        task audit = step(&order) -> done;
        end done;
    }
}

fn main() {}

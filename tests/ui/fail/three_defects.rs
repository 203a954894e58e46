use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn step(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

// A misspelt target, an `xor` without `else` and a duplicate node: all three
// are reported in one compile, in source order.
flow! {
    flow ThreeDefects(order: Order) {
        start -> validate;
        task validate = step(&order) -> sise;
        xor size {
            order.amount > 1000 => pay,
        }
        task pay = step(&order) -> done;
        task pay = step(&order) -> done;
        end done;
    }
}

fn main() {}

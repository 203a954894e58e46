use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn step(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow CycleWithoutExit(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => a,
            else => done,
        }
        task a = step(&order) -> b;
        task b = step(&order) -> a;
        end done;
    }
}

fn main() {}

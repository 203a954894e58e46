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
    flow XorMerges(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> merge;
        task b = step(order.amount) => order.b -> merge;
        xor merge {
            order.amount > 10 => joined,
            else => joined,
        }
        join joined -> done;
        end done;
    }
}
fn main() {}

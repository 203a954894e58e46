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
    flow BackToSplit(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> again;
        xor again {
            order.a > 10 => split,
            else => joined,
        }
        task b = step(order.amount) => order.b -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

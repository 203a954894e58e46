use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn poll(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow SelfLoop(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => poll,
            else => done,
        }
        task poll = poll(&order) -> poll;
        end done;
    }
}

fn main() {}

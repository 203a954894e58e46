use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn charge(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn refund(_order: &Order) -> Result<(), String> {
    Ok(())
}

flow! {
    flow CompensateOnGateway(order: Order) {
        start -> big;
        xor big {
            order.amount > 10 => charge,
            else => done,
        } compensate refund(&order);
        task charge = charge(&order) -> done;
        end done;
    }
}

fn main() {}

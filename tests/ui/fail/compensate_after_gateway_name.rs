// A clause written right after a gateway's name: gateways take no clauses.
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
    flow CompensateAfterName(order: Order) {
        start -> big;
        xor big compensate refund(&order) {
            order.amount > 10 => charge,
            else => done,
        }
        task charge = charge(&order) -> done;
        end done;
    }
}

fn main() {}

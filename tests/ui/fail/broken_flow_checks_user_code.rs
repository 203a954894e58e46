// The graph is broken (a misspelt target), and the user's code in the flow
// is still type-checked in the same compile: a wrong argument, a condition
// that is not `bool`, a place of the wrong type, a wait's `for user(..)` and
// `=> place`, a timer's `at(..)`. Each is reported once, on its token.
use flow_runtime::prelude::*;
use std::time::SystemTime;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Approval {
    approved: bool,
}

struct Order {
    amount: u32,
    receipt: String,
    owner: u32,
    approval: u32,
    ship_after: u64,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn charge(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow BrokenButChecked(order: Order) {
        start -> validate;
        task validate = validate(order.amount) -> size;
        xor size {
            order.amount => charge,
            else => dnoe,
        }
        task charge = charge(order.amount) => order.receipt -> approve;
        wait approve: Approval => order.approval for user(order.owner) -> ship_day;
        timer ship_day = at(order.ship_after) -> done;
        end done;
    }
}

fn main() {
    let _ = SystemTime::now();
}

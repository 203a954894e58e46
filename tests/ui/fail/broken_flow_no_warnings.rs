// A broken flow (a misspelt target) whose steps and fields are used only by
// the flow: the user's code gets no `never used` / `never read` warnings,
// only the flow's error. (`#![deny(warnings)]` turns any into an error.)
#![deny(warnings)]
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    total: u32,
}

async fn price(amount: u32) -> Result<u32, String> {
    Ok(amount * 2)
}

flow! {
    flow BrokenNoWarnings(order: Order) {
        start -> price;
        task price = price(order.amount) => order.total -> dnoe;
        end done;
    }
}

fn main() {
    let _ = BrokenNoWarnings::run(Order { amount: 1, total: 0 });
}

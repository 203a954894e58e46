// A branch hands the whole context to a call that mutates it while another
// branch reads a field: only rustc sees the conflict, and no label of its
// error spans the whole `flow!`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    touched: bool,
}

async fn touch(order: &mut Order) -> Result<(), String> {
    order.touched = true;
    Ok(())
}

async fn step(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow MutatesWholeContext(order: Order) {
        start -> split;
        and split -> touch, read;
        task touch = touch(order) -> joined;
        task read = step(order.amount) -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

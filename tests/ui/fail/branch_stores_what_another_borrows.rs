// One branch stores into a place that another branch's call borrows
// mutably: the error names the place and both tasks.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    items: Vec<String>,
    count: u32,
}

async fn pack(items: &mut Vec<String>) -> Result<u32, String> {
    Ok(items.len() as u32)
}

async fn restock(amount: u32) -> Result<Vec<String>, String> {
    Ok(vec![amount.to_string()])
}

flow! {
    flow StoresWhatIsBorrowed(order: Order) {
        start -> split;
        and split -> pack, restock;
        task pack = pack(&mut order.items) => order.count -> joined;
        task restock = restock(order.amount) => order.items -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

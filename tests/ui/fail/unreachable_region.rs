use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn step(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

// `validate` should lead to `pay`; forgetting it cuts off `pay`, `ship` and
// `notify`, which is one mistake and gets one error, on `pay`.
flow! {
    flow UnreachableRegion(order: Order) {
        start -> validate;
        task validate = step(&order) -> done;
        task pay = step(&order) -> ship;
        task ship = step(&order) -> notify;
        task notify = step(&order) -> done;
        end done;
    }
}

fn main() {}

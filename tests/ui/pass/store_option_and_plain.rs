// `=> place` stores a step's `Ok` value into a place of its type, or into an
// `Option` of it (as `Some`).
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    receipt: Option<String>,
    points: u32,
}

async fn charge(order: &Order) -> Result<String, String> {
    Ok(format!("receipt-{}", order.amount))
}

async fn points(amount: u32) -> Result<u32, String> {
    Ok(amount / 10)
}

flow! {
    flow Storing(order: Order) {
        start -> charge;
        task charge = charge(&order) => order.receipt -> points;
        task points = points(order.amount) => order.points -> done;
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let order = Order { amount: 250, receipt: None, points: 0 };
    let done = runtime.block_on(Storing::run(order)).unwrap();
    assert_eq!(done.context.receipt.as_deref(), Some("receipt-250"));
    assert_eq!(done.context.points, 25);
    assert_eq!(done.path.to_string(), "start -> charge -> points -> done");
}

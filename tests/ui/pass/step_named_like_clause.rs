//! A step function may be named like a clause keyword: only a keyword after
//! a complete call starts a clause.
use flow_runtime::prelude::*;

#[derive(Default)]
struct Order {
    expired: bool,
}

async fn timeout(_order: &Order) -> Result<bool, String> {
    Ok(true)
}

flow! {
    flow StepNamedLikeClause(order: Order) {
        start -> expire;
        task expire = timeout(&order) => order.expired timeout 1s -> done;
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(StepNamedLikeClause::run(Order::default())).unwrap();
    assert!(done.context.expired);
    assert_eq!(done.path.to_string(), "start -> expire -> done");
}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn count(order: &Order) -> u32 {
    order.amount
}

flow! {
    flow StepNotResult(order: Order) {
        start -> count;
        task count = count(&order) -> done;
        end done;
    }
}

fn main() {}

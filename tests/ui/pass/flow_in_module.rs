// A flow defined inside a module, with its steps and context in other
// modules, used from outside through its path.
mod model {
    pub struct Order {
        pub amount: u32,
        pub paid: bool,
    }
}

mod steps {
    pub async fn pay(order: &crate::model::Order) -> Result<bool, std::io::Error> {
        Ok(order.amount > 0)
    }
}

mod flows {
    use crate::model::Order;
    use flow_runtime::prelude::*;

    flow! {
        pub flow Checkout(order: Order) {
            start -> pay;
            task pay = crate::steps::pay(&order) => order.paid -> paid;
            end paid;
        }
    }
}

use flow_runtime::{EndId, Flow, NodeId};

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let order = model::Order { amount: 4, paid: false };
    let done = runtime.block_on(flows::Checkout::run(order)).unwrap();
    assert_eq!(done.end, flows::CheckoutEnd::Paid);
    assert_eq!(done.end.name(), "paid");
    assert!(done.context.paid);
    assert_eq!(done.path.to_string(), "start -> pay -> paid");
    assert_eq!(flows::CheckoutNode::Pay.name(), "pay");
    assert_eq!(<flows::Checkout as Flow>::GRAPH.edges().len(), 2);

    // The generic runner works as well as the inherent `run`.
    let order = model::Order { amount: 1, paid: false };
    let done = runtime.block_on(flow_runtime::run::<flows::Checkout>(order)).unwrap();
    assert_eq!(done.end, flows::CheckoutEnd::Paid);
}

// A test replaces tasks by their handles: a node of the node enum, or a
// node that is no task, does not compile.
use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;

struct Order {
    amount: u32,
}

async fn charge(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow Shop(order: Order) {
        start -> pay;
        task pay: u32 = charge(order.amount) -> done;
        end done;
    }
}

fn main() {
    let _ = FlowTest::<Shop>::new().fail(ShopNode::Pay, 1, "declined");
    let _ = FlowTest::<Shop>::new().returns(ShopNode::Pay, 5_u32);
    let _ = FlowTest::<Shop>::new().panic(ShopTask::done(), 1, "boom");
}

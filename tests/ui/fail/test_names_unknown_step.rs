// A test that names a step the flow does not have does not compile.
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
    let _test = FlowTest::<Shop>::new().returns(ShopTask::charge(), 5_u32);
}

// A task whose value type the flow does not write cannot be mocked: the
// error says to write it. Failing it still compiles.
use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;

struct Order {
    amount: u32,
}

async fn charge(amount: u32) -> Result<String, String> {
    Ok(amount.to_string())
}

flow! {
    flow Shop(order: Order) {
        start -> pay;
        task pay = charge(order.amount) -> done;
        end done;
    }
}

fn main() {
    let _ = FlowTest::<Shop>::new()
        .fail(ShopTask::pay(), 1, "declined")
        .returns(ShopTask::pay(), "receipt".to_owned());
}

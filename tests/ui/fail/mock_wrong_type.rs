// A mock of the wrong type does not compile: the handle of a task carries
// the type the flow writes for its value (`task pay: String = ..`), and a
// sub-flow call's handle the child's end and context.
use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;

#[derive(Clone, Default)]
struct Order {
    amount: u32,
    receipt: Option<String>,
}

async fn charge(amount: u32) -> Result<String, String> {
    Ok(amount.to_string())
}

async fn count(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow Check(check: Order) {
        start -> count;
        task count: u32 = count(check.amount) => check.amount -> done;
        end done;
    }
}

flow! {
    flow Shop(order: Order) {
        start -> pay;
        task pay: String = charge(order.amount) => order.receipt -> check;
        flow check = Check(Order::default()) -> done;
        end done;
    }
}

fn main() {
    let _ = FlowTest::<Shop>::new()
        .returns(ShopTask::pay(), 42_u32)
        .mock(ShopTask::pay(), |step| Ok(step.attempt()))
        .returns(ShopTask::check(), (CheckEnd::Done, 5_u32));
}

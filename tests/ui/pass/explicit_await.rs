// `task a = f(..).await -> b;` is accepted and means the same as without
// `.await`: the flow awaits the step either way.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    doubled: u32,
    tripled: u32,
}

async fn times(amount: u32, factor: u32) -> Result<u32, String> {
    Ok(amount * factor)
}

flow! {
    flow Awaiting(order: Order) {
        start -> double;
        task double = times(order.amount, 2).await => order.doubled -> triple;
        task triple = times(order.amount, 3) => order.tripled -> done;
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(Awaiting::run(Order { amount: 7, doubled: 0, tripled: 0 })).unwrap();
    assert_eq!(done.end, AwaitingEnd::Done);
    assert_eq!(done.context.doubled, 14);
    assert_eq!(done.context.tripled, 21);
    assert_eq!(done.path.to_string(), "start -> double -> triple -> done");
}

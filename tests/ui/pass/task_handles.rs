// Every task and sub-flow call gets a handle in `<Flow>Task`, typed by what
// a mock of it produces; raw identifiers and generic value types included.
use flow_runtime::prelude::*;
use flow_runtime::testing::{FlowTest, SubFlowTask, Task, UntypedTask};

#[derive(Clone, Default)]
struct Order {
    amount: u32,
    lines: Option<Vec<u32>>,
    checked: Option<Order2>,
}

#[derive(Clone, Default, Debug, PartialEq)]
struct Order2 {
    amount: u32,
}

async fn lines(amount: u32) -> Result<Vec<u32>, String> {
    Ok(vec![amount])
}

async fn note() -> Result<(), String> {
    Ok(())
}

async fn count(order: &Order2) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow Check(order: Order2) {
        start -> count;
        task count: u32 = count(&order) => order.amount -> done;
        end done;
    }
}

flow! {
    flow Shop(order: Order) {
        start -> split;
        and split -> r#type, check;
        task r#type: Vec<u32> = lines(order.amount) => order.lines -> joined;
        flow check = Check(Order2 { amount: order.amount }) => order.checked -> joined;
        join joined -> note;
        task note = note() -> done;
        end done;
    }
}

fn main() {
    let lines: Task<Shop, Vec<u32>> = ShopTask::r#type();
    let check: SubFlowTask<Shop, Check> = ShopTask::check();
    let note: UntypedTask<Shop> = ShopTask::note();
    assert_eq!(lines.node(), ShopNode::Type);
    assert_eq!(format!("{check:?}"), "sub-flow call `check`");
    assert_eq!(format!("{note:?}"), "untyped task `note`");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let run = runtime.block_on(
        FlowTest::<Shop>::new()
            .returns(lines, vec![1, 2])
            .returns(check, (CheckEnd::Done, Order2 { amount: 9 }))
            .run(Order::default()),
    );
    run.assert_end(ShopEnd::Done);
    assert_eq!(run.context().lines, Some(vec![1, 2]));
    assert_eq!(run.context().checked, Some(Order2 { amount: 9 }));
}

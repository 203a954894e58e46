// A node may be named with a raw identifier; its name is the identifier
// without `r#`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn classify(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow Raw(order: Order) {
        start -> r#type;
        task r#type = classify(&order) -> r#match;
        end r#match;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(Raw::run(Order { amount: 1 })).unwrap();
    assert_eq!(done.end, RawEnd::Match);
    assert_eq!(done.end.name(), "match");
    assert_eq!(done.path.to_string(), "start -> type -> match");
    assert_eq!(done.path.nodes().collect::<Vec<_>>(), [RawNode::Start, RawNode::Type, RawNode::Match]);
}

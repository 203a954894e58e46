use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

// The flow is broken (a misspelt target); the code using it is correct and
// must not add errors of its own.
flow! {
    flow Broken(order: Order) {
        start -> validate;
        task validate = validate(&order) -> size;
        xor size {
            order.amount > 1000 => rejected,
            else => dnoe,
        }
        end done;
        end rejected;
    }
}

async fn use_it() -> &'static str {
    match Broken::run(Order { amount: 7 }).await {
        Outcome::Completed(done) => match done.end {
            BrokenEnd::Done => "done",
            BrokenEnd::Rejected => "rejected",
        },
        Outcome::Failed(failed) => match failed.node {
            BrokenNode::Validate => "validate failed",
            _ => "failed",
        },
        _ => "cancelled",
    }
}

fn main() {
    let _ = use_it();
    let _ = <Broken as Flow>::GRAPH.name();
}

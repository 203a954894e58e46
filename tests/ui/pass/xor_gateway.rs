// An `xor` takes the first branch whose condition holds, else its `else`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    approved: bool,
}

async fn approve(order: &Order) -> Result<bool, String> {
    Ok(order.amount < 10_000)
}

flow! {
    flow Approval(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => approve,
            order.amount == 0 => rejected,
            else => small,
        }
        task approve = approve(&order) => order.approved -> large;
        end small;
        end large;
        end rejected;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let run = |amount| runtime.block_on(Approval::run(Order { amount, approved: false })).unwrap();

    let large = run(1500);
    assert_eq!(large.end, ApprovalEnd::Large);
    assert!(large.context.approved);
    assert_eq!(large.path.to_string(), "start -> size -> approve -> large");

    let small = run(500);
    assert_eq!(small.end, ApprovalEnd::Small);
    assert!(!small.context.approved);
    assert_eq!(small.path.to_string(), "start -> size -> small");

    let rejected = run(0);
    assert_eq!(rejected.end, ApprovalEnd::Rejected);
    assert_eq!(rejected.path.to_string(), "start -> size -> rejected");
}

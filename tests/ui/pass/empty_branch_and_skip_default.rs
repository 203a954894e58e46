use flow_runtime::prelude::*;

#[derive(Default)]
struct Order {
    amount: u32,
    a: u32,
    b: u32,
    c: u32,
    rounds: u32,
}

async fn step(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

fn path_of<F: Flow>(context: F::Context) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(flow_runtime::run::<F>(context)).unwrap().path.to_string()
}

// A branch may lead straight to the join, and an `or`'s default may skip.
flow! {
    flow EmptyBranch(order: Order) {
        start -> split;
        and split -> a, joined;
        task a = step(order.amount) => order.a -> joined;
        join joined -> extras;
        or extras {
            order.amount > 10 => b,
            else => extras_done,
        }
        task b = step(order.amount) => order.b -> extras_done;
        join extras_done -> done;
        end done;
    }
}

fn main() {
    let small = path_of::<EmptyBranch>(Order { amount: 1, ..Order::default() });
    assert_eq!(small, "start -> split -> a -> joined -> extras -> extras_done -> done");
    let large = path_of::<EmptyBranch>(Order { amount: 50, ..Order::default() });
    assert_eq!(large, "start -> split -> a -> joined -> extras -> b -> extras_done -> done");
}

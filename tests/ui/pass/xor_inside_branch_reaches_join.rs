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

// An xor inside a branch whose arms both reach the join, one directly;
// an error route that stays inside its branch.
flow! {
    flow XorInBranch(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.amount) => order.a -> big;
        xor big {
            order.a > 10 => joined,
            else => small,
        }
        task small = step(1) => order.c -> joined;
        task b = step(order.amount) => order.b
            on error -> recover
            -> joined;
        task recover = step(0) => order.b -> joined;
        join joined -> done;
        end done;
    }
}

fn main() {
    let path = path_of::<XorInBranch>(Order { amount: 5, ..Order::default() });
    // Steps that never wait run a branch to its join before the next starts.
    assert_eq!(path, "start -> split -> a -> big -> small -> b -> joined -> done");
}

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

// A loop may run a whole region again, and splits may follow each other.
flow! {
    flow LoopAround(order: Order) {
        start -> split;
        and split -> a, b;
        task a = step(order.rounds + 1) => order.rounds -> joined;
        task b = step(order.amount) => order.b -> joined;
        join joined -> again;
        xor again {
            order.rounds < 2 => split,
            else => second,
        }
        and second -> c, a2;
        task c = step(3) => order.c -> second_joined;
        task a2 = step(4) => order.a -> second_joined;
        join second_joined -> done;
        end done;
    }
}

fn main() {
    let path = path_of::<LoopAround>(Order::default());
    assert_eq!(
        path,
        "start -> split -> a -> b -> joined -> again -> split -> a -> b -> joined -> again \
         -> second -> c -> a2 -> second_joined -> done"
    );
}

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

// An `and` nested in an `or` branch, nested in an `and` branch.
flow! {
    flow Nested(order: Order) {
        start -> outer;
        and outer -> a, inclusive;
        task a = step(1) => order.a -> outer_joined;
        or inclusive {
            order.amount > 0 => inner,
            else => inclusive_joined,
        }
        and inner -> b, c;
        task b = step(2) => order.b -> inner_joined;
        task c = step(3) => order.c -> inner_joined;
        join inner_joined -> inclusive_joined;
        join inclusive_joined -> outer_joined;
        join outer_joined -> done;
        end done;
    }
}

fn main() {
    let path = path_of::<Nested>(Order { amount: 1, ..Order::default() });
    assert_eq!(
        path,
        "start -> outer -> a -> inclusive -> inner -> b -> c -> inner_joined -> inclusive_joined -> outer_joined -> done"
    );
}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

flow! {
    flow XorWithoutElse(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => large,
            order.amount <= 1000 => small,
        }
        end large;
        end small;
    }
}

fn main() {}

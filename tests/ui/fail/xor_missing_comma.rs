use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

flow! {
    flow XorMissingComma(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => large
            else => small,
        }
        end large;
        end small;
    }
}

fn main() {}

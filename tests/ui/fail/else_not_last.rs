use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

flow! {
    flow ElseNotLast(order: Order) {
        start -> size;
        xor size {
            else => small,
            order.amount > 1000 => large,
        }
        end large;
        end small;
    }
}

fn main() {}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

flow! {
    flow ConditionNotBool(order: Order) {
        start -> size;
        xor size {
            order.amount => large,
            else => small,
        }
        end large;
        end small;
    }
}

fn main() {}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

flow! {
    flow UndefinedTargetNoSuggestion(order: Order) {
        start -> size;
        xor size {
            order.amount > 1000 => archive,
            else => done,
        }
        end done;
    }
}

fn main() {}

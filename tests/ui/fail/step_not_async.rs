use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow StepNotAsync(order: Order) {
        start -> validate;
        task validate = validate(&order) -> done;
        end done;
    }
}

fn main() {}

use flow_runtime::prelude::*;

struct Order {
    amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn ship(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    flow UndefinedTargetSuggests(order: Order) {
        start -> validate;
        task validate = validate(&order) -> shpi;
        task ship = ship(&order) -> done;
        end done;
    }
}

fn main() {}

use flow_runtime::prelude::*;

struct Order {
    items: Vec<String>,
}

enum Stock {
    Available,
    OutOfStock(String),
}

async fn check_stock(items: &[String]) -> Result<Stock, String> {
    match items.first() {
        Some(item) if item == "unicorn" => Ok(Stock::OutOfStock(item.clone())),
        _ => Ok(Stock::Available),
    }
}

flow! {
    flow MatchNotExhaustive(order: Order) {
        start -> check_stock;
        task check_stock = check_stock(&order.items) -> match {
            Stock::Available => done,
        };
        end done;
    }
}

fn main() {}

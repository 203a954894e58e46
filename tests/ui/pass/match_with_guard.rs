// `-> match` routes on the step's typed `Ok` value; arms may have guards and
// the value can be stored with `=>` at the same time.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, PartialEq)]
enum Stock {
    Available(u32),
    OutOfStock(String),
}

struct Order {
    items: Vec<String>,
    stock: Option<Stock>,
}

async fn check_stock(items: &[String]) -> Result<Stock, String> {
    match items.iter().find(|item| item.as_str() == "unicorn") {
        Some(item) => Ok(Stock::OutOfStock(item.clone())),
        None => Ok(Stock::Available(items.len() as u32)),
    }
}

flow! {
    flow Stocking(order: Order) {
        start -> check_stock;
        task check_stock = check_stock(&order.items) => order.stock -> match {
            Stock::Available(count) if *count > 2 => bulk,
            Stock::Available(_) => shipped,
            Stock::OutOfStock(_) => backordered,
        };
        end bulk;
        end shipped;
        end backordered;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let run = |items: &[&str]| {
        let order = Order { items: items.iter().map(|item| item.to_string()).collect(), stock: None };
        runtime.block_on(Stocking::run(order)).unwrap()
    };

    let bulk = run(&["a", "b", "c"]);
    assert_eq!(bulk.end, StockingEnd::Bulk);
    assert_eq!(bulk.context.stock, Some(Stock::Available(3)));
    assert_eq!(bulk.path.to_string(), "start -> check_stock -> bulk");

    let shipped = run(&["a"]);
    assert_eq!(shipped.end, StockingEnd::Shipped);
    assert_eq!(shipped.context.stock, Some(Stock::Available(1)));

    let backordered = run(&["a", "unicorn"]);
    assert_eq!(backordered.end, StockingEnd::Backordered);
    assert_eq!(backordered.context.stock, Some(Stock::OutOfStock("unicorn".to_owned())));
    assert_eq!(backordered.path.to_string(), "start -> check_stock -> backordered");
}

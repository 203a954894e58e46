//! The flagship: an order process written with `flow!` next to the steps it
//! calls. Validate, check stock (routing on the typed result), approve large
//! orders, pay (refunded if a later step fails), then ship and invoice in
//! parallel. Four orders show the four ways it goes: a small order, a large
//! one that needs approval, one on backorder, and one whose parcel the
//! carrier refuses, so its payment is compensated (refunded) and the
//! instance fails at `ship`. An order without items is rejected at once.
//!
//! ```text
//! cargo run --example order_process
//! ```
//!
//! The same flow is drawn in `docs/order_process.svg` (by
//! `examples/diagram.rs`) and tested in `tests/diagram.rs`; the README's
//! "Testing flows" shows how to test such a flow with mocked steps.

use flow_runtime::prelude::*;

/// The context every step of the flow reads and writes.
#[derive(Debug, Default)]
pub struct Order {
    pub id: u32,
    pub amount: u32,
    pub items: Vec<String>,
    pub stock: Option<Stock>,
    pub approval: Option<Approval>,
    pub payment: Option<String>,
    pub shipment: Option<String>,
    pub invoice: Option<String>,
}

/// What the warehouse says about an order's items.
#[derive(Debug, Clone, PartialEq)]
pub enum Stock {
    Available,
    OutOfStock(String),
}

/// A manager's decision on a large order.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub by: String,
}

/// The steps are ordinary async functions, next to the flow that calls them.
mod steps {
    use super::{Approval, Order, Stock};

    #[derive(Debug, thiserror::Error)]
    pub enum OrderError {
        #[error("order {0} has no items")]
        Empty(u32),
        #[error("the carrier refuses to ship {0}")]
        Refused(String),
    }

    pub async fn validate(order: &Order) -> Result<(), OrderError> {
        if order.items.is_empty() {
            Err(OrderError::Empty(order.id))
        } else {
            Ok(())
        }
    }

    pub async fn check_stock(items: &[String]) -> Result<Stock, OrderError> {
        match items.iter().find(|item| item.as_str() == "unicorn") {
            Some(item) => Ok(Stock::OutOfStock(item.clone())),
            None => Ok(Stock::Available),
        }
    }

    pub async fn approve(order: &Order) -> Result<Approval, OrderError> {
        let by = if order.amount > 10_000 {
            "cfo"
        } else {
            "manager"
        };
        Ok(Approval { by: by.to_owned() })
    }

    pub async fn charge(order: &Order) -> Result<String, OrderError> {
        Ok(format!("payment-{}-{}", order.id, order.amount))
    }

    pub async fn ship(items: &[String]) -> Result<String, OrderError> {
        match items.iter().find(|item| item.as_str() == "dynamite") {
            // `ship` has no `retry`: the instance fails, and `pay`'s
            // compensation refunds the payment.
            Some(item) => Err(OrderError::Refused(item.clone())),
            None => Ok(format!("parcel with {} item(s)", items.len())),
        }
    }

    pub async fn invoice(id: u32) -> Result<String, OrderError> {
        Ok(format!("invoice-{id}"))
    }

    pub async fn refund(payment: &Option<String>) -> Result<(), OrderError> {
        println!("  refund {}", payment.as_deref().unwrap_or("nothing"));
        Ok(())
    }

    pub async fn backorder(order: &Order) -> Result<(), OrderError> {
        println!("  order {} goes on backorder", order.id);
        Ok(())
    }
}

flow! {
    /// Order fulfilment: large orders need a manager's approval.
    pub flow OrderProcess(order: Order) {
        start -> validate;

        /// Rejects orders without items.
        task validate = steps::validate(&order) -> check_stock;

        task check_stock = steps::check_stock(&order.items) => order.stock -> match {
            Stock::Available => approval,
            Stock::OutOfStock(_) => backorder,
        };

        /// Orders above 1000 need a manager.
        xor approval {
            order.amount > 1000 => manual_approval,
            else => pay,
        }

        task manual_approval = steps::approve(&order) => order.approval -> pay;

        /// Refunded if shipping or invoicing fails.
        task pay = steps::charge(&order) => order.payment
            retry 2 backoff exponential(100ms, 1s) timeout 5s
            compensate steps::refund(&order.payment)
            -> fulfil;

        /// Shipping and invoicing run at the same time. Each branch borrows
        /// only the fields it names: `invoice(&order)` here would not compile,
        /// since `ship` writes `order.shipment` meanwhile.
        and fulfil -> ship, invoice;
        task ship = steps::ship(&order.items) => order.shipment -> fulfilled;
        task invoice = steps::invoice(order.id) => order.invoice -> fulfilled;
        join fulfilled -> done;

        task backorder = steps::backorder(&order) -> backordered;

        /// Paid, shipped and invoiced.
        end done;
        /// Waiting for stock.
        end backordered;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let order = |id, amount, items: &[&str]| Order {
        id,
        amount,
        items: items.iter().map(|item| item.to_string()).collect(),
        ..Order::default()
    };
    let orders = [
        order(1, 500, &["book", "lamp"]),
        order(2, 1500, &["book", "lamp"]),
        order(3, 80, &["unicorn"]),
        order(4, 300, &["book", "dynamite"]),
        order(5, 10, &[]),
    ];
    for order in orders {
        // The header first: steps print while the order runs.
        println!("order {} (amount {}):", order.id, order.amount);
        report(OrderProcess::run(order).await);
    }
}

fn report(outcome: Outcome<OrderProcess>) {
    match outcome.into_result() {
        Ok(done) => {
            println!("  path: {}", done.path);
            println!("  end:  {}", done.end.name());
            if let Some(approval) = &done.context.approval {
                println!("  approved by {}", approval.by);
            }
            if let Some(invoice) = &done.context.invoice {
                println!(
                    "  {invoice}, {}",
                    done.context.shipment.as_deref().unwrap_or("not shipped")
                );
            }
        }
        Err(stopped) => {
            println!("  path: {}", stopped.path());
            println!("  {stopped}");
        }
    }
}

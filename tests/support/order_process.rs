//! The flow of `examples/order_process.rs` (copied, without its `main`), for
//! the diagram tests and `examples/diagram.rs`. Keep it in step with the
//! example: the snapshots in `tests/snapshots/` are its drawings.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

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
        Ok(format!("parcel with {} item(s)", items.len()))
    }

    pub async fn invoice(order: &Order) -> Result<String, OrderError> {
        Ok(format!("invoice-{}", order.id))
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
        task pay = steps::charge(&order) => order.payment -> ship;
        task ship = steps::ship(&order.items) => order.shipment -> invoice;
        task invoice = steps::invoice(&order) => order.invoice -> fulfilled;
        task backorder = steps::backorder(&order) -> backordered;

        /// Paid, shipped and invoiced.
        end fulfilled;
        /// Waiting for stock.
        end backordered;
    }
}

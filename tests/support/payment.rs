//! A flow with a loop, an `on error` route, two compensable tasks and a
//! guarded `-> match`: the parts of a drawing the order process lacks.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;

/// The context of a payment.
#[derive(Debug, Default)]
pub struct Payment {
    pub amount: u32,
    /// How many charges fail before one succeeds.
    pub declines: u32,
    pub attempts: u32,
    pub reservation: Option<String>,
    pub receipt: Option<Receipt>,
    pub error: Option<String>,
}

/// What the card processor says.
#[derive(Debug, Clone, PartialEq)]
pub enum Receipt {
    Paid(String),
    /// Held for review, with a risk score.
    Held(u32),
}

mod steps {
    use super::{Payment, Receipt};
    use flow_runtime::StepError;

    pub async fn reserve(payment: &Payment) -> Result<String, StepError> {
        Ok(format!("hold of {}", payment.amount))
    }

    pub async fn release(_reservation: &Option<String>) -> Result<(), StepError> {
        Ok(())
    }

    pub async fn charge(payment: &mut Payment) -> Result<Receipt, StepError> {
        payment.attempts += 1;
        if payment.attempts <= payment.declines {
            return Err(StepError::permanent("card declined"));
        }
        Ok(Receipt::Paid(format!("receipt {}", payment.attempts)))
    }

    pub async fn refund(_receipt: &Option<Receipt>) -> Result<(), StepError> {
        Ok(())
    }

    pub async fn review(_payment: &Payment) -> Result<(), StepError> {
        Ok(())
    }

    pub async fn notify(_payment: &Payment) -> Result<(), StepError> {
        Ok(())
    }
}

flow! {
    /// Charges a card; a declined charge is tried again, three times at most.
    pub flow PaymentProcess(payment: Payment) {
        start -> reserve;
        task reserve = steps::reserve(&payment) => payment.reservation
            compensate steps::release(&payment.reservation)
            -> charge;
        task charge = steps::charge(payment) => payment.receipt
            on error => payment.error -> declined
            compensate steps::refund(&payment.receipt)
            -> match {
                Receipt::Held(score) if *score > 3 => review,
                Receipt::Held(_) | Receipt::Paid(_) => paid,
            };
        xor declined {
            payment.attempts < 3 => charge,
            else => give_up,
        }
        task review = steps::review(&payment) -> paid;
        task give_up = steps::notify(&payment) -> refused;
        end paid;
        end refused;
    }
}

//! A flow that parks: a `wait` for a person's decision with a timeout
//! route, a `wait` without anything, a delay `timer` and a deadline `timer`.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;
use std::time::SystemTime;

/// A manager's answer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub approved: bool,
}

/// The courier's confirmation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Pickup {
    pub courier: String,
}

/// The context of a purchase.
pub struct Purchase {
    pub owner: String,
    pub decision: Option<Decision>,
    pub ship_after: SystemTime,
    pub reminders: u32,
}

async fn remind(reminders: &mut u32) -> Result<(), StepError> {
    *reminders += 1;
    Ok(())
}

flow! {
    /// Large purchases wait for a manager, then cool off before shipping.
    pub flow PurchaseApproval(purchase: Purchase) {
        start -> decide;
        wait decide: Decision => purchase.decision
            for user(purchase.owner.clone()), group("manager")
            timeout 48h -> remind
            -> cool_off;
        task remind = remind(&mut purchase.reminders) -> decide;
        timer cool_off = 30m -> ship_day;
        timer ship_day = at(purchase.ship_after) -> picked_up;
        wait picked_up: Pickup -> shipped;
        end shipped;
    }
}

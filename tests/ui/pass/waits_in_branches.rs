// A `wait` (with `=> place`, `for`, `timeout -> route` inside its branch)
// and timers (a delay, a deadline) inside the branches of an `and` and a
// nested `or`; a durable flow (its context and its branch values are
// serializable) runs in memory, its waits given their signals through the
// instance's handle.
use flow_runtime::prelude::*;
use std::time::{Duration, SystemTime};

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Approval {
    approved: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Order {
    owner: String,
    approval: Option<Approval>,
    reminded: u32,
    ship_after: SystemTime,
    packed: bool,
    gift: bool,
    wrapped: bool,
}

async fn remind(count: u32) -> Result<u32, StepError> {
    Ok(count + 1)
}

async fn pack() -> Result<bool, StepError> {
    Ok(true)
}

flow! {
    pub flow Fulfil(order: Order) {
        start -> split;
        and split -> approve, cool_off, extras;
        wait approve: Approval => order.approval
            for user(order.owner.clone()), group("manager")
            timeout 48h -> remind
            -> joined;
        task remind = remind(order.reminded) => order.reminded -> approve;
        timer cool_off = 30m -> ship_day;
        timer ship_day = at(order.ship_after) -> pack;
        task pack = pack() => order.packed -> joined;
        or extras {
            order.gift => wrap,
            else => extras_done,
        }
        task wrap = pack() => order.wrapped -> extras_done;
        join extras_done -> joined;
        join joined -> done;
        end done;
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let order = Order {
        owner: "ann".into(),
        approval: None,
        reminded: 0,
        ship_after: SystemTime::now() + Duration::from_secs(3600),
        packed: false,
        gift: true,
        wrapped: false,
    };
    let instance = Fulfil::start(order);
    instance
        .signal(FulfilSignal::Approve(Approval { approved: true }))
        .unwrap();
    let done = instance.outcome().await.unwrap();
    assert!(done.context.approval.unwrap().approved);
    assert!(done.context.packed && done.context.wrapped);
    assert_eq!(done.context.reminded, 0);
}

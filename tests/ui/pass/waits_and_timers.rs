// `wait` (with `=> place`, `for user(..)`/`group(..)`, `timeout -> route`,
// and without any of them) and `timer` (a delay, a deadline); the signal
// enum is built, encoded and decoded; the timers run under tokio's paused
// clock (a wait without a signal source would park forever, so the run
// goes around it).
use flow_runtime::prelude::*;
use std::time::{Duration, SystemTime};

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Approval {
    approved: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Ack;

pub struct Order {
    owner: String,
    manual: bool,
    approval: Option<Approval>,
    ship_after: SystemTime,
    log: Vec<&'static str>,
}

async fn note(log: &mut Vec<&'static str>, what: &'static str) -> Result<(), StepError> {
    log.push(what);
    Ok(())
}

flow! {
    /// Orders, approved by hand when asked for.
    pub flow Orders(order: Order) {
        start -> route;
        xor route {
            order.manual => manual_approval,
            else => cool_off,
        }
        /// A manager decides.
        wait manual_approval: Approval => order.approval
            for user(order.owner.clone()), group("manager"), group(String::from("director"))
            timeout 48h -> escalate
            -> acknowledged;
        task escalate = note(&mut order.log, "escalated") -> manual_approval;
        wait acknowledged: Ack -> cool_off;
        timer cool_off = 30m -> ship_day;
        timer ship_day = at(order.ship_after) -> ship;
        task ship = note(&mut order.log, "shipped") -> done;
        end done;
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    use flow_runtime::{NodeKind, Signal};

    let signal = OrdersSignal::ManualApproval(Approval { approved: true });
    assert_eq!(signal.wait(), "manual_approval");
    assert_eq!(format!("{signal:?}"), "ManualApproval(..)");
    let json = signal.to_json().unwrap();
    let back = OrdersSignal::from_json("acknowledged", serde_json::json!(null)).unwrap();
    assert!(matches!(back, OrdersSignal::Acknowledged(Ack)));
    assert!(matches!(
        OrdersSignal::from_json("manual_approval", json).unwrap(),
        OrdersSignal::ManualApproval(Approval { approved: true })
    ));
    assert!(OrdersSignal::from_json("cool_off", serde_json::json!(1)).unwrap_err().is_unknown_wait());

    let kinds: Vec<NodeKind> = Orders::GRAPH.nodes().iter().map(|node| node.kind()).collect();
    assert_eq!(kinds[2], NodeKind::Wait);
    assert_eq!(kinds[5], NodeKind::Timer);

    let order = Order {
        owner: "alice".to_owned(),
        manual: false,
        approval: None,
        ship_after: SystemTime::now() + Duration::from_secs(3600),
        log: Vec::new(),
    };
    let done = Orders::run(order).await.unwrap();
    assert_eq!(done.path.to_string(), "start -> route -> cool_off -> ship_day -> ship -> done");
    assert_eq!(done.context.log, ["shipped"]);
    assert!(done.context.approval.is_none());
}

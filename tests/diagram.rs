//! Snapshots of the Mermaid and DOT drawings of real flows, a hand-built
//! graph with every node kind, and the highlighted path of real runs.
//! `tests/diagram_render.rs` checks that the Mermaid ones really render.

// The flagship example itself (its `main` unused here), so the drawings
// are of the real flow.
#[path = "support/approval.rs"]
mod approval;
#[allow(dead_code)]
#[path = "../examples/loan_approval.rs"]
mod loan_approval;
#[allow(dead_code)]
#[path = "../examples/order_process.rs"]
mod order_process;
#[path = "support/parallel.rs"]
mod parallel;
#[path = "support/payment.rs"]
mod payment;

use approval::PurchaseApproval;
use flow_runtime::Flow;
use flow_runtime::diagram;
use order_process::{Order, OrderProcess};
use payment::{Payment, PaymentProcess};

#[test]
fn order_process_mermaid() {
    insta::assert_snapshot!(OrderProcess::GRAPH.mermaid());
}

#[test]
fn order_process_dot() {
    insta::assert_snapshot!(OrderProcess::GRAPH.dot());
}

#[test]
fn loop_error_route_and_compensation_mermaid() {
    insta::assert_snapshot!(PaymentProcess::GRAPH.mermaid());
}

#[test]
fn loop_error_route_and_compensation_dot() {
    insta::assert_snapshot!(PaymentProcess::GRAPH.dot());
}

#[test]
fn parallel_gateways_and_sub_flow_mermaid() {
    insta::assert_snapshot!(parallel::FULFILMENT.mermaid());
}

#[test]
fn parallel_gateways_and_sub_flow_dot() {
    insta::assert_snapshot!(parallel::FULFILMENT.dot());
}

#[test]
fn waits_timers_and_a_timeout_mermaid() {
    insta::assert_snapshot!(PurchaseApproval::GRAPH.mermaid());
}

#[test]
fn waits_timers_and_a_timeout_dot() {
    insta::assert_snapshot!(PurchaseApproval::GRAPH.dot());
}

/// What the runtime reads back from the graph to draw waits and timers.
#[test]
fn waits_and_timers_carry_their_payload_and_time() {
    use flow_runtime::diagram::{Kind, Label};
    let diagram = PurchaseApproval::GRAPH.diagram();
    let decide = &diagram.nodes[1];
    assert_eq!((decide.kind, decide.detail), (Kind::Wait, Some("Decision")));
    let ship_day = &diagram.nodes[4];
    assert_eq!(
        (ship_day.kind, ship_day.detail),
        (Kind::Timer, Some("at(purchase.ship_after)"))
    );
    assert_eq!(diagram.nodes[3].detail, Some("30m"));
    assert!(
        diagram
            .edges
            .iter()
            .any(|edge| edge.label == Label::Timeout("48h"))
    );
}

async fn large_order() -> flow_runtime::Path<<OrderProcess as Flow>::Node> {
    let order = Order {
        id: 7,
        amount: 1500,
        items: vec!["book".into()],
        ..Order::default()
    };
    let done = OrderProcess::run(order).await.unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> validate -> check_stock -> approval -> manual_approval -> pay -> fulfil -> ship -> invoice -> fulfilled -> done"
    );
    done.path
}

#[tokio::test]
async fn highlighted_run_mermaid() {
    let path = large_order().await;
    insta::assert_snapshot!(diagram::mermaid_with_path::<OrderProcess>(&path));
}

#[tokio::test]
async fn highlighted_run_dot() {
    let path = large_order().await;
    insta::assert_snapshot!(diagram::dot_with_path::<OrderProcess>(&path));
}

/// Two declined charges: the error route and the loop back are taken.
#[tokio::test]
async fn highlighted_loop_through_error_route_mermaid() {
    let payment = Payment {
        amount: 30,
        declines: 2,
        ..Payment::default()
    };
    let done = PaymentProcess::run(payment).await.unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> reserve -> charge -> declined -> charge -> declined -> charge -> paid"
    );
    insta::assert_snapshot!(diagram::mermaid_with_path::<PaymentProcess>(&done.path));
}

#[test]
fn drawings_are_deterministic() {
    assert_eq!(OrderProcess::GRAPH.mermaid(), OrderProcess::GRAPH.mermaid());
    assert_eq!(parallel::FULFILMENT.dot(), parallel::FULFILMENT.dot());
    assert_eq!(
        diagram::mermaid(OrderProcess::GRAPH),
        OrderProcess::GRAPH.diagram().mermaid()
    );
}

/// The drawing `flow!` puts in a flow's rustdoc is the one the runtime
/// draws from `Flow::GRAPH`: the macro and the runtime describe the same
/// graph to `flow-diagram`.
#[test]
fn the_rustdoc_diagram_is_the_runtime_drawing() {
    use loan_approval::{CreditCheck, LoanApproval};
    assert_eq!(
        OrderProcess::__MERMAID,
        diagram::mermaid(OrderProcess::GRAPH)
    );
    assert_eq!(
        PaymentProcess::__MERMAID,
        diagram::mermaid(PaymentProcess::GRAPH)
    );
    assert_eq!(
        LoanApproval::__MERMAID,
        diagram::mermaid(LoanApproval::GRAPH)
    );
    assert_eq!(CreditCheck::__MERMAID, diagram::mermaid(CreditCheck::GRAPH));
    assert_eq!(
        PurchaseApproval::__MERMAID,
        diagram::mermaid(PurchaseApproval::GRAPH)
    );
}

//! Waits and timers inside parallel branches in memory: a branch waits in
//! place for its signal (sent to the instance's handle) or its time while
//! the others run on. Nothing is memoized, so branch values need not be
//! serializable when the flow cannot run on an engine.

#[path = "support/regions.rs"]
mod support;

use flow_runtime::Event;
use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;
use std::time::Duration;
use support::*;

fn purchase(ledger: &str) -> Purchase {
    Purchase {
        ledger: ledger.to_owned(),
        amount: 40,
        ..Purchase::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_started_instance_takes_the_signals_of_both_branches() {
    let instance = Purchasing::start(purchase("memory two"));
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls("memory two").all(), ["hold"], "both branches wait");
    instance.signal(legal("lee")).unwrap();
    instance.signal(finance("fiona")).unwrap();
    let done = instance.outcome().await.unwrap();
    assert_eq!(done.context.finance, Some(approval("fiona")));
    assert_eq!(done.context.legal, Some(approval("lee")));
    assert_eq!(done.context.booked, Some(80));
    assert_eq!(calls("memory two").all(), ["hold", "book", "place"]);
    assert_eq!(
        done.path.to_string(),
        "start -> approvals -> hold -> finance -> legal -> book -> approved -> place -> done"
    );
    let signalled = done
        .journal
        .events()
        .filter(|event| matches!(event, Event::Signalled { .. }))
        .count();
    assert_eq!(signalled, 2);
}

#[tokio::test(start_paused = true)]
async fn a_signal_sent_before_its_branch_waits_is_kept_for_it() {
    let instance = Purchasing::start(purchase("memory early"));
    instance.signal(finance("fiona")).unwrap();
    instance.signal(legal("lee")).unwrap();
    let done = instance.outcome().await.unwrap();
    assert_eq!(done.context.legal, Some(approval("lee")));
    assert_eq!(calls("memory early").all(), ["hold", "book", "place"]);
}

#[tokio::test(start_paused = true)]
async fn a_branch_wait_times_out_in_place() {
    let instance = Purchasing::start(purchase("memory late"));
    instance.signal(finance("fiona")).unwrap();
    tokio::time::sleep(Duration::from_secs(49 * 3600)).await;
    assert_eq!(calls("memory late").all(), ["hold", "book", "remind"]);
    instance.signal(legal("lee")).unwrap();
    let done = instance.outcome().await.unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> approvals -> hold -> finance -> book -> legal -> remind -> legal -> approved -> place -> done"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_while_a_branch_waits_compensates_the_other_branch() {
    let instance = Purchasing::start(purchase("memory cancel"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    instance.cancel_and_compensate("withdrawn");
    let cancelled = instance.outcome().await.unwrap_cancelled();
    assert_eq!(cancelled.node, PurchasingNode::Approvals);
    assert_eq!(cancelled.compensation.compensated_names(), ["hold"]);
    assert_eq!(calls("memory cancel").all(), ["hold", "release hold-40"]);
}

#[tokio::test(start_paused = true)]
async fn run_sleeps_through_a_timer_in_a_branch() {
    let build = Build {
        ledger: "memory cooling".to_owned(),
        ..Build::default()
    };
    let started = tokio::time::Instant::now();
    let done = Cooling::run(build).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(3600));
    assert!(done.context.compiled && done.context.cooled && done.context.released);
    assert_eq!(
        done.path.to_string(),
        "start -> split -> compile -> cool -> cooled -> joined -> release -> done"
    );
}

#[tokio::test(start_paused = true)]
async fn a_test_mocks_a_branch_task_and_signals_a_branch_wait() {
    let run = FlowTest::<Purchasing>::new()
        .signal(finance("fiona"))
        .signal(legal("lee"))
        .fail(PurchasingTask::place(), 1, "shop closed")
        .run(purchase("memory test"))
        .await;
    run.assert_failed_at(PurchasingNode::Place)
        .assert_compensated([PurchasingNode::Hold]);
    assert_eq!(run.context().legal, Some(approval("lee")));
}

/// A handle to a connection: neither `Serialize` nor `Deserialize`.
#[derive(Debug, PartialEq)]
pub struct Connection(u32);

/// An in-memory context: not serializable either.
#[derive(Default)]
pub struct Session {
    connection: Option<Connection>,
    answer: Option<Approval>,
    slept: bool,
}

async fn connect() -> Result<Connection, StepError> {
    Ok(Connection(7))
}

async fn nap() -> Result<bool, StepError> {
    Ok(true)
}

flow! {
    flow Connecting(session: Session) {
        start -> split;
        and split -> connect, answer, later;
        task connect = connect() => session.connection -> joined;
        wait answer: Approval => session.answer -> joined;
        timer later = 10s -> nap;
        task nap = nap() => session.slept -> joined;
        join joined -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_flow_that_cannot_run_durably_keeps_values_that_are_not_serializable() {
    let instance = Connecting::start(Session::default());
    instance
        .signal(ConnectingSignal::Answer(approval("ann")))
        .unwrap();
    let done = instance.outcome().await.unwrap();
    assert_eq!(done.context.connection, Some(Connection(7)));
    assert_eq!(done.context.answer, Some(approval("ann")));
    assert!(done.context.slept);
}

//! Sub-flows on an engine: a sub-flow call starts its child as an instance
//! of its own, the parent waits for it as for a signal, and takes its end
//! and final context, or its failure. Children that wait and sleep,
//! grandchildren, cancellation, restarts on a SQLite file, and crashes at
//! every commit.

#[path = "support/sub_flows.rs"]
mod support;

#[path = "sub_flows_engine/control.rs"]
mod control;
#[path = "sub_flows_engine/crashes.rs"]
mod crashes;

use flow_runtime::store::{Filter, MemoryStore, Store};
use flow_runtime::{Durable, Engine, Event, InstanceId, Status, User};
use std::time::Duration;
use support::*;

/// An engine over `store` that runs every flow of these tests.
pub(crate) fn engine(store: impl Store) -> Engine {
    Engine::builder(store)
        .register::<Lend>()
        .register::<Review>()
        .register::<Patient>()
        .register::<CoolOff>()
        .register::<Risky>()
        .register::<Forgiving>()
        .register::<Bureau>()
        .register::<Top>()
        .register::<Middle>()
        .register::<Inquiry>()
        .register::<Hasty>()
        .register::<Both>()
        .register::<Quick>()
        .poll_interval(Duration::from_millis(20))
        .lease(Duration::from_millis(500))
        .start()
}

/// The child the sub-flow call of `parent` started, once it has.
pub(crate) async fn child_of<F: Durable>(engine: &Engine, parent: InstanceId) -> InstanceId {
    loop {
        let started = engine.history::<F>(parent).await.unwrap();
        let child = started.events().find_map(|event| match event {
            Event::SubFlowStarted { child, .. } => Some(*child),
            _ => None,
        });
        if let Some(child) = child {
            return child;
        }
        engine.until_parked(parent).await.unwrap();
    }
}

/// The ids of the stored instances of `flow`.
pub(crate) async fn instances_of(engine: &Engine, flow: &str) -> Vec<InstanceId> {
    let filter = Filter {
        flow: Some(flow.to_owned()),
        status: None,
    };
    let rows = engine.list(filter).await.unwrap();
    rows.into_iter().map(|row| row.id).collect()
}

#[tokio::test]
async fn a_child_that_waits_for_a_signal_parks_its_parent_until_the_child_finishes() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Lend>(loan("waits", "Ada")).await.unwrap();
    let child = child_of::<Lend>(&engine, parent).await;
    assert_eq!(engine.until_parked(child).await.unwrap(), Status::Waiting);
    assert_eq!(engine.until_parked(parent).await.unwrap(), Status::Waiting);

    // Both are instances of their own flows; only the child's wait is a
    // user task.
    assert_eq!(instances_of(&engine, "Lend").await, [parent]);
    assert_eq!(instances_of(&engine, "Review").await, [child]);
    let inbox = engine
        .tasks(&User::new("uma").in_group("underwriter"))
        .await
        .unwrap();
    let tasks: Vec<_> = inbox
        .iter()
        .map(|task| (task.instance, task.wait.as_str()))
        .collect();
    assert_eq!(tasks, [(child, "decide")]);

    engine
        .signal(child, ReviewSignal::Decide(true))
        .await
        .unwrap();
    let done = engine.outcome::<Lend>(parent).await.unwrap().unwrap();
    assert_eq!(done.end, LendEnd::Done);
    let reviewed = done.context.reviewed.expect("the child's final context");
    assert_eq!((reviewed.score, reviewed.approved), (700, Some(true)));
    assert_eq!(done.context.offer.as_deref(), Some("an offer for Ada"));

    let review = engine.outcome::<Review>(child).await.unwrap().unwrap();
    assert_eq!(review.end, ReviewEnd::Good);
    // The parent's journal names the child; the call completed once.
    let journal = engine.history::<Lend>(parent).await.unwrap();
    let calls: Vec<String> = journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::SubFlowStarted { .. }
                    | Event::Succeeded {
                        node: LendNode::Review,
                        ..
                    }
            )
        })
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        calls,
        [
            format!("review started sub-flow instance {child}"),
            "review attempt 1 succeeded".to_owned()
        ]
    );
    assert_eq!(ran("waits"), ["reserve", "score", "offer"]);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_child_routes_its_parent_by_the_end_it_reaches() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Lend>(loan("refused", "Bob")).await.unwrap();
    let child = child_of::<Lend>(&engine, parent).await;
    engine
        .signal(child, ReviewSignal::Decide(false))
        .await
        .unwrap();
    let done = engine.outcome::<Lend>(parent).await.unwrap().unwrap();
    assert_eq!(done.end, LendEnd::Refused);
    assert_eq!(done.context.reviewed.unwrap().approved, Some(false));
    assert_eq!(done.context.offer, None);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_child_timer_keeps_its_parent_waiting_until_it_fires() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Patient>(loan("timer", "Cy")).await.unwrap();
    let child = child_of::<Patient>(&engine, parent).await;
    assert_eq!(engine.until_parked(child).await.unwrap(), Status::Sleeping);
    assert_eq!(engine.status(parent).await.unwrap(), Status::Waiting);

    let done = engine.outcome::<Patient>(parent).await.unwrap().unwrap();
    assert_eq!(done.context.reviewed.unwrap().score, 700);
    let slept = engine.history::<CoolOff>(child).await.unwrap();
    let night = slept.events().find_map(|event| match event {
        Event::Woke { node } => Some(*node),
        _ => None,
    });
    assert_eq!(night, Some(CoolOffNode::Night));
    assert_eq!(ran("timer"), ["score", "offer"]);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_failing_child_fails_its_call_and_the_parent_compensates_after_the_child() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Risky>(loan("fails", "Dee")).await.unwrap();
    let failed = engine
        .outcome::<Risky>(parent)
        .await
        .unwrap()
        .unwrap_failed();
    let child = instances_of(&engine, "Bureau").await;
    let [child] = child[..] else {
        panic!("one child: {child:?}")
    };
    assert_eq!(failed.node, RiskyNode::Check);
    assert_eq!(
        failed.error.to_string(),
        format!("sub-flow `Bureau` (instance {child}) failed at `fetch`: no credit file for Dee")
    );
    assert!(
        failed.error.is_permanent(),
        "a permanent child error stays permanent"
    );
    assert_eq!(failed.compensation.compensated_names(), ["reserve"]);

    let bureau = engine
        .outcome::<Bureau>(child)
        .await
        .unwrap()
        .unwrap_failed();
    assert_eq!(bureau.compensation.compensated_names(), ["score"]);
    // The child undid its step before it told the parent, which then undid
    // its own.
    assert_eq!(
        ran("fails"),
        ["reserve", "score", "bureau", "unscore", "release"]
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_failing_child_takes_the_calls_error_route() {
    let engine = engine(MemoryStore::new());
    let parent = engine
        .start::<Forgiving>(loan("routed", "Eve"))
        .await
        .unwrap();
    let done = engine.outcome::<Forgiving>(parent).await.unwrap().unwrap();
    let failure = done
        .context
        .failure
        .expect("the error stored by `on error`");
    assert!(
        failure.starts_with("sub-flow `Bureau` (instance "),
        "{failure}"
    );
    assert_eq!(done.context.offer.as_deref(), Some("an offer for Eve"));
    engine.shutdown().await;
}

#[tokio::test]
async fn a_grandchild_is_an_instance_of_its_own_and_its_end_reaches_the_top() {
    let engine = engine(MemoryStore::new());
    let top = engine.start::<Top>(loan("nested", "Flo")).await.unwrap();
    let middle = child_of::<Top>(&engine, top).await;
    let inquiry = child_of::<Middle>(&engine, middle).await;
    assert_eq!(engine.until_parked(inquiry).await.unwrap(), Status::Waiting);
    assert_eq!(engine.until_parked(middle).await.unwrap(), Status::Waiting);
    assert_eq!(engine.status(top).await.unwrap(), Status::Waiting);

    engine
        .signal(inquiry, InquirySignal::Answer(650))
        .await
        .unwrap();
    let done = engine.outcome::<Top>(top).await.unwrap().unwrap();
    let dossier = done.context.dossier.expect("the child's final context");
    assert_eq!(dossier.answered.map(|answered| answered.score), Some(650));
    assert!(
        engine
            .outcome::<Middle>(middle)
            .await
            .unwrap()
            .is_completed()
    );
    assert_eq!(ran("nested"), ["reserve", "offer"]);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_sub_flow_call_in_a_parallel_branch_runs_inline_on_an_engine() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Both>(loan("branch", "Lea")).await.unwrap();
    let done = engine.outcome::<Both>(parent).await.unwrap().unwrap();
    assert_eq!(
        done.context.reviewed.map(|reviewed| reviewed.score),
        Some(700)
    );
    assert!(
        instances_of(&engine, "Quick").await.is_empty(),
        "no stored child"
    );
    engine.shutdown().await;
}

#[tokio::test]
#[should_panic(
    expected = "flow `Lend` (`sub_flows_engine::support::Lend`) calls the sub-flow `Review` at \
                `flow review`, which is not registered with this engine: register it too, \
                `.register::<Review>()`"
)]
async fn an_engine_without_a_called_flow_refuses_to_start() {
    let _ = Engine::memory().register::<Lend>().start();
}

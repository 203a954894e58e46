//! Sub-flows on an engine: a sub-flow call starts its child as an instance
//! of its own, the parent waits for it as for a signal, and takes its end
//! and final context, or its failure. Children that wait and sleep,
//! grandchildren, cancellation, restarts on a SQLite file, and crashes at
//! every commit.

#[path = "support/sub_flows.rs"]
mod support;

#[path = "sub_flows_engine/crashes.rs"]
mod crashes;

use flow_runtime::store::{Filter, MemoryStore, Store};
use flow_runtime::testing::CrashTest;
use flow_runtime::{Durable, Engine, EngineError, Event, InstanceId, Status, User};
use std::time::Duration;
use support::*;

/// An engine over `store` that runs every flow of these tests.
fn engine(store: impl Store) -> Engine {
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
async fn child_of<F: Durable>(engine: &Engine, parent: InstanceId) -> InstanceId {
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
async fn instances_of(engine: &Engine, flow: &str) -> Vec<InstanceId> {
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
async fn a_signal_sent_to_a_parent_for_its_childs_wait_is_refused_naming_the_child() {
    let engine = engine(MemoryStore::new());
    let parent = engine
        .start::<Lend>(loan("misdirected", "Gus"))
        .await
        .unwrap();
    let child = child_of::<Lend>(&engine, parent).await;
    engine.until_parked(child).await.unwrap();

    let refused = engine.signal(parent, ReviewSignal::Decide(true)).await;
    let expected = EngineError::InSubFlow {
        id: parent,
        child,
        flow: "Review".into(),
    };
    assert_eq!(refused, Err(expected.clone()));
    assert_eq!(
        expected.to_string(),
        format!(
            "instance {parent} waits for its sub-flow `Review`, which runs as instance {child}: \
             send the signal to {child}"
        )
    );
    let refused = engine
        .signal_json(parent, "decide", serde_json::json!(true))
        .await;
    assert_eq!(refused, Err(expected));

    // Three levels down: the signal names the grandchild.
    let top = engine
        .start::<Top>(loan("misdirected-top", "Hal"))
        .await
        .unwrap();
    let middle = child_of::<Top>(&engine, top).await;
    let inquiry = child_of::<Middle>(&engine, middle).await;
    let refused = engine.signal(top, InquirySignal::Answer(1)).await;
    assert!(
        matches!(refused, Err(EngineError::InSubFlow { id, child, .. }) if id == top && child == inquiry),
        "{refused:?}"
    );

    // Nothing changed: the child still waits, and finishes when signalled.
    assert_eq!(engine.status(child).await.unwrap(), Status::Waiting);
    engine
        .signal(child, ReviewSignal::Decide(true))
        .await
        .unwrap();
    assert!(engine.outcome::<Lend>(parent).await.unwrap().is_completed());
    engine.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_parent_cancels_its_children_with_the_same_compensate_flag() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Lend>(loan("cancel", "Ida")).await.unwrap();
    let child = child_of::<Lend>(&engine, parent).await;
    engine.until_parked(child).await.unwrap();
    engine.cancel(parent, "withdrawn", true).await.unwrap();
    let cancelled = engine
        .outcome::<Lend>(parent)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(cancelled.compensation.compensated_names(), ["reserve"]);
    let review = engine
        .outcome::<Review>(child)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(review.reason, "withdrawn");
    assert_eq!(review.compensation.compensated_names(), ["score"]);
    assert_eq!(count("cancel", "unscore"), 1);
    assert_eq!(count("cancel", "release"), 1);

    // Without compensation, down three levels.
    let top = engine.start::<Top>(loan("cancel-top", "Jo")).await.unwrap();
    let middle = child_of::<Top>(&engine, top).await;
    let inquiry = child_of::<Middle>(&engine, middle).await;
    engine.until_parked(inquiry).await.unwrap();
    engine.cancel(top, "gone", false).await.unwrap();
    let cancelled = engine.outcome::<Top>(top).await.unwrap().unwrap_cancelled();
    assert_eq!(cancelled.compensation.not_compensated_names(), ["reserve"]);
    let middle = engine
        .outcome::<Middle>(middle)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(middle.reason, "gone");
    let inquiry = engine
        .outcome::<Inquiry>(inquiry)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(inquiry.reason, "gone");
    assert_eq!(count("cancel-top", "release"), 0);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_calls_timeout_cancels_its_child_and_a_retry_starts_another() {
    let engine = engine(MemoryStore::new());
    let parent = engine.start::<Hasty>(loan("timeout", "Kai")).await.unwrap();
    let first = child_of::<Hasty>(&engine, parent).await;
    // Nobody decides within the minute: the child is cancelled and undone,
    // and the retry starts a second child.
    let gave_up = engine
        .outcome::<Review>(first)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(
        gave_up.reason,
        "the sub-flow call `review` timed out after 60s"
    );
    assert_eq!(gave_up.compensation.compensated_names(), ["score"]);
    let second = loop {
        let children = instances_of(&engine, "Review").await;
        if let [_, second] = children[..] {
            break second;
        }
        engine.until_parked(parent).await.unwrap();
    };
    engine.until_parked(second).await.unwrap();
    engine
        .signal(second, ReviewSignal::Decide(true))
        .await
        .unwrap();
    let done = engine.outcome::<Hasty>(parent).await.unwrap().unwrap();
    assert_eq!(done.context.offer.as_deref(), Some("an offer for Kai"));
    let journal = engine.history::<Hasty>(parent).await.unwrap();
    let attempts: Vec<String> = journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::SubFlowStarted { .. }
                    | Event::AttemptFailed { .. }
                    | Event::Succeeded { .. }
            )
        })
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        attempts,
        [
            format!("review started sub-flow instance {first}"),
            "review attempt 1 failed: timed out after 60s; retry in 0ns".to_owned(),
            format!("review started sub-flow instance {second}"),
            "review attempt 2 succeeded".to_owned(),
            "offer attempt 1 succeeded".to_owned(),
        ]
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_waiting_for_its_child_resumes_on_a_sqlite_file_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flows.db");
    let first = engine(flow_runtime::store::SqliteStore::open(&file).unwrap());
    let parent = first.start::<Lend>(loan("restart", "Kim")).await.unwrap();
    let child = child_of::<Lend>(&first, parent).await;
    first.until_parked(child).await.unwrap();
    first.shutdown().await;
    drop(first);

    let again = engine(flow_runtime::store::SqliteStore::open(&file).unwrap());
    assert_eq!(again.status(parent).await.unwrap(), Status::Waiting);
    assert_eq!(again.status(child).await.unwrap(), Status::Waiting);
    again
        .signal(child, ReviewSignal::Decide(true))
        .await
        .unwrap();
    let done = again.outcome::<Lend>(parent).await.unwrap().unwrap();
    assert_eq!(done.context.reviewed.unwrap().approved, Some(true));
    assert_eq!(instances_of(&again, "Review").await, [child]);
    assert_eq!(ran("restart"), ["reserve", "score", "offer"]);
    again.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn crashes_at_every_commit_start_no_second_child_and_end_the_same() {
    CrashTest::<Lend>::new(|| loan("crash-lend", "Lu"))
        .sub_flow_signals::<Review>(|_wait| ReviewSignal::Decide(true))
        .run()
        .await
        .assert_ok();
    CrashTest::<Risky>::new(|| loan("crash-risky", "Mo"))
        .sub_flow::<Bureau>()
        .run()
        .await
        .assert_ok();
    let report = CrashTest::<Top>::new(|| loan("crash-top", "Ned"))
        .sub_flow::<Middle>()
        .sub_flow_signals::<Inquiry>(|_wait| InquirySignal::Answer(600))
        .run()
        .await;
    report.assert_ok();
    // Top, Middle and Inquiry each commit several times.
    assert!(report.crash_points() >= 12, "{}", report.crash_points());
}

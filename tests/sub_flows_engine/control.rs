//! Controlling a parent and its children on an engine: a signal sent to
//! the wrong instance, cancellation down the chain of calls, and a call's
//! timeout.

use super::support::*;
use super::{child_of, engine, instances_of};
use flow_runtime::store::MemoryStore;
use flow_runtime::{EngineError, Event, Status};

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
async fn a_child_cancelled_on_its_own_fails_its_call() {
    let engine = engine(MemoryStore::new());
    let parent = engine
        .start::<Lend>(loan("child-cancelled", "Max"))
        .await
        .unwrap();
    let child = child_of::<Lend>(&engine, parent).await;
    engine.until_parked(child).await.unwrap();
    engine
        .cancel(child, "applicant withdrew", true)
        .await
        .unwrap();
    let failed = engine
        .outcome::<Lend>(parent)
        .await
        .unwrap()
        .unwrap_failed();
    assert_eq!(failed.node, LendNode::Review);
    assert_eq!(
        failed.error.to_string(),
        format!("sub-flow `Review` (instance {child}) failed at `decide`: applicant withdrew")
    );
    assert_eq!(failed.compensation.compensated_names(), ["reserve"]);
    assert_eq!(
        ran("child-cancelled"),
        ["reserve", "score", "unscore", "release"]
    );
    engine.shutdown().await;
}

//! Restarts and crashes: a parent waiting for its child on a SQLite file
//! across a restart; crashes between the steps of a sub-flow call, on a
//! SQLite file with a restart (the engine's crash hook stops the whole
//! engine at one commit point, as a process that dies there, and a new
//! engine on the file finishes the work: each point must end with one
//! child, every step run once, and the child's end taken once); and
//! `CrashTest` at every commit.

use super::support::*;
use super::{child_of, engine, instances_of};
use flow_runtime::store::{Commit, SqliteStore, Status as Stored, Store};
use flow_runtime::testing::CrashTest;
use flow_runtime::{CommitPoint, Engine, Entry, Event, Flow, Status};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the engine dies.
#[derive(Debug, Clone, Copy)]
enum Point {
    /// The child is stored; the commit that parks the parent at the call
    /// is not made.
    ChildStored,
    /// The child's finished state is committed; it has not told its parent.
    ChildFinished,
    /// The child has told its parent; its final status is not committed.
    ParentTold,
    /// The parent has read the child's end; the commit that takes it is
    /// not made.
    EndRead,
}

impl Point {
    fn is(self, at: CommitPoint, commit: &Commit) -> bool {
        let (lend, review) = (Lend::GRAPH.hash(), Review::GRAPH.hash());
        match self {
            Point::ChildStored => {
                at == CommitPoint::Before
                    && commit.hash == lend
                    && commit.waits.iter().any(|wait| wait.wait == "review")
            }
            Point::ChildFinished => {
                at == CommitPoint::After
                    && commit.hash == review
                    && commit.status == Stored::Runnable
                    && commit.events.iter().any(|event| {
                        serde_json::from_slice::<Entry<ReviewNode>>(event)
                            .is_ok_and(|entry| matches!(entry.event, Event::Completed { .. }))
                    })
            }
            Point::ParentTold => {
                at == CommitPoint::Before && commit.hash == review && commit.status.is_finished()
            }
            Point::EndRead => {
                at == CommitPoint::Before && commit.hash == lend && commit.consumed.is_some()
            }
        }
    }
}

/// An engine on `file` that dies at `point`: it stops taking work, and the
/// driver that reached the point unwinds before it does anything more.
fn doomed(file: &std::path::Path, point: Point, crashed: Arc<AtomicBool>) -> Engine {
    let slot: Arc<Mutex<Option<Engine>>> = Arc::default();
    let in_hook = slot.clone();
    let engine = Engine::builder(SqliteStore::open(file).unwrap())
        .register::<Lend>()
        .register::<Review>()
        .poll_interval(Duration::from_millis(20))
        .lease(Duration::from_millis(500))
        .crash_hook(move |at, commit| {
            if crashed.load(Ordering::SeqCst) || !point.is(at, commit) {
                return;
            }
            crashed.store(true, Ordering::SeqCst);
            if let Some(engine) = in_hook.lock().unwrap().take() {
                engine.kill();
            }
            std::panic::resume_unwind(Box::new("a simulated crash"));
        })
        .start();
    *slot.lock().unwrap() = Some(engine.clone());
    engine
}

async fn crash_at(point: Point) {
    let case = format!("crash at {point:?}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flows.db");
    let crashed = Arc::new(AtomicBool::new(false));
    let dying = doomed(&file, point, crashed.clone());
    let parent = dying.start::<Lend>(loan(&case, "Pat")).await.unwrap();
    let mut signalled = false;
    while !crashed.load(Ordering::SeqCst) {
        // The child waits for its underwriter: decide once.
        if let [child] = instances_of(&dying, "Review").await[..]
            && !signalled
            && dying.status(child).await.unwrap() == Status::Waiting
        {
            dying
                .signal(child, ReviewSignal::Decide(true))
                .await
                .unwrap();
            signalled = true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(dying);

    let store = SqliteStore::open(&file).unwrap();
    if let Point::ChildStored = point {
        // The child is in the file; the parent is where its last commit
        // left it, about to enter the call again.
        let children = instances_of_in(&store, "Review").await;
        assert_eq!(children.len(), 1, "{point:?}");
        assert_eq!(
            store.load(parent).await.unwrap().unwrap().status,
            Stored::Runnable
        );
    }
    let engine = engine(store.clone());
    if !signalled {
        let child = child_of::<Lend>(&engine, parent).await;
        engine.until_parked(child).await.unwrap();
        engine
            .signal(child, ReviewSignal::Decide(true))
            .await
            .unwrap();
    }
    let done = engine.outcome::<Lend>(parent).await.unwrap().unwrap();
    assert_eq!(
        done.context.offer.as_deref(),
        Some("an offer for Pat"),
        "{point:?}"
    );
    let children = instances_of(&engine, "Review").await;
    assert_eq!(children.len(), 1, "{point:?}: one child");
    // A child that died before its final commit gets it once its lease
    // has passed, whether or not its parent finished first.
    let review = engine
        .outcome::<Review>(children[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(review.end, ReviewEnd::Good);
    assert_eq!(ran(&case), ["reserve", "score", "offer"], "{point:?}");
    // The parent started one child and took its end once; the child's
    // notice is consumed.
    let journal = engine.history::<Lend>(parent).await.unwrap();
    let calls = journal
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
        .count();
    assert_eq!(calls, 2, "{point:?}:\n{journal}");
    assert!(store.signals(parent).await.unwrap().is_empty(), "{point:?}");
    engine.shutdown().await;
}

async fn instances_of_in(store: &SqliteStore, flow: &str) -> Vec<flow_runtime::InstanceId> {
    let filter = flow_runtime::Filter {
        flow: Some(flow.to_owned()),
        status: None,
    };
    store
        .list(filter)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect()
}

#[tokio::test]
async fn a_crash_after_the_child_is_stored_and_before_the_parent_parks_starts_no_second_child() {
    crash_at(Point::ChildStored).await;
}

#[tokio::test]
async fn a_crash_after_the_child_finished_and_before_it_told_its_parent_delivers_its_end_once() {
    crash_at(Point::ChildFinished).await;
}

#[tokio::test]
async fn a_crash_after_the_child_told_its_parent_and_before_its_final_commit_delivers_its_end_once()
{
    crash_at(Point::ParentTold).await;
}

#[tokio::test]
async fn a_crash_after_the_parent_read_the_childs_end_and_before_it_took_it_delivers_it_once() {
    crash_at(Point::EndRead).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_waiting_for_its_child_resumes_on_a_sqlite_file_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flows.db");
    let first = engine(SqliteStore::open(&file).unwrap());
    let parent = first.start::<Lend>(loan("restart", "Kim")).await.unwrap();
    let child = child_of::<Lend>(&first, parent).await;
    first.until_parked(child).await.unwrap();
    first.shutdown().await;
    drop(first);

    let again = engine(SqliteStore::open(&file).unwrap());
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

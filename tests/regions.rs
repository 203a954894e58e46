//! Parallel regions on an engine (DESIGN §5.8): branches that wait for
//! signals and sleep until times park the instance as a whole; a signal or
//! a timer replays the region from the split's context, feeding every task
//! that completed its memoized value instead of calling it again.

#[path = "support/regions.rs"]
mod support;

use flow_runtime::store::{MemoryStore, Store};
use flow_runtime::{Engine, Event, InstanceId, Status, User};
use std::time::Duration;
use support::*;

fn purchase(ledger: &str) -> Purchase {
    Purchase {
        ledger: ledger.to_owned(),
        amount: 300,
        ..Purchase::default()
    }
}

fn engine(store: &MemoryStore) -> Engine {
    Engine::builder(store.clone())
        .register::<Purchasing>()
        .register::<Cooling>()
        .register::<Shipping>()
        .register::<Gifting>()
        .start()
}

/// The names of the waits the store lists for the instance.
async fn open_waits(store: &impl Store, id: InstanceId) -> Vec<String> {
    let stored = store.load(id).await.unwrap().unwrap();
    stored.waits.into_iter().map(|wait| wait.wait).collect()
}

/// How often the journal says `node` was entered.
fn entered(journal: &flow_runtime::Journal<PurchasingNode>, node: PurchasingNode) -> usize {
    journal
        .events()
        .filter(|event| matches!(event, Event::Entered { node: n, .. } if *n == node))
        .count()
}

#[tokio::test(start_paused = true)]
async fn two_approvals_wait_at_once_and_each_branch_goes_on_with_its_own() {
    let store = MemoryStore::new();
    let engine = engine(&store);
    let id = engine
        .start::<Purchasing>(purchase("two approvals"))
        .await
        .unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(open_waits(&store, id).await, ["finance", "legal"]);

    let fiona = User::new("fiona").in_group("finance");
    let lee = User::new("lee").in_group("legal");
    let inbox = engine.tasks(&fiona).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].instance, inbox[0].wait.as_str()), (id, "finance"));
    assert_eq!(engine.tasks(&lee).await.unwrap()[0].wait, "legal");

    engine.complete(id, &fiona, finance("fiona")).await.unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(open_waits(&store, id).await, ["legal"]);
    assert!(engine.tasks(&fiona).await.unwrap().is_empty());
    let calls = calls("two approvals");
    assert_eq!(calls.all(), ["hold", "book"], "the finance branch went on");

    engine.complete(id, &lee, legal("lee")).await.unwrap();
    let done = engine.outcome::<Purchasing>(id).await.unwrap().unwrap();
    assert_eq!(calls.all(), ["hold", "book", "place"], "no task ran twice");
    assert_eq!(done.context.hold.as_deref(), Some("hold-300"));
    assert_eq!(done.context.finance, Some(approval("fiona")));
    assert_eq!(done.context.booked, Some(600));
    assert_eq!(done.context.legal, Some(approval("lee")));
    assert!(done.context.placed);
    assert_eq!(
        done.path.to_string(),
        "start -> approvals -> hold -> finance -> legal -> book -> approved -> place -> done"
    );
    let journal = engine.history::<Purchasing>(id).await.unwrap();
    for node in [
        PurchasingNode::Hold,
        PurchasingNode::Finance,
        PurchasingNode::Legal,
    ] {
        assert_eq!(entered(&journal, node), 1, "{node:?} entered once");
    }
    let signalled: Vec<_> = journal
        .events()
        .filter_map(|event| match event {
            Event::Signalled { node, by } => Some((*node, by.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        signalled,
        [
            (PurchasingNode::Finance, Some("fiona".to_owned())),
            (PurchasingNode::Legal, Some("lee".to_owned()))
        ]
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_signal_sent_before_its_branch_waits_is_taken_when_it_gets_there() {
    let store = MemoryStore::new();
    let engine = engine(&store);
    let id = engine.start::<Purchasing>(purchase("early")).await.unwrap();
    engine.signal(id, legal("lee")).await.unwrap();
    engine.signal(id, finance("fiona")).await.unwrap();
    let done = engine.outcome::<Purchasing>(id).await.unwrap().unwrap();
    assert_eq!(done.context.legal, Some(approval("lee")));
    assert_eq!(calls("early").all(), ["hold", "book", "place"]);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_wait_in_a_branch_times_out_on_its_route_while_the_other_branch_waits() {
    let store = MemoryStore::new();
    let engine = engine(&store);
    let id = engine
        .start::<Purchasing>(purchase("late legal"))
        .await
        .unwrap();
    engine.until_parked(id).await.unwrap();
    tokio::time::sleep(Duration::from_secs(49 * 3600)).await;
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(calls("late legal").all(), ["hold", "remind"]);
    assert_eq!(open_waits(&store, id).await, ["finance", "legal"]);
    engine.signal(id, finance("fiona")).await.unwrap();
    engine.signal(id, legal("lee")).await.unwrap();
    let done = engine.outcome::<Purchasing>(id).await.unwrap().unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> approvals -> hold -> finance -> legal -> remind -> legal -> book -> approved -> place -> done"
    );
    assert_eq!(
        calls("late legal").all(),
        ["hold", "remind", "book", "place"]
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_timer_in_a_branch_sleeps_after_the_other_branch_is_done() {
    let store = MemoryStore::new();
    let engine = engine(&store);
    let build = Build {
        ledger: "cooling".to_owned(),
        ..Build::default()
    };
    let id = engine.start::<Cooling>(build).await.unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Sleeping);
    assert!(store.load(id).await.unwrap().unwrap().waits.is_empty());
    assert_eq!(calls("cooling").all(), ["compile"]);
    let started = tokio::time::Instant::now();
    let done = engine.outcome::<Cooling>(id).await.unwrap().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(3600),
        "never early"
    );
    assert!(done.context.compiled && done.context.cooled && done.context.released);
    assert_eq!(calls("cooling").all(), ["compile", "cooled", "release"]);
    let journal = engine.history::<Cooling>(id).await.unwrap();
    let woke = journal
        .events()
        .filter(|event| matches!(event, Event::Woke { .. }))
        .count();
    assert_eq!(woke, 1);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_branch_failing_after_the_other_parked_compensates_its_completed_task() {
    let store = MemoryStore::new();
    let engine = engine(&store);
    let delivery = Delivery {
        ledger: "refused".to_owned(),
        ..Delivery::default()
    };
    let id = engine.start::<Shipping>(delivery).await.unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(open_waits(&store, id).await, ["sign", "docs"]);
    engine
        .signal(id, ShippingSignal::Docs(approval("clerk")))
        .await
        .unwrap();
    let failed = engine
        .outcome::<Shipping>(id)
        .await
        .unwrap()
        .unwrap_failed();
    assert_eq!(failed.node, ShippingNode::Ship);
    assert_eq!(failed.compensation.compensated_names(), ["hold"]);
    assert_eq!(
        calls("refused").all(),
        ["hold", "ship", "release hold-7"],
        "the hold from before the park is released with its value"
    );
    let journal = engine.history::<Shipping>(id).await.unwrap();
    let cancelled = journal
        .events()
        .any(|event| matches!(event, Event::BranchCancelled { branch: 0, .. }));
    assert!(cancelled, "the waiting branch is cancelled");
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_an_instance_parked_in_a_region_compensates_with_what_branches_stored() {
    let store = MemoryStore::new();
    let first = engine(&store);
    let id = first
        .start::<Purchasing>(purchase("cancelled"))
        .await
        .unwrap();
    first.until_parked(id).await.unwrap();
    first.shutdown().await;

    // Another engine reads the parked region back and cancels it.
    let engine = engine(&store);
    engine
        .cancel(id, "the order was withdrawn", true)
        .await
        .unwrap();
    let cancelled = engine
        .outcome::<Purchasing>(id)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(cancelled.node, PurchasingNode::Approvals);
    assert_eq!(cancelled.compensation.compensated_names(), ["hold"]);
    assert_eq!(calls("cancelled").all(), ["hold", "release hold-300"]);
    assert!(open_waits(&store, id).await.is_empty());
    assert!(
        engine
            .tasks(&User::new("fiona").in_group("finance"))
            .await
            .unwrap()
            .is_empty()
    );
    engine.shutdown().await;
}

/// Two approvals on a SQLite file, with a restart between them: the new
/// engine replays the region from the file and calls none of the tasks the
/// first engine completed.
#[tokio::test(start_paused = true)]
async fn on_a_file_a_restart_between_two_approvals_calls_no_completed_task_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flows.db");
    let start = |file: &std::path::Path| {
        Engine::sqlite(file)
            .unwrap()
            .register::<Purchasing>()
            .start()
    };
    let fiona = User::new("fiona").in_group("finance");
    let lee = User::new("lee").in_group("legal");

    let first = start(&file);
    let id = first
        .start::<Purchasing>(purchase("restart"))
        .await
        .unwrap();
    first.until_parked(id).await.unwrap();
    first.complete(id, &fiona, finance("fiona")).await.unwrap();
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(calls("restart").all(), ["hold", "book"]);
    first.shutdown().await;
    drop(first);

    let engine = start(&file);
    assert_eq!(engine.status(id).await.unwrap(), Status::Waiting);
    let inbox = engine.tasks(&lee).await.unwrap();
    assert_eq!((inbox.len(), inbox[0].wait.as_str()), (1, "legal"));
    engine.complete(id, &lee, legal("lee")).await.unwrap();
    let done = engine.outcome::<Purchasing>(id).await.unwrap().unwrap();
    assert_eq!(
        calls("restart").all(),
        ["hold", "book", "place"],
        "hold and book ran once, before the restart"
    );
    assert_eq!(done.context.booked, Some(600));
    assert_eq!(done.context.hold.as_deref(), Some("hold-300"));
    assert_eq!(done.context.finance, Some(approval("fiona")));
    let journal = engine.history::<Purchasing>(id).await.unwrap();
    for node in [
        PurchasingNode::Hold,
        PurchasingNode::Finance,
        PurchasingNode::Book,
        PurchasingNode::Legal,
    ] {
        assert_eq!(entered(&journal, node), 1, "{node:?} entered once");
    }
    let succeeded: Vec<_> = journal
        .events()
        .filter_map(|event| match event {
            Event::Succeeded { node, .. } => Some(*node),
            _ => None,
        })
        .collect();
    assert_eq!(
        succeeded,
        [
            PurchasingNode::Hold,
            PurchasingNode::Book,
            PurchasingNode::Place
        ]
    );
    engine.shutdown().await;
}

/// A crash after every commit in turn of an instance that waits in two
/// branches: each resumed run ends as the uninterrupted one, with every
/// task's completion recorded once.
#[tokio::test(start_paused = true)]
async fn a_crash_at_any_commit_of_a_region_that_waits_ends_the_same() {
    let report = flow_runtime::testing::CrashTest::<Purchasing>::new(|| purchase("crashes"))
        .signals(|wait| match wait {
            "finance" => finance("fiona"),
            _ => legal("lee"),
        })
        .run()
        .await;
    report.assert_ok();
    assert!(report.crash_points() >= 5, "{}", report.crash_points());
}

/// A wait in an `or` nested in a branch parks the outer region; another
/// engine replays both regions, and the journal still has each branch's
/// start and finish once.
#[tokio::test(start_paused = true)]
async fn a_wait_in_a_nested_region_parks_the_outer_one() {
    let store = MemoryStore::new();
    let first = engine(&store);
    let parcel = Parcel {
        ledger: "nested".to_owned(),
        gift: true,
        ..Parcel::default()
    };
    let id = first.start::<Gifting>(parcel).await.unwrap();
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Waiting);
    assert_eq!(open_waits(&store, id).await, ["card"]);
    first.shutdown().await;

    let engine = engine(&store);
    engine
        .signal(id, GiftingSignal::Card(approval("ann")))
        .await
        .unwrap();
    let done = engine.outcome::<Gifting>(id).await.unwrap().unwrap();
    assert!(done.context.packed && done.context.wrapped);
    assert_eq!(done.context.card, Some(approval("ann")));
    assert_eq!(calls("nested").all(), ["pack", "wrap"]);
    assert_eq!(
        done.path.to_string(),
        "start -> outer -> pack -> extras -> wrap -> card -> extras_done -> outer_done -> done"
    );
    let journal = engine.history::<Gifting>(id).await.unwrap();
    let branch_events: Vec<String> = journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::BranchStarted { .. } | Event::BranchFinished { .. }
            )
        })
        .map(|event| event.to_string())
        .collect();
    assert_eq!(branch_events.len(), 6, "{branch_events:#?}");
    engine.shutdown().await;
}

//! One behaviour suite for every [`Store`]: each test below is a generic
//! async function over a store, and `conformance!` instantiates it once per
//! implementation (`memory::…`, `sqlite::…`, `postgres::…`), so all answer
//! every question exactly alike.

use flow_runtime::InstanceId;
use flow_runtime::store::{
    CancelRequest, Commit, Created, Delivery, Filter, MemoryStore, NewInstance, NewSignal,
    OpenWait, SqliteStore, Status, Store, StoreError, StoredInstance,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::MemoryStore::new()).await;
                }
            )*
        }

        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = super::SqliteStore::open(dir.path().join("store.db")).unwrap();
                    super::$test(store).await;
                }
            )*
        }

        // With a server (`FLOW_POSTGRES_URL`), each test in a schema of its
        // own; without one, each prints SKIPPED (or fails under
        // `FLOW_REQUIRE_POSTGRES=1`).
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(schema) = super::pg::Schema::new(stringify!($test)) else {
                        return;
                    };
                    super::$test(schema.store().await).await;
                }
            )*
        }
    };
}

#[path = "support/postgres.rs"]
mod pg;

conformance!(
    create_stores_a_runnable_instance,
    create_with_the_same_key_twice_is_existing,
    the_same_key_in_another_flow_is_new,
    create_with_a_stored_id_is_existing,
    load_of_an_unknown_instance_is_none,
    every_other_method_refuses_an_unknown_instance,
    commit_sets_the_row_and_bumps_the_version,
    commit_appends_events_in_order,
    a_conflict_changes_nothing_of_the_batch,
    an_unknown_instance_in_a_batch_changes_nothing,
    commits_of_one_instance_in_a_batch_follow_each_other,
    commit_removes_the_consumed_signal_only,
    parking_at_a_wait_whose_signal_is_stored_leaves_it_runnable,
    a_signal_for_its_wait_makes_a_parked_instance_runnable,
    cancellation_makes_a_parked_instance_runnable_once,
    parking_while_a_cancellation_is_requested_leaves_it_runnable,
    finishing_clears_the_cancellation,
    a_finished_instance_takes_no_signal_nor_cancellation,
    a_dedupe_key_is_accepted_once_per_instance,
    signals_are_listed_oldest_first,
    claim_takes_runnable_ones_in_creation_order_up_to_the_limit,
    claim_respects_the_lease,
    renew_extends_a_claim_and_never_shortens_it,
    release_gives_an_instance_back,
    claim_takes_parked_ones_whose_wake_up_time_passed,
    claim_merges_runnable_and_due_ones_in_creation_order,
    a_commit_keeps_the_claim,
    next_wake_is_the_earliest_unclaimed_wake_up,
    mark_broken_keeps_the_state_and_drops_the_claim,
    a_broken_instance_takes_signals_but_stays_broken,
    a_commit_stores_the_instance_under_its_hash,
    list_filters_by_flow_and_status_in_creation_order,
    an_instance_parked_at_several_waits_wakes_for_any_of_them,
    the_wake_hint_if_any_is_notified_by_a_start_a_signal_and_a_cancellation,
);

// ---- helpers ----

fn id(n: u128) -> InstanceId {
    InstanceId::from_u128(0xabc0_0000_0000_0000_0000_0000_0000_0000 | n)
}

/// A time with nanoseconds, so a store that rounds is caught.
fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::new(1_700_000_000 + seconds, 123_456_789)
}

fn instance(n: u128, flow: &str, key: Option<&str>) -> NewInstance {
    NewInstance {
        id: id(n),
        flow: flow.to_owned(),
        hash: 0xfedc_ba98_7654_3210,
        key: key.map(str::to_owned),
        state: format!("state {n}").into_bytes(),
        events: vec![b"started".to_vec(), format!("created {n}").into_bytes()],
    }
}

async fn create(store: &impl Store, n: u128) -> InstanceId {
    let created = store.create(instance(n, "order", None)).await.unwrap();
    assert_eq!(created, Created::New(id(n)));
    id(n)
}

fn commit(id: InstanceId, version: u64, status: Status) -> Commit {
    Commit {
        id,
        version,
        hash: 0xfedc_ba98_7654_3210,
        status,
        state: format!("state at {}", version + 1).into_bytes(),
        wake_at: None,
        waits: Vec::new(),
        events: Vec::new(),
        consumed: None,
    }
}

fn open_wait(name: &str) -> OpenWait {
    OpenWait {
        wait: name.to_owned(),
        assignee: Some("ann".to_owned()),
        groups: vec!["managers".to_owned(), "finance".to_owned()],
        since: at(3),
    }
}

/// A commit that parks `id` at the wait `name`.
fn park(id: InstanceId, version: u64, name: &str) -> Commit {
    Commit {
        waits: vec![open_wait(name)],
        ..commit(id, version, Status::Waiting)
    }
}

fn signal(wait: &str, payload: &str) -> NewSignal {
    NewSignal {
        wait: wait.to_owned(),
        payload: payload.as_bytes().to_vec(),
        by: None,
        dedupe: None,
    }
}

fn cancel(reason: &str) -> CancelRequest {
    CancelRequest {
        reason: reason.to_owned(),
        compensate: true,
    }
}

async fn load(store: &impl Store, id: InstanceId) -> StoredInstance {
    store
        .load(id)
        .await
        .unwrap()
        .expect("the instance is stored")
}

async fn status(store: &impl Store, id: InstanceId) -> Status {
    load(store, id).await.status
}

async fn claimed(store: &impl Store, now: SystemTime, limit: usize) -> Vec<InstanceId> {
    let lease = Duration::from_secs(60);
    let claimed = store.claim(now, limit, lease).await.unwrap();
    claimed.iter().map(|stored| stored.id).collect()
}

/// Everything the store tells of these instances, to compare before and
/// after a refused request.
async fn everything(store: &impl Store, ids: &[InstanceId]) -> String {
    let mut all = format!("{:?}\n", store.list(Filter::default()).await.unwrap());
    for &id in ids {
        let stored = store.load(id).await.unwrap();
        let journal = store.journal(id).await.ok();
        let signals = store.signals(id).await.ok().map(|signals| {
            // Every field but the arrival time, compared elsewhere.
            signals
                .into_iter()
                .map(|signal| (signal.seq, signal.wait, signal.payload, signal.by))
                .collect::<Vec<_>>()
        });
        all += &format!("{stored:?}\n{journal:?}\n{signals:?}\n");
    }
    all += &format!("{:?}", store.next_wake().await.unwrap());
    all
}

// ---- create and load ----

async fn create_stores_a_runnable_instance(store: impl Store) {
    let a = create(&store, 1).await;
    let stored = load(&store, a).await;
    assert_eq!(stored.id, a);
    assert_eq!(stored.flow, "order");
    assert_eq!(stored.hash, 0xfedc_ba98_7654_3210);
    assert_eq!(stored.key, None);
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.version, 0);
    assert_eq!(stored.state, b"state 1");
    assert_eq!(stored.wake_at, None);
    assert!(stored.waits.is_empty());
    assert_eq!(stored.cancel, None);
    assert_eq!(stored.broken, None);
    let journal = store.journal(a).await.unwrap();
    assert_eq!(journal, vec![b"started".to_vec(), b"created 1".to_vec()]);
    assert!(store.signals(a).await.unwrap().is_empty());
}

async fn create_with_the_same_key_twice_is_existing(store: impl Store) {
    let first = store
        .create(instance(1, "order", Some("po-7")))
        .await
        .unwrap();
    assert_eq!(first, Created::New(id(1)));
    let before = everything(&store, &[id(1)]).await;
    let second = store
        .create(instance(2, "order", Some("po-7")))
        .await
        .unwrap();
    assert_eq!(second, Created::Existing(id(1)));
    assert!(store.load(id(2)).await.unwrap().is_none());
    assert_eq!(everything(&store, &[id(1)]).await, before);
    assert_eq!(load(&store, id(1)).await.key.as_deref(), Some("po-7"));
}

async fn the_same_key_in_another_flow_is_new(store: impl Store) {
    let first = store.create(instance(1, "order", Some("k"))).await;
    let second = store.create(instance(2, "refund", Some("k"))).await;
    assert_eq!(first.unwrap(), Created::New(id(1)));
    assert_eq!(second.unwrap(), Created::New(id(2)));
    assert_eq!(load(&store, id(2)).await.flow, "refund");
    // Instances without a key never collide.
    let third = store.create(instance(3, "order", None)).await;
    let fourth = store.create(instance(4, "order", None)).await;
    assert_eq!(third.unwrap(), Created::New(id(3)));
    assert_eq!(fourth.unwrap(), Created::New(id(4)));
}

async fn create_with_a_stored_id_is_existing(store: impl Store) {
    let a = create(&store, 1).await;
    store
        .commit(vec![commit(a, 0, Status::Runnable)])
        .await
        .unwrap();
    let before = everything(&store, &[a]).await;
    let again = store.create(instance(1, "refund", Some("k"))).await;
    assert_eq!(again.unwrap(), Created::Existing(a));
    assert_eq!(everything(&store, &[a]).await, before);
}

async fn load_of_an_unknown_instance_is_none(store: impl Store) {
    create(&store, 1).await;
    assert!(store.load(id(99)).await.unwrap().is_none());
}

async fn every_other_method_refuses_an_unknown_instance(store: impl Store) {
    create(&store, 1).await;
    let before = everything(&store, &[id(1)]).await;
    let unknown = Err(StoreError::UnknownInstance(id(99)));
    assert_eq!(
        store.journal(id(99)).await,
        unknown.clone().map(|()| vec![])
    );
    assert!(matches!(
        store.signals(id(99)).await,
        Err(StoreError::UnknownInstance(i)) if i == id(99)
    ));
    assert_eq!(store.release(id(99)).await, unknown);
    assert_eq!(store.cancel(id(99), cancel("no")).await, unknown);
    assert_eq!(store.mark_broken(id(99), "no".into()).await, unknown);
    assert_eq!(
        store.signal(id(99), signal("approve", "{}")).await,
        Err(StoreError::UnknownInstance(id(99)))
    );
    assert_eq!(
        store
            .commit(vec![commit(id(99), 0, Status::Runnable)])
            .await,
        unknown
    );
    assert_eq!(everything(&store, &[id(1)]).await, before);
}

// ---- commit ----

async fn commit_sets_the_row_and_bumps_the_version(store: impl Store) {
    let a = create(&store, 1).await;
    let parked = Commit {
        wake_at: Some(at(10)),
        events: vec![b"waiting".to_vec()],
        ..park(a, 0, "approve")
    };
    store.commit(vec![parked]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.version, 1);
    assert_eq!(stored.status, Status::Waiting);
    assert_eq!(stored.state, b"state at 1");
    assert_eq!(stored.wake_at, Some(at(10)));
    assert_eq!(stored.waits, [open_wait("approve")]);
    // What create set stays.
    assert_eq!(stored.flow, "order");
    assert_eq!(stored.hash, 0xfedc_ba98_7654_3210);

    let on = commit(a, 1, Status::Sleeping);
    store.commit(vec![on]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.version, 2);
    assert_eq!(stored.status, Status::Sleeping);
    assert_eq!(stored.wake_at, None);
    assert!(stored.waits.is_empty());
    // An empty batch is a commit of nothing.
    store.commit(Vec::new()).await.unwrap();
    assert_eq!(load(&store, a).await.version, 2);
}

async fn commit_appends_events_in_order(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    let first = Commit {
        events: vec![b"one".to_vec(), b"two".to_vec()],
        ..commit(a, 0, Status::Runnable)
    };
    let other = Commit {
        events: vec![b"b's".to_vec()],
        ..commit(b, 0, Status::Runnable)
    };
    store.commit(vec![first, other]).await.unwrap();
    let second = Commit {
        events: vec![b"three".to_vec()],
        ..commit(a, 1, Status::Completed)
    };
    store.commit(vec![second]).await.unwrap();
    let journal = store.journal(a).await.unwrap();
    let expected: Vec<&[u8]> = vec![b"started", b"created 1", b"one", b"two", b"three"];
    assert_eq!(journal, expected);
    let journal = store.journal(b).await.unwrap();
    let expected: Vec<&[u8]> = vec![b"started", b"created 2", b"b's"];
    assert_eq!(journal, expected);
}

async fn a_conflict_changes_nothing_of_the_batch(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.signal(a, signal("approve", "yes")).await.unwrap();
    let seq = store.signals(a).await.unwrap()[0].seq;
    let before = everything(&store, &[a, b]).await;
    let good = Commit {
        events: vec![b"moved".to_vec()],
        consumed: Some(seq),
        wake_at: Some(at(1)),
        ..commit(a, 0, Status::Sleeping)
    };
    let stale = commit(b, 5, Status::Completed);
    let refused = store.commit(vec![good, stale]).await;
    assert_eq!(
        refused,
        Err(StoreError::Conflict {
            id: b,
            expected: 5,
            actual: 0
        })
    );
    assert_eq!(everything(&store, &[a, b]).await, before);
}

async fn an_unknown_instance_in_a_batch_changes_nothing(store: impl Store) {
    let a = create(&store, 1).await;
    let before = everything(&store, &[a]).await;
    let good = Commit {
        events: vec![b"moved".to_vec()],
        ..commit(a, 0, Status::Completed)
    };
    let refused = store
        .commit(vec![good, commit(id(9), 0, Status::Runnable)])
        .await;
    assert_eq!(refused, Err(StoreError::UnknownInstance(id(9))));
    assert_eq!(everything(&store, &[a]).await, before);
}

async fn commits_of_one_instance_in_a_batch_follow_each_other(store: impl Store) {
    let a = create(&store, 1).await;
    let two = vec![
        commit(a, 0, Status::Runnable),
        commit(a, 1, Status::Runnable),
    ];
    store.commit(two).await.unwrap();
    assert_eq!(load(&store, a).await.version, 2);
    // Two commits from the same version: the second one is stale.
    let before = everything(&store, &[a]).await;
    let twice = vec![
        commit(a, 2, Status::Runnable),
        commit(a, 2, Status::Runnable),
    ];
    let refused = store.commit(twice).await;
    assert_eq!(
        refused,
        Err(StoreError::Conflict {
            id: a,
            expected: 2,
            actual: 3
        })
    );
    assert_eq!(everything(&store, &[a]).await, before);
}

async fn commit_removes_the_consumed_signal_only(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.signal(a, signal("approve", "first")).await.unwrap();
    store.signal(a, signal("approve", "second")).await.unwrap();
    store.signal(b, signal("approve", "b's")).await.unwrap();
    let signals = store.signals(a).await.unwrap();
    let (first, second) = (signals[0].seq, signals[1].seq);
    let b_seq = store.signals(b).await.unwrap()[0].seq;
    let consume = Commit {
        consumed: Some(first),
        ..commit(a, 0, Status::Runnable)
    };
    store.commit(vec![consume]).await.unwrap();
    let left: Vec<u64> = store
        .signals(a)
        .await
        .unwrap()
        .iter()
        .map(|s| s.seq)
        .collect();
    assert_eq!(left, vec![second]);
    // A commit naming another instance's signal leaves it.
    let foreign = Commit {
        consumed: Some(b_seq),
        ..commit(a, 1, Status::Runnable)
    };
    store.commit(vec![foreign]).await.unwrap();
    assert_eq!(store.signals(b).await.unwrap().len(), 1);
    assert_eq!(store.signals(a).await.unwrap().len(), 1);
}

// ---- waits, signals and cancellation ----

async fn parking_at_a_wait_whose_signal_is_stored_leaves_it_runnable(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    // Sent before the instance reaches the wait: kept.
    store.signal(a, signal("approve", "yes")).await.unwrap();
    store.signal(b, signal("approve", "yes")).await.unwrap();
    assert_eq!(status(&store, a).await, Status::Runnable);
    store.commit(vec![park(a, 0, "approve")]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.version, 1);
    assert_eq!(stored.waits, [open_wait("approve")]);
    // A signal for another wait does not count.
    store.commit(vec![park(b, 0, "review")]).await.unwrap();
    assert_eq!(status(&store, b).await, Status::Waiting);
    // Nor a stored signal once consumed.
    let seq = store.signals(a).await.unwrap()[0].seq;
    let consume = Commit {
        consumed: Some(seq),
        ..park(a, 1, "approve")
    };
    store.commit(vec![consume]).await.unwrap();
    assert_eq!(status(&store, a).await, Status::Waiting);
}

async fn a_signal_for_its_wait_makes_a_parked_instance_runnable(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.commit(vec![park(a, 0, "approve")]).await.unwrap();
    let sleep = Commit {
        wake_at: Some(at(100)),
        ..commit(b, 0, Status::Sleeping)
    };
    store.commit(vec![sleep]).await.unwrap();

    let other = store.signal(a, signal("review", "no")).await;
    assert_eq!(other, Ok(Delivery::Accepted));
    assert_eq!(status(&store, a).await, Status::Waiting);
    let right = store.signal(a, signal("approve", "yes")).await;
    assert_eq!(right, Ok(Delivery::Accepted));
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.version, 1, "a signal is no commit");
    // A sleeping instance has no wait: it sleeps on.
    store.signal(b, signal("approve", "yes")).await.unwrap();
    assert_eq!(status(&store, b).await, Status::Sleeping);
}

async fn cancellation_makes_a_parked_instance_runnable_once(store: impl Store) {
    let a = create(&store, 1).await;
    store.commit(vec![park(a, 0, "approve")]).await.unwrap();
    store.cancel(a, cancel("changed my mind")).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.cancel, Some(cancel("changed my mind")));
    assert_eq!(stored.version, 1);
    let before = everything(&store, &[a]).await;
    let second = CancelRequest {
        reason: "again".to_owned(),
        compensate: false,
    };
    store.cancel(a, second).await.unwrap();
    assert_eq!(everything(&store, &[a]).await, before);
    // A runnable one stays runnable and keeps the request.
    let b = create(&store, 2).await;
    let plain = CancelRequest {
        reason: "stop".to_owned(),
        compensate: false,
    };
    store.cancel(b, plain.clone()).await.unwrap();
    let stored = load(&store, b).await;
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.cancel, Some(plain));
}

async fn parking_while_a_cancellation_is_requested_leaves_it_runnable(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.cancel(a, cancel("stop")).await.unwrap();
    store.cancel(b, cancel("stop")).await.unwrap();
    store.commit(vec![park(a, 0, "approve")]).await.unwrap();
    let sleep = Commit {
        wake_at: Some(at(100)),
        ..commit(b, 0, Status::Sleeping)
    };
    store.commit(vec![sleep]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Runnable);
    assert_eq!(stored.cancel, Some(cancel("stop")));
    assert_eq!(status(&store, b).await, Status::Runnable);
}

async fn finishing_clears_the_cancellation(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.cancel(a, cancel("stop")).await.unwrap();
    store.cancel(b, cancel("stop")).await.unwrap();
    store
        .commit(vec![commit(a, 0, Status::Cancelled)])
        .await
        .unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Cancelled);
    assert_eq!(stored.cancel, None);
    // An unfinished status keeps it.
    store
        .commit(vec![commit(b, 0, Status::Runnable)])
        .await
        .unwrap();
    assert_eq!(load(&store, b).await.cancel, Some(cancel("stop")));
}

async fn a_finished_instance_takes_no_signal_nor_cancellation(store: impl Store) {
    for (n, end) in [
        (1, Status::Completed),
        (2, Status::Failed),
        (3, Status::Cancelled),
        (4, Status::CompensationFailed),
    ] {
        let a = create(&store, n).await;
        store.commit(vec![commit(a, 0, end)]).await.unwrap();
        let before = everything(&store, &[a]).await;
        let refused = store.signal(a, signal("approve", "yes")).await;
        assert_eq!(refused, Err(StoreError::Finished(a)));
        let deduped = NewSignal {
            dedupe: Some("d".to_owned()),
            ..signal("approve", "yes")
        };
        assert_eq!(store.signal(a, deduped).await, Err(StoreError::Finished(a)));
        assert_eq!(
            store.cancel(a, cancel("late")).await,
            Err(StoreError::Finished(a))
        );
        assert_eq!(everything(&store, &[a]).await, before);
    }
}

async fn a_dedupe_key_is_accepted_once_per_instance(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    let keyed = |key: &str, payload: &str| NewSignal {
        dedupe: Some(key.to_owned()),
        ..signal("approve", payload)
    };
    assert_eq!(
        store.signal(a, keyed("d1", "1")).await,
        Ok(Delivery::Accepted)
    );
    let before = everything(&store, &[a, b]).await;
    assert_eq!(
        store.signal(a, keyed("d1", "2")).await,
        Ok(Delivery::Duplicate)
    );
    assert_eq!(everything(&store, &[a, b]).await, before);
    assert_eq!(
        store.signal(a, keyed("d2", "3")).await,
        Ok(Delivery::Accepted)
    );
    assert_eq!(
        store.signal(b, keyed("d1", "4")).await,
        Ok(Delivery::Accepted)
    );
    let payloads: Vec<Vec<u8>> = store
        .signals(a)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.payload)
        .collect();
    assert_eq!(payloads, vec![b"1".to_vec(), b"3".to_vec()]);
    // The key is remembered after its signal was consumed.
    let seq = store.signals(a).await.unwrap()[0].seq;
    let consume = Commit {
        consumed: Some(seq),
        ..commit(a, 0, Status::Runnable)
    };
    store.commit(vec![consume]).await.unwrap();
    assert_eq!(
        store.signal(a, keyed("d1", "5")).await,
        Ok(Delivery::Duplicate)
    );
    assert_eq!(store.signals(a).await.unwrap().len(), 1);
}

async fn signals_are_listed_oldest_first(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    store.signal(a, signal("approve", "1")).await.unwrap();
    store.signal(b, signal("approve", "b")).await.unwrap();
    let by = NewSignal {
        by: Some("bob".to_owned()),
        ..signal("review", "2")
    };
    store.signal(a, by).await.unwrap();
    store.signal(a, signal("approve", "3")).await.unwrap();
    let signals = store.signals(a).await.unwrap();
    let seen: Vec<(&str, &[u8], Option<&str>)> = signals
        .iter()
        .map(|s| (s.wait.as_str(), s.payload.as_slice(), s.by.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("approve", b"1".as_slice(), None),
            ("review", b"2".as_slice(), Some("bob")),
            ("approve", b"3".as_slice(), None),
        ]
    );
    assert!(signals.windows(2).all(|two| two[0].seq < two[1].seq));
    assert!(
        signals
            .windows(2)
            .all(|two| two[0].received_at <= two[1].received_at)
    );
    // Numbers are unique across instances.
    let b_seq = store.signals(b).await.unwrap()[0].seq;
    assert!(signals.iter().all(|s| s.seq != b_seq));
}

// ---- claims ----

async fn claim_takes_runnable_ones_in_creation_order_up_to_the_limit(store: impl Store) {
    // Ids out of order, so creation order is not id order.
    for n in [5, 3, 4, 1, 2] {
        create(&store, n).await;
    }
    let now = at(0);
    assert_eq!(claimed(&store, now, 0).await, vec![]);
    assert_eq!(claimed(&store, now, 2).await, vec![id(5), id(3)]);
    assert_eq!(claimed(&store, now, 2).await, vec![id(4), id(1)]);
    assert_eq!(claimed(&store, now, 2).await, vec![id(2)]);
    assert_eq!(claimed(&store, now, 2).await, vec![]);
    // A claim returns the stored instance as `load` does.
    store.release(id(3)).await.unwrap();
    let claim = store.claim(now, 1, Duration::from_secs(1)).await.unwrap();
    assert_eq!(
        format!("{:?}", claim[0]),
        format!("{:?}", load(&store, id(3)).await)
    );
}

async fn claim_respects_the_lease(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    let lease = Duration::from_secs(10);
    let first = store.claim(at(0), 1, lease).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(claimed(&store, at(9), 10).await, vec![b]);
    // The lease ends at claim time + lease; then it can be claimed again.
    let until = at(0) + lease;
    let almost = until - Duration::from_nanos(1);
    assert_eq!(claimed(&store, almost, 10).await, vec![]);
    assert_eq!(claimed(&store, until, 10).await, vec![a]);
}

async fn renew_extends_a_claim_and_never_shortens_it(store: impl Store) {
    let a = create(&store, 1).await;
    let lease = Duration::from_secs(10);
    assert_eq!(store.claim(at(0), 1, lease).await.unwrap().len(), 1);
    // Renewed at 8 s: held until 18 s, not 10 s.
    store.renew(a, at(8), lease).await.unwrap();
    assert_eq!(claimed(&store, at(12), 10).await, vec![]);
    let until = at(8) + lease;
    assert_eq!(
        claimed(&store, until - Duration::from_nanos(1), 10).await,
        vec![]
    );
    // A renewal for a shorter time than held changes nothing.
    store.renew(a, at(0), Duration::from_secs(1)).await.unwrap();
    assert_eq!(
        claimed(&store, until - Duration::from_nanos(1), 10).await,
        vec![]
    );
    assert_eq!(claimed(&store, until, 10).await, vec![a]);
    // Of an unknown instance: a typed error.
    let unknown = InstanceId::from_u128(999);
    assert_eq!(
        store.renew(unknown, at(0), lease).await,
        Err(StoreError::UnknownInstance(unknown))
    );
}

async fn release_gives_an_instance_back(store: impl Store) {
    let a = create(&store, 1).await;
    let b = create(&store, 2).await;
    assert_eq!(claimed(&store, at(0), 10).await, vec![a, b]);
    store.release(b).await.unwrap();
    assert_eq!(claimed(&store, at(0), 10).await, vec![b]);
    // Releasing an unclaimed one is harmless.
    store.release(b).await.unwrap();
    store.release(b).await.unwrap();
    assert_eq!(claimed(&store, at(0), 10).await, vec![b]);
}

async fn claim_takes_parked_ones_whose_wake_up_time_passed(store: impl Store) {
    let sleeping = create(&store, 1).await;
    let waiting_forever = create(&store, 2).await;
    let waiting_with_timeout = create(&store, 3).await;
    let done = create(&store, 4).await;
    let broken = create(&store, 5).await;
    let sleep = Commit {
        wake_at: Some(at(10)),
        ..commit(sleeping, 0, Status::Sleeping)
    };
    let timeout = Commit {
        wake_at: Some(at(20)),
        ..park(waiting_with_timeout, 0, "approve")
    };
    let end = Commit {
        wake_at: Some(at(1)),
        ..commit(done, 0, Status::Completed)
    };
    let parked = vec![sleep, park(waiting_forever, 0, "approve"), timeout, end];
    store.commit(parked).await.unwrap();
    store.mark_broken(broken, "no flow".into()).await.unwrap();

    assert_eq!(claimed(&store, at(0), 10).await, vec![]);
    let early = at(10) - Duration::from_nanos(1);
    assert_eq!(claimed(&store, early, 10).await, vec![]);
    assert_eq!(claimed(&store, at(10), 10).await, vec![sleeping]);
    // The sleeping one is under its lease until at(70).
    assert_eq!(
        claimed(&store, at(20), 10).await,
        vec![waiting_with_timeout]
    );
    let claim = store.claim(at(2000), 10, Duration::from_secs(1)).await;
    let ids: Vec<InstanceId> = claim.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![sleeping, waiting_with_timeout], "leases passed");
    let stored = load(&store, sleeping).await;
    assert_eq!(stored.status, Status::Sleeping, "a claim changes no status");
}

async fn claim_merges_runnable_and_due_ones_in_creation_order(store: impl Store) {
    let due_first = create(&store, 1).await;
    let runnable = create(&store, 2).await;
    let due_last = create(&store, 3).await;
    let runnable_last = create(&store, 4).await;
    let sleep = |id| Commit {
        wake_at: Some(at(5)),
        ..commit(id, 0, Status::Sleeping)
    };
    store
        .commit(vec![sleep(due_last), sleep(due_first)])
        .await
        .unwrap();
    assert_eq!(
        claimed(&store, at(5), 3).await,
        vec![due_first, runnable, due_last]
    );
    assert_eq!(claimed(&store, at(5), 3).await, vec![runnable_last]);
}

async fn a_commit_keeps_the_claim(store: impl Store) {
    let a = create(&store, 1).await;
    assert_eq!(claimed(&store, at(0), 10).await, vec![a]);
    store
        .commit(vec![commit(a, 0, Status::Runnable)])
        .await
        .unwrap();
    assert_eq!(claimed(&store, at(1), 10).await, vec![]);
    store.release(a).await.unwrap();
    assert_eq!(claimed(&store, at(1), 10).await, vec![a]);
}

async fn next_wake_is_the_earliest_unclaimed_wake_up(store: impl Store) {
    assert_eq!(store.next_wake().await.unwrap(), None);
    let sleeping = create(&store, 1).await;
    let waiting = create(&store, 2).await;
    let runnable = create(&store, 3).await;
    let done = create(&store, 4).await;
    let waiting_forever = create(&store, 5).await;
    assert_eq!(
        store.next_wake().await.unwrap(),
        None,
        "runnable ones wake none"
    );
    let commits = vec![
        Commit {
            wake_at: Some(at(30)),
            ..commit(sleeping, 0, Status::Sleeping)
        },
        Commit {
            wake_at: Some(at(20)),
            ..park(waiting, 0, "approve")
        },
        Commit {
            wake_at: Some(at(1)),
            ..commit(runnable, 0, Status::Runnable)
        },
        Commit {
            wake_at: Some(at(2)),
            ..commit(done, 0, Status::Completed)
        },
        park(waiting_forever, 0, "approve"),
    ];
    store.commit(commits).await.unwrap();
    assert_eq!(store.next_wake().await.unwrap(), Some(at(20)));
    // Claimed at its wake-up time, it wakes again when the lease ends.
    let claim = store.claim(at(20), 10, Duration::from_secs(15)).await;
    let ids: Vec<InstanceId> = claim.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![waiting, runnable]);
    assert_eq!(store.next_wake().await.unwrap(), Some(at(30)));
    let claim = store.claim(at(30), 10, Duration::from_secs(15)).await;
    assert_eq!(claim.unwrap().len(), 1);
    assert_eq!(store.next_wake().await.unwrap(), Some(at(35)));
    store.release(waiting).await.unwrap();
    assert_eq!(store.next_wake().await.unwrap(), Some(at(20)));
}

// ---- broken instances and lists ----

async fn mark_broken_keeps_the_state_and_drops_the_claim(store: impl Store) {
    let a = create(&store, 1).await;
    let wait = Commit {
        wake_at: Some(at(5)),
        events: vec![b"parked".to_vec()],
        ..park(a, 0, "approve")
    };
    store.commit(vec![wait]).await.unwrap();
    assert_eq!(claimed(&store, at(5), 10).await, vec![a]);
    let journal = store.journal(a).await.unwrap();
    store
        .mark_broken(a, "flow `order` is not registered".into())
        .await
        .unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Broken);
    assert_eq!(
        stored.broken.as_deref(),
        Some("flow `order` is not registered")
    );
    assert_eq!(stored.version, 1);
    assert_eq!(stored.state, b"state at 1");
    assert_eq!(stored.wake_at, Some(at(5)));
    assert_eq!(stored.waits, [open_wait("approve")]);
    assert_eq!(store.journal(a).await.unwrap(), journal);
    assert_eq!(
        claimed(&store, at(6), 10).await,
        vec![],
        "broken ones never run"
    );
    assert_eq!(store.next_wake().await.unwrap(), None);
    let listed = store.list(Filter::default()).await.unwrap();
    assert_eq!(listed[0].status, Status::Broken);
    assert_eq!(
        listed[0].broken.as_deref(),
        Some("flow `order` is not registered"),
        "the reason is listed"
    );
    // Someone fixes it: it is claimable at once, its claim was dropped,
    // and its reason is gone.
    store
        .commit(vec![commit(a, 1, Status::Runnable)])
        .await
        .unwrap();
    assert_eq!(load(&store, a).await.broken, None);
    assert_eq!(store.list(Filter::default()).await.unwrap()[0].broken, None);
    assert_eq!(claimed(&store, at(6), 10).await, vec![a]);
}

async fn a_commit_stores_the_instance_under_its_hash(store: impl Store) {
    let a = create(&store, 1).await;
    let migrated = Commit {
        hash: 0x0123_4567_89ab_cdef,
        ..commit(a, 0, Status::Runnable)
    };
    store.commit(vec![migrated]).await.unwrap();
    assert_eq!(load(&store, a).await.hash, 0x0123_4567_89ab_cdef);
    let refused = Commit {
        hash: 7,
        ..commit(a, 0, Status::Runnable)
    };
    assert!(store.commit(vec![refused]).await.is_err());
    assert_eq!(
        load(&store, a).await.hash,
        0x0123_4567_89ab_cdef,
        "a refused commit leaves the hash"
    );
}

async fn a_broken_instance_takes_signals_but_stays_broken(store: impl Store) {
    let a = create(&store, 1).await;
    store.commit(vec![park(a, 0, "approve")]).await.unwrap();
    store.mark_broken(a, "bad state".into()).await.unwrap();
    let delivered = store.signal(a, signal("approve", "yes")).await;
    assert_eq!(delivered, Ok(Delivery::Accepted));
    store.cancel(a, cancel("stop")).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Broken);
    assert_eq!(stored.cancel, Some(cancel("stop")));
    assert_eq!(store.signals(a).await.unwrap().len(), 1);
}

async fn list_filters_by_flow_and_status_in_creation_order(store: impl Store) {
    let new = |n, flow| instance(n, flow, Some("k").filter(|_| n == 4));
    for (n, flow) in [(3, "order"), (1, "refund"), (4, "order"), (2, "order")] {
        store.create(new(n, flow)).await.unwrap();
    }
    store
        .commit(vec![
            park(id(4), 0, "approve"),
            commit(id(2), 0, Status::Completed),
        ])
        .await
        .unwrap();
    let ids = |rows: Vec<flow_runtime::store::Summary>| -> Vec<InstanceId> {
        rows.iter().map(|row| row.id).collect()
    };
    let all = store.list(Filter::default()).await.unwrap();
    assert_eq!(ids(all.clone()), vec![id(3), id(1), id(4), id(2)]);
    let waiting = &all[2];
    assert_eq!(waiting.flow, "order");
    assert_eq!(waiting.status, Status::Waiting);
    assert_eq!(waiting.key.as_deref(), Some("k"));
    assert_eq!(waiting.waits, [open_wait("approve")]);
    assert!(all[0].waits.is_empty());
    assert_eq!(all[0].key, None);

    let orders = Filter {
        flow: Some("order".to_owned()),
        status: None,
    };
    let list = store.list(orders).await.unwrap();
    assert_eq!(ids(list), vec![id(3), id(4), id(2)]);
    let runnable = Filter {
        flow: None,
        status: Some(Status::Runnable),
    };
    assert_eq!(ids(store.list(runnable).await.unwrap()), vec![id(3), id(1)]);
    let inbox = Filter {
        flow: Some("order".to_owned()),
        status: Some(Status::Waiting),
    };
    assert_eq!(ids(store.list(inbox).await.unwrap()), vec![id(4)]);
    let none = Filter {
        flow: Some("invoice".to_owned()),
        status: None,
    };
    assert!(store.list(none).await.unwrap().is_empty());
}

// ---- several waits at once (a parallel region) ----

async fn an_instance_parked_at_several_waits_wakes_for_any_of_them(store: impl Store) {
    let a = create(&store, 1).await;
    let both = vec![open_wait("finance"), open_wait("legal")];
    let park_both = |version| Commit {
        waits: both.clone(),
        ..commit(a, version, Status::Waiting)
    };
    store.commit(vec![park_both(0)]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Waiting);
    assert_eq!(stored.waits, both, "in the commit's order");
    let listed = store.list(Filter::default()).await.unwrap();
    assert_eq!(listed[0].waits, both);

    // A signal for neither wait changes nothing; one for either wakes it.
    store.signal(a, signal("review", "no")).await.unwrap();
    assert_eq!(status(&store, a).await, Status::Waiting);
    store.signal(a, signal("legal", "yes")).await.unwrap();
    assert_eq!(status(&store, a).await, Status::Runnable);
    let claimed = store
        .claim(at(1), 10, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].waits, both);

    // Parked at both again with the legal signal still stored: runnable.
    store.commit(vec![park_both(1)]).await.unwrap();
    assert_eq!(status(&store, a).await, Status::Runnable);
    // The legal signal consumed, parked at the other wait only.
    let legal = store.signals(a).await.unwrap();
    let legal = legal.iter().find(|signal| signal.wait == "legal").unwrap();
    let finance_only = Commit {
        waits: vec![open_wait("finance")],
        consumed: Some(legal.seq),
        ..commit(a, 2, Status::Waiting)
    };
    store.commit(vec![finance_only]).await.unwrap();
    let stored = load(&store, a).await;
    assert_eq!(stored.status, Status::Waiting);
    assert_eq!(stored.waits, [open_wait("finance")]);
    // Moving on clears them.
    store
        .commit(vec![commit(a, 3, Status::Runnable)])
        .await
        .unwrap();
    assert!(load(&store, a).await.waits.is_empty());
    assert!(
        store.list(Filter::default()).await.unwrap()[0]
            .waits
            .is_empty()
    );
}

// ---- the wake-up hint ----

/// A store that gives a hint notifies it when an instance is started,
/// signalled or cancelled (through it, or through another store on the same
/// data); a store that gives none has nothing to check.
async fn the_wake_hint_if_any_is_notified_by_a_start_a_signal_and_a_cancellation(
    store: impl Store,
) {
    let Some(hint) = store.wake_hint() else {
        return;
    };
    // A watchdog, not a measure: the notification comes in milliseconds.
    let within = Duration::from_secs(30);
    let notified = hint.notified();
    let a = create(&store, 1).await;
    tokio::time::timeout(within, notified)
        .await
        .expect("a start notified the hint");
    let notified = hint.notified();
    store.signal(a, signal("approve", "yes")).await.unwrap();
    tokio::time::timeout(within, notified)
        .await
        .expect("a signal notified the hint");
    let notified = hint.notified();
    store.cancel(a, cancel("stop")).await.unwrap();
    tokio::time::timeout(within, notified)
        .await
        .expect("a cancellation notified the hint");
}

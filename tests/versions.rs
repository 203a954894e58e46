//! Versions of a flow on a real SQLite file: instances that v1 stored,
//! opened by engines with v2 only (refused, untouched, broken) and with v1
//! kept beside v2 (they finish on v1); and what the builder refuses.
//! Migrations are in `tests/migrations.rs`.

#[path = "support/versions.rs"]
mod support;

use flow_runtime::store::{SqliteStore, Store};
use flow_runtime::{Engine, EngineError, Filter, InstanceId, Status};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_with_only_v2_refuses_v1_instances_and_leaves_them_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 3).await;
    approve_behind_the_engines_back(&path, ids[2]).await;
    let mut before = Vec::new();
    for id in &ids {
        before.push(stored(&path, *id).await);
    }

    let engine = engine(&path, |builder| builder.register::<v2::Purchase>());
    let refusal = |id: InstanceId| {
        format!(
            "instance {id} of `Purchase` was stored under graph hash {:016x}, which no definition \
             here has (the current definition is `versions::support::v2::Purchase`, graph hash \
             {:016x}); it is parked at `wait approve`, which the current definition has too; the \
             definition that stored it had 4 nodes, the current one has 5: keep the definition \
             that stored it beside the new one (`register_old`) or register a migration from it \
             (`migrate`), then repair the instance (`Engine::repair`)",
            v1_hash(),
            v2_hash()
        )
    };
    let broken = |id| EngineError::Broken {
        id,
        reason: refusal(id),
    };
    // A signal is refused with the reason, and the instance marked broken.
    let refused = engine.signal(ids[0], approve_v2()).await;
    assert_eq!(refused, Err(broken(ids[0])));
    // The runnable one is claimed, refused the same way and marked broken.
    assert_eq!(engine.until_parked(ids[2]).await, Err(broken(ids[2])));
    assert_eq!(
        engine.outcome::<v2::Purchase>(ids[0]).await.err(),
        Some(broken(ids[0]))
    );
    assert_eq!(engine.status(ids[0]).await.unwrap(), Status::Broken);

    let listed = engine.list(Filter::default()).await.unwrap();
    let rows: Vec<(Status, Option<String>)> = listed
        .into_iter()
        .map(|row| (row.status, row.broken))
        .collect();
    assert_eq!(
        rows,
        [
            (Status::Broken, Some(refusal(ids[0]))),
            (Status::Waiting, None),
            (Status::Broken, Some(refusal(ids[2]))),
        ]
    );
    for (id, before) in ids.iter().zip(&before) {
        let after = stored(&path, *id).await;
        assert_eq!(after.state, before.state, "the state of {id} is untouched");
        assert_eq!(after.version, before.version);
        assert_eq!(after.hash, v1_hash());
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.signals(ids[2]).await.unwrap().len(),
        1,
        "the approval stored for the refused instance is kept"
    );

    // New instances start on v2 and run.
    let order = v2::Order {
        number: 9,
        cents: 900,
        ..v2::Order::default()
    };
    let fresh = engine.start::<v2::Purchase>(order).await.unwrap();
    engine.signal(fresh, approve_v2()).await.unwrap();
    let done = engine
        .outcome::<v2::Purchase>(fresh)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.context.receipt.as_deref(),
        Some("receipt 9 for 900 cents")
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_v1_kept_beside_v2_old_instances_finish_on_v1_and_new_ones_start_on_v2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 2).await;
    // First deployed without v1: the first instance is refused, broken.
    let without = engine(&path, |builder| builder.register::<v2::Purchase>());
    let refused = without.signal(ids[0], approve_v2()).await;
    assert!(
        matches!(refused, Err(EngineError::Broken { .. })),
        "{refused:?}"
    );
    without.shutdown().await;
    drop(without);

    let engine = engine(&path, |builder| {
        builder
            .register::<v2::Purchase>()
            .register_old::<v1::Purchase>()
    });
    // Repaired, the broken one waits where it was.
    engine.repair(ids[0]).await.unwrap();
    assert_eq!(engine.status(ids[0]).await.unwrap(), Status::Waiting);
    assert_eq!(
        engine.repair(ids[1]).await,
        Err(EngineError::NotBroken {
            id: ids[1],
            status: Status::Waiting
        })
    );
    // They run on v1: a signal of v2's type is refused.
    let wrong = EngineError::WrongVersion {
        id: ids[1],
        flow: "Purchase".to_owned(),
        runs_on: v1_hash(),
        asked: v2_hash(),
    };
    assert_eq!(
        engine.signal(ids[1], approve_v2()).await,
        Err(wrong.clone())
    );
    for id in &ids {
        let approve = v1::PurchaseSignal::Approve(yes());
        engine.signal(*id, approve).await.unwrap();
    }
    for id in &ids {
        let done = engine.outcome::<v1::Purchase>(*id).await.unwrap().unwrap();
        assert_eq!(done.path.to_string(), "start -> approve -> pay -> done");
        assert!(done.context.paid);
        assert_eq!(stored(&path, *id).await.hash, v1_hash());
    }
    assert_eq!(
        engine.outcome::<v2::Purchase>(ids[1]).await.err(),
        Some(wrong),
        "it finished on v1"
    );

    // New ones start on v2, not on v1.
    let refused = engine.start::<v1::Purchase>(v1::Order::default()).await;
    assert_eq!(
        refused,
        Err(EngineError::NotCurrent {
            flow: "Purchase".to_owned(),
            hash: v1_hash(),
            current: v2_hash(),
        })
    );
    let fresh = engine
        .start::<v2::Purchase>(v2::Order::default())
        .await
        .unwrap();
    engine.signal(fresh, approve_v2()).await.unwrap();
    let done = engine
        .outcome::<v2::Purchase>(fresh)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> approve -> pay -> receipt -> done"
    );
    assert_eq!(stored(&path, fresh).await.hash, v2_hash());
    engine.shutdown().await;
}

#[test]
#[should_panic(
    expected = "flow `Purchase` has two current definitions, `versions::support::v1::Purchase`"
)]
fn two_current_definitions_of_one_flow_panic_when_registered() {
    let _ = Engine::memory()
        .register::<v1::Purchase>()
        .register::<v2::Purchase>();
}

#[test]
#[should_panic(
    expected = "`versions::support::v2::Purchase` is registered both as the current definition"
)]
fn a_definition_both_current_and_old_panics_when_registered() {
    let _ = Engine::memory()
        .register::<v2::Purchase>()
        .register_old::<v2::Purchase>();
}

#[test]
#[should_panic(
    expected = "is registered as a migration source for the instances stored under graph hash"
)]
fn a_definition_kept_and_migrated_from_panics_when_registered() {
    let _ = Engine::memory()
        .register::<v2::Purchase>()
        .register_old::<v1::Purchase>()
        .migrate(v2::from_v1);
}

#[test]
#[should_panic(
    expected = "the migration from `versions::support::v1::Purchase` leads to \
                `versions::support::v2::Purchase`"
)]
fn a_migration_to_an_unregistered_definition_panics_at_start() {
    let _ = Engine::memory()
        .register::<v3::Purchase>()
        .migrate(v2::from_v1)
        .start();
}

#[tokio::test]
async fn registering_one_definition_twice_is_one_registration() {
    let engine = Engine::memory()
        .register::<v2::Purchase>()
        .register::<v2::Purchase>()
        .start();
    let id = engine
        .start::<v2::Purchase>(v2::Order::default())
        .await
        .unwrap();
    assert_eq!(engine.until_parked(id).await, Ok(Status::Waiting));
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_runs_nothing_reads_the_history_its_definition_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 1).await;
    let reader = engine(&path, |builder| builder);
    let journal = reader.history::<v1::Purchase>(ids[0]).await.unwrap();
    assert_eq!(
        printed(&journal),
        ["enter start", "enter approve", "waiting at approve"]
    );
    assert_eq!(
        reader.history::<v2::Purchase>(ids[0]).await.err(),
        Some(EngineError::WrongVersion {
            id: ids[0],
            flow: "Purchase".to_owned(),
            runs_on: v1_hash(),
            asked: v2_hash(),
        })
    );
    reader.shutdown().await;
}

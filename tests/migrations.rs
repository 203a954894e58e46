//! Migrations on a real SQLite file: instances that v1 stored, opened by
//! an engine with v2 and a migration from v1, move to v2 when claimed and
//! finish there; a failing migration leaves its instance untouched and
//! broken until repaired; migrations chain.

#[path = "support/versions.rs"]
mod support;

use flow_runtime::{EngineError, InstanceId, InstanceState, MigrationError, Status};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_migration_v1_instances_move_to_v2_when_claimed_and_finish_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 3).await;
    let untouched = stored(&path, ids[2]).await;

    let engine = engine(&path, |builder| {
        builder.register::<v2::Purchase>().migrate(v2::from_v1)
    });
    // Signals are of v2's types: the definition they will run on.
    let v1_signal = engine
        .signal(ids[0], v1::PurchaseSignal::Approve(yes()))
        .await;
    assert_eq!(
        v1_signal,
        Err(EngineError::WrongVersion {
            id: ids[0],
            flow: "Purchase".to_owned(),
            runs_on: v2_hash(),
            asked: v1_hash(),
        })
    );
    for (number, id) in ids[..2].iter().enumerate() {
        engine.signal(*id, approve_v2()).await.unwrap();
        let done = engine.outcome::<v2::Purchase>(*id).await.unwrap().unwrap();
        let cents = (10 + number as u64) * 100;
        assert_eq!(done.context.cents, cents, "euros became cents");
        assert_eq!(
            done.context.receipt,
            Some(format!("receipt {number} for {cents} cents"))
        );
        assert_eq!(
            done.path.to_string(),
            "start -> approve -> pay -> receipt -> done"
        );
        assert_eq!(stored(&path, *id).await.hash, v2_hash());
    }
    let journal = engine.history::<v2::Purchase>(ids[0]).await.unwrap();
    assert_eq!(
        printed(&journal),
        [
            "enter start".to_owned(),
            "enter approve".to_owned(),
            "waiting at approve".to_owned(),
            format!(
                "migrated from graph hash {:016x} to {:016x}",
                v1_hash(),
                v2_hash()
            ),
            "approve signalled".to_owned(),
            "enter pay".to_owned(),
            "pay attempt 1".to_owned(),
            "pay attempt 1 succeeded".to_owned(),
            "enter receipt".to_owned(),
            "receipt attempt 1".to_owned(),
            "receipt attempt 1 succeeded".to_owned(),
            "enter done".to_owned(),
            "completed at done".to_owned(),
        ]
    );
    assert!(matches!(
        engine.history::<v1::Purchase>(ids[0]).await,
        Err(EngineError::WrongVersion { .. })
    ));
    // One no signal reached was never claimed: still v1's, as it was.
    let waiting = stored(&path, ids[2]).await;
    assert_eq!(waiting.status, Status::Waiting);
    assert_eq!(waiting.hash, v1_hash());
    assert_eq!(
        (waiting.state, waiting.version),
        (untouched.state, untouched.version)
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_migration_leaves_the_instance_untouched_and_broken_until_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 3).await;
    approve_behind_the_engines_back(&path, ids[2]).await;
    let before = [stored(&path, ids[1]).await, stored(&path, ids[2]).await];

    let picky = |old: InstanceState<v1::Purchase>| {
        if old.context.number > 0 {
            return Err(MigrationError::refused(format!(
                "order {} needs a person",
                old.context.number
            )));
        }
        v2::from_v1(old)
    };
    let engine = engine(&path, |builder| {
        builder.register::<v2::Purchase>().migrate(picky)
    });
    let reason = |id: InstanceId, number: u32| {
        format!(
            "migrating instance {id} of `Purchase` from `migrations::support::v1::Purchase` (graph \
             hash {:016x}) to `migrations::support::v2::Purchase` (graph hash {:016x}) failed: the \
             migration failed: order {number} needs a person; the new definition adds `receipt` \
             and removes nothing: the instance is left as it was; fix the migration, then repair \
             the instance (`Engine::repair`)",
            v1_hash(),
            v2_hash()
        )
    };
    engine.signal(ids[0], approve_v2()).await.unwrap();
    assert!(
        engine
            .outcome::<v2::Purchase>(ids[0])
            .await
            .unwrap()
            .is_completed()
    );
    // Refused when signalled, and when claimed.
    let refused = engine.signal(ids[1], approve_v2()).await;
    let broken = |id, number| EngineError::Broken {
        id,
        reason: reason(id, number),
    };
    assert_eq!(refused, Err(broken(ids[1], 1)));
    assert_eq!(engine.until_parked(ids[2]).await, Err(broken(ids[2], 2)));
    for (id, before) in ids[1..].iter().zip(&before) {
        let after = stored(&path, *id).await;
        assert_eq!(after.status, Status::Broken);
        assert_eq!(after.hash, v1_hash());
        assert_eq!(
            (&after.state, after.version),
            (&before.state, before.version)
        );
    }
    // Repair refuses while the migration still fails, and changes nothing.
    assert_eq!(engine.repair(ids[2]).await, Err(broken(ids[2], 2)));
    engine.shutdown().await;
    drop(engine);

    // Fixed: repaired, they migrate and finish on v2.
    let fixed = support::engine(&path, |builder| {
        builder.register::<v2::Purchase>().migrate(v2::from_v1)
    });
    for id in &ids[1..] {
        fixed.repair(*id).await.unwrap();
    }
    fixed.signal(ids[1], approve_v2()).await.unwrap();
    for id in &ids[1..] {
        let done = fixed.outcome::<v2::Purchase>(*id).await.unwrap().unwrap();
        assert!(done.context.receipt.is_some());
    }
    fixed.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_the_new_definition_lacks_is_a_typed_migration_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 1).await;
    let error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = error.clone();
    let engine = engine(&path, move |builder| {
        builder
            .register::<v4::Purchase>()
            .migrate(move |old: InstanceState<v1::Purchase>| {
                let migrated = old.migrate::<v4::Purchase>(|order| v4::Order {
                    number: order.number,
                    ..v4::Order::default()
                });
                *seen.lock().unwrap() = migrated.as_ref().err().cloned();
                migrated
            })
    });
    let refused = engine
        .signal(ids[0], v4::PurchaseSignal::Approval(yes()))
        .await;
    assert_eq!(
        *error.lock().unwrap(),
        Some(MigrationError::NoCounterpart {
            node: "approve",
            reference: "is at"
        })
    );
    let Err(EngineError::Broken { reason, .. }) = refused else {
        panic!("{refused:?}");
    };
    assert!(
        reason.ends_with(
            "failed: the migration failed: node `approve` has no counterpart in the new \
             definition, and the instance is at it; the new definition adds `approval` and \
             removes `approve`: the instance is left as it was; fix the migration, then repair \
             the instance (`Engine::repair`)"
        ),
        "{reason}"
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_chain_from_v1_through_v2_to_v3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let ids = parked_v1_orders(&path, 1).await;
    let engine = engine(&path, |builder| {
        builder
            .register::<v3::Purchase>()
            .migrate(v2::from_v1)
            .migrate(v3::from_v2)
    });
    engine
        .signal(ids[0], v3::PurchaseSignal::Approve(yes()))
        .await
        .unwrap();
    let done = engine
        .outcome::<v3::Purchase>(ids[0])
        .await
        .unwrap()
        .unwrap();
    assert!(done.context.archived);
    assert_eq!(done.context.order.cents, 1000);
    let v3_hash = hash::<v3::Purchase>();
    let migrated: Vec<String> = printed(&done.journal)
        .into_iter()
        .filter(|event| event.starts_with("migrated"))
        .collect();
    assert_eq!(
        migrated,
        [format!(
            "migrated from graph hash {:016x} to {v3_hash:016x}",
            v1_hash()
        )],
        "one commit takes it through the chain"
    );
    assert_eq!(stored(&path, ids[0]).await.hash, v3_hash);
    engine.shutdown().await;
}

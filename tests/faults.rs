//! Faults on a real SQLite file: commits that fail (a store that fails on
//! purpose, and a file that is full), rows that do not decode, and two
//! engines sharing one file.

#[path = "support/faults.rs"]
mod support;

#[path = "support/versions.rs"]
mod purchase;

use flow_runtime::store::{Filter, SqliteOptions, SqliteStore, Store, StoreError};
use flow_runtime::{Engine, EngineError, InstanceId, Status};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use support::*;

/// An engine running `Chain` over `store`, quick to notice what another
/// engine did.
fn chain_engine(store: impl Store) -> Engine {
    Engine::builder(store)
        .register::<Chain>()
        .poll_interval(Duration::from_millis(20))
        .lease(Duration::from_secs(2))
        .start()
}

/// Waits for every instance: the finished ones' outcomes, or the error
/// that says why they did not finish. Returns the errors, by instance.
async fn outcomes(engine: &Engine, ids: &[InstanceId]) -> Vec<(InstanceId, EngineError)> {
    let mut errors = Vec::new();
    for id in ids {
        match engine.outcome::<Chain>(*id).await {
            Ok(outcome) => assert!(outcome.is_completed()),
            Err(error) => errors.push((*id, error)),
        }
    }
    errors
}

/// How many commits of each instance `store` acknowledged; the store (and
/// its file) is closed.
fn acknowledged_by(store: FaultyStore, ids: &[InstanceId]) -> HashMap<InstanceId, u64> {
    ids.iter()
        .map(|id| (*id, store.acknowledged(*id)))
        .collect()
}

/// Reopens the file with a fresh store and checks that every instance is
/// at the version its acknowledged commits took it to; then a fresh engine
/// runs every one of them to its end.
async fn reopen_and_finish(
    path: &Path,
    ids: &[InstanceId],
    acknowledged: impl Fn(InstanceId) -> u64,
) {
    let reopened = SqliteStore::open(path).unwrap();
    for id in ids {
        let stored = reopened.load(*id).await.unwrap().unwrap();
        assert_eq!(
            stored.version,
            acknowledged(*id),
            "{id} holds exactly its acknowledged commits"
        );
    }
    let engine = chain_engine(reopened);
    for id in ids {
        completed_once(&engine, *id).await;
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_commit_stops_the_engine_with_its_error_and_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let store = FaultyStore::new(SqliteStore::open(&path).unwrap(), 9);
    let ids = stored_chains(&store, &job("failing commit"), 5).await;
    let engine = chain_engine(store.clone());

    let disk_full = EngineError::Stopped(StoreError::Backend("disk full".to_owned()));
    let errors = outcomes(&engine, &ids).await;
    assert!(!errors.is_empty(), "5 instances need more than 8 commits");
    for (_, error) in &errors {
        assert_eq!(*error, disk_full);
    }
    assert_eq!(
        disk_full.to_string(),
        "the engine stopped taking work after a failed commit: the store failed: disk full"
    );
    // It takes no new work.
    let refused = engine.start::<Chain>(job("failing commit")).await;
    assert_eq!(refused, Err(disk_full.clone()));
    let listed = engine.list(Filter::default()).await.unwrap();
    assert_eq!(listed.len(), 5, "the refused start stored nothing");
    let (stuck, _) = &errors[0];
    assert_eq!(
        engine.cancel(*stuck, "no", false).await.unwrap_err(),
        disk_full
    );
    engine.shutdown().await;
    assert!(engine.is_idle());
    let asked = store.commits();
    drop(engine);
    assert_eq!(store.commits(), asked, "nothing committed after the stop");
    let acknowledged = acknowledged_by(store, &ids);

    reopen_and_finish(&path, &ids, |id| acknowledged[&id]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_file_stops_the_engine_and_the_file_reopened_resumes_every_instance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let capped = SqliteOptions {
        max_size: Some(512 * 1024),
        ..SqliteOptions::default()
    };
    // Counts acknowledged commits; never fails on its own.
    let store = FaultyStore::new(SqliteStore::open_with(&path, capped).unwrap(), usize::MAX);
    let big = Job {
        size: 96 * 1024,
        ..job("full file")
    };
    // Four instances that grow to three results of 96 KiB each: more than
    // the file may hold.
    let ids = stored_chains(&store, &big, 4).await;
    let engine = chain_engine(store.clone());
    let errors = outcomes(&engine, &ids).await;
    assert!(!errors.is_empty(), "the file filled up");
    for (_, error) in &errors {
        let EngineError::Stopped(StoreError::Backend(message)) = error else {
            panic!("{error:?}");
        };
        assert!(message.contains("full"), "{message}");
    }
    engine.shutdown().await;
    drop(engine);
    let acknowledged = acknowledged_by(store, &ids);

    // Reopened without the cap (room made on the disk).
    reopen_and_finish(&path, &ids, |id| acknowledged[&id]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_row_breaks_that_instance_and_the_others_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    // The orders first: the engine that parks them knows no `Chain`, and
    // would hold runnable chains claimed for a lease.
    let orders = purchase::parked_v1_orders(&path, 2).await;
    let store = SqliteStore::open(&path).unwrap();
    let chains = stored_chains(&store, &job("undecodable"), 4).await;
    drop(store);
    // A runnable instance and a parked one, their state overwritten.
    let file = rusqlite::Connection::open(&path).unwrap();
    for id in [chains[1], orders[0]] {
        let changed = file
            .execute(
                "UPDATE instances SET state = ?1 WHERE id = ?2",
                rusqlite::params![b"{\"id\": 7, \"oops".to_vec(), id.to_string()],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    drop(file);

    let engine = Engine::builder(SqliteStore::open(&path).unwrap())
        .register::<Chain>()
        .register::<purchase::v1::Purchase>()
        .start();
    // The runnable one is claimed and marked broken.
    let Err(EngineError::Broken { reason, .. }) = engine.until_parked(chains[1]).await else {
        panic!("instance {} is not broken", chains[1]);
    };
    let prefix = |id: InstanceId, flow: &str| {
        format!("instance {id} of `{flow}`: its stored state does not decode: ")
    };
    assert!(reason.starts_with(&prefix(chains[1], "Chain")), "{reason}");
    // A signal to the parked one finds it undecodable and marks it broken.
    let signal = || purchase::v1::PurchaseSignal::Approve(purchase::yes());
    let Err(EngineError::Broken { reason, .. }) = engine.signal(orders[0], signal()).await else {
        panic!("instance {} is not broken", orders[0]);
    };
    assert!(
        reason.starts_with(&prefix(orders[0], "Purchase")),
        "{reason}"
    );
    // The others go on.
    for id in [chains[0], chains[2], chains[3]] {
        completed_once(&engine, id).await;
    }
    engine.signal(orders[1], signal()).await.unwrap();
    let done = engine.outcome::<purchase::v1::Purchase>(orders[1]).await;
    assert!(done.unwrap().is_completed());

    let broken: Vec<InstanceId> = engine
        .list(Filter {
            flow: None,
            status: Some(Status::Broken),
        })
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(broken, [orders[0], chains[1]], "in order of creation");
    // Repair cannot help a row that does not decode: it says so.
    let Err(EngineError::Broken { reason, .. }) = engine.repair(chains[1]).await else {
        panic!("repaired an undecodable row");
    };
    assert!(
        reason.starts_with("its stored state still does not decode: "),
        "{reason}"
    );
    assert_eq!(engine.status(chains[1]).await.unwrap(), Status::Broken);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_whose_columns_do_not_read_is_marked_broken_and_claims_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let store = SqliteStore::open(&path).unwrap();
    let chains = stored_chains(&store, &job("unreadable"), 4).await;
    drop(store);
    // One row's hash is no number; another's id is no instance id.
    let file = rusqlite::Connection::open(&path).unwrap();
    let corrupt = |sql: &str, id: InstanceId| {
        let changed = file.execute(sql, [id.to_string()]).unwrap();
        assert_eq!(changed, 1);
    };
    corrupt(
        "UPDATE instances SET hash = 'not a hash' WHERE id = ?1",
        chains[1],
    );
    corrupt(
        "UPDATE instances SET id = 'not-an-id' WHERE id = ?1",
        chains[2],
    );

    let engine = chain_engine(SqliteStore::open(&path).unwrap());
    for id in [chains[0], chains[3]] {
        completed_once(&engine, id).await;
    }
    engine.shutdown().await;
    let broken = |sql: &str, key: String| -> (String, String) {
        file.query_row(sql, [key], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
    };
    let (status, reason) = broken(
        "SELECT status, broken FROM instances WHERE id = ?1",
        chains[1].to_string(),
    );
    assert_eq!(status, "broken");
    assert!(reason.contains("column"), "{reason}");
    let (status, reason) = broken(
        "SELECT status, broken FROM instances WHERE id = ?1",
        "not-an-id".to_owned(),
    );
    assert_eq!(status, "broken");
    assert!(reason.contains("id `not-an-id`"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_file_run_each_instance_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let name = "two engines";
    // Each engine runs at most ten steps at once; every step waits until
    // eleven run at once, so no step finishes unless both engines run.
    let shared = |path: &Path| {
        Engine::builder(SqliteStore::open(path).unwrap())
            .register::<Chain>()
            .concurrency(10)
            .poll_interval(Duration::from_millis(20))
            .start()
    };
    let (a, b) = (shared(&path), shared(&path));
    let gated = Job {
        gate: 11,
        ..job(name)
    };
    let watchdog = Duration::from_secs(300);
    let run = async {
        let mut ids = Vec::new();
        for n in 0..100 {
            let engine = if n % 2 == 0 { &a } else { &b };
            ids.push(engine.start::<Chain>(gated.clone()).await.unwrap());
        }
        for (n, id) in ids.iter().enumerate() {
            let engine = if n % 3 == 0 { &a } else { &b };
            completed_once(engine, *id).await;
        }
        ids
    };
    let ids = tokio::time::timeout(watchdog, run)
        .await
        .expect("the two engines never ran eleven steps at once");
    let effects = ledger(name).effects();
    assert_eq!(effects.len(), 300, "three steps of each of 100 instances");
    let twice: Vec<_> = effects.iter().filter(|(_, runs)| **runs != 1).collect();
    assert!(twice.is_empty(), "steps that ran more than once: {twice:?}");
    for id in &ids {
        assert_eq!(a.status(*id).await.unwrap(), Status::Completed);
    }
    a.shutdown().await;
    b.shutdown().await;
}

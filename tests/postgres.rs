//! What the PostgreSQL store promises beyond the conformance suite: fencing
//! by owner (a worker whose claim another took over cannot commit, renew
//! or release), claims of concurrent workers that never overlap, the
//! schema's versions, and engines sharing one database. Each test runs in a
//! schema of its own, when `FLOW_POSTGRES_URL` names a server (see
//! `tests/support/postgres.rs`); without one each prints SKIPPED.

#[path = "support/faults.rs"]
mod support;

#[path = "support/postgres.rs"]
mod pg;

use flow_runtime::store::{
    Commit, Filter, PostgresOpenError, PostgresOptions, PostgresStore, Status, Store, StoreError,
};
use flow_runtime::{Engine, InstanceId};
use pg::Schema;
use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::*;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::new(1_700_000_000 + seconds, 0)
}

fn commit(id: InstanceId, version: u64, status: Status) -> Commit {
    Commit {
        id,
        version,
        hash: <Chain as flow_runtime::Flow>::GRAPH.hash(),
        status,
        state: format!("state at {}", version + 1).into_bytes(),
        wake_at: None,
        waits: Vec::new(),
        events: vec![format!("event of version {}", version + 1).into_bytes()],
        consumed: None,
    }
}

/// Everything the store tells of `id`.
async fn everything(store: &impl Store, id: InstanceId) -> String {
    let stored = store.load(id).await.unwrap();
    let journal = store.journal(id).await.unwrap();
    format!("{stored:?}\n{journal:?}")
}

const LEASE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_commit_after_another_worker_took_the_instance_over_is_refused_as_lease_lost() {
    let Some(schema) = Schema::new("lease_lost") else {
        return;
    };
    let (paused, other) = (schema.store().await, schema.store().await);
    let id = stored_chains(&paused, &job("lease lost"), 1).await[0];
    assert_eq!(paused.claim(at(0), 10, LEASE).await.unwrap().len(), 1);
    // `paused` stops for longer than its lease; `other` takes the instance.
    assert!(other.claim(at(5), 10, LEASE).await.unwrap().is_empty());
    let taken = other.claim(at(10), 10, LEASE).await.unwrap();
    assert_eq!(taken.iter().map(|s| s.id).collect::<Vec<_>>(), vec![id]);

    let before = everything(&paused, id).await;
    // Same version, but another store's claim: refused, nothing changed.
    let late = paused.commit(vec![commit(id, 0, Status::Runnable)]).await;
    assert_eq!(late, Err(StoreError::LeaseLost { id }));
    assert_eq!(
        late.unwrap_err().to_string(),
        format!(
            "instance {id} is claimed by another worker (this one's lease ran out): the commit was refused"
        )
    );
    assert_eq!(everything(&paused, id).await, before);
    // Its renewal is refused too, and its release leaves the other's claim.
    assert_eq!(
        paused.renew(id, at(11), LEASE).await,
        Err(StoreError::LeaseLost { id })
    );
    paused.release(id).await.unwrap();
    let third = schema.store().await;
    assert!(
        third.claim(at(12), 10, LEASE).await.unwrap().is_empty(),
        "still claimed by `other`"
    );
    // The new owner commits; then the late one is a plain conflict.
    other
        .commit(vec![commit(id, 0, Status::Runnable)])
        .await
        .unwrap();
    assert_eq!(
        paused.commit(vec![commit(id, 0, Status::Runnable)]).await,
        Err(StoreError::Conflict {
            id,
            expected: 0,
            actual: 1
        })
    );
    other.renew(id, at(13), LEASE).await.unwrap();
    other.release(id).await.unwrap();
    // Released, it can be claimed (and committed) by anyone.
    assert_eq!(third.claim(at(14), 10, LEASE).await.unwrap().len(), 1);
    third
        .commit(vec![commit(id, 1, Status::Completed)])
        .await
        .unwrap();
    let journal = third.journal(id).await.unwrap();
    assert_eq!(
        journal,
        vec![
            b"event of version 1".to_vec(),
            b"event of version 2".to_vec()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_claiming_at_once_never_get_the_same_instance() {
    let Some(schema) = Schema::new("claims_race") else {
        return;
    };
    let first = schema.store().await;
    let ids = stored_chains(&first, &job("claims race"), 300).await;
    let stores = vec![first, schema.store().await, schema.store().await];
    let claims = stores.into_iter().map(|store| {
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim(at(0), 7, LEASE).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.into_iter().map(|stored| stored.id));
            }
        })
    });
    let mut seen = HashSet::new();
    let mut total = 0;
    for claimed in futures::future::join_all(claims).await {
        let claimed = claimed.unwrap();
        total += claimed.len();
        seen.extend(claimed);
    }
    assert_eq!(total, ids.len(), "every instance claimed once");
    assert_eq!(seen, ids.into_iter().collect::<HashSet<_>>());
}

#[tokio::test]
async fn connect_refuses_a_newer_schema_a_foreign_one_a_bad_name_and_a_bad_url() {
    let Some(schema) = Schema::new("refusals") else {
        return;
    };
    let store = schema.store().await;
    let id = stored_chains(&store, &job("refusals"), 1).await[0];
    drop(store);
    // Connecting again finds the schema up to date and its rows.
    let again = schema.store().await;
    assert!(again.load(id).await.unwrap().is_some());
    drop(again);

    schema.execute("UPDATE flow_store SET version = 99").await;
    let newer = PostgresStore::connect_with(&schema.url, schema.options()).await;
    let Err(PostgresOpenError::FutureSchema {
        found: 99,
        supported,
        ..
    }) = newer
    else {
        panic!("{newer:?}");
    };
    assert!(supported < 99);
    let rows = schema.execute("SELECT count(*) FROM instances").await;
    assert_eq!(rows[0].get::<_, i64>(0), 1, "nothing was changed");

    schema
        .execute("DROP TABLE flow_store; CREATE TABLE accounts (id INT)")
        .await;
    let foreign = PostgresStore::connect_with(&schema.url, schema.options()).await;
    assert!(
        matches!(&foreign, Err(PostgresOpenError::Foreign { schema: name }) if *name == schema.name),
        "{foreign:?}"
    );

    let badly_named = PostgresOptions {
        schema: "Robert'); DROP TABLE".to_owned(),
        ..PostgresOptions::default()
    };
    let refused = PostgresStore::connect_with(&schema.url, badly_named).await;
    assert!(
        matches!(refused, Err(PostgresOpenError::SchemaName { .. })),
        "{refused:?}"
    );
    let bad_url = PostgresStore::connect("postgres://[nope").await;
    assert!(
        matches!(bad_url, Err(PostgresOpenError::Url { .. })),
        "{bad_url:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_starting_at_once_on_a_new_schema_all_connect() {
    let Some(schema) = Schema::new("migrate_race") else {
        return;
    };
    let connecting = (0..4).map(|_| {
        let (url, options) = (schema.url.clone(), schema.options());
        tokio::spawn(async move { PostgresStore::connect_with(&url, options).await })
    });
    let stores: Vec<PostgresStore> = futures::future::join_all(connecting)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    let owners: HashSet<&str> = stores.iter().map(PostgresStore::owner).collect();
    assert_eq!(owners.len(), 4, "one owner token per store");
    let rows = schema.execute("SELECT version FROM flow_store").await;
    assert_eq!(rows.len(), 1);
    assert!(stores[0].list(Filter::default()).await.unwrap().is_empty());
}

/// Three engines, each on its own store (three workers), share one schema;
/// every step waits until more steps run at once than one engine may run,
/// so nothing finishes unless they all work together. Each instance
/// completes, each step ran once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_on_one_database_run_each_instance_exactly_once() {
    let Some(schema) = Schema::new("three_workers") else {
        return;
    };
    let name = "three workers";
    let mut engines = Vec::new();
    for _ in 0..3 {
        engines.push(
            Engine::builder(schema.store().await)
                .register::<Chain>()
                .concurrency(8)
                .poll_interval(Duration::from_millis(20))
                .start(),
        );
    }
    let gated = Job {
        gate: 17,
        ..job(name)
    };
    let run = async {
        let mut ids = Vec::new();
        for n in 0..60 {
            ids.push(engines[n % 3].start::<Chain>(gated.clone()).await.unwrap());
        }
        for (n, id) in ids.iter().enumerate() {
            completed_once(&engines[(n + 1) % 3], *id).await;
        }
        ids
    };
    let ids = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the three workers never ran seventeen steps at once");
    let effects = ledger(name).effects();
    assert_eq!(effects.len(), 180, "three steps of each of 60 instances");
    let twice: Vec<_> = effects.iter().filter(|(_, runs)| **runs != 1).collect();
    assert!(twice.is_empty(), "steps that ran more than once: {twice:?}");
    for id in &ids {
        assert_eq!(engines[0].status(*id).await.unwrap(), Status::Completed);
    }
    for engine in &engines {
        engine.shutdown().await;
    }
}

/// A signal sent while the commit that parks its instance at the signal's
/// wait is under way (the one waits for the other's row lock) always leaves
/// the instance runnable, whichever goes first: never parked with its signal
/// stored, which nothing would wake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_racing_the_commit_that_parks_its_instance_always_wakes_it() {
    let Some(schema) = Schema::new("signal_race") else {
        return;
    };
    let (worker, sender) = (schema.store().await, schema.store().await);
    let ids = stored_chains(&worker, &job("signal race"), 300).await;
    let park = |id| Commit {
        waits: vec![flow_runtime::store::OpenWait {
            wait: "approve".to_owned(),
            assignee: None,
            groups: Vec::new(),
            since: at(1),
        }],
        ..commit(id, 0, Status::Waiting)
    };
    let signal = || flow_runtime::store::NewSignal {
        wait: "approve".to_owned(),
        payload: b"yes".to_vec(),
        by: None,
        dedupe: None,
    };
    let races = ids.iter().map(|id| {
        let (worker, sender) = (worker.clone(), sender.clone());
        let id = *id;
        tokio::spawn(async move {
            let (parked, signalled) =
                tokio::join!(worker.commit(vec![park(id)]), sender.signal(id, signal()));
            parked.unwrap();
            signalled.unwrap();
        })
    });
    for race in futures::future::join_all(races).await {
        race.unwrap();
    }
    let mut stuck = Vec::new();
    for id in ids {
        if worker.load(id).await.unwrap().unwrap().status != Status::Runnable {
            stuck.push(id);
        }
    }
    assert!(
        stuck.is_empty(),
        "parked with their signal stored: {stuck:?}"
    );
}

#[path = "postgres/held.rs"]
mod held;

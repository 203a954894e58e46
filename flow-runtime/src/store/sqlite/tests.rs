//! What only the SQLite store has: a file that outlives it, a schema
//! version, sharing, group commit, SQLite's own failures. The behaviour it
//! shares with every store is in `tests/store_conformance.rs`.

use super::*;
use crate::store::{OpenWait, Status};
use std::time::UNIX_EPOCH;

fn id(n: u128) -> InstanceId {
    InstanceId::from_u128(n)
}

fn instance(n: u128, state: Vec<u8>) -> NewInstance {
    NewInstance {
        id: id(n),
        flow: "order".to_owned(),
        hash: u64::MAX,
        key: Some(format!("key {n}")),
        state,
        events: vec![b"started".to_vec()],
    }
}

fn commit(n: u128, version: u64) -> Commit {
    Commit {
        id: id(n),
        version,
        hash: u64::MAX,
        status: Status::Waiting,
        state: b"parked".to_vec(),
        wake_at: Some(UNIX_EPOCH + Duration::new(1_800_000_000, 7)),
        waits: vec![OpenWait {
            wait: "approve".to_owned(),
            assignee: None,
            groups: vec!["managers".to_owned()],
            since: UNIX_EPOCH - Duration::from_nanos(5),
        }],
        events: vec![b"parked".to_vec()],
        consumed: None,
    }
}

fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn user_version(path: &Path) -> i64 {
    raw(path)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_reopened_file_has_everything_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let store = SqliteStore::open(&path).unwrap();
    store.create(instance(1, b"new".to_vec())).await.unwrap();
    store.commit(vec![commit(1, 0)]).await.unwrap();
    let signal = NewSignal {
        wait: "review".to_owned(),
        payload: b"{}".to_vec(),
        by: Some("ann".to_owned()),
        dedupe: Some("once".to_owned()),
    };
    store.signal(id(1), signal.clone()).await.unwrap();
    let before = format!("{:?}", store.load(id(1)).await.unwrap());
    drop(store);
    assert_eq!(user_version(&path), schema::VERSION);

    let store = SqliteStore::open(&path).unwrap();
    let after = format!("{:?}", store.load(id(1)).await.unwrap());
    assert_eq!(after, before);
    let journal = store.journal(id(1)).await.unwrap();
    assert_eq!(journal, vec![b"started".to_vec(), b"parked".to_vec()]);
    assert_eq!(store.signals(id(1)).await.unwrap().len(), 1);
    assert_eq!(
        store.signal(id(1), signal).await,
        Ok(Delivery::Duplicate),
        "dedupe keys are kept"
    );
    let again = store.create(instance(2, Vec::new())).await.unwrap();
    assert_eq!(again, Created::New(id(2)));
    let list = store.list(Filter::default()).await.unwrap();
    assert_eq!(
        list.iter().map(|row| row.id).collect::<Vec<_>>(),
        [id(1), id(2)]
    );
}

#[test]
fn a_file_of_a_newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    drop(SqliteStore::open(&path).unwrap());
    raw(&path)
        .pragma_update(None, "user_version", schema::VERSION + 1)
        .unwrap();
    let error = SqliteStore::open(&path).unwrap_err();
    assert_eq!(
        error,
        OpenError::FutureSchema {
            path: path.clone(),
            found: schema::VERSION + 1,
            supported: schema::VERSION,
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "the store `{}` has schema version {}, newer than the {} this build reads: \
             open it with a newer flow-runtime",
            path.display(),
            schema::VERSION + 1,
            schema::VERSION,
        )
    );
    assert_eq!(user_version(&path), schema::VERSION + 1);
    let store_error = StoreError::from(error);
    let newer = format!("version {}", schema::VERSION + 1);
    assert!(matches!(store_error, StoreError::Backend(message) if message.contains(&newer)));
}

#[test]
fn a_database_of_something_else_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    raw(&path)
        .execute_batch("CREATE TABLE notes (text TEXT)")
        .unwrap();
    let error = SqliteStore::open(&path).unwrap_err();
    assert_eq!(error, OpenError::Foreign { path: path.clone() });
    assert_eq!(user_version(&path), 0);
    let mode: String = raw(&path)
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "not even switched to WAL");
}

#[test]
fn a_new_file_gets_the_whole_schema_and_passes_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = raw(&path);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names.sort();
    assert_eq!(
        names,
        [
            "dedupe",
            "instances",
            "instances_by_flow",
            "instances_by_status",
            "instances_by_wake",
            "journal",
            "signals",
            "signals_by_instance",
            "waits",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_share_one_file_safely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let one = SqliteStore::open(&path).unwrap();
    let two = SqliteStore::open(&path).unwrap();
    one.create(instance(1, b"s".to_vec())).await.unwrap();
    // Each sees the other's writes, and a business key spans both.
    assert!(two.load(id(1)).await.unwrap().is_some());
    let existing = two.create(instance(2, Vec::new())).await.unwrap();
    assert_eq!(existing, Created::New(id(2)));
    let mut same_key = instance(3, Vec::new());
    same_key.key = Some("key 1".to_owned());
    assert_eq!(
        two.create(same_key).await.unwrap(),
        Created::Existing(id(1))
    );
    // A claim by one holds against the other.
    let now = SystemTime::now();
    let lease = Duration::from_secs(60);
    let first = one.claim(now, 10, lease).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(two.claim(now, 10, lease).await.unwrap().is_empty());
    // A commit fenced by version: the second one from the same version loses.
    one.commit(vec![commit(1, 0)]).await.unwrap();
    let stale = two.commit(vec![commit(1, 0)]).await;
    assert_eq!(
        stale,
        Err(StoreError::Conflict {
            id: id(1),
            expected: 0,
            actual: 1
        })
    );
    // Concurrent writers through both: all applied, each once.
    let mut tasks = Vec::new();
    for n in 10..40u128 {
        let store = if n % 2 == 0 { one.clone() } else { two.clone() };
        tasks.push(tokio::spawn(async move {
            store.create(instance(n, Vec::new())).await.unwrap();
            store.commit(vec![commit(n, 0)]).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = one.list(Filter::default()).await.unwrap();
    assert_eq!(all.len(), 32);
    assert_eq!(two.journal(id(25)).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let store = SqliteStore::open(&path).unwrap();
    // Another connection holds the write lock, so the writer's first
    // transaction waits for it while every other write queues up behind:
    // the queued ones must then share a transaction, however the threads
    // are scheduled.
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut tasks = Vec::new();
    for n in 0..200u128 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.create(instance(n, vec![0; 1024])).await.unwrap();
        }));
    }
    let refused = {
        let store = store.clone();
        tokio::spawn(async move { store.commit(vec![commit(9999, 0)]).await })
    };
    // Every task runs up to its await on the writer's answer.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    blocker.execute_batch("COMMIT").unwrap();
    // A refused operation in the same batches changes nothing else.
    let refused = refused.await.unwrap();
    assert_eq!(refused, Err(StoreError::UnknownInstance(id(9999))));
    for task in tasks {
        task.await.unwrap();
    }
    let stats = store.write_stats();
    assert_eq!(stats.operations, 201);
    assert!(
        stats.transactions < stats.operations,
        "no two writes shared a transaction: {stats:?}"
    );
    assert_eq!(store.list(Filter::default()).await.unwrap().len(), 200);
}

#[tokio::test]
async fn a_full_disk_fails_the_write_and_applies_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let options = SqliteOptions {
        max_size: Some(256 * 1024),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(&path, options).unwrap();
    store.create(instance(1, b"small".to_vec())).await.unwrap();
    let big = store.create(instance(2, vec![7; 1024 * 1024])).await;
    assert!(
        matches!(&big, Err(StoreError::Backend(message)) if message.contains("full")),
        "{big:?}"
    );
    assert!(store.load(id(2)).await.unwrap().is_none());
    let mut too_big = commit(1, 0);
    too_big.state = vec![1; 1024 * 1024];
    let failed = store.commit(vec![too_big]).await;
    assert!(matches!(failed, Err(StoreError::Backend(_))), "{failed:?}");
    let stored = store.load(id(1)).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.state), (0, b"small".to_vec()));
    assert_eq!(store.journal(id(1)).await.unwrap().len(), 1);
    // The store goes on with writes that fit.
    store.commit(vec![commit(1, 0)]).await.unwrap();
    assert_eq!(store.load(id(1)).await.unwrap().unwrap().version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_only_the_write_that_filled_it() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_size: Some(256 * 1024),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(dir.path().join("flows.db"), options).unwrap();
    let mut tasks = Vec::new();
    for n in 0..40u128 {
        let store = store.clone();
        let state = if n % 10 == 5 {
            vec![0; 1024 * 1024]
        } else {
            vec![0; 16]
        };
        tasks.push(tokio::spawn(async move {
            (n, store.create(instance(n, state)).await)
        }));
    }
    for task in tasks {
        let (n, answer) = task.await.unwrap();
        let stored = store.load(id(n)).await.unwrap();
        match answer {
            Ok(created) => {
                assert_eq!(created, Created::New(id(n)));
                assert!(stored.is_some(), "{n} answered created but is not stored");
            }
            Err(error) => {
                assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
                assert!(stored.is_none(), "{n} answered failed but is stored");
            }
        }
        // Only the big ones fail: SQLite rolls the whole transaction back
        // on a full disk, and the writer runs the others again.
        assert_eq!(stored.is_none(), n % 10 == 5, "instance {n}");
    }
}

#[test]
fn times_read_back_exactly() {
    for at in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::new(1_700_000_000, 999_999_999),
        UNIX_EPOCH - Duration::new(86_400, 1),
    ] {
        let nanos = sql::time(at).unwrap();
        assert_eq!(sql::from_time(nanos), at);
    }
    let far = UNIX_EPOCH + Duration::from_secs(400 * 365 * 86_400);
    assert!(sql::time(far).is_err(), "past 2262 is refused, not wrapped");
}

/// A file of schema version 1 kept one open wait per instance in columns of
/// `instances`; opening it moves that wait to the `waits` table of version
/// 2, where a signal for it still makes the instance runnable.
#[tokio::test]
async fn a_version_1_file_keeps_its_open_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let conn = raw(&path);
    conn.execute_batch(schema::V1).unwrap();
    conn.pragma_update(None, "application_id", schema::APPLICATION_ID)
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO instances (id, created, flow, hash, status, version, state,
                                wait_name, wait_assignee, wait_groups, wait_since)
         VALUES (?1, 1, 'order', 0, 'waiting', 3, x'7b7d', 'approve', 'ann', '[\"managers\"]', 5)",
        [id(1).to_string()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO instances (id, created, flow, hash, status, version, state)
         VALUES (?1, 2, 'order', 0, 'runnable', 0, x'7b7d')",
        [id(2).to_string()],
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), schema::VERSION);
    let waiting = store.load(id(1)).await.unwrap().unwrap();
    assert_eq!((waiting.status, waiting.version), (Status::Waiting, 3));
    let approve = OpenWait {
        wait: "approve".to_owned(),
        assignee: Some("ann".to_owned()),
        groups: vec!["managers".to_owned()],
        since: UNIX_EPOCH + Duration::from_nanos(5),
    };
    assert_eq!(waiting.waits, std::slice::from_ref(&approve));
    assert!(store.load(id(2)).await.unwrap().unwrap().waits.is_empty());
    let listed = store.list(Filter::default()).await.unwrap();
    assert_eq!(listed[0].waits, [approve]);
    assert!(listed[1].waits.is_empty());

    let signal = NewSignal {
        wait: "approve".to_owned(),
        payload: b"{}".to_vec(),
        by: None,
        dedupe: None,
    };
    store.signal(id(1), signal).await.unwrap();
    let status = store.load(id(1)).await.unwrap().unwrap().status;
    assert_eq!(status, Status::Runnable);
    let check: String = raw(&path)
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

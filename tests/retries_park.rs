//! Every retry is a timer (DESIGN §5.2): a task's retry inside a parallel
//! branch and a compensation's retry park a durable instance for their
//! backoff like a top-level task's does. The due time and the attempt
//! number are stored, so a new engine on the same store neither retries
//! early nor starts the budget again, and no tokio task is held meanwhile.

use flow_runtime::prelude::*;
use flow_runtime::store::{MemoryStore, Store};
use flow_runtime::{Engine, Event, InstanceId, InstanceState, Position, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

/// What the steps of one test did: calls by step, and failures still to
/// inject, by step. One per test, named by the context.
#[derive(Default)]
struct Ledger {
    calls: Mutex<Vec<String>>,
    failures: Mutex<BTreeMap<String, u32>>,
}

impl Ledger {
    fn of(name: &str) -> Arc<Ledger> {
        static LEDGERS: Mutex<BTreeMap<String, Arc<Ledger>>> = Mutex::new(BTreeMap::new());
        LEDGERS
            .lock()
            .unwrap()
            .entry(name.to_owned())
            .or_default()
            .clone()
    }

    fn fail(&self, step: &str, times: u32) {
        self.failures.lock().unwrap().insert(step.to_owned(), times);
    }

    /// Records a call of `step`; fails it while failures are left.
    fn call(&self, step: &str) -> Result<(), String> {
        self.calls.lock().unwrap().push(step.to_owned());
        let mut failures = self.failures.lock().unwrap();
        match failures.get_mut(step) {
            Some(left) if *left > 0 => {
                *left -= 1;
                Err(format!("{step} is down"))
            }
            _ => Ok(()),
        }
    }

    fn count(&self, step: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == step)
            .count()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Job {
    ledger: String,
    built: bool,
    tested: bool,
}

async fn step(ledger: &str, name: &str) -> Result<bool, String> {
    Ledger::of(ledger).call(name).map(|()| true)
}

async fn undo(ledger: &str, name: &str) -> Result<(), String> {
    Ledger::of(ledger).call(name)
}

flow! {
    /// Builds and tests in parallel; `test` retries every 10 minutes.
    pub flow Ci(job: Job) {
        start -> both;
        and both -> build, test;
        task build = step(&job.ledger, "build") => job.built -> joined;
        task test = step(&job.ledger, "test") => job.tested
            retry 3 backoff fixed(10m) -> joined;
        join joined -> passed;
        end passed;
    }
}

flow! {
    /// Reserves, then fails; the reservation's release retries every 10
    /// minutes.
    pub flow Booking(job: Job) {
        start -> reserve;
        task reserve = step(&job.ledger, "reserve") => job.built
            compensate undo(&job.ledger, "release") retry 3 backoff fixed(10m)
            -> confirm;
        task confirm = step(&job.ledger, "confirm") => job.tested -> booked;
        end booked;
    }
}

fn job(ledger: &str) -> Job {
    Job {
        ledger: ledger.to_owned(),
        ..Job::default()
    }
}

fn engine(store: &MemoryStore) -> Engine {
    Engine::builder(store.clone())
        .register::<Ci>()
        .register::<Booking>()
        .start()
}

async fn stored<F: Flow>(store: &MemoryStore, id: InstanceId) -> InstanceState<F>
where
    F::Context: serde::de::DeserializeOwned,
{
    let row = store.load(id).await.unwrap().unwrap();
    serde_json::from_slice(&row.state).unwrap()
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test(start_paused = true)]
async fn a_branch_tasks_backoff_parks_the_region_and_survives_a_restart() {
    let ledger = Ledger::of("branch");
    ledger.fail("test", 2);
    let store = MemoryStore::new();
    let first = engine(&store);
    let id = first.start::<Ci>(job("branch")).await.unwrap();
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Sleeping);
    assert_eq!((ledger.count("build"), ledger.count("test")), (1, 1));
    assert!(alive_tasks() <= 1, "a parked retry holds no task");
    let state = stored::<Ci>(&store, id).await;
    let Position::Region(region) = &state.position else {
        panic!("not parked in the region: {:?}", state.position);
    };
    assert_eq!(region.split(), CiNode::Both);
    let due = store.load(id).await.unwrap().unwrap().wake_at;
    assert!(due.is_some(), "the retry's due time is the wake-up time");
    first.shutdown().await;

    // Nine minutes later a new engine opens the store: not due yet.
    tokio::time::sleep(9 * MINUTE).await;
    let second = engine(&store);
    tokio::time::sleep(MINUTE / 2).await;
    assert_eq!(
        ledger.count("test"),
        1,
        "no retry before its backoff passed"
    );
    // Attempt 2 fails at 10 minutes and parks again; attempt 3 succeeds.
    let done = second.outcome::<Ci>(id).await.unwrap().unwrap();
    assert!(done.context.built && done.context.tested);
    assert_eq!(ledger.count("test"), 3);
    assert_eq!(
        ledger.count("build"),
        1,
        "the completed branch is replayed, not called"
    );
    let attempts: Vec<String> = done
        .journal
        .events()
        .filter(|event| matches!(event, Event::Attempt { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        attempts,
        [
            "build attempt 1",
            "test attempt 1",
            "test attempt 2",
            "test attempt 3"
        ],
        "the budget went on from where it was"
    );
    second.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_compensations_backoff_parks_the_instance_and_survives_a_restart() {
    let ledger = Ledger::of("saga");
    ledger.fail("confirm", 1);
    ledger.fail("release", 2);
    let store = MemoryStore::new();
    let first = engine(&store);
    let id = first.start::<Booking>(job("saga")).await.unwrap();
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Sleeping);
    assert_eq!(ledger.count("release"), 1);
    assert!(alive_tasks() <= 1, "a parked compensation holds no task");
    let state = stored::<Booking>(&store, id).await;
    let Position::Compensating {
        retry: Some(next), ..
    } = state.position
    else {
        panic!("not parked in the compensation: {:?}", state.position);
    };
    assert_eq!(next.attempt, 2);
    first.shutdown().await;

    tokio::time::sleep(5 * MINUTE).await;
    let second = engine(&store);
    tokio::time::sleep(MINUTE).await;
    assert_eq!(
        ledger.count("release"),
        1,
        "no retry before its backoff passed"
    );
    let failed = second.outcome::<Booking>(id).await.unwrap().unwrap_failed();
    assert_eq!(failed.node, BookingNode::Confirm);
    assert_eq!(
        ledger.count("release"),
        3,
        "attempts 1 and 2 failed, 3 undid it"
    );
    assert_eq!(failed.compensation.compensated.len(), 1);
    assert!(failed.compensation.failed.is_none());
    let attempts: Vec<String> = failed
        .journal
        .events()
        .filter(|event| matches!(event, Event::CompensationAttempt { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    second.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn in_memory_the_same_retries_wait_in_place() {
    let ledger = Ledger::of("memory");
    ledger.fail("test", 1);
    ledger.fail("confirm", 1);
    ledger.fail("release", 1);
    let started = tokio::time::Instant::now();
    let done = Ci::run(job("memory")).await.unwrap();
    assert!(done.context.tested);
    let failed = Booking::run(job("memory")).await.unwrap_failed();
    assert_eq!(failed.compensation.compensated.len(), 1);
    assert_eq!(ledger.count("release"), 2);
    assert!(
        started.elapsed() >= 20 * MINUTE,
        "each retry waited for its backoff"
    );
}

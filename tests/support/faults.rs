//! A store that fails on purpose, and a flow of three tasks whose steps
//! count their effects by idempotency key (and can be held at a gate until
//! enough of them run at once).

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;
use flow_runtime::store::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, SqliteStore, Store,
    StoreError, StoredInstance, StoredSignal, Summary,
};
use flow_runtime::{Engine, Event, InstanceId, InstanceState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A [`SqliteStore`] whose `commit` fails with
/// `StoreError::Backend("disk full")` from its `fail_from`-th call on, as
/// a disk that filled up would. Everything else passes through.
#[derive(Clone)]
pub struct FaultyStore {
    inner: SqliteStore,
    fail_from: usize,
    commits: Arc<AtomicUsize>,
    /// The instances of every commit the store acknowledged, in order.
    acknowledged: Arc<Mutex<Vec<InstanceId>>>,
}

impl FaultyStore {
    pub fn new(inner: SqliteStore, fail_from: usize) -> Self {
        Self {
            inner,
            fail_from,
            commits: Arc::default(),
            acknowledged: Arc::default(),
        }
    }

    /// How many commits of `id` the store acknowledged.
    pub fn acknowledged(&self, id: InstanceId) -> u64 {
        let acknowledged = self.acknowledged.lock().unwrap();
        acknowledged.iter().filter(|other| **other == id).count() as u64
    }

    /// How many commits were asked of it.
    pub fn commits(&self) -> usize {
        self.commits.load(Ordering::SeqCst)
    }
}

impl Store for FaultyStore {
    fn commit(&self, commits: Vec<Commit>) -> Answer<'_, ()> {
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.fail_from {
            return Box::pin(async { Err(StoreError::Backend("disk full".to_owned())) });
        }
        let ids: Vec<InstanceId> = commits.iter().map(|commit| commit.id).collect();
        Box::pin(async move {
            self.inner.commit(commits).await?;
            self.acknowledged.lock().unwrap().extend(ids);
            Ok(())
        })
    }

    fn create(&self, instance: NewInstance) -> Answer<'_, Created> {
        self.inner.create(instance)
    }

    fn load(&self, id: InstanceId) -> Answer<'_, Option<StoredInstance>> {
        self.inner.load(id)
    }

    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> Answer<'_, Vec<StoredInstance>> {
        self.inner.claim(now, limit, lease)
    }

    fn release(&self, id: InstanceId) -> Answer<'_, ()> {
        self.inner.release(id)
    }

    fn renew(&self, id: InstanceId, now: SystemTime, lease: Duration) -> Answer<'_, ()> {
        self.inner.renew(id, now, lease)
    }

    fn next_wake(&self) -> Answer<'_, Option<SystemTime>> {
        self.inner.next_wake()
    }

    fn signal(&self, id: InstanceId, signal: NewSignal) -> Answer<'_, Delivery> {
        self.inner.signal(id, signal)
    }

    fn signals(&self, id: InstanceId) -> Answer<'_, Vec<StoredSignal>> {
        self.inner.signals(id)
    }

    fn cancel(&self, id: InstanceId, request: CancelRequest) -> Answer<'_, ()> {
        self.inner.cancel(id, request)
    }

    fn mark_broken(&self, id: InstanceId, reason: String) -> Answer<'_, ()> {
        self.inner.mark_broken(id, reason)
    }

    fn journal(&self, id: InstanceId) -> Answer<'_, Vec<Vec<u8>>> {
        self.inner.journal(id)
    }

    fn list(&self, filter: Filter) -> Answer<'_, Vec<Summary>> {
        self.inner.list(filter)
    }
}

/// What the steps of one test did, and the gate they wait at.
pub struct Ledger {
    effects: Mutex<BTreeMap<String, u32>>,
    running: AtomicUsize,
    open: watch::Sender<bool>,
}

impl Ledger {
    /// How often each step ran, by idempotency key.
    pub fn effects(&self) -> BTreeMap<String, u32> {
        self.effects.lock().unwrap().clone()
    }
}

/// The ledger of the test named `name`.
pub fn ledger(name: &str) -> Arc<Ledger> {
    static LEDGERS: Mutex<BTreeMap<String, Arc<Ledger>>> = Mutex::new(BTreeMap::new());
    let mut ledgers = LEDGERS.lock().unwrap();
    let ledger = ledgers.entry(name.to_owned()).or_insert_with(|| {
        Arc::new(Ledger {
            effects: Mutex::default(),
            running: AtomicUsize::new(0),
            open: watch::channel(false).0,
        })
    });
    ledger.clone()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Job {
    /// Names the test's ledger.
    pub ledger: String,
    /// Each step waits until this many steps run at once (0: no wait).
    pub gate: usize,
    /// How many bytes each step's result has.
    pub size: usize,
    pub first: Option<String>,
    pub second: Option<String>,
    pub third: Option<String>,
}

pub async fn work(job: &Job, step: &Step) -> Result<String, StepError> {
    let ledger = ledger(&job.ledger);
    if job.gate > 0 {
        let running = ledger.running.fetch_add(1, Ordering::SeqCst) + 1;
        if running >= job.gate {
            ledger.open.send_replace(true);
        }
        let mut open = ledger.open.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
    *ledger
        .effects
        .lock()
        .unwrap()
        .entry(step.idempotency_key())
        .or_default() += 1;
    Ok("x".repeat(job.size.max(1)))
}

flow! {
    /// Three steps in a row.
    pub flow Chain(job: Job, step: &Step) {
        start -> first;
        task first = work(&job, step) => job.first -> second;
        task second = work(&job, step) => job.second -> third;
        task third = work(&job, step) => job.third -> done;
        end done;
    }
}

pub fn job(ledger: &str) -> Job {
    Job {
        ledger: ledger.to_owned(),
        ..Job::default()
    }
}

/// Stores `count` new runnable instances of `Chain` as `Engine::start`
/// would, before any engine runs: so a test knows they all exist before the
/// first commit.
pub async fn stored_chains(store: &impl Store, job: &Job, count: usize) -> Vec<InstanceId> {
    let mut ids = Vec::new();
    for _ in 0..count {
        let state = InstanceState::<Chain>::new(job.clone());
        let id = state.id;
        let new = NewInstance {
            id,
            flow: "Chain".to_owned(),
            hash: <Chain as Flow>::GRAPH.hash(),
            key: None,
            state: serde_json::to_vec(&state).unwrap(),
            events: Vec::new(),
        };
        assert_eq!(store.create(new).await.unwrap(), Created::New(id));
        ids.push(id);
    }
    ids
}

/// Asserts that the instance completed, and that its journal records each
/// task's completion exactly once.
pub async fn completed_once(engine: &Engine, id: InstanceId) {
    let done = engine.outcome::<Chain>(id).await.unwrap();
    assert!(done.is_completed(), "{id} did not complete");
    let journal = engine.history::<Chain>(id).await.unwrap();
    let mut completions = BTreeMap::new();
    for event in journal.events() {
        match event {
            Event::Succeeded { node, .. } => *completions.entry(node.name()).or_insert(0) += 1,
            Event::Completed { end } => *completions.entry(end.name()).or_insert(0) += 1,
            _ => {}
        }
    }
    let expected = BTreeMap::from([("done", 1), ("first", 1), ("second", 1), ("third", 1)]);
    assert_eq!(
        completions, expected,
        "the completions in the journal of {id}"
    );
}

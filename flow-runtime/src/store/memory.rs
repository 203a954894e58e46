//! The memory store: everything in one mutex, for tests and short-lived
//! engines. Clones share the same data, so a test can drop an engine (a
//! simulated crash: whatever it had not committed is gone) and open another
//! on the same store.

use super::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, Status, Store,
    StoreError, StoredInstance, StoredSignal, Summary,
};
use crate::id::InstanceId;
use futures::future::{BoxFuture, FutureExt, ready};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

/// A [`Store`] in memory. Cheap to clone; clones share the same instances.
///
/// ```
/// use flow_runtime::store::{MemoryStore, Store, Filter};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let store = MemoryStore::new();
/// assert!(store.list(Filter::default()).await.unwrap().is_empty());
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    data: Arc<Mutex<Data>>,
}

#[derive(Default)]
struct Data {
    instances: HashMap<InstanceId, Row>,
    /// Ids in order of creation, for `list`.
    order: Vec<InstanceId>,
    keys: HashMap<(String, String), InstanceId>,
    next_seq: u64,
}

struct Row {
    stored: StoredInstance,
    journal: Vec<Vec<u8>>,
    signals: BTreeMap<u64, StoredSignal>,
    dedupe: HashSet<String>,
    claimed_until: Option<SystemTime>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("instances", &self.data().instances.len())
            .finish()
    }
}

impl Row {
    /// A parked instance becomes runnable when something it waits for is
    /// already here: a signal for one of its waits, or a cancellation.
    fn settle_status(&mut self) {
        let parked = matches!(self.stored.status, Status::Waiting | Status::Sleeping);
        if !parked {
            return;
        }
        let signalled = self
            .stored
            .waits
            .iter()
            .any(|wait| self.signals.values().any(|signal| signal.wait == wait.wait));
        if signalled || self.stored.cancel.is_some() {
            self.stored.status = Status::Runnable;
        }
    }

    fn can_run(&self, now: SystemTime) -> bool {
        let free = self.claimed_until.is_none_or(|until| until <= now);
        let due = match self.stored.status {
            Status::Runnable => true,
            Status::Waiting | Status::Sleeping => self.stored.wake_at.is_some_and(|at| at <= now),
            _ => false,
        };
        free && due
    }
}

impl Data {
    fn row(&mut self, id: InstanceId) -> Result<&mut Row, StoreError> {
        self.instances
            .get_mut(&id)
            .ok_or(StoreError::UnknownInstance(id))
    }

    fn apply(&mut self, commit: Commit) -> Result<(), StoreError> {
        let row = self.row(commit.id)?;
        row.stored.status = commit.status;
        row.stored.version += 1;
        row.stored.hash = commit.hash;
        row.stored.broken = None;
        row.stored.state = commit.state;
        row.stored.wake_at = commit.wake_at;
        row.stored.waits = commit.waits;
        row.journal.extend(commit.events);
        if let Some(seq) = commit.consumed {
            row.signals.remove(&seq);
        }
        if row.stored.status.is_finished() {
            row.stored.cancel = None;
        }
        row.settle_status();
        Ok(())
    }
}

impl Store for MemoryStore {
    fn create(&self, new: NewInstance) -> BoxFuture<'_, Result<Created, StoreError>> {
        let mut data = self.data();
        if let Some(key) = &new.key
            && let Some(existing) = data.keys.get(&(new.flow.clone(), key.clone()))
        {
            return ready(Ok(Created::Existing(*existing))).boxed();
        }
        if data.instances.contains_key(&new.id) {
            return ready(Ok(Created::Existing(new.id))).boxed();
        }
        if let Some(key) = &new.key {
            data.keys.insert((new.flow.clone(), key.clone()), new.id);
        }
        let id = new.id;
        data.order.push(id);
        data.instances.insert(
            id,
            Row {
                stored: StoredInstance {
                    id,
                    flow: new.flow,
                    hash: new.hash,
                    key: new.key,
                    status: Status::Runnable,
                    version: 0,
                    state: new.state,
                    wake_at: None,
                    waits: Vec::new(),
                    cancel: None,
                    broken: None,
                },
                journal: new.events,
                signals: BTreeMap::new(),
                dedupe: HashSet::new(),
                claimed_until: None,
            },
        );
        ready(Ok(Created::New(id))).boxed()
    }

    fn load(&self, id: InstanceId) -> BoxFuture<'_, Result<Option<StoredInstance>, StoreError>> {
        let data = self.data();
        let found = data.instances.get(&id).map(|row| row.stored.clone());
        ready(Ok(found)).boxed()
    }

    fn commit(&self, commits: Vec<Commit>) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut data = self.data();
        // Check every version first, so the batch applies whole or not at all.
        // Commits apply in order: a second commit of one instance follows the
        // version the first one leaves.
        let mut versions = HashMap::new();
        for commit in &commits {
            let Some(row) = data.instances.get(&commit.id) else {
                return ready(Err(StoreError::UnknownInstance(commit.id))).boxed();
            };
            let version = versions.entry(commit.id).or_insert(row.stored.version);
            if *version != commit.version {
                let conflict = StoreError::Conflict {
                    id: commit.id,
                    expected: commit.version,
                    actual: *version,
                };
                return ready(Err(conflict)).boxed();
            }
            *version += 1;
        }
        let result = commits
            .into_iter()
            .try_for_each(|commit| data.apply(commit));
        ready(result).boxed()
    }

    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Vec<StoredInstance>, StoreError>> {
        let mut data = self.data();
        let Data {
            instances, order, ..
        } = &mut *data;
        let mut claimed = Vec::new();
        for id in order.iter() {
            if claimed.len() >= limit {
                break;
            }
            if let Some(row) = instances.get_mut(id)
                && row.can_run(now)
            {
                row.claimed_until = Some(now + lease);
                claimed.push(row.stored.clone());
            }
        }
        ready(Ok(claimed)).boxed()
    }

    fn release(&self, id: InstanceId) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut data = self.data();
        let result = data.row(id).map(|row| row.claimed_until = None);
        ready(result).boxed()
    }

    fn renew(
        &self,
        id: InstanceId,
        now: SystemTime,
        lease: Duration,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut data = self.data();
        let result = data.row(id).map(|row| {
            let until = now + lease;
            row.claimed_until = Some(row.claimed_until.map_or(until, |held| held.max(until)));
        });
        ready(result).boxed()
    }

    fn next_wake(&self) -> BoxFuture<'_, Result<Option<SystemTime>, StoreError>> {
        let data = self.data();
        let next = data
            .instances
            .values()
            .filter(|row| matches!(row.stored.status, Status::Waiting | Status::Sleeping))
            .filter_map(|row| match (row.stored.wake_at, row.claimed_until) {
                (Some(wake), Some(claim)) => Some(wake.max(claim)),
                (wake, _) => wake,
            })
            .min();
        ready(Ok(next)).boxed()
    }

    fn signal(
        &self,
        id: InstanceId,
        signal: NewSignal,
    ) -> BoxFuture<'_, Result<Delivery, StoreError>> {
        let mut data = self.data();
        data.next_seq += 1;
        let seq = data.next_seq;
        let result = data.row(id).and_then(|row| {
            if row.stored.status.is_finished() {
                return Err(StoreError::Finished(id));
            }
            if let Some(key) = &signal.dedupe
                && !row.dedupe.insert(key.clone())
            {
                return Ok(Delivery::Duplicate);
            }
            row.signals.insert(
                seq,
                StoredSignal {
                    seq,
                    wait: signal.wait,
                    payload: signal.payload,
                    by: signal.by,
                    received_at: crate::clock::now(),
                },
            );
            row.settle_status();
            Ok(Delivery::Accepted)
        });
        ready(result).boxed()
    }

    fn signals(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<StoredSignal>, StoreError>> {
        let mut data = self.data();
        let result = data
            .row(id)
            .map(|row| row.signals.values().cloned().collect());
        ready(result).boxed()
    }

    fn cancel(
        &self,
        id: InstanceId,
        request: CancelRequest,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut data = self.data();
        let result = data.row(id).and_then(|row| {
            if row.stored.status.is_finished() {
                return Err(StoreError::Finished(id));
            }
            row.stored.cancel.get_or_insert(request);
            row.settle_status();
            Ok(())
        });
        ready(result).boxed()
    }

    fn mark_broken(&self, id: InstanceId, reason: String) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut data = self.data();
        let result = data.row(id).map(|row| {
            row.stored.status = Status::Broken;
            row.stored.broken = Some(reason);
            row.claimed_until = None;
        });
        ready(result).boxed()
    }

    fn journal(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<Vec<u8>>, StoreError>> {
        let mut data = self.data();
        let result = data.row(id).map(|row| row.journal.clone());
        ready(result).boxed()
    }

    fn list(&self, filter: Filter) -> BoxFuture<'_, Result<Vec<Summary>, StoreError>> {
        let data = self.data();
        let rows = data
            .order
            .iter()
            .filter_map(|id| data.instances.get(id))
            .map(|row| &row.stored)
            .filter(|stored| filter.flow.as_ref().is_none_or(|flow| *flow == stored.flow))
            .filter(|stored| filter.status.is_none_or(|status| status == stored.status))
            .map(|stored| Summary {
                id: stored.id,
                flow: stored.flow.clone(),
                status: stored.status,
                key: stored.key.clone(),
                waits: stored.waits.clone(),
                broken: stored.broken.clone(),
            })
            .collect();
        ready(Ok(rows)).boxed()
    }
}

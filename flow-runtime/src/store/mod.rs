//! Where an engine keeps its instances: the [`Store`] trait, over bytes and
//! metadata, and its implementations.
//!
//! A store knows nothing of flows' types: an instance is a row of metadata
//! (flow, hash, status, version, wake-up time, open waits) and an opaque
//! state (the serialized [`InstanceState`](crate::InstanceState)); its
//! journal is a list of opaque events; signals are opaque payloads named by
//! their wait. The [`Engine`](crate::Engine) encodes and decodes. Every
//! implementation passes one conformance suite (`tests/store_conformance.rs`).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{OpenError as PostgresOpenError, PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{OpenError, SqliteOptions, SqliteStore, Synchronous};

use crate::id::InstanceId;
use futures::future::BoxFuture;
use std::time::{Duration, SystemTime};

/// What a store's writer has committed (`SqliteStore::write_stats`,
/// `PostgresStore::write_stats`): physical transactions, and the logical
/// operations they carried. Their ratio is the group commit's batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteStats {
    /// Physical transactions committed.
    pub transactions: u64,
    /// Logical operations they carried, refused ones included.
    pub operations: u64,
}

/// Where an instance is in its life, as the store sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Status {
    /// Ready to run its next transition now.
    Runnable,
    /// Parked at a `wait` until a signal arrives (or its timeout).
    Waiting,
    /// Parked until a time: a `timer`, or a retry's backoff.
    Sleeping,
    /// Finished at an `end`.
    Completed,
    /// Finished by a failed task, after compensation.
    Failed,
    /// Finished by a cancellation.
    Cancelled,
    /// A compensation failed: someone must look at it.
    CompensationFailed,
    /// The engine cannot run it: its state does not decode, or its flow is
    /// not registered under its hash. Left untouched for a person to fix.
    Broken,
}

impl Status {
    /// Whether the instance has finished (nothing will run it again).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Failed | Status::Cancelled | Status::CompensationFailed
        )
    }

    /// The status's name, lowercase (`"waiting"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Runnable => "runnable",
            Status::Waiting => "waiting",
            Status::Sleeping => "sleeping",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::CompensationFailed => "compensation_failed",
            Status::Broken => "broken",
        }
    }

    /// The status named `name` (as [`as_str`](Status::as_str) prints it).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "runnable" => Status::Runnable,
            "waiting" => Status::Waiting,
            "sleeping" => Status::Sleeping,
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            "compensation_failed" => Status::CompensationFailed,
            "broken" => Status::Broken,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `wait` an instance is parked at, as the inbox lists it. An instance
/// waits at one, or, inside a parallel region, at one per branch that
/// waits (two approvals asked of two people at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenWait {
    /// The wait's name.
    pub wait: String,
    /// The user who may complete it, if it names one.
    pub assignee: Option<String>,
    /// The groups whose members may complete it.
    pub groups: Vec<String>,
    /// Since when the instance waits there.
    pub since: SystemTime,
}

/// A new instance, about to be stored.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Its id.
    pub id: InstanceId,
    /// Its flow's name.
    pub flow: String,
    /// Its flow's graph hash.
    pub hash: u64,
    /// The caller's business key: one instance per flow and key.
    pub key: Option<String>,
    /// Its initial state (runnable).
    pub state: Vec<u8>,
    /// Its first journal events.
    pub events: Vec<Vec<u8>>,
}

/// What [`Store::create`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The instance was stored.
    New(InstanceId),
    /// An instance of the flow with the same business key, or with the same
    /// id, exists: this one.
    Existing(InstanceId),
}

/// One stored instance.
#[derive(Debug, Clone)]
pub struct StoredInstance {
    /// Its id.
    pub id: InstanceId,
    /// Its flow's name.
    pub flow: String,
    /// The graph hash of the flow that stored it.
    pub hash: u64,
    /// Its business key, if it was started with one.
    pub key: Option<String>,
    /// Its status.
    pub status: Status,
    /// Counts its commits; a commit names the version it follows.
    pub version: u64,
    /// The serialized state.
    pub state: Vec<u8>,
    /// When it wants to run again without a signal.
    pub wake_at: Option<SystemTime>,
    /// The waits it is parked at, in the order its commit listed them:
    /// none, one, or several inside a parallel region.
    pub waits: Vec<OpenWait>,
    /// A cancellation requested and not yet carried out.
    pub cancel: Option<CancelRequest>,
    /// Why it is broken, if it is.
    pub broken: Option<String>,
}

/// One transition of one instance, to be committed.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The instance.
    pub id: InstanceId,
    /// The version it was read at; the commit fails if it moved on.
    pub version: u64,
    /// The graph hash of the definition that made the transition; the
    /// instance is stored under it from now on (a migration changes it).
    pub hash: u64,
    /// Its status after the transition.
    pub status: Status,
    /// Its state after the transition.
    pub state: Vec<u8>,
    /// When it wants to run again without a signal.
    pub wake_at: Option<SystemTime>,
    /// The waits it is parked at now (several inside a parallel region).
    pub waits: Vec<OpenWait>,
    /// The journal events of the transition, in order.
    pub events: Vec<Vec<u8>>,
    /// The signal the transition consumed.
    pub consumed: Option<u64>,
}

/// A signal for an instance.
#[derive(Debug, Clone)]
pub struct NewSignal {
    /// The wait it completes.
    pub wait: String,
    /// Its payload (JSON).
    pub payload: Vec<u8>,
    /// Who completed the wait, for a user task.
    pub by: Option<String>,
    /// A second signal with the same key for the same instance is accepted
    /// once.
    pub dedupe: Option<String>,
}

/// A signal waiting to be consumed.
#[derive(Debug, Clone)]
pub struct StoredSignal {
    /// Its number, in order of arrival.
    pub seq: u64,
    /// The wait it completes.
    pub wait: String,
    /// Its payload (JSON).
    pub payload: Vec<u8>,
    /// Who completed the wait, for a user task.
    pub by: Option<String>,
    /// When it arrived.
    pub received_at: SystemTime,
}

/// What [`Store::signal`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The signal was stored; the instance takes it at its wait.
    Accepted,
    /// A signal with the same dedupe key was accepted before; nothing
    /// changed.
    Duplicate,
}

/// A cancellation asked of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    /// Why.
    pub reason: String,
    /// Whether to undo its completed tasks.
    pub compensate: bool,
}

/// One row of [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The instance.
    pub id: InstanceId,
    /// Its flow's name.
    pub flow: String,
    /// Its status.
    pub status: Status,
    /// Its business key.
    pub key: Option<String>,
    /// The waits it is parked at.
    pub waits: Vec<OpenWait>,
    /// Why it is broken, if it is ([`Status::Broken`]).
    pub broken: Option<String>,
}

/// Which instances [`Store::list`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only of this flow.
    pub flow: Option<String>,
    /// Only with this status.
    pub status: Option<Status>,
}

/// Why a store could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No instance has this id.
    #[error("no instance {0}")]
    UnknownInstance(InstanceId),
    /// The instance finished; it takes no signal or cancellation.
    #[error("instance {0} has finished")]
    Finished(InstanceId),
    /// The instance moved on since it was read (another worker committed,
    /// or this one's claim expired): the commit was refused, nothing
    /// changed.
    #[error("instance {id} is at version {actual}, not {expected}: the commit was refused")]
    Conflict {
        /// The instance.
        id: InstanceId,
        /// The version the commit named.
        expected: u64,
        /// The version in the store.
        actual: u64,
    },
    /// Another worker holds the instance's claim: this store's lease on it
    /// ran out (the worker was paused or slow past its lease) and another
    /// store claimed it. The commit (or renewal) was refused, nothing
    /// changed; the engine abandons the instance to the other worker. Only
    /// stores shared by several workers (PostgreSQL) fence by owner.
    #[error(
        "instance {id} is claimed by another worker (this one's lease ran out): the commit was refused"
    )]
    LeaseLost {
        /// The instance.
        id: InstanceId,
    },
    /// The store itself failed (I/O, disk full, ...). Nothing of the
    /// request was applied.
    #[error("the store failed: {0}")]
    Backend(String),
}

/// Where an engine keeps instances, journals and signals.
///
/// Every method is one atomic step: it happens whole or not at all.
/// Implementations: [`MemoryStore`] and, with the `sqlite` feature,
/// `SqliteStore`; with the `postgres` feature, `PostgresStore`.
pub trait Store: Send + Sync + 'static {
    /// Stores a new, runnable instance, unless one of the same flow has the
    /// same business key, or one has the same id (a create repeated after
    /// its answer was lost): then that one is [`Created::Existing`] and
    /// nothing changes.
    fn create(&self, instance: NewInstance) -> BoxFuture<'_, Result<Created, StoreError>>;

    /// The instance, if it exists.
    fn load(&self, id: InstanceId) -> BoxFuture<'_, Result<Option<StoredInstance>, StoreError>>;

    /// Applies every commit, in order, or none: a commit whose version is
    /// not the stored one (after the batch's earlier commits) fails the
    /// batch with [`StoreError::Conflict`], one of an unknown instance with
    /// [`StoreError::UnknownInstance`], and, in a store that fences by
    /// owner, one of an instance another store has claimed since with
    /// [`StoreError::LeaseLost`]. Each applied commit bumps the
    /// instance's version by one, stores its state under its hash, appends
    /// its events, removes the signal it consumed and clears a
    /// [`broken`](StoredInstance::broken) reason (a repaired instance runs
    /// again); it keeps the instance's claim. A commit that parks an
    /// instance at waits one of which already has a signal stored, or while
    /// a cancellation is requested, leaves it runnable instead.
    fn commit(&self, commits: Vec<Commit>) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Claims up to `limit` instances that can run at `now` (runnable ones,
    /// and parked ones whose wake-up time has passed) for `lease`: no other
    /// claim returns them until the lease passes or they are released.
    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Vec<StoredInstance>, StoreError>>;

    /// Gives a claimed instance back. A store that fences by owner leaves
    /// alone a claim that another store took over.
    fn release(&self, id: InstanceId) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Extends the claim on `id` to at least `now + lease`: the engine
    /// calls it while a transition runs longer than a third of the lease, so
    /// no other engine claims the instance meanwhile. The claim stays
    /// advisory: an engine that stalls past its lease may still find the
    /// instance claimed by another, and the version check of
    /// [`commit`](Store::commit) keeps only one of their transitions. A
    /// store that fences by owner refuses to renew a claim another store
    /// took over, with [`StoreError::LeaseLost`].
    fn renew(
        &self,
        id: InstanceId,
        now: SystemTime,
        lease: Duration,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The earliest wake-up time of a parked, unclaimed instance.
    fn next_wake(&self) -> BoxFuture<'_, Result<Option<SystemTime>, StoreError>>;

    /// Stores a signal for an instance that has not finished. An instance
    /// parked at the signal's wait (one of its waits) becomes runnable.
    fn signal(
        &self,
        id: InstanceId,
        signal: NewSignal,
    ) -> BoxFuture<'_, Result<Delivery, StoreError>>;

    /// The signals stored for an instance and not consumed, oldest first.
    fn signals(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<StoredSignal>, StoreError>>;

    /// Asks an unfinished instance to stop; it becomes runnable so the
    /// engine carries it out. A second request changes nothing.
    fn cancel(
        &self,
        id: InstanceId,
        request: CancelRequest,
    ) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Marks an instance broken with a reason, leaving its state untouched.
    fn mark_broken(&self, id: InstanceId, reason: String) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The instance's journal events, in order.
    fn journal(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<Vec<u8>>, StoreError>>;

    /// The instances the filter selects, in order of creation.
    fn list(&self, filter: Filter) -> BoxFuture<'_, Result<Vec<Summary>, StoreError>>;

    /// A hint that another process may have made work runnable (it
    /// signalled, started or cancelled an instance): an idle engine on
    /// this store wakes when it is notified, instead of at its next poll.
    /// Only a hint: the engine polls anyway, so a store may notify too often
    /// or miss a notification. `None` (the default): no hint; a store used
    /// by one process needs none, since its engine wakes itself.
    ///
    /// ```
    /// use flow_runtime::store::{MemoryStore, Store};
    ///
    /// assert!(MemoryStore::new().wake_hint().is_none());
    /// ```
    fn wake_hint(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
}

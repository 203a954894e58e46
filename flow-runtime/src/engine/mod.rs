//! The engine: instances that wait for people, signals and timers, kept in
//! a [`Store`] between transitions.
//!
//! An [`Engine`] runs the instances of the flows registered with it. Each
//! transition of an instance (a step's result, where it goes next, the
//! journal events) is one commit to the store. An instance parked at a
//! `wait`, a `timer` or a retry's backoff holds no task and no memory
//! beyond its stored row; the engine's run loop claims it again when a
//! signal arrives or its time comes.
//!
//! ```
//! use flow_runtime::prelude::*;
//! use flow_runtime::{Engine, Status, User};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! pub struct Approval { pub approved: bool }
//!
//! #[derive(serde::Serialize, serde::Deserialize, Default)]
//! pub struct Order { pub amount: u32, pub approval: Option<Approval> }
//!
//! flow! {
//!     pub flow Purchase(order: Order) {
//!         start -> size;
//!         xor size {
//!             order.amount > 1000 => approve,
//!             else => done,
//!         }
//!         wait approve: Approval => order.approval for group("manager") -> done;
//!         end done;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::EngineError> {
//! let engine = Engine::memory().register::<Purchase>().start();
//! let big = engine.start::<Purchase>(Order { amount: 1500, ..Order::default() }).await?;
//! engine.until_parked(big).await?;
//! assert_eq!(engine.status(big).await?, Status::Waiting);
//!
//! let alice = User::new("alice").in_group("manager");
//! let inbox = engine.tasks(&alice).await?;
//! assert_eq!(inbox[0].wait, "approve");
//! engine.complete(big, &alice, PurchaseSignal::Approve(Approval { approved: true })).await?;
//!
//! let done = engine.outcome::<Purchase>(big).await?.unwrap();
//! assert!(done.context.approval.unwrap().approved);
//! engine.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod builder;
mod children;
mod driver;
mod error;
mod inbox;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
mod refusal;
mod register;
mod registry;
mod resolve;
mod run_loop;
mod versions;

pub use api::Started;
use builder::CrashHook;
pub use builder::{CommitPoint, EngineBuilder};
pub use error::EngineError;
pub use inbox::{User, UserTask};
pub use registry::Durable;

use crate::store::Commit;

use crate::history::History;
use crate::id::InstanceId;
use crate::observe::Observer;
use crate::store::{CancelRequest, Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use versions::Flows;

/// Runs the instances of registered flows on a [`Store`]. Cheap to clone;
/// clones share the engine. See the [module docs](self).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    run_loop: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

/// What the engine's run loop and drivers share.
pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) flows: Flows,
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    /// What the journals of the instances run here keep.
    pub(crate) history: History,
    concurrency: usize,
    lease: Duration,
    poll: Duration,
    /// Wakes the run loop: new work may be claimable.
    work: Notify,
    /// Wakes the callers awaiting an instance's outcome when it finishes
    /// here: one `Notify` per awaited instance, so a finish wakes only its
    /// own waiters (a thousand awaited instances finishing must not cost a
    /// million reloads).
    awaited: Mutex<HashMap<InstanceId, Arc<Notify>>>,
    /// Wakes callers awaiting a park: a driver stopped.
    parked: Notify,
    /// The cancellation channel of every instance running here now.
    running: Mutex<HashMap<InstanceId, watch::Sender<Option<CancelRequest>>>>,
    stopping: AtomicBool,
    /// Why the engine stopped taking work, if a commit failed.
    failure: Mutex<Option<StoreError>>,
    commits: AtomicUsize,
    pub(crate) crash_after: Option<usize>,
    crash_hook: Option<CrashHook>,
}

impl Engine {
    /// Stops taking work, lets every running instance finish its current
    /// transition and commit it, and returns once none runs. Instances
    /// stay in the store where they are; another engine on the same store
    /// resumes them.
    pub async fn shutdown(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.work.notify_one();
        let handle = self
            .run_loop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
    }

    /// Drops every running instance at once, committing nothing more: what
    /// a crash does. For crash tests.
    #[doc(hidden)]
    pub fn kill(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        let handle = self
            .run_loop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            handle.abort();
        }
    }

    /// Whether no instance runs a transition here now.
    #[doc(hidden)]
    pub fn is_idle(&self) -> bool {
        self.inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// How many commits this engine made.
    #[doc(hidden)]
    pub fn commits(&self) -> usize {
        self.inner.commits()
    }
}

impl Inner {
    pub(crate) fn commits(&self) -> usize {
        self.commits.load(Ordering::SeqCst)
    }

    /// Crash testing: calls the hook of [`EngineBuilder::crash_hook`].
    pub(crate) fn at_commit_point(&self, point: CommitPoint, commit: &Commit) {
        if let Some(hook) = &self.crash_hook {
            hook(point, commit);
        }
    }

    /// Whether a crash hook wants to see commits after the store's answer.
    pub(crate) fn has_crash_hook(&self) -> bool {
        self.crash_hook.is_some()
    }

    pub(crate) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst) || self.has_crashed()
    }

    /// Crash testing: whether the crash point was reached. The engine then
    /// behaves as a dead process: it claims nothing, commits nothing and
    /// releases nothing.
    pub(crate) fn has_crashed(&self) -> bool {
        self.crash_after
            .is_some_and(|after| self.commits() >= after)
    }

    /// A commit failed for another reason than a conflict: stop taking
    /// work, keep what is committed, say why.
    pub(crate) fn stop_after(&self, error: &StoreError) {
        tracing::error!(%error, "commit failed; the engine stops taking work");
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| error.clone());
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub(crate) fn failure(&self) -> Option<StoreError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The notification of `id`'s finish, for a caller awaiting it, until
    /// the returned guard drops.
    pub(crate) fn awaiting(&self, id: InstanceId) -> Awaiting<'_> {
        let notify = self
            .awaited
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_default()
            .clone();
        Awaiting {
            inner: self,
            id,
            notify,
        }
    }

    /// `id` finished here: wake those awaiting it.
    pub(crate) fn finished(&self, id: InstanceId) {
        if let Some(notify) = self
            .awaited
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            notify.notify_waiters();
        }
    }

    /// Notes that `id` runs here and returns the channel that cancels it.
    pub(crate) fn running(&self, id: InstanceId) -> watch::Receiver<Option<CancelRequest>> {
        let (sender, receiver) = watch::channel(None);
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, sender);
        receiver
    }

    /// Notes that `id` no longer runs here. Called before its claim is
    /// released, so a claim never returns an instance running here unless
    /// its lease ran out.
    pub(crate) fn not_running(&self, id: InstanceId) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }

    /// A driver stopped: wakes the callers awaiting a park, and the run
    /// loop (the instance may be runnable again).
    pub(crate) fn driver_stopped(&self) {
        self.parked.notify_waiters();
        self.work.notify_one();
    }

    /// Cancels `id` at once if it runs here.
    pub(crate) fn cancel_running(&self, id: InstanceId, request: CancelRequest) {
        if let Some(sender) = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            sender.send_if_modified(|current| {
                current.is_none() && {
                    *current = Some(request);
                    true
                }
            });
        }
    }

    pub(crate) fn is_running(&self, id: InstanceId) -> bool {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&id)
    }
}

/// A caller awaiting an instance's finish: dropping it (the outcome
/// returned, or the caller gave up) forgets the notification once no other
/// caller awaits the instance.
pub(crate) struct Awaiting<'a> {
    inner: &'a Inner,
    id: InstanceId,
    pub(crate) notify: Arc<Notify>,
}

impl Drop for Awaiting<'_> {
    fn drop(&mut self) {
        let mut awaited = self
            .inner
            .awaited
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The map's reference and this one: no other caller awaits it.
        if Arc::strong_count(&self.notify) <= 2 {
            awaited.remove(&self.id);
        }
    }
}

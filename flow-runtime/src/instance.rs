//! Instance identities.

use crate::flow::Flow;
use crate::observe::{Progress, ProgressTracker};
use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Identifies one run of a flow.
///
/// In memory, ids count up from 1 within a process. Print it with `{}`;
/// the number inside is an implementation detail.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct InstanceId(u64);

impl InstanceId {
    /// A fresh id, distinct from every other id handed out in this process.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        InstanceId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A running instance, started with `Flow::start` (the generated
/// `OrderProcess::start(context)`): cancel it, or wait for its outcome.
///
/// Dropping the handle does not stop the instance; it runs on to its end.
///
/// ```
/// use flow_runtime::prelude::*;
/// use std::time::Duration;
///
/// struct Trip;
/// async fn book(_: &Trip) -> Result<(), StepError> { Ok(()) }
/// async fn cancel_booking(_: &Trip) -> Result<(), StepError> { Ok(()) }
/// async fn wait_for_visa(_: &Trip) -> Result<(), StepError> {
///     tokio::time::sleep(Duration::from_secs(3600)).await;
///     Ok(())
/// }
///
/// flow! {
///     flow Travel(trip: Trip) {
///         start -> book;
///         task book = book(&trip) compensate cancel_booking(&trip) -> visa;
///         task visa = wait_for_visa(&trip) -> booked;
///         end booked;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let instance = Travel::start(Trip);
/// tokio::time::sleep(Duration::from_secs(1)).await;
/// instance.cancel_and_compensate("the customer changed plans");
/// let cancelled = instance.outcome().await.unwrap_cancelled();
/// assert_eq!(cancelled.node, TravelNode::Visa);
/// assert_eq!(cancelled.compensation.compensated_names(), ["book"]);
/// # }
/// ```
pub struct Instance<F: Flow> {
    id: InstanceId,
    cancel: watch::Sender<Option<CancelRequest>>,
    task: JoinHandle<Outcome<F>>,
    progress: Arc<ProgressTracker>,
}

/// A request to stop an instance.
#[derive(Debug, Clone)]
pub(crate) struct CancelRequest {
    pub(crate) reason: String,
    pub(crate) compensate: bool,
}

impl<F: Flow> Instance<F> {
    pub(crate) fn new(
        id: InstanceId,
        cancel: watch::Sender<Option<CancelRequest>>,
        task: JoinHandle<Outcome<F>>,
        progress: Arc<ProgressTracker>,
    ) -> Self {
        Self {
            id,
            cancel,
            task,
            progress,
        }
    }

    /// Where the instance is: how many steps it completed, which tasks run
    /// now (one per running branch), and whether it finished.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[derive(Default)] struct Order { ok: bool }
    /// async fn slow() -> Result<bool, String> {
    ///     tokio::time::sleep(Duration::from_secs(10)).await;
    ///     Ok(true)
    /// }
    /// flow! {
    ///     flow Slow(order: Order) {
    ///         start -> wait;
    ///         task wait = slow() => order.ok -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let instance = Slow::start(Order::default());
    /// tokio::time::sleep(Duration::from_secs(1)).await;
    /// let progress = instance.progress();
    /// assert_eq!((progress.steps_done, progress.running), (0, vec!["wait"]));
    /// tokio::time::sleep(Duration::from_secs(10)).await;
    /// let progress = instance.progress();
    /// assert!(progress.finished && progress.steps_done == 1);
    /// # }
    /// ```
    pub fn progress(&self) -> Progress {
        let mut progress = self.progress.get();
        progress.finished |= self.task.is_finished();
        progress
    }

    /// The instance's id.
    pub fn id(&self) -> InstanceId {
        self.id
    }

    /// Stops the instance: the running step's future is dropped and
    /// completed tasks are left as they are (listed in the outcome's
    /// [`not_compensated`](crate::Compensation::not_compensated)). The
    /// outcome is [`Outcome::Cancelled`]. Does nothing if the instance has
    /// already finished or was already cancelled.
    pub fn cancel(&self, reason: impl Into<String>) {
        self.request(reason.into(), false);
    }

    /// Stops the instance like [`cancel`](Instance::cancel), then compensates
    /// every completed compensable task in reverse order of completion. The
    /// outcome is [`Outcome::Cancelled`], or [`Outcome::CompensationFailed`]
    /// if a compensation failed.
    pub fn cancel_and_compensate(&self, reason: impl Into<String>) {
        self.request(reason.into(), true);
    }

    fn request(&self, reason: String, compensate: bool) {
        self.cancel.send_if_modified(|request| {
            if request.is_some() {
                return false; // the first request wins
            }
            *request = Some(CancelRequest { reason, compensate });
            true
        });
    }

    /// Waits for the instance to finish.
    ///
    /// # Panics
    ///
    /// If the runtime itself panicked (a step's panic is caught and is a
    /// failure, not a panic here), or the tokio runtime shut down first.
    pub async fn outcome(self) -> Outcome<F> {
        match self.task.await {
            Ok(outcome) => outcome,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("instance {} did not finish: {error}", self.id),
        }
    }
}

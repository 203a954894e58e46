//! Handles of instances started in memory.

use crate::flow::Flow;
use crate::id::InstanceId;
use crate::observe::{Progress, ProgressTracker};
use crate::outcome::Outcome;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

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
    signals: mpsc::UnboundedSender<SignalRequest<F>>,
    task: JoinHandle<Outcome<F>>,
    progress: Arc<ProgressTracker>,
}

/// A signal sent to a started instance, and who sent it.
pub(crate) struct SignalRequest<F: Flow> {
    pub(crate) signal: F::Signal,
    pub(crate) by: Option<String>,
}

/// The instance a signal was sent to has finished; the signal comes back.
#[derive(Debug)]
pub struct Finished<S>(pub S);

impl<S> std::fmt::Display for Finished<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the instance has finished; the signal was not delivered")
    }
}

impl<S: std::fmt::Debug> std::error::Error for Finished<S> {}

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
        signals: mpsc::UnboundedSender<SignalRequest<F>>,
        task: JoinHandle<Outcome<F>>,
        progress: Arc<ProgressTracker>,
    ) -> Self {
        Self {
            id,
            cancel,
            signals,
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

    /// Sends `signal` to the instance: it completes the `wait` the signal
    /// is for when the instance is there, at once if it waits there now,
    /// or when it gets there (the signal is kept until then).
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Approval { pub by: String }
    /// #[derive(Default)]
    /// pub struct Order { approval: Option<Approval> }
    ///
    /// flow! {
    ///     flow Approve(order: Order) {
    ///         start -> decide;
    ///         wait decide: Approval => order.approval -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let instance = Approve::start(Order::default());
    /// instance.signal(ApproveSignal::Decide(Approval { by: "alice".into() })).unwrap();
    /// let done = instance.outcome().await.unwrap();
    /// assert_eq!(done.context.approval.unwrap().by, "alice");
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Finished`], with the signal, if the instance has finished.
    pub fn signal(&self, signal: F::Signal) -> Result<(), Finished<F::Signal>> {
        self.signals
            .send(SignalRequest { signal, by: None })
            .map_err(|returned| Finished(returned.0.signal))
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

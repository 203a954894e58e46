//! Watching instances run: an [`Observer`] is called on every event of every
//! instance it is attached to, as the event happens. [`StepMetrics`] is a
//! ready-made one that counts and times steps; [`Progress`] is what an
//! [`Instance`](crate::Instance) handle reports about its instance.

use crate::id::InstanceId;
use crate::journal::Event;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Called by the runtime on every transition of the instances it watches:
/// a node entered, a step attempted, completed, failed or retried, an error
/// route taken, a branch started, finished or cancelled, a compensation, a
/// cancellation, the end reached. The events are the ones the instance's
/// [`Journal`](crate::Journal) records, with node names instead of node
/// values, so one observer can watch instances of any flow.
///
/// Observers are attached with [`Runner::observe`](crate::Runner::observe).
/// They are called on the instance's task, outside any lock of the runtime:
/// keep them quick (count, log, send to a channel), never block.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::{Event, Observation, Observer, Runner};
/// use std::sync::{Arc, Mutex};
///
/// /// Collects the names of the steps that completed.
/// #[derive(Default)]
/// struct Completed(Mutex<Vec<&'static str>>);
///
/// impl Observer for Completed {
///     fn observe(&self, observation: &Observation<'_>) {
///         if let Event::Succeeded { node, .. } = observation.event {
///             self.0.lock().unwrap().push(node);
///         }
///     }
/// }
///
/// # #[derive(Default)] struct Order { total: u32 }
/// # async fn price() -> Result<u32, String> { Ok(42) }
/// flow! {
///     flow Pricing(order: Order) {
///         start -> price;
///         task price = price() => order.total -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let completed = Arc::new(Completed::default());
/// let runner = Runner::new().observe(completed.clone());
/// runner.run::<Pricing>(Order::default()).await.unwrap();
/// assert_eq!(*completed.0.lock().unwrap(), ["price"]);
/// # }
/// ```
pub trait Observer: Send + Sync + 'static {
    /// One event of one instance.
    fn observe(&self, observation: &Observation<'_>);
}

impl<O: Observer + ?Sized> Observer for Arc<O> {
    fn observe(&self, observation: &Observation<'_>) {
        (**self).observe(observation);
    }
}

/// One event, as an [`Observer`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The flow's name.
    pub flow: &'static str,
    /// The instance.
    pub instance: InstanceId,
    /// Time since the instance started, on tokio's clock.
    pub elapsed: Duration,
    /// Wall-clock time of the event.
    pub at: SystemTime,
    /// What happened, with node names.
    pub event: &'a Event<&'static str>,
}

/// An [`Observer`] that counts and times the steps of every instance it
/// watches, per flow and node, and counts how instances finished.
///
/// An attempt is timed from its start to its success or failure, on tokio's
/// clock (so under `tokio::time::pause` the times are exact).
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::{Runner, StepMetrics};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// # #[derive(Default)] struct Order { total: u32 }
/// async fn price() -> Result<u32, String> {
///     tokio::time::sleep(Duration::from_millis(20)).await;
///     Ok(42)
/// }
/// flow! {
///     flow Pricing(order: Order) {
///         start -> price;
///         task price = price() => order.total -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let metrics = Arc::new(StepMetrics::default());
/// let runner = Runner::new().observe(metrics.clone());
/// for _ in 0..3 {
///     runner.run::<Pricing>(Order::default()).await.unwrap();
/// }
/// let price = metrics.step("Pricing", "price").unwrap();
/// assert_eq!(price.succeeded, 3);
/// assert_eq!(price.total_time, Duration::from_millis(60));
/// assert_eq!(metrics.instances().completed, 3);
/// # }
/// ```
#[derive(Debug, Default)]
pub struct StepMetrics {
    state: Mutex<MetricsState>,
}

#[derive(Debug, Default)]
struct MetricsState {
    steps: BTreeMap<(&'static str, &'static str), StepStats>,
    /// When the running attempt of each (instance, node) started.
    running: HashMap<(InstanceId, &'static str), Duration>,
    instances: InstanceCounts,
}

/// What [`StepMetrics`] counted for one node of one flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepStats {
    /// Attempts started.
    pub attempts: u64,
    /// Attempts that succeeded.
    pub succeeded: u64,
    /// Attempts that failed, retried or not.
    pub failed_attempts: u64,
    /// Failed attempts that were retried.
    pub retries: u64,
    /// Visits whose last attempt failed (and the error route taken, or the
    /// instance failed).
    pub failed: u64,
    /// Completed visits undone by their compensation.
    pub compensated: u64,
    /// Time spent in attempts, successful or not.
    pub total_time: Duration,
    /// The longest attempt.
    pub max_time: Duration,
}

impl StepStats {
    /// The mean time of an attempt, if there was one.
    pub fn mean_time(&self) -> Option<Duration> {
        let finished = self.succeeded + self.failed_attempts;
        (finished > 0).then(|| self.total_time / u32::try_from(finished).unwrap_or(u32::MAX))
    }
}

/// How the instances [`StepMetrics`] watched finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstanceCounts {
    /// Reached an `end`.
    pub completed: u64,
    /// A step failed for good.
    pub failed: u64,
    /// Cancelled through their handle.
    pub cancelled: u64,
}

impl StepMetrics {
    /// Creates an empty set of metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was counted for `node` of `flow`, if it ran.
    pub fn step(&self, flow: &str, node: &str) -> Option<StepStats> {
        self.lock()
            .steps
            .iter()
            .find(|((f, n), _)| *f == flow && *n == node)
            .map(|(_, stats)| *stats)
    }

    /// Every node that ran, as `((flow, node), stats)`, sorted.
    pub fn steps(&self) -> Vec<((&'static str, &'static str), StepStats)> {
        self.lock()
            .steps
            .iter()
            .map(|(key, stats)| (*key, *stats))
            .collect()
    }

    /// How the watched instances finished.
    pub fn instances(&self) -> InstanceCounts {
        self.lock().instances
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MetricsState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Observer for StepMetrics {
    fn observe(&self, observation: &Observation<'_>) {
        let mut state = self.lock();
        let flow = observation.flow;
        let now = observation.elapsed;
        let timed = |state: &mut MetricsState, node: &'static str| {
            let began = state.running.remove(&(observation.instance, node));
            let stats = state.steps.entry((flow, node)).or_default();
            if let Some(began) = began {
                let took = now.saturating_sub(began);
                stats.total_time += took;
                stats.max_time = stats.max_time.max(took);
            }
        };
        match *observation.event {
            Event::Attempt { node, .. } => {
                state.running.insert((observation.instance, node), now);
                state.steps.entry((flow, node)).or_default().attempts += 1;
            }
            Event::Succeeded { node, .. } => {
                timed(&mut state, node);
                state.steps.entry((flow, node)).or_default().succeeded += 1;
            }
            Event::AttemptFailed { node, retry_in, .. } => {
                timed(&mut state, node);
                let stats = state.steps.entry((flow, node)).or_default();
                stats.failed_attempts += 1;
                match retry_in {
                    Some(_) => stats.retries += 1,
                    None => stats.failed += 1,
                }
            }
            Event::Compensated { node, .. } => {
                state.steps.entry((flow, node)).or_default().compensated += 1;
            }
            Event::Completed { .. } => state.instances.completed += 1,
            Event::Failed { .. } => state.instances.failed += 1,
            Event::Cancelled { .. } => state.instances.cancelled += 1,
            _ => {}
        }
    }
}

/// Where a started instance is: see [`Instance::progress`](crate::Instance::progress).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Steps completed so far (each visit of a task counts once).
    pub steps_done: u32,
    /// The tasks running now: one, or one per branch of a split, or the
    /// task being compensated. Empty between steps and once finished.
    pub running: Vec<&'static str>,
    /// Whether the instance has finished, whichever way.
    pub finished: bool,
}

/// Keeps one instance's [`Progress`] up to date. It is attached like an
/// observer, so it also sees the events of the sub-flows its instance
/// calls; it counts only its own instance's.
#[derive(Debug)]
pub(crate) struct ProgressTracker {
    instance: InstanceId,
    progress: Mutex<Progress>,
}

impl ProgressTracker {
    pub(crate) fn for_instance(instance: InstanceId) -> Self {
        Self {
            instance,
            progress: Mutex::new(Progress::default()),
        }
    }

    pub(crate) fn get(&self) -> Progress {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Observer for ProgressTracker {
    fn observe(&self, observation: &Observation<'_>) {
        if observation.instance != self.instance {
            return; // a sub-flow's event
        }
        let mut progress = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
        let progress = &mut *progress;
        let stop = |running: &mut Vec<&'static str>, node: &'static str| {
            running.retain(|running| *running != node);
        };
        match *observation.event {
            Event::Attempt { node, .. } | Event::CompensationAttempt { node, .. }
                if !progress.running.contains(&node) =>
            {
                progress.running.push(node);
            }
            Event::Succeeded { node, .. } => {
                stop(&mut progress.running, node);
                progress.steps_done += 1;
            }
            Event::AttemptFailed {
                node,
                retry_in: None,
                ..
            }
            | Event::CompensationAttemptFailed {
                node,
                retry_in: None,
                ..
            }
            | Event::Compensated { node, .. } => stop(&mut progress.running, node),
            // The branches still running are dropped; compensation follows.
            Event::Failed { .. } | Event::Cancelled { .. } => progress.running.clear(),
            Event::Completed { .. } => {
                progress.running.clear();
                progress.finished = true;
            }
            _ => {}
        }
    }
}

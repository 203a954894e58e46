//! How an instance finished.

use crate::flow::{EndId, Flow, NodeId};
use crate::history::Path;
use crate::id::InstanceId;
use crate::journal::Journal;
use crate::step::StepError;
use std::fmt;

/// How an instance finished: at an end, failed, cancelled, or stuck in a
/// compensation that failed.
///
/// ```
/// # use flow_runtime::prelude::*;
/// # struct Order;
/// # async fn ok(_: &Order) -> Result<(), StepError> { Ok(()) }
/// # flow! { flow Ship(order: Order) { start -> pack; task pack = ok(&order) -> shipped; end shipped; } }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// match Ship::run(Order).await {
///     Outcome::Completed(done) => println!("reached {:?} via {}", done.end, done.path),
///     Outcome::Failed(failed) => println!("{failed}; undone: {:?}", failed.compensation.compensated),
///     Outcome::Cancelled(cancelled) => println!("cancelled: {}", cancelled.reason),
///     Outcome::CompensationFailed(stuck) => eprintln!("needs a human: {stuck}"),
///     other => println!("{other}"), // `Outcome` may gain kinds of ending
/// }
/// # }
/// ```
#[non_exhaustive]
pub enum Outcome<F: Flow> {
    /// The instance reached one of its `end` nodes.
    Completed(Completed<F>),
    /// A task failed after its retries, with no error route; every
    /// completed compensable task was compensated.
    Failed(Failed<F>),
    /// The instance was cancelled; if compensation was asked for, every
    /// completed compensable task was compensated.
    Cancelled(Cancelled<F>),
    /// A task failed or the instance was cancelled, and then a
    /// compensation failed after its retries. The report says what was and
    /// what was not undone.
    CompensationFailed(CompensationFailed<F>),
}

/// An instance that reached one of its `end` nodes.
pub struct Completed<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// Which end was reached.
    pub end: F::End,
    /// The context as the last step left it.
    pub context: F::Context,
    /// Every node entered, with timestamps.
    pub path: Path<F::Node>,
    /// Everything that happened, with timestamps.
    pub journal: Journal<F::Node>,
}

/// An instance whose task failed for good.
pub struct Failed<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// The task that failed.
    pub node: F::Node,
    /// Its last error.
    pub error: StepError,
    /// The context after compensation.
    pub context: F::Context,
    /// Every node entered, the failed one last.
    pub path: Path<F::Node>,
    /// Everything that happened, with timestamps.
    pub journal: Journal<F::Node>,
    /// What was undone (everything that could be).
    pub compensation: Compensation<F::Node>,
}

/// An instance that was cancelled.
pub struct Cancelled<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// The reason given to `cancel`.
    pub reason: String,
    /// The node the instance was at.
    pub node: F::Node,
    /// The context after compensation, if any.
    pub context: F::Context,
    /// Every node entered.
    pub path: Path<F::Node>,
    /// Everything that happened, with timestamps.
    pub journal: Journal<F::Node>,
    /// What was undone. Without compensation, the completed compensable
    /// tasks are all in [`Compensation::not_compensated`].
    pub compensation: Compensation<F::Node>,
}

/// An instance whose compensation failed: it needs a human.
pub struct CompensationFailed<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// Why compensation started.
    pub cause: Cause<F::Node>,
    /// The context as the failed compensation left it.
    pub context: F::Context,
    /// Every node entered.
    pub path: Path<F::Node>,
    /// Everything that happened, with timestamps.
    pub journal: Journal<F::Node>,
    /// What was undone, which compensation failed, and what was not undone.
    pub compensation: Compensation<F::Node>,
}

/// Why compensation started.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Cause<N> {
    /// A task failed for good.
    StepFailed {
        /// The task.
        node: N,
        /// Its last error.
        error: StepError,
    },
    /// The instance was cancelled with compensation.
    Cancelled {
        /// The reason given.
        reason: String,
    },
}

/// One completed visit of a compensable task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Done<N> {
    /// The task.
    pub node: N,
    /// Which visit of it (loops compensate every visit).
    pub iteration: u32,
}

/// What compensation did. Compensations run in reverse order of completion
/// and stop at the first one that fails after its retries.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Compensation<N> {
    /// Undone, in the order they were undone.
    pub compensated: Vec<Done<N>>,
    /// The compensation that failed, with its last error.
    pub failed: Option<(Done<N>, StepError)>,
    /// Completed compensable tasks left as they are, in the order they
    /// would have been undone.
    pub not_compensated: Vec<Done<N>>,
}

impl<N> Default for Compensation<N> {
    fn default() -> Self {
        Self {
            compensated: Vec::new(),
            failed: None,
            not_compensated: Vec::new(),
        }
    }
}

impl<N: NodeId> Compensation<N> {
    /// The names of the undone tasks, in the order they were undone.
    pub fn compensated_names(&self) -> Vec<&'static str> {
        self.compensated
            .iter()
            .map(|done| done.node.name())
            .collect()
    }

    /// The names of the tasks left as they are.
    pub fn not_compensated_names(&self) -> Vec<&'static str> {
        self.not_compensated
            .iter()
            .map(|done| done.node.name())
            .collect()
    }
}

impl<F: Flow> Outcome<F> {
    /// Whether the instance reached an end.
    pub fn is_completed(&self) -> bool {
        matches!(self, Outcome::Completed(_))
    }

    /// The instance's id.
    pub fn instance(&self) -> InstanceId {
        match self {
            Outcome::Completed(o) => o.instance,
            Outcome::Failed(o) => o.instance,
            Outcome::Cancelled(o) => o.instance,
            Outcome::CompensationFailed(o) => o.instance,
        }
    }

    /// Every node entered.
    pub fn path(&self) -> &Path<F::Node> {
        match self {
            Outcome::Completed(o) => &o.path,
            Outcome::Failed(o) => &o.path,
            Outcome::Cancelled(o) => &o.path,
            Outcome::CompensationFailed(o) => &o.path,
        }
    }

    /// Everything that happened.
    pub fn journal(&self) -> &Journal<F::Node> {
        match self {
            Outcome::Completed(o) => &o.journal,
            Outcome::Failed(o) => &o.journal,
            Outcome::Cancelled(o) => &o.journal,
            Outcome::CompensationFailed(o) => &o.journal,
        }
    }

    /// `Ok` for a completed instance, the outcome itself otherwise (it is an
    /// error type, so `?` works).
    #[allow(clippy::result_large_err)] // the outcome is passed by value everywhere; boxing only moves the cost
    pub fn into_result(self) -> Result<Completed<F>, Self> {
        match self {
            Outcome::Completed(done) => Ok(done),
            other => Err(other),
        }
    }

    /// The completed instance.
    ///
    /// # Panics
    ///
    /// If the instance did not complete; the message says how it finished.
    #[track_caller]
    pub fn unwrap(self) -> Completed<F> {
        match self {
            Outcome::Completed(done) => done,
            other => {
                panic!("called `Outcome::unwrap()` on an instance that did not complete: {other}")
            }
        }
    }

    /// The failed instance.
    ///
    /// # Panics
    ///
    /// If the instance did not fail; the message says how it finished.
    #[track_caller]
    pub fn unwrap_failed(self) -> Failed<F> {
        match self {
            Outcome::Failed(failed) => failed,
            other => panic!(
                "called `Outcome::unwrap_failed()` on an instance that did not fail: {other}"
            ),
        }
    }

    /// The cancelled instance.
    ///
    /// # Panics
    ///
    /// If the instance was not cancelled; the message says how it finished.
    #[track_caller]
    pub fn unwrap_cancelled(self) -> Cancelled<F> {
        match self {
            Outcome::Cancelled(cancelled) => cancelled,
            other => panic!(
                "called `Outcome::unwrap_cancelled()` on an instance that was not cancelled: {other}"
            ),
        }
    }

    /// The instance whose compensation failed.
    ///
    /// # Panics
    ///
    /// If no compensation failed; the message says how it finished.
    #[track_caller]
    pub fn unwrap_compensation_failed(self) -> CompensationFailed<F> {
        match self {
            Outcome::CompensationFailed(stuck) => stuck,
            other => panic!("called `Outcome::unwrap_compensation_failed()` on {other}"),
        }
    }
}

impl<F: Flow> fmt::Display for Outcome<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Completed(done) => write!(
                f,
                "flow `{}` instance {} completed at `{}`",
                F::GRAPH.name(),
                done.instance,
                done.end.name()
            ),
            Outcome::Failed(failed) => fmt::Display::fmt(failed, f),
            Outcome::Cancelled(cancelled) => fmt::Display::fmt(cancelled, f),
            Outcome::CompensationFailed(stuck) => fmt::Display::fmt(stuck, f),
        }
    }
}

impl<F: Flow> fmt::Display for Failed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "flow `{}` instance {} failed at `{}`: {}",
            F::GRAPH.name(),
            self.instance,
            self.node.name(),
            self.error
        )
    }
}

impl<F: Flow> fmt::Display for Cancelled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "flow `{}` instance {} cancelled at `{}`: {}",
            F::GRAPH.name(),
            self.instance,
            self.node.name(),
            self.reason
        )
    }
}

impl<F: Flow> fmt::Display for CompensationFailed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "flow `{}` instance {} ", F::GRAPH.name(), self.instance)?;
        match &self.cause {
            Cause::StepFailed { node, error } => {
                write!(f, "failed at `{}` ({error})", node.name())?
            }
            Cause::Cancelled { reason } => write!(f, "was cancelled ({reason})")?,
        }
        if let Some((done, error)) = &self.compensation.failed {
            write!(
                f,
                ", then compensating `{}` failed: {error}",
                done.node.name()
            )?;
        }
        write!(
            f,
            "; not compensated: {:?}",
            self.compensation.not_compensated_names()
        )
    }
}

impl<F: Flow> fmt::Debug for Outcome<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Completed(o) => f.debug_tuple("Completed").field(o).finish(),
            Outcome::Failed(o) => f.debug_tuple("Failed").field(o).finish(),
            Outcome::Cancelled(o) => f.debug_tuple("Cancelled").field(o).finish(),
            Outcome::CompensationFailed(o) => f.debug_tuple("CompensationFailed").field(o).finish(),
        }
    }
}

impl<F: Flow> fmt::Debug for Completed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completed")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("end", &self.end.name())
            .field("path", &format_args!("{}", self.path))
            .finish_non_exhaustive()
    }
}

impl<F: Flow> fmt::Debug for Failed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("node", &self.node.name())
            .field("error", &self.error)
            .field("path", &format_args!("{}", self.path))
            .field("compensation", &self.compensation)
            .finish_non_exhaustive()
    }
}

impl<F: Flow> fmt::Debug for Cancelled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancelled")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("reason", &self.reason)
            .field("node", &self.node.name())
            .field("compensation", &self.compensation)
            .finish_non_exhaustive()
    }
}

impl<F: Flow> fmt::Debug for CompensationFailed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompensationFailed")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("cause", &self.cause)
            .field("compensation", &self.compensation)
            .finish_non_exhaustive()
    }
}

impl<F: Flow> std::error::Error for Outcome<F> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Outcome::Failed(failed) => Some(failed.error.as_error()),
            Outcome::CompensationFailed(stuck) => {
                stuck.compensation.failed.as_ref().map(|(_, error)| {
                    let error: &(dyn std::error::Error + 'static) = error.as_error();
                    error
                })
            }
            _ => None,
        }
    }
}

impl<F: Flow> std::error::Error for Failed<F> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error.as_error())
    }
}

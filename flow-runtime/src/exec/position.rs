//! Where an instance is between two transitions.

use super::Region;
use crate::id::InstanceId;
use crate::outcome::Cause;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Where an instance is between two transitions: the part of its state
/// that says what runs next. Stored with the instance, so a resumed
/// instance goes on exactly there: a retry keeps its attempt number and due
/// time, a wait its timeout, a timer its wake-up time.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(
    serialize = "N: Serialize, E: Serialize",
    deserialize = "N: Deserialize<'de>, E: Deserialize<'de>"
))]
#[non_exhaustive]
pub enum Position<N, E> {
    /// About to enter `node`.
    Enter(N),
    /// Inside task `node`: attempt `attempt` of visit `iteration` runs
    /// next, not before `due`.
    Retry {
        /// The task.
        node: N,
        /// Which visit of the task.
        iteration: u32,
        /// The attempt that runs next.
        attempt: u32,
        /// When it may run.
        due: SystemTime,
    },
    /// Parked at a `wait` until a signal for it arrives.
    Waiting {
        /// The wait.
        node: N,
        /// Which visit of the wait.
        iteration: u32,
        /// Since when.
        since: SystemTime,
        /// The user who may complete it, if it names one.
        assignee: Option<String>,
        /// The groups whose members may complete it.
        groups: Vec<String>,
        /// When the wait times out, and where it then leads.
        deadline: Option<(SystemTime, N)>,
    },
    /// Parked at a `timer` until `until`; then it goes on at `next`.
    Sleeping {
        /// The timer.
        node: N,
        /// When it fires.
        until: SystemTime,
        /// Where it leads.
        next: N,
    },
    /// On an engine: parked at the sub-flow call `node` until `child`, the
    /// instance the call started, finishes. (In memory a child runs inline,
    /// inside its parent's transition.)
    SubFlow {
        /// The sub-flow call.
        node: N,
        /// Which visit of the call.
        iteration: u32,
        /// Which attempt of the call (a retry starts a new child).
        attempt: u32,
        /// The child instance.
        child: InstanceId,
        /// Since when.
        since: SystemTime,
        /// When the call's `timeout` cancels the child and fails the
        /// attempt, if it has one.
        deadline: Option<SystemTime>,
    },
    /// Parked inside a parallel region: every branch waits for a signal,
    /// sleeps until a time, or reached the join. Only an instance on an
    /// engine parks so (in memory a branch waits in place); the region
    /// holds the context as it was at the split and a memo of what each
    /// branch did, from which the region is replayed once a branch can go
    /// on.
    Region(Box<Region<N>>),
    /// Undoing completed tasks, newest first, because of `cause`; `at` is
    /// where the instance stopped.
    Compensating {
        /// Where the instance stopped.
        at: N,
        /// Why.
        cause: Cause<N>,
        /// An attempt of the newest task's compensation failed and is
        /// retried: the attempt that runs next and when (the instance
        /// sleeps until then). `None` before its first attempt.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry: Option<NextAttempt>,
    },
    /// Finished at an `end`.
    Completed {
        /// The end.
        end: E,
    },
    /// Finished by a failure or a cancellation, after compensation.
    Stopped {
        /// Where the instance stopped.
        at: N,
        /// Why.
        cause: Cause<N>,
    },
}

/// The attempt of a step that runs after a failed one, and when it may:
/// part of the stored state, so a restart neither resets the retry budget
/// nor retries early.
///
/// ```
/// use flow_runtime::NextAttempt;
/// use std::time::{Duration, SystemTime};
///
/// let next = NextAttempt { attempt: 2, due: SystemTime::UNIX_EPOCH + Duration::from_secs(600) };
/// let json = serde_json::to_string(&next).unwrap();
/// assert_eq!(serde_json::from_str::<NextAttempt>(&json).unwrap(), next);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextAttempt {
    /// Which attempt (2 after the first failed).
    pub attempt: u32,
    /// When it may run.
    pub due: SystemTime,
}

impl<N: Copy, E> Position<N, E> {
    /// Whether the instance finished.
    pub fn is_finished(&self) -> bool {
        matches!(self, Position::Completed { .. } | Position::Stopped { .. })
    }

    /// Whether the instance is undoing completed tasks.
    pub fn is_compensating(&self) -> bool {
        matches!(self, Position::Compensating { .. })
    }

    /// The node the instance is at, if it is at one.
    pub fn node(&self) -> Option<N> {
        match self {
            Position::Enter(node)
            | Position::Retry { node, .. }
            | Position::Waiting { node, .. }
            | Position::Sleeping { node, .. }
            | Position::SubFlow { node, .. } => Some(*node),
            Position::Region(region) => Some(region.split),
            Position::Compensating { at, .. } | Position::Stopped { at, .. } => Some(*at),
            Position::Completed { .. } => None,
        }
    }
}

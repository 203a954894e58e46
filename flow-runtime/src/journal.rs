//! Everything that happened to an instance, in order, with timestamps.

use crate::flow::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, SystemTime};

/// One thing that happened to an instance.
///
/// Events are serde, so a durable store keeps them as the instance's
/// journal and [`Engine::history`](crate::Engine::history) reads them back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event<N> {
    /// The instance entered `node` for the `iteration`-th time.
    Entered {
        /// The node.
        node: N,
        /// Which visit of the node (1 for the first).
        iteration: u32,
    },
    /// An attempt of a task started.
    Attempt {
        /// The task.
        node: N,
        /// 1 for the first attempt, 2 for the first retry, ...
        attempt: u32,
    },
    /// An attempt of a task succeeded: the task completed.
    Succeeded {
        /// The task.
        node: N,
        /// Which attempt succeeded.
        attempt: u32,
    },
    /// An attempt of a task failed.
    AttemptFailed {
        /// The task.
        node: N,
        /// Which attempt failed.
        attempt: u32,
        /// The error, as text.
        error: String,
        /// The wait before the next attempt; `None` when there is none.
        retry_in: Option<Duration>,
    },
    /// A task's last attempt failed and its `on error` route was taken.
    Recovered {
        /// The task that failed.
        node: N,
        /// The handler the route leads to.
        to: N,
    },
    /// A task failed for good: the instance stops.
    Failed {
        /// The task.
        node: N,
        /// The error, as text.
        error: String,
    },
    /// Cancellation was requested; the running step (if any) was dropped.
    Cancelled {
        /// The reason given.
        reason: String,
        /// Whether completed steps are to be compensated.
        compensate: bool,
    },
    /// An attempt of a compensation started.
    CompensationAttempt {
        /// The task being undone.
        node: N,
        /// The visit of the task being undone.
        iteration: u32,
        /// 1 for the first attempt, ...
        attempt: u32,
    },
    /// An attempt of a compensation failed.
    CompensationAttemptFailed {
        /// The task being undone.
        node: N,
        /// The visit of the task being undone.
        iteration: u32,
        /// Which attempt failed.
        attempt: u32,
        /// The error, as text.
        error: String,
        /// The wait before the next attempt; `None` when there is none.
        retry_in: Option<Duration>,
    },
    /// A completed task was undone.
    Compensated {
        /// The task undone.
        node: N,
        /// The visit undone.
        iteration: u32,
    },
    /// A branch of an `and` or `or` split started. Branches of one split
    /// run concurrently; the events of their nodes interleave.
    BranchStarted {
        /// The split.
        split: N,
        /// The branch's position among the split's edges (0 for the first).
        branch: usize,
        /// The branch's first node.
        node: N,
    },
    /// A branch reached its split's `join`.
    BranchFinished {
        /// The split.
        split: N,
        /// The branch's position among the split's edges.
        branch: usize,
    },
    /// A branch was cancelled, its running step dropped, because another
    /// branch of the same split failed.
    BranchCancelled {
        /// The split.
        split: N,
        /// The branch's position among the split's edges.
        branch: usize,
    },
    /// The instance reached a `wait` and parks until a signal for it
    /// arrives (or its timeout passes).
    Waiting {
        /// The wait.
        node: N,
        /// The user who may complete it, if it names one.
        assignee: Option<String>,
        /// The groups whose members may complete it.
        groups: Vec<String>,
    },
    /// A signal completed a `wait`.
    Signalled {
        /// The wait.
        node: N,
        /// The user who completed it as a user task, if one did.
        by: Option<String>,
    },
    /// No signal reached a `wait` before its timeout; its timeout route
    /// was taken.
    TimedOut {
        /// The wait.
        node: N,
        /// The node the timeout route leads to.
        to: N,
    },
    /// The instance reached a `timer` and sleeps until it fires.
    Sleeping {
        /// The timer.
        node: N,
        /// When it fires, on the wall clock.
        until: SystemTime,
    },
    /// A `timer` fired, or a retry's backoff passed, and the instance
    /// woke up.
    Woke {
        /// The timer or task.
        node: N,
    },
    /// On an engine, a sub-flow call started its child, an instance of its
    /// own; the instance waits for it. (In memory the child runs inline and
    /// this is not recorded.)
    SubFlowStarted {
        /// The sub-flow call.
        node: N,
        /// The child instance.
        child: crate::id::InstanceId,
    },
    /// The instance reached an `end`.
    Completed {
        /// The end node.
        end: N,
    },
    /// The instance's state was migrated from another definition of its
    /// flow (see [`EngineBuilder::migrate`](crate::EngineBuilder::migrate));
    /// the events before this one were recorded by that definition.
    Migrated {
        /// The graph hash of the definition it was stored under.
        from: u64,
        /// The graph hash of the definition it runs on now.
        to: u64,
    },
}

/// One [`Event`] with when it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<N> {
    /// Time since the instance started, on tokio's clock (virtual under
    /// `tokio::time::pause`, so tests can assert exact instants).
    pub elapsed: Duration,
    /// Wall-clock time: the instance's wall-clock start plus `elapsed`.
    pub at: SystemTime,
    /// What happened.
    pub event: Event<N>,
}

/// The events of one instance, in order.
///
/// `Display` prints one event a line, with its time since the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal<N> {
    entries: Vec<Entry<N>>,
}

impl<N: NodeId> Journal<N> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn push(&mut self, elapsed: Duration, at: SystemTime, event: Event<N>) {
        self.entries.push(Entry { elapsed, at, event });
    }

    pub(crate) fn from_entries(entries: Vec<Entry<N>>) -> Self {
        Self { entries }
    }

    /// The journal whose entries a store keeps as these events.
    pub(crate) fn decode(events: &[Vec<u8>]) -> Result<Self, serde_json::Error> {
        let entries = events
            .iter()
            .map(|event| serde_json::from_slice::<Entry<N>>(event))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_entries(entries))
    }

    /// The entries from position `from` on: what was recorded since then.
    pub(crate) fn since(&self, from: usize) -> &[Entry<N>] {
        self.entries.get(from..).unwrap_or_default()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The path: the node of every `Entered` event, in order, with its
    /// time. The path is a view of the journal, not a second record.
    pub fn path(&self) -> crate::history::Path<N> {
        let visits = self
            .events()
            .filter(|event| matches!(event, Event::Entered { .. }))
            .count();
        let mut path = crate::history::Path::with_capacity(visits);
        for entry in &self.entries {
            if let Event::Entered { node, .. } = entry.event {
                path.push(crate::history::Visit {
                    node,
                    elapsed: entry.elapsed,
                    at: entry.at,
                });
            }
        }
        path
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[Entry<N>] {
        &self.entries
    }

    /// Every event, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event<N>> {
        self.entries.iter().map(|entry| &entry.event)
    }

    /// The compensated steps, in the order they were undone.
    pub fn compensated(&self) -> Vec<N> {
        self.events()
            .filter_map(|event| match event {
                Event::Compensated { node, .. } => Some(*node),
                _ => None,
            })
            .collect()
    }
}

impl<N: NodeId> Event<N> {
    /// The same event with node names instead of node values, as an
    /// [`Observer`](crate::Observer) sees it.
    pub fn named(&self) -> Event<&'static str> {
        match self {
            Event::Entered { node, iteration } => Event::Entered {
                node: node.name(),
                iteration: *iteration,
            },
            Event::Attempt { node, attempt } => Event::Attempt {
                node: node.name(),
                attempt: *attempt,
            },
            Event::Succeeded { node, attempt } => Event::Succeeded {
                node: node.name(),
                attempt: *attempt,
            },
            Event::AttemptFailed {
                node,
                attempt,
                error,
                retry_in,
            } => Event::AttemptFailed {
                node: node.name(),
                attempt: *attempt,
                error: error.clone(),
                retry_in: *retry_in,
            },
            Event::Recovered { node, to } => Event::Recovered {
                node: node.name(),
                to: to.name(),
            },
            Event::Failed { node, error } => Event::Failed {
                node: node.name(),
                error: error.clone(),
            },
            Event::Cancelled { reason, compensate } => Event::Cancelled {
                reason: reason.clone(),
                compensate: *compensate,
            },
            Event::CompensationAttempt {
                node,
                iteration,
                attempt,
            } => Event::CompensationAttempt {
                node: node.name(),
                iteration: *iteration,
                attempt: *attempt,
            },
            Event::CompensationAttemptFailed {
                node,
                iteration,
                attempt,
                error,
                retry_in,
            } => Event::CompensationAttemptFailed {
                node: node.name(),
                iteration: *iteration,
                attempt: *attempt,
                error: error.clone(),
                retry_in: *retry_in,
            },
            Event::Compensated { node, iteration } => Event::Compensated {
                node: node.name(),
                iteration: *iteration,
            },
            Event::BranchStarted {
                split,
                branch,
                node,
            } => Event::BranchStarted {
                split: split.name(),
                branch: *branch,
                node: node.name(),
            },
            Event::BranchFinished { split, branch } => Event::BranchFinished {
                split: split.name(),
                branch: *branch,
            },
            Event::BranchCancelled { split, branch } => Event::BranchCancelled {
                split: split.name(),
                branch: *branch,
            },
            Event::Waiting {
                node,
                assignee,
                groups,
            } => Event::Waiting {
                node: node.name(),
                assignee: assignee.clone(),
                groups: groups.clone(),
            },
            Event::Signalled { node, by } => Event::Signalled {
                node: node.name(),
                by: by.clone(),
            },
            Event::TimedOut { node, to } => Event::TimedOut {
                node: node.name(),
                to: to.name(),
            },
            Event::Sleeping { node, until } => Event::Sleeping {
                node: node.name(),
                until: *until,
            },
            Event::Woke { node } => Event::Woke { node: node.name() },
            Event::SubFlowStarted { node, child } => Event::SubFlowStarted {
                node: node.name(),
                child: *child,
            },
            Event::Completed { end } => Event::Completed { end: end.name() },
            Event::Migrated { from, to } => Event::Migrated {
                from: *from,
                to: *to,
            },
        }
    }
}

impl<N: NodeId> fmt::Display for Event<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Entered { node, iteration: 1 } => write!(f, "enter {}", node.name()),
            Event::Entered { node, iteration } => {
                write!(f, "enter {} (visit {iteration})", node.name())
            }
            Event::Attempt { node, attempt } => write!(f, "{} attempt {attempt}", node.name()),
            Event::Succeeded { node, attempt } => {
                write!(f, "{} attempt {attempt} succeeded", node.name())
            }
            Event::AttemptFailed {
                node,
                attempt,
                error,
                retry_in,
            } => {
                write!(f, "{} attempt {attempt} failed: {error}", node.name())?;
                match retry_in {
                    Some(wait) => write!(f, "; retry in {wait:?}"),
                    None => write!(f, "; no retry left"),
                }
            }
            Event::Recovered { node, to } => {
                write!(f, "{} failed; on error -> {}", node.name(), to.name())
            }
            Event::Failed { node, error } => write!(f, "{} failed: {error}", node.name()),
            Event::Cancelled { reason, compensate } => {
                let how = if *compensate { "with" } else { "without" };
                write!(f, "cancelled {how} compensation: {reason}")
            }
            Event::CompensationAttempt { node, attempt, .. } => {
                write!(f, "compensate {} attempt {attempt}", node.name())
            }
            Event::CompensationAttemptFailed {
                node,
                attempt,
                error,
                retry_in,
                ..
            } => {
                write!(
                    f,
                    "compensate {} attempt {attempt} failed: {error}",
                    node.name()
                )?;
                match retry_in {
                    Some(wait) => write!(f, "; retry in {wait:?}"),
                    None => write!(f, "; no retry left"),
                }
            }
            Event::Compensated { node, .. } => write!(f, "compensated {}", node.name()),
            Event::BranchStarted {
                split,
                branch,
                node,
            } => write!(
                f,
                "{} branch {branch} started at {}",
                split.name(),
                node.name()
            ),
            Event::BranchFinished { split, branch } => {
                write!(f, "{} branch {branch} finished", split.name())
            }
            Event::BranchCancelled { split, branch } => {
                write!(f, "{} branch {branch} cancelled", split.name())
            }
            Event::Waiting { node, .. } => write!(f, "waiting at {}", node.name()),
            Event::Signalled { node, by: None } => write!(f, "{} signalled", node.name()),
            Event::Signalled { node, by: Some(by) } => {
                write!(f, "{} completed by {by}", node.name())
            }
            Event::TimedOut { node, to } => {
                write!(f, "{} timed out; timeout -> {}", node.name(), to.name())
            }
            Event::Sleeping { node, .. } => write!(f, "sleeping at {}", node.name()),
            Event::Woke { node } => write!(f, "{} woke", node.name()),
            Event::SubFlowStarted { node, child } => {
                write!(f, "{} started sub-flow instance {child}", node.name())
            }
            Event::Completed { end } => write!(f, "completed at {}", end.name()),
            Event::Migrated { from, to } => {
                write!(f, "migrated from graph hash {from:016x} to {to:016x}")
            }
        }
    }
}

impl<N: NodeId> fmt::Display for Journal<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for entry in &self.entries {
            writeln!(f, "{:>10?}  {}", entry.elapsed, entry.event)?;
        }
        Ok(())
    }
}

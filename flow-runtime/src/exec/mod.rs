//! Driving a flow's machine: one transition at a time, from a position to
//! the next, with retries, timeouts, waits, timers and compensation.
//!
//! [`Machine::advance`] runs one transition. The in-memory driver
//! ([`run`], [`start`]) calls it in a loop and sleeps or waits in place
//! where the machine parks; the engine commits the machine's state after
//! every transition and drops the machine where it parks.

mod branch;
mod child;
mod compensate;
mod finish;
mod hooks;
#[cfg(test)]
mod hot_path_tests;
mod join;
mod memory;
mod node;
mod position;
mod record;
mod region;
pub(crate) mod scope;
mod sub_flow;
mod task_run;

pub use branch::Waited;
pub(crate) use child::{ChildEnd, Host};
pub(crate) use hooks::Hooks;
pub use memory::{run, start};
pub(crate) use memory::{run_with, start_with};
pub use position::{NextAttempt, Position};
pub use region::Region;
pub(crate) use scope::Records;
pub use scope::{BranchFuture, Scope};
pub use sub_flow::SubFlowFailed;
pub(crate) use sub_flow::sub_flow;
pub use task_run::{Settled, TaskRun};

use crate::clock;
use crate::flow::{Flow, NodeId, Transition, Wake};
use crate::graph::NodeKind;
use crate::id::InstanceId;
use crate::journal::Event;
use crate::outcome::{Cause, Compensation};
use std::time::SystemTime;
use tracing::Instrument;

/// One instance between two transitions: its context, what it recorded,
/// and where it is.
pub(crate) struct Machine<F: Flow> {
    pub(crate) context: F::Context,
    pub(crate) scope: Scope<F>,
    pub(crate) at: Position<F::Node, F::End>,
    pub(crate) compensation: Compensation<F::Node>,
}

/// What one call of [`Machine::advance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Advanced {
    /// The instance moved on and can go on at once.
    Moved,
    /// The instance parks: at a wait, a timer or a retry's backoff (see
    /// its position).
    Parked,
    /// The instance finished: [`Machine::into_outcome`] says how.
    Finished,
}

/// Whether `node` is an `and` or `or` split.
pub(super) fn is_split<F: Flow>(node: F::Node) -> bool {
    F::GRAPH
        .nodes()
        .get(node.index())
        .is_some_and(|info| matches!(info.kind(), NodeKind::And | NodeKind::Or))
}

impl<F: Flow> Machine<F> {
    /// A new instance at `start`.
    pub(crate) fn new(instance: InstanceId, context: F::Context, hooks: Hooks<F>) -> Self {
        Self::resume(
            instance,
            context,
            Position::Enter(F::START),
            Records::new(clock::now(), hooks.history),
            hooks,
        )
    }

    /// An instance read back from a store.
    pub(crate) fn resume(
        instance: InstanceId,
        context: F::Context,
        at: Position<F::Node, F::End>,
        records: Records<F>,
        hooks: Hooks<F>,
    ) -> Self {
        Self {
            context,
            scope: Scope::new(instance, records, hooks),
            at,
            compensation: Compensation::default(),
        }
    }

    pub(crate) fn instance(&self) -> InstanceId {
        self.scope.instance()
    }

    /// Time has passed since the machine last read the clock (it was
    /// parked, or its driver awaited a commit): its next event reads it
    /// again. Between two awaits, the events of a node share one reading.
    pub(crate) fn stale(&mut self) {
        self.scope.records().stale();
    }

    /// Runs one transition from where the instance is. A parked position
    /// whose time has not come, or a wait without a signal, stays as it is
    /// ([`Advanced::Parked`]); the caller waits, then calls
    /// [`wake`](Machine::wake) or [`deliver`](Machine::deliver).
    pub(crate) async fn advance(&mut self) -> Advanced {
        // The position stays as it is while the node runs: a cancellation
        // that drops this future finds the instance where it was.
        match &self.at {
            Position::Enter(node) => {
                let node = *node;
                let iteration = self.scope.enter_here(node);
                if self.scope.durable().is_some()
                    && is_split::<F>(node)
                    && let Err(error) = self.open_region(node, iteration)
                {
                    return self.failed(node, error);
                }
                self.run_node(node, iteration, 1, false).await
            }
            Position::Region(region) if region.resume => self.replay().await,
            Position::Retry {
                node,
                iteration,
                attempt,
                due,
            } => {
                if clock::now() < *due {
                    return Advanced::Parked;
                }
                let (node, iteration, attempt) = (*node, *iteration, *attempt);
                self.run_node(node, iteration, attempt, false).await
            }
            Position::SubFlow {
                node,
                iteration,
                attempt,
                ..
            } => {
                // The call runs again once its child's end is here.
                if self.scope.records().sub_flow.ended.is_none() {
                    return Advanced::Parked;
                }
                let (node, iteration, attempt) = (*node, *iteration, *attempt);
                self.run_node(node, iteration, attempt, true).await
            }
            Position::Compensating { .. } => self.compensate_next().await,
            Position::Waiting { .. } | Position::Sleeping { .. } | Position::Region(_) => {
                Advanced::Parked
            }
            Position::Completed { .. } | Position::Stopped { .. } => Advanced::Finished,
        }
    }

    /// When a parked instance wants to be woken: a retry's due time, a
    /// timer's, a wait's timeout; `None` when only a signal can move it.
    pub(crate) fn wake_at(&self) -> Option<SystemTime> {
        match &self.at {
            Position::Retry { due, .. } => Some(*due),
            Position::Sleeping { until, .. } => Some(*until),
            Position::Waiting { deadline, .. } => deadline.as_ref().map(|(at, _)| *at),
            Position::SubFlow { deadline, .. } => *deadline,
            Position::Region(region) => region.wake_at(),
            Position::Compensating {
                retry: Some(next), ..
            } => Some(next.due),
            _ => None,
        }
    }

    /// Moves a parked instance on if its time has come: a timer fires, a
    /// wait times out, a retry becomes due. Returns whether it moved.
    pub(crate) fn wake(&mut self) -> bool {
        self.stale();
        let now = clock::now();
        match &self.at {
            Position::Sleeping { node, until, next } if *until <= now => {
                let (node, next) = (*node, *next);
                self.scope.record_here(Event::Woke { node });
                self.at = Position::Enter(next);
                true
            }
            Position::Waiting {
                node,
                deadline: Some((at, route)),
                ..
            } if *at <= now => {
                let (node, route) = (*node, *route);
                tracing::info!(node = node.name(), to = route.name(), "wait timed out");
                self.scope.record_here(Event::TimedOut { node, to: route });
                self.at = Position::Enter(route);
                true
            }
            Position::Retry { due, .. }
            | Position::Compensating {
                retry: Some(NextAttempt { due, .. }),
                ..
            } => *due <= now,
            Position::SubFlow { .. } => self.call_timed_out(),
            Position::Region(_) => self.wake_region(),
            _ => false,
        }
    }

    /// The wait the instance is parked at, if it is at one outside a
    /// parallel region.
    pub(crate) fn waiting_at(&self) -> Option<F::Node> {
        match &self.at {
            Position::Waiting { node, .. } => Some(*node),
            _ => None,
        }
    }

    /// Every wait the instance is parked at: one, or several inside a
    /// parallel region.
    pub(crate) fn open_waits(&self) -> Vec<F::Node> {
        match &self.at {
            Position::Waiting { node, .. } => vec![*node],
            Position::Region(region) => region.open_waits().collect(),
            _ => Vec::new(),
        }
    }

    /// Delivers `signal` to the wait the instance is parked at; the signal
    /// comes back if the instance is not waiting for it.
    pub(crate) fn deliver(
        &mut self,
        signal: F::Signal,
        by: Option<String>,
    ) -> Result<(), F::Signal> {
        self.stale();
        if matches!(self.at, Position::Region(_)) {
            return self.deliver_in_region(signal, by);
        }
        let Position::Waiting { node, .. } = &self.at else {
            return Err(signal);
        };
        let node = *node;
        let next = F::receive(node, &mut self.context, signal)?;
        tracing::info!(node = node.name(), by = by.as_deref(), "signal delivered");
        self.scope.record_here(Event::Signalled { node, by });
        self.at = Position::Enter(next);
        Ok(())
    }

    /// Stops the instance: `Cancelled` is recorded and, with `compensate`,
    /// its completed tasks are undone by the next transitions; without,
    /// they are listed as not compensated and the instance is finished.
    pub(crate) fn cancel(&mut self, reason: String, compensate: bool) {
        self.stale();
        if self.at.is_finished() || matches!(self.at, Position::Compensating { .. }) {
            return;
        }
        let node = self.at.node().unwrap_or(F::START);
        // A region's branches stop where they are; what they completed is
        // in the context and on the compensation stack.
        self.scope.records().region = None;
        tracing::info!(node = node.name(), %reason, "instance cancelled");
        self.abandon_child(&reason, compensate);
        self.scope.record_here(Event::Cancelled {
            reason: reason.clone(),
            compensate,
        });
        let cause = Cause::Cancelled { reason };
        if compensate {
            self.at = Position::Compensating {
                at: node,
                cause,
                retry: None,
            };
        } else {
            self.compensation.not_compensated =
                self.scope.records().completed.drain(..).rev().collect();
            self.at = Position::Stopped { at: node, cause };
        }
    }

    /// Runs attempt `attempt` of visit `iteration` of `node` (for a node
    /// that is not a task: its only run); `resumed` for a sub-flow call's
    /// attempt that takes its child's end.
    async fn run_node(
        &mut self,
        node: F::Node,
        iteration: u32,
        attempt: u32,
        resumed: bool,
    ) -> Advanced {
        let span = tracing::info_span!("step", node = node.name(), iteration);
        // Without a subscriber that wants the span, the node runs bare: no
        // wrapper to move the attempt's future into, nothing entered per poll.
        let ran = match span.is_disabled() {
            true => node::run_node(self, node, iteration, attempt, resumed).await,
            false => {
                node::run_node(self, node, iteration, attempt, resumed)
                    .instrument(span)
                    .await
            }
        };
        if self.scope.durable().is_some()
            && let Some(region) = self.scope.end_region()
        {
            // Every branch waits or sleeps: the instance parks in the region.
            tracing::debug!(split = node.name(), "region parked");
            self.at = Position::Region(Box::new(region));
            return Advanced::Parked;
        }
        let transition = match ran {
            node::Ran::Transition(transition) => transition,
            node::Ran::RetryAt(due) => {
                self.at = Position::Retry {
                    node,
                    iteration,
                    attempt: attempt + 1,
                    due,
                };
                return Advanced::Parked;
            }
            node::Ran::SubFlow(child) => {
                return self.park_at_call(node, iteration, attempt, child);
            }
        };
        match transition {
            Transition::Next(next) => {
                self.scope.completed_here(node, iteration);
                self.at = Position::Enter(next);
                Advanced::Moved
            }
            Transition::End(end) => {
                tracing::debug!(end = node.name(), "instance completed");
                self.scope.record_here(Event::Completed { end: node });
                self.at = Position::Completed { end };
                Advanced::Finished
            }
            Transition::Fail(error) => self.failed(node, error),
            Transition::Wait(wait) => {
                let (assignee, groups, timeout) = wait.into_parts();
                let since = clock::now();
                self.scope.record_here(Event::Waiting {
                    node,
                    assignee: assignee.clone(),
                    groups: groups.clone(),
                });
                self.at = Position::Waiting {
                    node,
                    iteration,
                    since,
                    assignee,
                    groups,
                    deadline: timeout.map(|(after, route)| (since + after, route)),
                };
                Advanced::Parked
            }
            Transition::Sleep { until, next } => {
                let until = match until {
                    Wake::After(delay) => clock::now() + delay,
                    Wake::At(at) => at,
                };
                self.scope.record_here(Event::Sleeping { node, until });
                self.at = Position::Sleeping { node, until, next };
                Advanced::Parked
            }
        }
    }

    /// A task failed for good: its error route, or compensation.
    pub(super) fn failed(&mut self, node: F::Node, error: crate::StepError) -> Advanced {
        if let Some(failed) = self.scope.take_failed_in_branch() {
            // A task inside a branch failed; it is already recorded.
            self.at = Position::Compensating {
                at: failed,
                cause: Cause::StepFailed {
                    node: failed,
                    error,
                },
                retry: None,
            };
            return Advanced::Moved;
        }
        let message = error.to_string();
        match F::recover(node, &mut self.context, error) {
            Ok(handler) => {
                tracing::info!(node = node.name(), handler = handler.name(), error = %message, "error route taken");
                self.scope
                    .record_here(Event::Recovered { node, to: handler });
                self.at = Position::Enter(handler);
            }
            Err(error) => {
                tracing::warn!(node = node.name(), %error, "step failed");
                self.scope.record_here(Event::Failed {
                    node,
                    error: message,
                });
                self.at = Position::Compensating {
                    at: node,
                    cause: Cause::StepFailed { node, error },
                    retry: None,
                };
            }
        }
        Advanced::Moved
    }

    /// Runs the next attempt of the newest completed compensable task's
    /// compensation, or stops the instance when none is left or a
    /// compensation failed for good. A failed attempt with a retry left
    /// parks the instance until the retry is due.
    async fn compensate_next(&mut self) -> Advanced {
        let attempt = match &self.at {
            Position::Compensating {
                retry: Some(next), ..
            } => {
                if clock::now() < next.due {
                    return Advanced::Parked;
                }
                next.attempt
            }
            _ => 1,
        };
        let newest = self.scope.records().completed.last().copied();
        if let Some(done) = newest {
            let undone = compensate::undo(self, done, attempt).await;
            if let Position::Compensating { retry, .. } = &mut self.at {
                *retry = match undone {
                    compensate::Undone::RetryAt(next) => Some(next),
                    _ => None,
                };
            }
            match undone {
                compensate::Undone::Done => {
                    self.scope.records().completed.pop();
                    self.scope.record_here(Event::Compensated {
                        node: done.node,
                        iteration: done.iteration,
                    });
                    self.compensation.compensated.push(done);
                    return Advanced::Moved;
                }
                compensate::Undone::RetryAt(_) => return Advanced::Parked,
                compensate::Undone::Failed(error) => {
                    tracing::error!(node = done.node.name(), %error, "compensation failed");
                    self.scope.records().completed.pop();
                    self.compensation.failed = Some((done, error));
                    self.compensation.not_compensated =
                        self.scope.records().completed.drain(..).rev().collect();
                }
            }
        }
        let at = std::mem::replace(&mut self.at, Position::Enter(F::START));
        self.at = match at {
            Position::Compensating { at, cause, .. } => Position::Stopped { at, cause },
            other => other,
        };
        Advanced::Finished
    }
}

//! One visit of a task inside a parallel branch: its attempts, retries and
//! failure, recorded through the instance's scope; in a durable region its
//! value memoized, and fed back instead of a call when the region replays,
//! and a retry's backoff a wait the region can park on.

use super::Scope;
use super::branch::Blocked;
use super::node::visit_of;
use super::region::Visited;
use crate::attempt::{Attempts, Verdict, guarded};
use crate::flow::{EndId, Flow, NodeId, Transition};
use crate::intercept::Codec;
use crate::journal::Event;
use crate::step::{Step, StepError};
use std::future::Future;
use std::time::SystemTime;
use tracing::Instrument;

/// One visit of a task inside a branch: its attempts, retries and failure.
/// The generated code runs the attempts; this records them and decides.
#[doc(hidden)]
pub struct TaskRun<'s, F: Flow> {
    scope: &'s Scope<F>,
    node: F::Node,
    iteration: u32,
    attempts: Attempts,
    /// When the attempt that runs next may start: after a failed one, its
    /// backoff.
    due: Option<SystemTime>,
    /// The visit is in the memo of the region being replayed: its result
    /// is fed back, and nothing is recorded again.
    replayed: bool,
}

/// What to do after an attempt of a task inside a branch.
#[doc(hidden)]
pub enum Settled<N> {
    /// The task completed; go on at this node.
    Next(N),
    /// The attempt failed and is retried: the next
    /// [`attempt`](TaskRun::attempt) waits for its backoff.
    Retry,
    /// The task failed for good.
    Failed(StepError),
}

impl<'s, F: Flow> TaskRun<'s, F> {
    #[inline]
    pub(super) fn new(scope: &'s Scope<F>, node: F::Node, iteration: u32) -> Self {
        let policy = F::GRAPH
            .nodes()
            .get(node.index())
            .map(|info| info.policy())
            .unwrap_or_default();
        let (mut attempt, mut due, mut replayed) = (1, None, false);
        if scope.hooks.durable.is_some() {
            match scope.lock().memoized(node, iteration) {
                Some(Visited::Task { .. } | Visited::Recovered { .. }) => replayed = true,
                // The region parked while this task's retry waited.
                Some(Visited::Retry {
                    attempt: next,
                    due: at,
                }) => (attempt, due) = (*next, Some(*at)),
                _ => {}
            }
        }
        TaskRun {
            scope,
            node,
            iteration,
            attempts: Attempts::new(
                policy,
                attempt,
                visit_of::<F>(scope.instance(), node, iteration),
            ),
            due,
            replayed,
        }
    }
}

impl<F: Flow> TaskRun<'_, F> {
    /// Starts an attempt, once the backoff of the one that failed before
    /// has passed: records it and returns its step info. While the branch
    /// waits for the backoff it is blocked, so a durable region whose
    /// branches all wait parks (and the retry is a stored due time).
    pub async fn attempt(&mut self) -> Step {
        if let Some(due) = self.due.take()
            && crate::clock::now() < due
        {
            let _blocked = Blocked::new(self.scope);
            crate::clock::sleep_until(due).await;
        }
        let attempt = self.attempts.number();
        if !self.replayed {
            self.scope.record(Event::Attempt {
                node: self.node,
                attempt,
            });
        }
        self.scope.step_info(self.node, self.iteration, attempt)
    }

    /// Runs one attempt under the task's timeout, catching a panic.
    pub async fn guarded<T>(&self, attempt: impl Future<Output = T>) -> Result<T, StepError> {
        let span = tracing::info_span!(
            "attempt",
            node = self.node.name(),
            iteration = self.iteration,
            attempt = self.attempts.number()
        );
        guarded(attempt, self.attempts.policy())
            .instrument(span)
            .await
    }

    /// Keeps what the step's call returned for the region's memo, when the
    /// instance runs durably: a value that does not encode fails the task.
    /// In memory it only hands the result on.
    #[inline]
    pub fn memoize<V>(
        &self,
        codec: &impl Codec<V>,
        result: Result<V, StepError>,
    ) -> Result<V, StepError> {
        if self.scope.hooks.durable.is_none() {
            return result;
        }
        let Ok(value) = &result else {
            return result;
        };
        if !self.scope.in_durable_region() {
            return result;
        }
        let json = codec.encode(value)?;
        if let Some(region) = &mut self.scope.lock().region {
            region.pending.push((self.node, self.iteration, json));
        }
        result
    }

    /// Decides what an attempt's result means: go on, retry after the
    /// backoff, or fail.
    pub fn settle(&mut self, result: Result<Transition<F>, StepError>) -> Settled<F::Node> {
        if self.replayed {
            // Fed from the memo: already recorded, compensable already.
            return match result {
                Ok(Transition::Next(next)) => Settled::Next(next),
                Ok(Transition::Fail(error)) | Err(error) => Settled::Failed(error),
                Ok(_) => Settled::Failed(StepError::permanent(
                    "a memoized task took another route than a node",
                )),
            };
        }
        let attempt = self.attempts.number();
        let result = match result {
            Ok(Transition::Next(next)) => Ok(next),
            // Permanent: retrying cannot make a branch stop reaching an end.
            Ok(Transition::End(end)) => Err(StepError::permanent(BranchReachedEnd(end.name()))),
            Ok(Transition::Wait(_) | Transition::Sleep { .. }) => Err(StepError::permanent(
                "a task inside a parallel branch tried to park the instance",
            )),
            Ok(Transition::Fail(error)) | Err(error) => Err(error),
        };
        let (error, retry_in) = match self.attempts.settle(result) {
            Verdict::Done(next) => {
                self.scope.record(Event::Succeeded {
                    node: self.node,
                    attempt,
                });
                self.scope.completed(self.node, self.iteration);
                if self.scope.hooks.durable.is_some() {
                    self.scope
                        .lock()
                        .completed_in_region(self.node, self.iteration);
                }
                return Settled::Next(next);
            }
            Verdict::RetryAfter { delay, error } => (error, Some(delay)),
            Verdict::Failed(error) => (error, None),
        };
        self.scope.record(Event::AttemptFailed {
            node: self.node,
            attempt,
            error: error.to_string(),
            retry_in,
        });
        let Some(delay) = retry_in else {
            return Settled::Failed(error);
        };
        tracing::info!(attempt, wait = ?delay, %error, "attempt failed; retrying");
        self.attempts.retry();
        let due = crate::clock::now() + delay;
        self.due = Some(due);
        if self.scope.in_durable_region() {
            let attempt = self.attempts.number();
            self.scope
                .lock()
                .remember(self.node, self.iteration, Visited::Retry { attempt, due });
        }
        Settled::Retry
    }

    /// The task failed for good and takes its `on error` route to
    /// `handler`: recorded (once), and memoized in a durable region.
    pub fn recovered(&self, handler: F::Node, error: &StepError) {
        if self.replayed {
            return;
        }
        tracing::info!(node = self.node.name(), handler = handler.name(), %error, "error route taken");
        self.scope.record(Event::Recovered {
            node: self.node,
            to: handler,
        });
        if self.scope.in_durable_region() {
            let error = serde_json::to_value(error).unwrap_or_default();
            self.scope
                .lock()
                .remember(self.node, self.iteration, Visited::Recovered { error });
        }
    }

    /// The task failed for good and has no error route: the instance fails
    /// with `error` once the split has cancelled the other branches.
    pub fn fail(self, error: StepError) -> StepError {
        tracing::warn!(node = self.node.name(), %error, "step failed");
        self.scope.record(Event::Failed {
            node: self.node,
            error: error.to_string(),
        });
        self.scope.failed_in_branch(self.node);
        error
    }
}

/// Never happens with code from `flow!`: the soundness check keeps ends out
/// of branches. A hand-written flow could still return one.
#[derive(Debug, thiserror::Error)]
#[error("a task inside a parallel branch tried to finish the instance at `end {0}`")]
struct BranchReachedEnd(&'static str);

//! The saga: undoing one completed task, one attempt at a time, under its
//! compensation's own retry policy (see [`crate::attempt`]).

use super::Machine;
use super::NextAttempt;
use super::node::visit_of;
use crate::attempt::{Attempts, Verdict, guarded};
use crate::flow::{Flow, NodeId};
use crate::journal::Event;
use crate::outcome::Done;
use crate::step::StepError;

/// What one attempt of a compensation came to.
pub(super) enum Undone {
    /// The task is undone.
    Done,
    /// The attempt failed; the next one is due then (the instance parks
    /// until it is, as at a task's retry).
    RetryAt(NextAttempt),
    /// The compensation failed for good.
    Failed(StepError),
}

/// Runs attempt `attempt` of the compensation of `done`. Its step info is
/// the visit it undoes, so it sees the same idempotency key.
pub(super) async fn undo<F: Flow>(
    machine: &mut Machine<F>,
    done: Done<F::Node>,
    attempt: u32,
) -> Undone {
    let Done { node, iteration } = done;
    let policy = F::GRAPH.nodes()[node.index()]
        .compensation()
        .unwrap_or_default();
    machine.scope.record_here(Event::CompensationAttempt {
        node,
        iteration,
        attempt,
    });
    let step = machine.scope.step_info(node, iteration, attempt);
    machine.stale();
    let result = guarded(F::compensate(node, &mut machine.context, &step), policy)
        .await
        .and_then(|undone| undone);
    machine.stale();
    let attempts = Attempts::new(
        policy,
        attempt,
        visit_of::<F>(machine.instance(), node, iteration),
    );
    let (undone, error, retry_in) = match attempts.settle(result) {
        Verdict::Done(()) => return Undone::Done,
        Verdict::RetryAfter { delay, error } => {
            let due = crate::clock::now() + delay;
            let next = NextAttempt {
                attempt: attempt + 1,
                due,
            };
            tracing::info!(attempt, wait = ?delay, %error, "compensation attempt failed; retrying");
            (Undone::RetryAt(next), error.to_string(), Some(delay))
        }
        Verdict::Failed(error) => {
            let message = error.to_string();
            (Undone::Failed(error), message, None)
        }
    };
    machine.scope.record_here(Event::CompensationAttemptFailed {
        node,
        iteration,
        attempt,
        error,
        retry_in,
    });
    undone
}

//! The saga: undoing one completed task, under its compensation's own
//! retry policy.

use super::Machine;
use super::attempt::{guarded, next_delay, seed_of};
use crate::flow::{Flow, NodeId};
use crate::journal::Event;
use crate::outcome::Done;
use crate::step::StepError;

/// Runs one compensation with its own retry policy (its backoffs wait in
/// place). Its step info is the visit it undoes, so it sees the same
/// idempotency key.
pub(super) async fn undo<F: Flow>(
    machine: &mut Machine<F>,
    done: Done<F::Node>,
) -> Result<(), StepError> {
    let Done { node, iteration } = done;
    let policy = F::GRAPH.nodes()[node.index()]
        .compensation()
        .unwrap_or_default();
    let mut attempt = 1;
    loop {
        machine.scope.record_here(Event::CompensationAttempt {
            node,
            iteration,
            attempt,
        });
        let step = machine.scope.step_info(node, iteration, attempt);
        machine.stale();
        let error = match guarded(F::compensate(node, &mut machine.context, &step), policy).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) | Err(error) => error,
        };
        let seed = seed_of::<F>(machine.instance(), node, iteration);
        let retry_in = next_delay(policy, &error, attempt, seed);
        machine.scope.record_here(Event::CompensationAttemptFailed {
            node,
            iteration,
            attempt,
            error: error.to_string(),
            retry_in,
        });
        let Some(wait) = retry_in else {
            return Err(error);
        };
        tokio::time::sleep(wait).await;
        machine.stale();
        attempt += 1;
    }
}

//! The saga: undoing completed tasks in reverse order of completion.

use super::Run;
use super::attempt::{guarded, next_delay, seed_of};
use crate::flow::{Flow, NodeId};
use crate::journal::Event;
use crate::outcome::{Compensation, Done};
use crate::step::StepError;

/// Compensates every completed compensable visit, newest first. Stops at the
/// first compensation that fails after its retries; the older ones are left
/// in `not_compensated`, never skipped silently.
pub(super) async fn unwind<F: Flow>(run: &mut Run<F>) -> Compensation<F::Node> {
    let mut report = Compensation::default();
    loop {
        let Some(done) = run.scope.lock().completed.pop() else {
            break;
        };
        match undo(run, done).await {
            Ok(()) => {
                run.record(Event::Compensated {
                    node: done.node,
                    iteration: done.iteration,
                });
                report.compensated.push(done);
            }
            Err(error) => {
                tracing::error!(node = done.node.name(), %error, "compensation failed");
                report.failed = Some((done, error));
                report.not_compensated = run.scope.lock().completed.drain(..).rev().collect();
                break;
            }
        }
    }
    report
}

/// Runs one compensation with its own retry policy. Its step info is the
/// visit it undoes, so it sees the same idempotency key.
async fn undo<F: Flow>(run: &mut Run<F>, done: Done<F::Node>) -> Result<(), StepError> {
    let Done { node, iteration } = done;
    let policy = F::GRAPH.nodes()[node.index()]
        .compensation()
        .unwrap_or_default();
    let mut attempt = 1;
    loop {
        run.record(Event::CompensationAttempt {
            node,
            iteration,
            attempt,
        });
        let step = run.scope.step_info(node, iteration, attempt);
        let error = match guarded(F::compensate(node, &mut run.context, &step), policy).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) | Err(error) => error,
        };
        let seed = seed_of::<F>(run.scope.instance(), node, iteration);
        let retry_in = next_delay(policy, &error, attempt, seed);
        run.record(Event::CompensationAttemptFailed {
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
        attempt += 1;
    }
}

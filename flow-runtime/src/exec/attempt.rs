//! Running one node: attempts, per-attempt timeouts, caught panics, retries
//! with backoff.

use super::Run;
use crate::flow::{Flow, NodeId, Transition};
use crate::instance::InstanceId;
use crate::journal::Event;
use crate::policy::Policy;
use crate::step::StepError;
use futures::FutureExt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::AssertUnwindSafe;
use tracing::Instrument;

/// Runs `node` until it moves on or fails for good (retries exhausted, or a
/// permanent error).
pub(super) async fn run_node<F: Flow>(
    run: &mut Run<F>,
    node: F::Node,
    iteration: u32,
) -> Transition<F> {
    let is_task = F::GRAPH
        .nodes()
        .get(node.index())
        .is_some_and(|info| info.kind().is_task());
    if !is_task {
        // Gateways, splits, `start` and ends: nothing to retry or time out.
        // (A split runs its branches here; their tasks have their own
        // attempts, see `Scope::task`.)
        let step = run.scope.step_info(node, iteration, 1);
        return F::step(node, &mut run.context, &step, &run.scope).await;
    }
    let info = &F::GRAPH.nodes()[node.index()];
    let policy = info.policy();
    let mut attempt = 1;
    loop {
        run.record(Event::Attempt { node, attempt });
        let step = run.scope.step_info(node, iteration, attempt);
        let span = tracing::info_span!("attempt", node = node.name(), iteration, attempt);
        let result = guarded(F::step(node, &mut run.context, &step, &run.scope), policy)
            .instrument(span)
            .await;
        let error = match result {
            Ok(Transition::Fail(error)) | Err(error) => error,
            Ok(moved_on) => {
                run.record(Event::Succeeded { node, attempt });
                return moved_on;
            }
        };
        let seed = seed_of::<F>(run.scope.instance(), node, iteration);
        let retry_in = next_delay(policy, &error, attempt, seed);
        run.record(Event::AttemptFailed {
            node,
            attempt,
            error: error.to_string(),
            retry_in,
        });
        let Some(wait) = retry_in else {
            return Transition::Fail(error);
        };
        tracing::info!(attempt, ?wait, %error, "attempt failed; retrying");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The wait before the next attempt, or `None` if there is none.
pub(super) fn next_delay(
    policy: Policy,
    error: &StepError,
    attempt: u32,
    seed: u64,
) -> Option<std::time::Duration> {
    let retry = policy.retry()?;
    (!error.is_permanent() && attempt <= retry.retries())
        .then(|| retry.backoff().delay(attempt, seed))
}

/// Decorrelates jitter between instances, nodes and visits.
pub(super) fn seed_of<F: Flow>(instance: InstanceId, node: F::Node, iteration: u32) -> u64 {
    let mut hasher = DefaultHasher::new();
    (instance, node.index(), iteration).hash(&mut hasher);
    hasher.finish()
}

/// Runs one attempt: a panic inside is caught and becomes a permanent
/// failure; past the policy's timeout the future is dropped and the attempt
/// fails with a timeout error.
pub(super) async fn guarded<T>(
    attempt: impl Future<Output = T>,
    policy: Policy,
) -> Result<T, StepError> {
    let caught = AssertUnwindSafe(attempt).catch_unwind();
    let finished = match policy.timeout() {
        Some(limit) => match tokio::time::timeout(limit, caught).await {
            Ok(finished) => finished,
            Err(_elapsed) => return Err(StepError::timed_out(limit)),
        },
        None => caught.await,
    };
    finished.map_err(|payload| StepError::panicked(panic_message(payload.as_ref())))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

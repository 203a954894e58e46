//! Running one node: attempts, per-attempt timeouts, caught panics, retries
//! with backoff.

use super::Machine;
use crate::flow::{Flow, NodeId, Transition};
use crate::id::InstanceId;
use crate::journal::Event;
use crate::policy::Policy;
use crate::step::StepError;
use futures::FutureExt;
use futures::future::Either;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::SystemTime;
use tracing::Instrument;

/// What one attempt of a node came to.
pub(super) enum Ran<F: Flow> {
    /// The node decided where the instance goes (a task's last failure
    /// included).
    Transition(Transition<F>),
    /// The attempt failed and the next one is due at this time.
    RetryAt(SystemTime),
    /// On an engine, a sub-flow call's attempt started this child: the
    /// instance waits for it.
    SubFlow(InstanceId),
}

/// Runs attempt `attempt` of `node`. A node that is not a task runs once,
/// a panic in it (a condition's, say) caught as a failure of the instance.
/// `resumed`: the attempt started before (a sub-flow call that takes its
/// child's end), so it is not recorded again.
pub(super) async fn run_node<F: Flow>(
    machine: &mut Machine<F>,
    node: F::Node,
    iteration: u32,
    attempt: u32,
    resumed: bool,
) -> Ran<F> {
    let is_task = F::GRAPH
        .nodes()
        .get(node.index())
        .is_some_and(|info| info.kind().is_task());
    if !is_task {
        // Gateways, splits, waits, timers, `start` and ends: nothing to
        // retry or time out. (A split runs its branches here; their tasks
        // have their own attempts, see `Scope::task`.)
        let step = machine.scope.step_info(node, iteration, 1);
        if super::is_split::<F>(node) {
            // Its branches run, and record, while it is awaited.
            machine.stale();
        }
        let ran = guarded(
            F::step(node, &mut machine.context, &step, &machine.scope),
            Policy::new(),
        )
        .await;
        return Ran::Transition(ran.unwrap_or_else(Transition::Fail));
    }
    let policy = F::GRAPH.nodes()[node.index()].policy();
    if !resumed {
        machine.scope.record_here(Event::Attempt { node, attempt });
    }
    let step = machine.scope.step_info(node, iteration, attempt);
    let span = tracing::info_span!("attempt", node = node.name(), iteration, attempt);
    let call = machine.scope.running_call(node, iteration, attempt);
    machine.stale();
    let attempt_of = guarded(
        F::step(node, &mut machine.context, &step, &machine.scope),
        policy,
    );
    let result = match span.is_disabled() {
        true => attempt_of.await,
        false => attempt_of.instrument(span).await,
    };
    if call && let Some(child) = machine.scope.called() {
        return Ran::SubFlow(child);
    }
    let error = match result {
        Ok(Transition::Fail(error)) | Err(error) => error,
        Ok(moved_on) => {
            machine
                .scope
                .record_here(Event::Succeeded { node, attempt });
            return Ran::Transition(moved_on);
        }
    };
    let seed = seed_of::<F>(machine.instance(), node, iteration);
    let retry_in = next_delay(policy, &error, attempt, seed);
    machine.scope.record_here(Event::AttemptFailed {
        node,
        attempt,
        error: error.to_string(),
        retry_in,
    });
    match retry_in {
        Some(wait) => {
            tracing::info!(attempt, ?wait, %error, "attempt failed; retrying");
            Ran::RetryAt(crate::clock::now() + wait)
        }
        None => Ran::Transition(Transition::Fail(error)),
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
    let id = instance.as_u128();
    let mixed = crate::policy::mix((id >> 64) as u64 ^ crate::policy::mix(id as u64));
    crate::policy::mix(mixed ^ ((node.index() as u64) << 32 | u64::from(iteration)))
}

/// Runs one attempt: a panic inside is caught and becomes a permanent
/// failure; past the policy's timeout the future is dropped and the attempt
/// fails with a timeout error.
///
/// Combinators, not an `async fn`: the attempt's future is moved once, into
/// the one future this returns, instead of being kept as an argument beside
/// the copy being polled (which doubled the size of every future above it).
pub(super) fn guarded<T>(
    attempt: impl Future<Output = T>,
    policy: Policy,
) -> impl Future<Output = Result<T, StepError>> {
    let panicked = |payload: Box<dyn std::any::Any + Send>| {
        StepError::panicked(panic_message(payload.as_ref()))
    };
    let caught = AssertUnwindSafe(attempt).catch_unwind();
    match policy.timeout() {
        Some(limit) => Either::Left(tokio::time::timeout(limit, caught).map(
            move |timed| match timed {
                Ok(finished) => finished.map_err(panicked),
                Err(_elapsed) => Err(StepError::timed_out(limit)),
            },
        )),
        None => Either::Right(caught.map(move |finished| finished.map_err(panicked))),
    }
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

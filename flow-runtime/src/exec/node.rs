//! Running one node on the instance's sequential path: a task's attempt
//! under its policy (see [`crate::attempt`]), any other node once.

use super::Machine;
use crate::attempt::{Attempts, Verdict, Visit, guarded};
use crate::flow::{Flow, NodeId, Transition};
use crate::id::InstanceId;
use crate::journal::Event;
use crate::policy::Policy;
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
    // A transition that fails the task is a failed attempt like an error.
    let result = match result {
        Ok(Transition::Fail(error)) => Err(error),
        other => other,
    };
    let attempts = Attempts::new(
        policy,
        attempt,
        visit_of::<F>(machine.instance(), node, iteration),
    );
    match attempts.settle(result) {
        Verdict::Done(moved_on) => {
            machine
                .scope
                .record_here(Event::Succeeded { node, attempt });
            Ran::Transition(moved_on)
        }
        Verdict::RetryAfter { delay, error } => {
            machine.scope.record_here(Event::AttemptFailed {
                node,
                attempt,
                error: error.to_string(),
                retry_in: Some(delay),
            });
            tracing::info!(attempt, wait = ?delay, %error, "attempt failed; retrying");
            Ran::RetryAt(crate::clock::now() + delay)
        }
        Verdict::Failed(error) => {
            machine.scope.record_here(Event::AttemptFailed {
                node,
                attempt,
                error: error.to_string(),
                retry_in: None,
            });
            Ran::Transition(Transition::Fail(error))
        }
    }
}

/// Visit `iteration` of `node` of `instance`, as the attempts know it.
pub(super) fn visit_of<F: Flow>(instance: InstanceId, node: F::Node, iteration: u32) -> Visit {
    Visit {
        instance: instance.as_u128(),
        node: node.index(),
        iteration,
    }
}

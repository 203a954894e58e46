//! Driving a flow's machine: node after node until an end, a failure or a
//! cancellation, with retries, timeouts and compensation.

mod attempt;
mod compensate;
mod hooks;
mod scope;
mod sub_flow;

pub(crate) use hooks::Hooks;
use scope::Records;
pub use scope::{BranchFuture, Scope, Settled, TaskRun};
pub use sub_flow::SubFlowFailed;
pub(crate) use sub_flow::sub_flow;

use crate::flow::{EndId, Flow, NodeId, Transition};
use crate::instance::{CancelRequest, Instance, InstanceId};
use crate::journal::Event;
use crate::observe::ProgressTracker;
use crate::outcome::{
    Cancelled, Cause, Compensation, CompensationFailed, Completed, Failed, Outcome,
};
use std::sync::Arc;
use tokio::sync::watch;
use tracing::Instrument;

/// Runs one instance of `F` in memory, from `start` to an end, a failure or
/// a failed compensation. This is what the generated `run` function calls.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// struct Greeting { name: String, text: String }
///
/// async fn greet(name: &str) -> Result<String, std::convert::Infallible> {
///     Ok(format!("hello, {name}"))
/// }
///
/// flow! {
///     flow Greet(greeting: Greeting) {
///         start -> greet;
///         task greet = greet(&greeting.name) => greeting.text -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let greeting = Greeting { name: "Ada".into(), text: String::new() };
/// let done = flow_runtime::run::<Greet>(greeting).await.unwrap();
/// assert_eq!(done.context.text, "hello, Ada");
/// assert_eq!(done.end, GreetEnd::Done);
/// # }
/// ```
pub async fn run<F: Flow>(context: F::Context) -> Outcome<F> {
    run_with::<F>(context, Hooks::default()).await
}

pub(crate) async fn run_with<F: Flow>(context: F::Context, hooks: Hooks<F>) -> Outcome<F> {
    let instance = InstanceId::next();
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %instance);
    drive::<F>(instance, context, None, hooks)
        .instrument(span)
        .await
}

/// Starts one instance of `F` on the current tokio runtime and returns its
/// handle, to cancel it or wait for its outcome. This is what the generated
/// `start` function calls. See [`Instance`].
///
/// # Panics
///
/// Outside a tokio runtime.
pub fn start<F: Flow>(context: F::Context) -> Instance<F> {
    start_with::<F>(context, Hooks::default())
}

pub(crate) fn start_with<F: Flow>(context: F::Context, mut hooks: Hooks<F>) -> Instance<F> {
    let (sender, cancel) = watch::channel(None);
    let instance = InstanceId::next();
    let progress = Arc::new(ProgressTracker::default());
    hooks.observers.push(progress.clone());
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %instance);
    let task = tokio::spawn(drive::<F>(instance, context, Some(cancel), hooks).instrument(span));
    Instance::new(instance, sender, task, progress)
}

/// One instance's state while it runs: its context, and what it recorded.
struct Run<F: Flow> {
    context: F::Context,
    scope: Scope<F>,
}

impl<F: Flow> Run<F> {
    fn record(&self, event: Event<F::Node>) {
        self.scope.record(event);
    }
}

pub(crate) async fn drive<F: Flow>(
    instance: InstanceId,
    context: F::Context,
    mut cancel: Option<watch::Receiver<Option<CancelRequest>>>,
    hooks: Hooks<F>,
) -> Outcome<F> {
    let mut run = Run::<F> {
        context,
        scope: Scope::new(instance, hooks),
    };
    let mut node = F::START;
    loop {
        let iteration = run.scope.enter(node);
        let span = tracing::info_span!("step", node = node.name(), iteration);
        let transition = match cancel.as_mut() {
            // Only a started instance has a handle that can cancel it.
            None => {
                attempt::run_node(&mut run, node, iteration)
                    .instrument(span)
                    .await
            }
            Some(cancel) => tokio::select! {
                biased;
                request = cancelled(cancel) => {
                    return cancel_run(run, node, request).await;
                }
                transition = attempt::run_node(&mut run, node, iteration).instrument(span) => transition,
            },
        };
        match transition {
            Transition::Next(next) => {
                run.scope.completed(node, iteration);
                node = next;
            }
            Transition::End(end) => {
                tracing::debug!(end = end.name(), "instance completed");
                run.record(Event::Completed { end: end.name() });
                let Records { path, journal, .. } = run.scope.into_records();
                return Outcome::Completed(Completed {
                    instance,
                    end,
                    context: run.context,
                    path,
                    journal,
                });
            }
            Transition::Wait(_) => std::future::pending::<()>().await,
            Transition::Sleep { until, next } => {
                match until {
                    crate::Wake::After(delay) => tokio::time::sleep(delay).await,
                    crate::Wake::At(at) => {
                        let delay = at
                            .duration_since(std::time::SystemTime::now())
                            .unwrap_or_default();
                        tokio::time::sleep(delay).await;
                    }
                }
                node = next;
            }
            Transition::Fail(error) => {
                if let Some(failed) = run.scope.take_failed_in_branch() {
                    // A task inside a branch failed; it is already recorded.
                    return fail_run(run, failed, error).await;
                }
                let message = error.to_string();
                match F::recover(node, &mut run.context, error) {
                    Ok(handler) => {
                        tracing::info!(node = node.name(), handler = handler.name(), error = %message, "error route taken");
                        run.record(Event::Recovered { node, to: handler });
                        node = handler;
                    }
                    Err(error) => {
                        tracing::warn!(node = node.name(), %error, "step failed");
                        run.record(Event::Failed {
                            node,
                            error: message,
                        });
                        return fail_run(run, node, error).await;
                    }
                }
            }
        }
    }
}

/// Resolves when cancellation is requested; never if the handle is gone.
async fn cancelled(cancel: &mut watch::Receiver<Option<CancelRequest>>) -> CancelRequest {
    let request = match cancel.wait_for(Option::is_some).await {
        Ok(request) => request.clone(),
        Err(_) => None,
    };
    match request {
        Some(request) => request,
        None => std::future::pending().await,
    }
}

async fn fail_run<F: Flow>(mut run: Run<F>, node: F::Node, error: crate::StepError) -> Outcome<F> {
    let compensation = compensate::unwind(&mut run).await;
    stopped(run, node, Cause::StepFailed { node, error }, compensation)
}

async fn cancel_run<F: Flow>(mut run: Run<F>, node: F::Node, request: CancelRequest) -> Outcome<F> {
    tracing::info!(node = node.name(), reason = %request.reason, "instance cancelled");
    run.record(Event::Cancelled {
        reason: request.reason.clone(),
        compensate: request.compensate,
    });
    let compensation = if request.compensate {
        compensate::unwind(&mut run).await
    } else {
        let not_compensated = run.scope.lock().completed.drain(..).rev().collect();
        Compensation {
            not_compensated,
            ..Compensation::default()
        }
    };
    stopped(
        run,
        node,
        Cause::Cancelled {
            reason: request.reason,
        },
        compensation,
    )
}

/// How a stopped instance ends: `CompensationFailed` if a compensation
/// failed, otherwise what its cause calls for. `at` is where it stopped.
fn stopped<F: Flow>(
    run: Run<F>,
    at: F::Node,
    cause: Cause<F::Node>,
    compensation: Compensation<F::Node>,
) -> Outcome<F> {
    let instance = run.scope.instance();
    let context = run.context;
    let Records { path, journal, .. } = run.scope.into_records();
    if compensation.failed.is_some() {
        return Outcome::CompensationFailed(CompensationFailed {
            instance,
            cause,
            context,
            path,
            journal,
            compensation,
        });
    }
    match cause {
        Cause::StepFailed { node, error } => Outcome::Failed(Failed {
            instance,
            node,
            error,
            context,
            path,
            journal,
            compensation,
        }),
        Cause::Cancelled { reason } => Outcome::Cancelled(Cancelled {
            instance,
            reason,
            node: at,
            context,
            path,
            journal,
            compensation,
        }),
    }
}

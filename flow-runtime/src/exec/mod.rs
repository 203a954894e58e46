//! Driving a flow's machine: node after node until an end or a failure.

use crate::flow::{EndId, Flow, NodeId, Transition};
use crate::history::{Path, Visit};
use crate::instance::InstanceId;
use crate::outcome::{Completed, Failed, RunResult};
use crate::step::Step;
use std::time::SystemTime;
use tracing::Instrument;

/// Runs one instance of `F` in memory, from `start` to an end or a failed
/// step. This is what the generated `run` function calls.
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
pub async fn run<F: Flow>(context: F::Context) -> RunResult<F> {
    let instance = InstanceId::next();
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %instance);
    drive::<F>(instance, context).instrument(span).await
}

async fn drive<F: Flow>(instance: InstanceId, mut context: F::Context) -> RunResult<F> {
    let started = tokio::time::Instant::now();
    // Per-node visit counters: the iteration a step is told, allocated once.
    let mut visits = vec![0_u32; F::GRAPH.nodes().len()];
    let mut path = Path::with_capacity(F::GRAPH.nodes().len());
    let mut node = F::START;
    loop {
        let iteration = match visits.get_mut(node.index()) {
            Some(count) => {
                *count += 1;
                *count
            }
            None => 1,
        };
        path.push(Visit { node, elapsed: started.elapsed(), at: SystemTime::now() });
        let step = Step::new(instance, F::GRAPH.name(), node.name(), iteration);
        let span = tracing::info_span!("step", node = node.name(), iteration);
        match F::step(node, &mut context, &step).instrument(span).await {
            Transition::Next(next) => node = next,
            Transition::End(end) => {
                tracing::debug!(end = end.name(), "instance completed");
                return Ok(Completed { instance, end, context, path });
            }
            Transition::Fail(error) => {
                tracing::warn!(node = node.name(), %error, "step failed");
                return Err(Failed { instance, node, error, context, path });
            }
        }
    }
}

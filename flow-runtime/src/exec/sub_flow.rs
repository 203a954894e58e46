//! Running another flow from a flow: `flow NAME = Other(context)`.
//!
//! In memory the child runs inline, inside the call's transition. On an
//! engine it is an instance of its own: see [`child`](super::child).

use super::memory::drive;
use super::{Hooks, Machine};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::outcome::{Cause, Completed, Outcome};
use crate::step::{Permanent, StepError};
use tracing::Instrument;

/// Runs `S` to one of its ends as a child instance: its own instance id,
/// path, journal and compensation, inside the parent's `tracing` span, seen
/// by the parent's observers. If
/// the child fails (after compensating its own steps), the step fails with
/// [`SubFlowFailed`]; a permanent child error stays permanent.
pub(crate) async fn sub_flow<S: Flow>(
    context: S::Context,
    hooks: Hooks<S>,
) -> Result<Completed<S>, StepError> {
    let instance = InstanceId::next();
    let span = tracing::info_span!("flow", flow = S::GRAPH.name(), instance = %instance);
    // Boxed: a flow may call itself, and a future cannot contain itself.
    let machine = Machine::new(instance, context, hooks);
    let outcome = Box::pin(drive::<S>(machine, None).instrument(span)).await;
    ended(outcome)
}

/// The call's result for a child that ended so: its completion, or a
/// [`SubFlowFailed`] (permanent if the child's error was).
pub(super) fn ended<S: Flow>(outcome: Outcome<S>) -> Result<Completed<S>, StepError> {
    let (instance, node, error) = match outcome {
        Outcome::Completed(completed) => return Ok(completed),
        Outcome::Failed(failed) => (failed.instance, failed.node, failed.error),
        Outcome::CompensationFailed(failed) => match failed.cause {
            Cause::StepFailed { node, error } => (failed.instance, node, error),
            Cause::Cancelled { reason } => (failed.instance, S::START, StepError::new(reason)),
        },
        Outcome::Cancelled(cancelled) => (
            cancelled.instance,
            cancelled.node,
            StepError::new(cancelled.reason),
        ),
    };
    let failure = SubFlowFailed {
        flow: S::GRAPH.name(),
        instance,
        node: node.name(),
        reason: error.to_string(),
    };
    Err(if error.is_permanent() {
        StepError::new(Permanent(failure))
    } else {
        StepError::new(failure)
    })
}

/// The error of a sub-flow call whose flow failed.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::SubFlowFailed;
///
/// async fn score(name: &str) -> Result<u32, String> {
///     Err(format!("no credit history for {name}"))
/// }
///
/// flow! {
///     flow CreditCheck(name: String) {
///         start -> score;
///         task score = score(&name) -> scored;
///         end scored;
///     }
/// }
///
/// struct Application { name: String }
///
/// flow! {
///     flow Apply(app: Application) {
///         start -> credit;
///         flow credit = CreditCheck(app.name.clone()) -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let failed = Apply::run(Application { name: "Ada".into() }).await.unwrap_failed();
/// let error = failed.error.downcast_ref::<SubFlowFailed>().unwrap();
/// assert_eq!(error.flow, "CreditCheck");
/// assert_eq!(error.node, "score");
/// assert_eq!(error.reason, "no credit history for Ada");
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("sub-flow `{flow}` (instance {instance}) failed at `{node}`: {reason}")]
pub struct SubFlowFailed {
    /// The sub-flow's name.
    pub flow: &'static str,
    /// The child instance that failed.
    pub instance: InstanceId,
    /// The node it failed at.
    pub node: &'static str,
    /// Its error, as text.
    pub reason: String,
}

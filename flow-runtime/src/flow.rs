//! The traits that `flow!` implements for every flow.

use crate::exec::Scope;
use crate::graph::Graph;
use crate::step::{Step, StepError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::hash::Hash;

/// A workflow: a typed state machine over a context.
///
/// `flow!` implements this trait for the type it generates; the runtime
/// drives any implementation. Users rarely implement it by hand, but nothing
/// prevents it: the `hand_written` example shows a flow written both ways.
///
/// A flow never holds data: it is a marker type. Its state is the context
/// (owned by the instance) and the node the instance is at.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a flow",
    label = "not a flow defined with `flow!`",
    note = "define flows with `flow! {{ flow Name(context: Type) {{ .. }} }}`"
)]
pub trait Flow: Sized + Send + Sync + 'static {
    /// The data an instance carries from node to node (`Order` in
    /// `flow OrderProcess(order: Order)`).
    type Context: Send + 'static;
    /// One value per node of the graph; an instance is always at one.
    type Node: NodeId;
    /// One value per `end` node, so callers can tell which end was reached.
    type End: EndId;

    /// The static shape of the flow.
    const GRAPH: &'static Graph;
    /// The `start` node.
    const START: Self::Node;

    /// Runs `node` over the context and says where the instance goes next.
    ///
    /// For a task this calls the step once (the runtime owns retries and
    /// timeouts); for a gateway it evaluates the conditions; for `start` and
    /// an `end` it only moves on. For an `and` or `or` split it runs the
    /// branches concurrently, through `scope`, up to their join.
    fn step<'a>(
        node: Self::Node,
        context: &'a mut Self::Context,
        step: &'a Step,
        scope: &'a Scope<Self>,
    ) -> impl Future<Output = Transition<Self>> + Send + 'a;

    /// Undoes a completed task: runs its `compensate` call. `step` is the
    /// step info of the visit being undone (same idempotency key). Tasks
    /// without `compensate` are never passed here; the default does nothing.
    fn compensate<'a>(
        node: Self::Node,
        context: &'a mut Self::Context,
        step: &'a Step,
    ) -> impl Future<Output = Result<(), StepError>> + Send + 'a {
        let _ = (node, context, step);
        std::future::ready(Ok(()))
    }

    /// After a task's last attempt failed: where its `on error` route leads,
    /// after storing the error if the route says `=> place`; the error back
    /// if the task has no error route (the default).
    fn recover(
        node: Self::Node,
        context: &mut Self::Context,
        error: StepError,
    ) -> Result<Self::Node, StepError> {
        let _ = (node, context);
        Err(error)
    }
}

/// The node type of a flow: a field-less enum with one variant per node.
pub trait NodeId:
    Copy + Eq + Ord + Hash + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The node's position in [`Graph::nodes`].
    fn index(self) -> usize;

    /// The node at `index` in [`Graph::nodes`], if there is one.
    fn from_index(index: usize) -> Option<Self>;

    /// The node's name as written in the flow.
    fn name(self) -> &'static str;
}

/// The end type of a flow: a field-less enum with one variant per `end` node.
pub trait EndId:
    Copy + Eq + Hash + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The end node's name as written in the flow.
    fn name(self) -> &'static str;
}

/// What running one node decided.
pub enum Transition<F: Flow> {
    /// Go on at this node.
    Next(F::Node),
    /// The instance reached this end.
    End(F::End),
    /// The node's step failed.
    Fail(StepError),
}

impl<F: Flow> fmt::Debug for Transition<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transition::Next(node) => f.debug_tuple("Next").field(node).finish(),
            Transition::End(end) => f.debug_tuple("End").field(end).finish(),
            Transition::Fail(error) => f.debug_tuple("Fail").field(error).finish(),
        }
    }
}

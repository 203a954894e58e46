//! What running an instance returns.

use crate::flow::{EndId, Flow, NodeId};
use crate::history::Path;
use crate::instance::InstanceId;
use crate::step::StepError;
use std::fmt;

/// The result of running an instance to its finish.
pub type RunResult<F> = Result<Completed<F>, Failed<F>>;

/// An instance that reached one of its `end` nodes.
pub struct Completed<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// Which end was reached.
    pub end: F::End,
    /// The context as the last step left it.
    pub context: F::Context,
    /// Every node entered, with timestamps.
    pub path: Path<F::Node>,
}

/// An instance whose step failed.
pub struct Failed<F: Flow> {
    /// The instance's id.
    pub instance: InstanceId,
    /// The node whose step failed.
    pub node: F::Node,
    /// The error the step returned.
    pub error: StepError,
    /// The context as it was when the step failed.
    pub context: F::Context,
    /// Every node entered, the failed one last.
    pub path: Path<F::Node>,
}

impl<F: Flow> fmt::Debug for Completed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completed")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("end", &self.end.name())
            .field("path", &format_args!("{}", self.path))
            .finish_non_exhaustive()
    }
}

impl<F: Flow> fmt::Debug for Failed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("flow", &F::GRAPH.name())
            .field("instance", &self.instance)
            .field("node", &self.node.name())
            .field("error", &self.error)
            .field("path", &format_args!("{}", self.path))
            .finish_non_exhaustive()
    }
}

impl<F: Flow> fmt::Display for Failed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "flow `{}` instance {} failed at `{}`: {}",
            F::GRAPH.name(),
            self.instance,
            self.node.name(),
            self.error
        )
    }
}

impl<F: Flow> std::error::Error for Failed<F> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

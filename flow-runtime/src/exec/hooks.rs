//! What is attached to an instance besides its flow: observers, on an
//! engine the host of its sub-flow instances, and in tests the script that
//! replaces steps.

use super::child::Host;
use crate::flow::Flow;
use crate::observe::Observer;
use crate::testing::Script;
use std::sync::Arc;

/// The observers of an instance, and the test script if it runs under
/// [`FlowTest`](crate::testing::FlowTest).
pub(crate) struct Hooks<F: Flow> {
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    pub(crate) script: Option<Arc<Script<F>>>,
    /// On an engine: where sub-flow calls start their children as
    /// instances of their own. Without it (in memory) a child runs inline.
    pub(crate) sub_flows: Option<Arc<dyn Host>>,
}

impl<F: Flow> Default for Hooks<F> {
    fn default() -> Self {
        Self {
            observers: Vec::new(),
            script: None,
            sub_flows: None,
        }
    }
}

impl<F: Flow> Hooks<F> {
    pub(crate) fn observed_by(observers: Vec<Arc<dyn Observer>>) -> Self {
        Self {
            observers,
            script: None,
            sub_flows: None,
        }
    }

    /// The same hooks, with sub-flow calls run as instances of `host`.
    pub(crate) fn with_sub_flows(mut self, host: Arc<dyn Host>) -> Self {
        self.sub_flows = Some(host);
        self
    }
}

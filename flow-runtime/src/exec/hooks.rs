//! What is attached to an instance besides its flow: observers, and in
//! tests the script that replaces steps.

use crate::flow::Flow;
use crate::observe::Observer;
use crate::testing::Script;
use std::sync::Arc;

/// The observers of an instance, and the test script if it runs under
/// [`FlowTest`](crate::testing::FlowTest).
pub(crate) struct Hooks<F: Flow> {
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    pub(crate) script: Option<Arc<Script<F>>>,
}

impl<F: Flow> Default for Hooks<F> {
    fn default() -> Self {
        Self {
            observers: Vec::new(),
            script: None,
        }
    }
}

impl<F: Flow> Hooks<F> {
    pub(crate) fn observed_by(observers: Vec<Arc<dyn Observer>>) -> Self {
        Self {
            observers,
            script: None,
        }
    }
}

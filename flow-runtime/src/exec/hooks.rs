//! What is attached to an instance besides its flow: observers, on an
//! engine the host of its sub-flow instances and how its context is
//! stored, in tests the script that replaces steps, and for a started
//! in-memory instance the signals sent to it.

use super::branch::Mailbox;
use super::child::Host;
use crate::flow::Flow;
use crate::history::History;
use crate::intercept::Intercept;
use crate::observe::Observer;
use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};
use std::sync::Arc;

/// The observers of an instance, the test script if it runs under
/// `FlowTest` (the test harness, which builds the hooks; `exec` knows only
/// the `Intercept` seam it fills), on an engine its sub-flows' host
/// and its context's codec, and its mailbox if it was started in memory
/// with a handle.
pub(crate) struct Hooks<F: Flow> {
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    pub(crate) script: Option<Arc<dyn Intercept<F::Node>>>,
    /// On an engine: where sub-flow calls start their children as
    /// instances of their own. Without it (in memory) a child runs inline.
    pub(crate) sub_flows: Option<Arc<dyn Host>>,
    /// Set when the instance runs on an engine: its parallel regions are
    /// then memoized, and park as a whole (see `exec::region`).
    pub(crate) durable: Option<ContextCodec<F>>,
    /// The signals sent to an in-memory instance and not taken yet; waits
    /// inside parallel branches take theirs from here.
    pub(crate) mailbox: Option<Arc<Mailbox<F>>>,
    /// What the instance's journal keeps.
    pub(crate) history: History,
}

/// How a durable instance's context is kept at a split: as JSON.
pub(crate) struct ContextCodec<F: Flow> {
    pub(crate) encode: fn(&F::Context) -> Result<serde_json::Value, serde_json::Error>,
    pub(crate) decode: fn(&serde_json::Value) -> Result<F::Context, serde_json::Error>,
}

impl<F: Flow> Clone for ContextCodec<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Flow> Copy for ContextCodec<F> {}

impl<F: Flow> Default for Hooks<F> {
    fn default() -> Self {
        Self {
            observers: Vec::new(),
            script: None,
            sub_flows: None,
            durable: None,
            mailbox: None,
            history: History::Full,
        }
    }
}

impl<F: Flow> Hooks<F> {
    pub(crate) fn observed_by(observers: Vec<Arc<dyn Observer>>) -> Self {
        Self {
            observers,
            ..Self::default()
        }
    }

    /// The same hooks, keeping `history`.
    pub(crate) fn keeping(mut self, history: History) -> Self {
        self.history = history;
        self
    }

    /// The same hooks, with sub-flow calls run as instances of `host`.
    pub(crate) fn with_sub_flows(mut self, host: Arc<dyn Host>) -> Self {
        self.sub_flows = Some(host);
        self
    }

    /// The same hooks for an instance that runs on an engine: its parallel
    /// regions park as a whole, and replay from a snapshot of the context.
    pub(crate) fn durable(mut self) -> Self
    where
        F::Context: Serialize + DeserializeOwned,
    {
        self.durable = Some(ContextCodec {
            encode: |context| serde_json::to_value(context),
            decode: |json| F::Context::deserialize(json),
        });
        self
    }
}

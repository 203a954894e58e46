//! The flows an engine runs, by name, with what it needs of each without
//! knowing its type: how to drive a stored instance, how to check a JSON
//! signal, where an instance is.

use super::Inner;
use crate::flow::{Flow, NodeId};
use crate::graph::Graph;
use crate::signal::{Signal, SignalError};
use crate::state::InstanceState;
use crate::store::StoredInstance;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A flow whose instances can run on an [`Engine`](crate::Engine): its
/// context is stored after every transition, so it must be serializable.
///
/// Every flow whose context implements `Serialize` and `Deserialize` is
/// durable; nothing needs implementing.
#[diagnostic::on_unimplemented(
    message = "flow `{Self}` cannot run on an engine: its context is not serializable",
    label = "the context of `{Self}` must implement `Serialize` and `Deserialize`",
    note = "an engine stores the context after every transition: add `#[derive(serde::Serialize, serde::Deserialize)]` to the context type"
)]
pub trait Durable: Flow<Context: Serialize + DeserializeOwned> {}

impl<F> Durable for F
where
    F: Flow,
    F::Context: Serialize + DeserializeOwned,
{
}

/// What the engine keeps of one registered flow.
#[derive(Clone, Copy)]
pub(crate) struct Registered {
    pub(crate) graph: &'static Graph,
    pub(crate) drive: fn(Arc<Inner>, StoredInstance) -> BoxFuture<'static, ()>,
    /// Checks a JSON payload for a wait and returns it re-encoded.
    pub(crate) check_signal: fn(&str, serde_json::Value) -> Result<Vec<u8>, SignalError>,
    /// The node index the stored instance is at, if it is at one.
    pub(crate) position: fn(&[u8]) -> Result<Option<usize>, serde_json::Error>,
}

impl Registered {
    pub(crate) fn of<F: Durable>() -> Self {
        Registered {
            graph: F::GRAPH,
            drive: |inner, stored| Box::pin(super::driver::drive::<F>(inner, stored)),
            check_signal: |wait, payload| {
                let signal = F::Signal::from_json(wait, payload)?;
                let json = signal.to_json()?;
                Ok(json.to_string().into_bytes())
            },
            position: |state| {
                let state: InstanceState<F> = serde_json::from_slice(state)?;
                Ok(state.position.node().map(NodeId::index))
            },
        }
    }
}

//! One registered definition of a flow, with what the engine needs of it
//! without knowing its type: how to drive a stored instance, how to check a
//! JSON signal, where an instance is. [`versions`](super::versions) keeps
//! them by flow name and graph hash.

use super::Inner;
use crate::exec::Hooks;
use crate::flow::{Flow, NodeId};
use crate::graph::Graph;
use crate::id::InstanceId;
use crate::journal::Journal;
use crate::signal::{Signal, SignalError};
use crate::state::InstanceState;
use crate::state::ParentCall;
use crate::store::{OpenWait, Status, StoredInstance};
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::sync::Arc;
use std::time::SystemTime;

/// A flow whose instances can run on an [`Engine`](crate::Engine): its
/// context is stored after every transition, so it must be serializable.
///
/// Every flow whose context implements `Serialize` and `Deserialize` is
/// durable; nothing needs implementing. `flow!` then also requires the value
/// of every task inside a parallel branch to be serializable (a region that
/// parks memoizes it), with a compile error on the task otherwise.
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

/// Where a stored instance rests: what the store keeps beside its state.
pub(crate) struct Resting {
    pub(crate) status: Status,
    pub(crate) wake_at: Option<SystemTime>,
    pub(crate) waits: Vec<OpenWait>,
}

/// The first state of a sub-flow's child, from its id, the call that
/// starts it and its context (a `Box` of the definition's context).
type FirstState = fn(InstanceId, ParentCall, Box<dyn Any + Send>) -> Result<Vec<u8>, String>;

/// How a finished instance ended (a `Box<Outcome<F>>`), from its stored
/// state and journal.
type OutcomeOf = fn(&[u8], &[Vec<u8>]) -> Result<Box<dyn Any + Send>, String>;

/// What the engine keeps of one registered definition.
#[derive(Clone, Copy)]
pub(crate) struct Registered {
    /// The Rust type, for messages (`shop::v1::Order`).
    pub(crate) type_name: &'static str,
    pub(crate) graph: &'static Graph,
    /// Drives a claimed instance stored under this definition's hash; with
    /// `Some(old hash)` its state was just migrated from that hash, and is
    /// committed before it runs on.
    pub(crate) drive: fn(Arc<Inner>, StoredInstance, Option<u64>) -> BoxFuture<'static, ()>,
    /// Checks a JSON payload for a wait and returns it re-encoded.
    pub(crate) check_signal: fn(&str, serde_json::Value) -> Result<Vec<u8>, SignalError>,
    /// The node index the stored instance is at, if it is at one.
    pub(crate) position: fn(&[u8]) -> Result<Option<usize>, serde_json::Error>,
    /// The index of the node whose stored form (its variant's name, as in
    /// a stored state) is `ident`.
    pub(crate) node_of: fn(&str) -> Option<usize>,
    /// Where a stored instance rests, read from its state.
    pub(crate) resting: fn(&[u8]) -> Result<Resting, serde_json::Error>,
    /// The first state of a child instance started by a sub-flow call:
    /// its id, the call, and its context (a `Box` of this definition's).
    pub(crate) first_state: FirstState,
    /// How a finished instance ended, from its state and journal: a
    /// `Box<Outcome<F>>`.
    pub(crate) outcome: OutcomeOf,
    /// The child a stored instance waits for at a sub-flow call, if it does.
    pub(crate) awaited_child: fn(&[u8]) -> Result<Option<InstanceId>, serde_json::Error>,
}

impl Registered {
    pub(crate) fn of<F: Durable>() -> Self {
        Registered {
            type_name: std::any::type_name::<F>(),
            graph: F::GRAPH,
            drive: |inner, stored, migrated| {
                Box::pin(super::driver::drive::<F>(inner, stored, migrated))
            },
            check_signal: |wait, payload| {
                let signal = F::Signal::from_json(wait, payload)?;
                let json = signal.to_json()?;
                Ok(json.to_string().into_bytes())
            },
            position: |state| {
                let state: InstanceState<F> = serde_json::from_slice(state)?;
                Ok(state.position.node().map(NodeId::index))
            },
            node_of: |ident| {
                let node: F::Node = serde_json::from_value(ident.into()).ok()?;
                Some(node.index())
            },
            resting: |state| {
                let state: InstanceState<F> = serde_json::from_slice(state)?;
                let machine = state.into_machine(Hooks::default());
                Ok(Resting {
                    status: super::driver::status_of(&machine),
                    wake_at: machine.wake_at(),
                    waits: super::driver::open_waits(&machine.at),
                })
            },
            first_state: |id, parent, context| {
                let context = context.downcast::<F::Context>().map_err(|_| {
                    format!(
                        "the sub-flow call's context is not the context of `{}`, the definition \
                         of `{}` registered under its graph hash",
                        std::any::type_name::<F>(),
                        F::GRAPH.name()
                    )
                })?;
                let mut state = InstanceState::<F>::with_id(id, *context);
                state.parent = Some(parent);
                serde_json::to_vec(&state).map_err(|error| {
                    format!("the sub-flow instance's first state does not encode: {error}")
                })
            },
            outcome: |state, journal| {
                let state: InstanceState<F> = serde_json::from_slice(state).map_err(|error| {
                    format!("the sub-flow instance's state does not decode: {error}")
                })?;
                if !state.position.is_finished() {
                    return Err(format!(
                        "the sub-flow instance {} has not finished",
                        state.id
                    ));
                }
                let journal = Journal::decode(journal).map_err(|error| {
                    format!("the sub-flow instance's journal does not decode: {error}")
                })?;
                Ok(Box::new(state.into_outcome(journal)))
            },
            awaited_child: |state| {
                let state: InstanceState<F> = serde_json::from_slice(state)?;
                Ok(match state.position {
                    crate::exec::Position::SubFlow { child, .. } => Some(child),
                    _ => None,
                })
            },
        }
    }

    pub(crate) fn hash(&self) -> u64 {
        self.graph.hash()
    }
}

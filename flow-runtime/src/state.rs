//! An instance's state as a value: everything needed to resume it.

use crate::exec::{Hooks, Machine, Position};
use crate::flow::Flow;
use crate::id::InstanceId;
use crate::outcome::{Compensation, Done};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Everything needed to resume an instance: where it is, its context, how
/// often it visited each node, and what it would have to undo.
///
/// The engine stores this (as JSON) after every transition and reads it
/// back to resume the instance, in this process or the next; nothing of
/// the user's code is re-run to rebuild it.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::{InstanceState, Position};
///
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// pub struct Order { amount: u32 }
/// flow! {
///     flow Ship(order: Order) {
///         start -> done;
///         end done;
///     }
/// }
///
/// let state = InstanceState::<Ship>::new(Order { amount: 3 });
/// assert!(matches!(state.position, Position::Enter(ShipNode::Start)));
/// let json = serde_json::to_string(&state).unwrap();
/// let back: InstanceState<Ship> = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.id, state.id);
/// assert_eq!(back.context.amount, 3);
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "F::Context: Serialize",
    deserialize = "F::Context: DeserializeOwned"
))]
#[non_exhaustive]
pub struct InstanceState<F: Flow> {
    /// The instance.
    pub id: InstanceId,
    /// Its flow's name.
    pub flow: String,
    /// Its flow's graph hash when it was stored.
    pub hash: u64,
    /// When it started, on the wall clock.
    pub started_at: SystemTime,
    /// Where it is.
    pub position: Position<F::Node, F::End>,
    /// Its context. Inside a parallel region it parked in, the context
    /// with what the branches stored so far; the context as it was at the
    /// split, which the region replays from, is in its
    /// [`Region`](crate::Region).
    pub context: F::Context,
    /// How often it entered each node, by node index.
    pub visits: Vec<u32>,
    /// Completed compensable visits, oldest first: what a failure undoes.
    pub saga: Vec<Done<F::Node>>,
    /// What compensation did so far.
    pub compensation: Compensation<F::Node>,
    /// The call that started it, if it runs as a sub-flow of another
    /// instance on an engine: the engine tells that instance when it
    /// finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentCall>,
}

/// The sub-flow call that started an instance on an engine: the parent
/// instance, its flow and the call's node. Stored with the child, so that
/// whichever engine finishes the child tells the parent.
///
/// ```
/// use flow_runtime::{InstanceId, ParentCall};
///
/// let call = ParentCall {
///     instance: "0123456789abcdef0000000000000001".parse::<InstanceId>().unwrap(),
///     flow: "Lend".into(),
///     node: "check".into(),
/// };
/// assert_eq!(call.to_string(), "`flow check` of `Lend` instance 0123456789abcdef0000000000000001");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentCall {
    /// The parent instance.
    pub instance: InstanceId,
    /// The parent's flow.
    pub flow: String,
    /// The name of the sub-flow call in the parent (`check` in
    /// `flow check = Credit(..)`).
    pub node: String,
}

impl std::fmt::Display for ParentCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`flow {}` of `{}` instance {}",
            self.node, self.flow, self.instance
        )
    }
}

impl<F: Flow> InstanceState<F> {
    /// A new instance of `F` at `start`, with a fresh id.
    pub fn new(context: F::Context) -> Self {
        Self::with_id(InstanceId::next(), context)
    }

    pub(crate) fn with_id(id: InstanceId, context: F::Context) -> Self {
        Self {
            id,
            flow: F::GRAPH.name().to_owned(),
            hash: F::GRAPH.hash(),
            started_at: crate::clock::now(),
            position: Position::Enter(F::START),
            context,
            visits: vec![0; F::GRAPH.nodes().len()],
            saga: Vec::new(),
            compensation: Compensation::default(),
            parent: None,
        }
    }

    /// How a finished instance ended, with its whole journal.
    pub(crate) fn into_outcome(
        self,
        journal: crate::journal::Journal<F::Node>,
    ) -> crate::Outcome<F> {
        let machine = self.into_machine(Hooks::default());
        machine.scope.lock().journal = journal;
        machine.into_outcome()
    }

    /// The machine that runs on from this state.
    pub(crate) fn into_machine(self, hooks: Hooks<F>) -> Machine<F> {
        let mut records = crate::exec::Records::new(self.started_at, hooks.history);
        records.visits = self.visits;
        records.completed = self.saga;
        records.parent = self.parent;
        let mut machine = Machine::resume(self.id, self.context, self.position, records, hooks);
        machine.compensation = self.compensation;
        machine
    }
}

/// The state of a running machine, borrowed to be stored: the same fields
/// as [`InstanceState`], so one reads back what the other wrote.
#[derive(Serialize)]
#[serde(bound(serialize = "F::Context: Serialize"))]
pub(crate) struct StateRef<'a, F: Flow> {
    id: InstanceId,
    flow: &'static str,
    hash: u64,
    started_at: SystemTime,
    position: &'a Position<F::Node, F::End>,
    context: &'a F::Context,
    visits: &'a [u32],
    saga: &'a [Done<F::Node>],
    compensation: &'a Compensation<F::Node>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: &'a Option<ParentCall>,
}

impl<F: Flow> Machine<F> {
    /// The machine's state, encoded as [`InstanceState`] is.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, serde_json::Error>
    where
        F::Context: Serialize,
    {
        let records = self.scope.lock();
        serde_json::to_vec(&StateRef::<F> {
            id: self.instance(),
            flow: F::GRAPH.name(),
            hash: F::GRAPH.hash(),
            started_at: records.started_at,
            position: &self.at,
            context: &self.context,
            visits: &records.visits,
            saga: &records.completed,
            compensation: &self.compensation,
            parent: &records.parent,
        })
    }
}

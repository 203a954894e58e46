//! A sub-flow call's child on an engine: an instance of its own. The
//! call's first run asks the driver to store the child (under an id derived
//! from the parent's, so a resumed parent finds the child it started), the
//! parent parks at the call ([`Position::SubFlow`]), and once the child has
//! finished the call runs again and takes its end and final context, or its
//! failure. The engine's side is `engine::children`.

use super::sub_flow::ended;
use super::{Advanced, Machine, Position, Scope};
use crate::clock;
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::journal::Event;
use crate::outcome::{Completed, Outcome};
use crate::state::ParentCall;
use crate::step::StepError;
use std::any::Any;
use std::time::Duration;

/// What an engine lends the instances it runs, so that their sub-flow calls
/// start children of their own: it knows every registered definition, which
/// the generated call (knowing only `S: Flow`) cannot encode or decode.
pub(crate) trait Host: Send + Sync {
    /// The first state of the new instance `id` of the definition of `flow`
    /// with graph hash `hash`, started by `parent` with `context` (a `Box`
    /// of that definition's context); or why it cannot be started.
    fn first_state(
        &self,
        flow: &'static str,
        hash: u64,
        id: InstanceId,
        parent: ParentCall,
        context: Box<dyn Any + Send>,
    ) -> Result<Vec<u8>, String>;

    /// How a finished child ended, read by the definition of `flow` it is
    /// stored under (`hash`): a `Box<Outcome<S>>` of that definition.
    fn outcome(
        &self,
        flow: &str,
        hash: u64,
        state: &[u8],
        journal: &[Vec<u8>],
    ) -> Result<Box<dyn Any + Send>, String>;
}

/// What an instance on an engine exchanges with its driver about its
/// sub-flow calls, between and during transitions.
#[derive(Default)]
pub(crate) struct Calls {
    /// The sub-flow call whose attempt runs now (set around its step).
    pub(crate) running: Option<Call>,
    /// The child a call asked for: the driver stores it before it commits
    /// the parent parked at the call.
    pub(crate) started: Option<NewChild>,
    /// How the awaited child ended, for the call's resumed run.
    pub(crate) ended: Option<ChildEnd>,
    /// A child the instance no longer waits for (cancelled, timed out):
    /// the driver cancels it before it commits.
    pub(crate) abandoned: Option<Abandoned>,
    /// A finished child has told its parent (until then it stays runnable).
    pub(crate) parent_told: bool,
}

/// One attempt of a sub-flow call, as the child's id is derived from it.
#[derive(Clone, Copy)]
pub(crate) struct Call {
    node: &'static str,
    iteration: u32,
    attempt: u32,
}

/// A child to store: a new runnable instance.
pub(crate) struct NewChild {
    pub(crate) id: InstanceId,
    pub(crate) flow: &'static str,
    pub(crate) hash: u64,
    pub(crate) state: Vec<u8>,
}

/// How the child a call waits for ended.
pub(crate) enum ChildEnd {
    /// It finished: its stored state and journal, and the graph hash of
    /// the definition it finished on.
    Finished {
        hash: u64,
        state: Vec<u8>,
        journal: Vec<Vec<u8>>,
    },
    /// The call's `timeout` passed first.
    TimedOut(Duration),
}

/// A child to cancel, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Abandoned {
    pub(crate) child: InstanceId,
    pub(crate) reason: String,
    pub(crate) compensate: bool,
}

/// A sub-flow call on an engine: takes the end of its child if the driver
/// handed one over, else asks for the child and parks (the machine sees
/// [`Calls::started`] and ignores the error returned here).
pub(crate) fn durable<F: Flow, S: Flow>(
    scope: &Scope<F>,
    host: &dyn Host,
    call: Call,
    context: S::Context,
) -> Result<Completed<S>, StepError> {
    let end = scope.lock().sub_flow.ended.take();
    match end {
        Some(ChildEnd::TimedOut(limit)) => Err(StepError::timed_out(limit)),
        Some(ChildEnd::Finished {
            hash,
            state,
            journal,
        }) => {
            let outcome = host
                .outcome(S::GRAPH.name(), hash, &state, &journal)
                .map_err(StepError::permanent)?;
            let outcome = outcome.downcast::<Outcome<S>>().map_err(|_| {
                StepError::permanent(format!(
                    "the sub-flow instance finished on the definition of `{}` with graph hash \
                     {hash:016x}, not on `{}` (graph hash {:016x}), which this call runs",
                    S::GRAPH.name(),
                    std::any::type_name::<S>(),
                    S::GRAPH.hash()
                ))
            })?;
            ended(*outcome)
        }
        None => {
            let parent = scope.instance();
            let id = InstanceId::derived(parent, call.node, call.iteration, call.attempt);
            let parent = ParentCall {
                instance: parent,
                flow: F::GRAPH.name().to_owned(),
                node: call.node.to_owned(),
            };
            let (flow, hash) = (S::GRAPH.name(), S::GRAPH.hash());
            let state = host
                .first_state(flow, hash, id, parent, Box::new(context))
                .map_err(StepError::permanent)?;
            scope.lock().sub_flow.started = Some(NewChild {
                id,
                flow,
                hash,
                state,
            });
            Err(StepError::permanent(
                "the sub-flow call parks while its child runs",
            ))
        }
    }
}

impl<F: Flow> Scope<F> {
    /// Before the step of an attempt of `node`: on an engine, marks a
    /// sub-flow call's attempt as running, so that the call starts (or
    /// takes the end of) a child instance instead of running it inline.
    /// Returns whether it did.
    pub(crate) fn running_call(&self, node: F::Node, iteration: u32, attempt: u32) -> bool {
        let is_call = self.hooks.sub_flows.is_some()
            && F::GRAPH
                .nodes()
                .get(node.index())
                .is_some_and(|info| info.kind() == crate::graph::NodeKind::SubFlow);
        if is_call {
            self.lock().sub_flow.running = Some(Call {
                node: node.name(),
                iteration,
                attempt,
            });
        }
        is_call
    }

    /// After the step of a call's attempt: the child it asked for, if it
    /// did.
    pub(crate) fn called(&self) -> Option<InstanceId> {
        let mut records = self.lock();
        records.sub_flow.running = None;
        records.sub_flow.started.as_ref().map(|child| child.id)
    }
}

impl<F: Flow> Machine<F> {
    /// The attempt of the call `node` started `child`: the instance parks
    /// at the call until the child finishes (or the call's `timeout`).
    pub(super) fn park_at_call(
        &mut self,
        node: F::Node,
        iteration: u32,
        attempt: u32,
        child: InstanceId,
    ) -> Advanced {
        let since = clock::now();
        let deadline = F::GRAPH.nodes()[node.index()]
            .policy()
            .timeout()
            .map(|limit| since + limit);
        tracing::info!(node = node.name(), %child, "sub-flow instance started");
        self.scope
            .record_here(Event::SubFlowStarted { node, child });
        self.at = Position::SubFlow {
            node,
            iteration,
            attempt,
            child,
            since,
            deadline,
        };
        Advanced::Parked
    }

    /// Whether the call the instance waits at has timed out: then its child
    /// is to be cancelled (compensating its completed tasks) and the
    /// attempt fails with a timeout error when the call runs again.
    pub(super) fn call_timed_out(&mut self) -> bool {
        let Position::SubFlow {
            node,
            child,
            since,
            deadline: Some(at),
            ..
        } = &self.at
        else {
            return false;
        };
        if clock::now() < *at {
            return false;
        }
        let limit = F::GRAPH.nodes()[node.index()]
            .policy()
            .timeout()
            .unwrap_or_else(|| at.duration_since(*since).unwrap_or_default());
        let reason = format!(
            "the sub-flow call `{}` timed out after {limit:?}",
            node.name()
        );
        tracing::info!(node = node.name(), %child, "sub-flow call timed out");
        let mut records = self.scope.lock();
        records.sub_flow.ended = Some(ChildEnd::TimedOut(limit));
        records.sub_flow.abandoned = Some(Abandoned {
            child: *child,
            reason,
            compensate: true,
        });
        true
    }

    /// The instance is cancelled: so is the child it waits for, if any.
    pub(super) fn abandon_child(&mut self, reason: &str, compensate: bool) {
        let mut records = self.scope.lock();
        records.sub_flow.started = None;
        if let Position::SubFlow { child, .. } = &self.at {
            records.sub_flow.abandoned = Some(Abandoned {
                child: *child,
                reason: reason.to_owned(),
                compensate,
            });
        }
    }

    /// The sub-flow call the instance is parked at, and the child it waits
    /// for.
    pub(crate) fn awaited_child(&self) -> Option<(F::Node, InstanceId)> {
        match &self.at {
            Position::SubFlow { node, child, .. } => Some((*node, *child)),
            _ => None,
        }
    }

    /// Hands the call the instance is parked at the end of its child; the
    /// next [`advance`](Machine::advance) runs the call again to take it.
    pub(crate) fn child_ended(&mut self, end: ChildEnd) {
        self.scope.lock().sub_flow.ended = Some(end);
    }

    /// The child the last transition asked for, to store before the commit.
    pub(crate) fn take_started_child(&mut self) -> Option<NewChild> {
        self.scope.lock().sub_flow.started.take()
    }

    /// The child to cancel before the commit, if the instance abandoned one.
    pub(crate) fn take_abandoned_child(&mut self) -> Option<Abandoned> {
        self.scope.lock().sub_flow.abandoned.take()
    }

    /// The call that started this instance, if it runs as a sub-flow.
    pub(crate) fn parent(&self) -> Option<ParentCall> {
        self.scope.lock().parent.clone()
    }

    /// A finished child still to tell its parent: it stays runnable until
    /// it has.
    pub(crate) fn must_tell_parent(&self) -> bool {
        let records = self.scope.lock();
        self.at.is_finished() && records.parent.is_some() && !records.sub_flow.parent_told
    }

    /// The parent has been told that this instance finished.
    pub(crate) fn told_parent(&mut self) {
        self.scope.lock().sub_flow.parent_told = true;
    }
}

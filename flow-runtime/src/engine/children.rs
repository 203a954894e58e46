//! Sub-flows as stored instances: a sub-flow call starts its child as an
//! instance of its own, under an id derived from the parent's, and the
//! parent waits for it as for a signal.
//!
//! The steps, each safe against a crash between any two of them:
//!
//! 1. The call's first run asks for the child; the driver stores it
//!    ([`Store::create`](crate::store::Store::create): a repeated id is
//!    `Existing`, so a parent that runs the call again after a crash finds
//!    the child it started) and then commits the parent parked at the call,
//!    `Waiting`, with the call's name as its open wait (naming nobody, so it
//!    is in no inbox).
//! 2. The child runs like any instance. Once its state is finished it
//!    commits that state while staying runnable, tells its parent (a signal
//!    for the call's name, deduplicated by the child's id), then commits its
//!    final status. A crash in between leaves it runnable: whichever engine
//!    claims it tells the parent again, and the dedupe key makes that once.
//! 3. The signal makes the parked parent runnable (or keeps it so, if it
//!    came before the parent parked). The parent reads the child's stored
//!    end and takes it in the commit that consumes the signal.
//!
//! A parent that is cancelled, or whose call times out, cancels its child
//! before it commits.

use super::driver::Taken;
use super::versions::Flows;
use super::{Engine, EngineError, Inner};
use crate::exec::{ChildEnd, Host, Machine};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::state::ParentCall;
use crate::store::{CancelRequest, Created, NewInstance, NewSignal, StoreError, StoredInstance};
use std::any::Any;

impl Host for Inner {
    fn first_state(
        &self,
        flow: &'static str,
        hash: u64,
        id: InstanceId,
        parent: ParentCall,
        context: Box<dyn Any + Send>,
    ) -> Result<Vec<u8>, String> {
        let def = self
            .flows
            .reading(flow, hash)
            .ok_or_else(|| not_registered(flow, hash))?;
        (def.first_state)(id, parent, context)
    }

    fn outcome(
        &self,
        flow: &str,
        hash: u64,
        state: &[u8],
        journal: &[Vec<u8>],
    ) -> Result<Box<dyn Any + Send>, String> {
        let def = self
            .flows
            .reading(flow, hash)
            .ok_or_else(|| not_registered(flow, hash))?;
        (def.outcome)(state, journal)
    }
}

fn not_registered(flow: &str, hash: u64) -> String {
    format!(
        "the sub-flow `{flow}` (graph hash {hash:016x}) is not registered with this engine: \
         call `register::<{flow}>()` on its builder"
    )
}

/// Before the commit of a transition: stores the child it started, cancels
/// the child it abandoned. Both may be repeated after a crash: the child's
/// id is derived from the call, and a second cancellation changes nothing.
pub(crate) async fn before_commit<F: Flow>(
    inner: &Inner,
    machine: &mut Machine<F>,
) -> Result<(), StoreError> {
    if let Some(child) = machine.take_started_child() {
        let created = inner
            .store
            .create(NewInstance {
                id: child.id,
                flow: child.flow.to_owned(),
                hash: child.hash,
                key: None,
                state: child.state,
                events: Vec::new(),
            })
            .await
            .inspect_err(|error| inner.stop_after(error))?;
        if created == Created::Existing(child.id) {
            tracing::info!(child = %child.id, "sub-flow instance found, started before a crash");
        }
        inner.work.notify_one();
    }
    if let Some(abandoned) = machine.take_abandoned_child() {
        let request = CancelRequest {
            reason: abandoned.reason,
            compensate: abandoned.compensate,
        };
        match inner.store.cancel(abandoned.child, request.clone()).await {
            // A child that finished, or was never stored, needs nothing.
            Ok(()) | Err(StoreError::Finished(_) | StoreError::UnknownInstance(_)) => {}
            Err(error) => {
                inner.stop_after(&error);
                return Err(error);
            }
        }
        inner.cancel_running(abandoned.child, request);
        inner.work.notify_one();
    }
    Ok(())
}

/// Tells `parent` that the child `child` finished: a signal for the call,
/// accepted once. A parent that finished meanwhile (cancelled) or is gone
/// needs nothing.
pub(crate) async fn tell_parent(
    inner: &Inner,
    child: InstanceId,
    parent: &ParentCall,
) -> Result<(), StoreError> {
    let notice = NewSignal {
        wait: parent.node.clone(),
        payload: notice(child),
        by: None,
        dedupe: Some(format!("flow-runtime/sub-flow/{child}")),
    };
    match inner.store.signal(parent.instance, notice).await {
        Ok(_) | Err(StoreError::Finished(_)) => {}
        Err(StoreError::UnknownInstance(_)) => {
            tracing::warn!(parent = %parent.instance, "the parent of a finished sub-flow instance is gone");
        }
        Err(error) => {
            inner.stop_after(&error);
            return Err(error);
        }
    }
    inner.work.notify_one();
    Ok(())
}

/// The payload of the signal that tells a parent its child finished.
fn notice(child: InstanceId) -> Vec<u8> {
    serde_json::Value::String(child.to_string())
        .to_string()
        .into_bytes()
}

/// For a parent parked at the call `node`, waiting for `child`: if the
/// child told it that it finished, hands the call the child's stored end,
/// and says which signal the transition consumes. A notice of an earlier
/// child (one the call gave up on) is consumed without moving the parent.
pub(crate) async fn take_end<F: Flow>(
    inner: &Inner,
    machine: &mut Machine<F>,
    node: F::Node,
    child: InstanceId,
) -> Result<Taken, StoreError> {
    let signals = inner.store.signals(machine.instance()).await?;
    let Some(signal) = signals
        .into_iter()
        .find(|signal| signal.wait == node.name())
    else {
        return Ok(Taken::None);
    };
    if signal.payload != notice(child) {
        return Ok(Taken::Signal(signal.seq));
    }
    let Some(stored) = inner.store.load(child).await? else {
        return Ok(Taken::Broken(format!(
            "its sub-flow instance {child} at `flow {}` is gone from the store",
            node.name()
        )));
    };
    let journal = inner.store.journal(child).await?;
    machine.child_ended(ChildEnd::Finished {
        hash: stored.hash,
        state: stored.state,
        journal,
    });
    Ok(Taken::Signal(signal.seq))
}

/// Checks that every flow a registered definition calls as a sub-flow is
/// registered too, under the graph hash the call names.
///
/// # Panics
///
/// When one is not, naming the call and what to register.
pub(crate) fn check_registered(flows: &Flows) {
    for def in flows.running() {
        for node in def.graph.nodes() {
            let Some(child) = node.sub_flow() else {
                continue;
            };
            let runs = flows
                .get(child.name())
                .and_then(|versions| versions.plan(child.hash()));
            if matches!(runs, Some(Ok(_))) {
                continue;
            }
            let call = format!(
                "flow `{}` (`{}`) calls the sub-flow `{}` at `flow {}`",
                def.graph.name(),
                def.type_name,
                child.name(),
                node.name()
            );
            match flows.current(child.name()) {
                None => panic!(
                    "{call}, which is not registered with this engine: register it too, \
                     `.register::<{}>()` (a child runs as an instance of its own)",
                    child.name()
                ),
                Some(current) => panic!(
                    "{call} with graph hash {:016x}, but this engine runs `{}` under graph hash \
                     {:016x} only: register the definition the call names (`register` or \
                     `register_old`)",
                    child.hash(),
                    child.name(),
                    current.hash()
                ),
            }
        }
    }
}

impl Engine {
    /// [`EngineError::InSubFlow`] for a signal sent to `stored` that belongs
    /// to an instance below it in its chain of sub-flow calls (the child it
    /// waits for, or that child's child, and so on): the first for which
    /// `wanted` holds. `None` if there is none.
    pub(super) async fn signal_for_sub_flow(
        &self,
        stored: &StoredInstance,
        wanted: impl Fn(&StoredInstance) -> bool,
    ) -> Result<Option<EngineError>, EngineError> {
        let mut at = stored.clone();
        // A chain longer than this is a flow calling itself without end.
        for _ in 0..64 {
            let Some(def) = self.inner.flows.reading(&at.flow, at.hash) else {
                return Ok(None);
            };
            let Ok(Some(child)) = (def.awaited_child)(&at.state) else {
                return Ok(None);
            };
            let Some(next) = self.inner.store.load(child).await? else {
                return Ok(None);
            };
            if wanted(&next) {
                return Ok(Some(EngineError::InSubFlow {
                    id: stored.id,
                    child: next.id,
                    flow: next.flow,
                }));
            }
            at = next;
        }
        Ok(None)
    }

    /// Whether the definition `stored` runs on has a `wait` named `wait`.
    pub(super) fn has_wait(&self, stored: &StoredInstance, wait: &str) -> bool {
        self.inner
            .flows
            .reading(&stored.flow, stored.hash)
            .is_some_and(|def| def.graph.is_wait(wait))
    }
}

//! What an engine is asked to do: start, signal, complete, cancel. The
//! queries are in `query`.

use super::{Durable, Engine, EngineError, User, UserTask};
use crate::flow::Flow;
use crate::id::InstanceId;
use crate::signal::Signal;
use crate::state::InstanceState;
use crate::store::{
    CancelRequest, Created, Delivery, Filter, NewInstance, NewSignal, Status, StoredInstance,
};

/// What [`Engine::start_with_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A new instance was started.
    New(InstanceId),
    /// An instance with the same business key existed: it is this one,
    /// and nothing was started.
    Existing(InstanceId),
}

impl Started {
    /// The instance, new or existing.
    pub fn id(self) -> InstanceId {
        match self {
            Started::New(id) | Started::Existing(id) => id,
        }
    }
}

impl Engine {
    /// Starts an instance of `F`: it is stored, runnable, and the run loop
    /// takes it. Returns its id.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownFlow`] if `F`'s flow is not registered;
    /// [`EngineError::NotCurrent`] if `F` is not its current definition (an
    /// old one kept with
    /// [`register_old`](super::EngineBuilder::register_old), say);
    /// [`EngineError::Stopped`] if the engine stopped after a failed
    /// commit; a store error.
    pub async fn start<F: Durable>(&self, context: F::Context) -> Result<InstanceId, EngineError> {
        self.create::<F>(None, context).await.map(Started::id)
    }

    /// Starts an instance of `F` under the caller's business key (an order
    /// number, say), unless one exists: starting the same key twice returns
    /// the instance the first start made and starts nothing.
    ///
    /// # Errors
    ///
    /// As [`start`](Engine::start).
    pub async fn start_with_key<F: Durable>(
        &self,
        key: impl Into<String>,
        context: F::Context,
    ) -> Result<Started, EngineError> {
        self.create::<F>(Some(key.into()), context).await
    }

    async fn create<F: Durable>(
        &self,
        key: Option<String>,
        context: F::Context,
    ) -> Result<Started, EngineError> {
        self.check_taking_work()?;
        let current = self
            .inner
            .flows
            .current(F::GRAPH.name())
            .ok_or_else(|| EngineError::UnknownFlow(F::GRAPH.name().to_owned()))?;
        if current.hash() != F::GRAPH.hash() {
            return Err(EngineError::NotCurrent {
                flow: F::GRAPH.name().to_owned(),
                hash: F::GRAPH.hash(),
                current: current.hash(),
            });
        }
        let id = InstanceId::next();
        let state = InstanceState::<F>::with_id(id, context);
        let bytes = serde_json::to_vec(&state).map_err(|error| EngineError::Decode {
            id,
            reason: error.to_string(),
        })?;
        let created = self
            .inner
            .store
            .create(NewInstance {
                id,
                flow: F::GRAPH.name().to_owned(),
                hash: F::GRAPH.hash(),
                key,
                state: bytes,
                events: Vec::new(),
            })
            .await?;
        self.inner.work.notify_one();
        Ok(match created {
            Created::New(id) => Started::New(id),
            Created::Existing(id) => Started::Existing(id),
        })
    }

    /// Sends `signal` to instance `id`. If the instance waits at the
    /// signal's `wait` it goes on; if it has not got there yet, the signal
    /// is kept until it does.
    ///
    /// # Errors
    ///
    /// Nothing changes, and the error says why, when the instance is
    /// unknown ([`EngineError::UnknownInstance`]), finished
    /// ([`EngineError::Finished`]), of another flow
    /// ([`EngineError::WrongFlow`]) or another definition of it
    /// ([`EngineError::WrongVersion`]), or can no longer reach the signal's
    /// wait ([`EngineError::WaitNotReachable`]). A signal for a wait of a
    /// sub-flow the instance waits for is [`EngineError::InSubFlow`], which
    /// names the child (or grandchild) to send it to: signals are not
    /// forwarded. An instance that cannot
    /// run here (no definition has its hash, its state does not decode) is
    /// [`EngineError::Broken`], and is marked so.
    pub async fn signal<S: Signal>(
        &self,
        id: InstanceId,
        signal: S,
    ) -> Result<Delivery, EngineError>
    where
        S::Flow: Durable,
    {
        self.send::<S>(id, signal, None, None).await
    }

    /// Sends `signal` with a dedupe key: a second signal with the same key
    /// for the same instance is accepted once ([`Delivery::Duplicate`]).
    /// For signals from systems that deliver at least once.
    ///
    /// # Errors
    ///
    /// As [`signal`](Engine::signal).
    pub async fn signal_once<S: Signal>(
        &self,
        id: InstanceId,
        dedupe_key: impl Into<String>,
        signal: S,
    ) -> Result<Delivery, EngineError>
    where
        S::Flow: Durable,
    {
        self.send::<S>(id, signal, None, Some(dedupe_key.into()))
            .await
    }

    /// Sends a signal whose payload arrives as JSON (from an HTTP handler,
    /// a queue): it is decoded into the payload type of the instance's
    /// `wait` first, and refused with [`EngineError::Signal`] if it does
    /// not fit.
    ///
    /// # Errors
    ///
    /// As [`signal`](Engine::signal), and [`EngineError::Signal`] for an
    /// unknown wait or a payload of the wrong type.
    pub async fn signal_json(
        &self,
        id: InstanceId,
        wait: &str,
        payload: serde_json::Value,
    ) -> Result<Delivery, EngineError> {
        self.check_taking_work()?;
        let stored = self.load(id).await?;
        check_open(&stored)?;
        let (flow, state) = self.runs_on(&stored).await?;
        let payload = match (flow.check_signal)(wait, payload) {
            Ok(payload) => payload,
            Err(error) if error.is_unknown_wait() => {
                // A wait of a sub-flow that runs as an instance of its own?
                let below = self
                    .signal_for_sub_flow(&stored, |child| self.has_wait(child, wait))
                    .await?;
                return Err(below.unwrap_or(error.into()));
            }
            Err(error) => return Err(error.into()),
        };
        self.deliver(&stored, (flow, &state), wait, payload, None, None)
            .await
    }

    /// The open user tasks `user` may complete: the waits that name them
    /// as assignee, or one of their groups, oldest first. An instance
    /// inside a parallel region may have several (one per waiting branch).
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn tasks(&self, user: &User) -> Result<Vec<UserTask>, EngineError> {
        let waiting = self
            .inner
            .store
            .list(Filter {
                flow: None,
                status: Some(Status::Waiting),
            })
            .await?;
        let mut tasks: Vec<UserTask> = waiting
            .into_iter()
            .flat_map(|summary| {
                let (id, flow, key) = (summary.id, summary.flow, summary.key);
                summary
                    .waits
                    .into_iter()
                    .filter(|wait| user.may_complete(wait.assignee.as_deref(), &wait.groups))
                    .map(move |wait| UserTask {
                        instance: id,
                        flow: flow.clone(),
                        wait: wait.wait,
                        assignee: wait.assignee,
                        groups: wait.groups,
                        since: wait.since,
                        key: key.clone(),
                    })
            })
            .collect();
        tasks.sort_by_key(|task| task.since);
        Ok(tasks)
    }

    /// Completes the user task at instance `id` as `user`: the signal is
    /// delivered and the journal records who completed the wait.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotWaiting`] if the instance is not at the signal's
    /// wait now; [`EngineError::NotAllowed`] if the wait names others; and
    /// as [`signal`](Engine::signal).
    pub async fn complete<S: Signal>(
        &self,
        id: InstanceId,
        user: &User,
        signal: S,
    ) -> Result<Delivery, EngineError>
    where
        S::Flow: Durable,
    {
        self.check_taking_work()?;
        let stored = self.load(id).await?;
        let wait = signal.wait();
        let open = stored.waits.iter().find(|open| open.wait == wait);
        let Some(open) = open else {
            return Err(EngineError::NotWaiting {
                id,
                wait: wait.to_owned(),
            });
        };
        let allowed = (open.assignee.is_none() && open.groups.is_empty())
            || user.may_complete(open.assignee.as_deref(), &open.groups);
        if !allowed {
            return Err(EngineError::NotAllowed {
                id,
                wait: wait.to_owned(),
                user: user.name().to_owned(),
            });
        }
        self.send::<S>(id, signal, Some(user.name().to_owned()), None)
            .await
    }

    async fn send<S: Signal>(
        &self,
        id: InstanceId,
        signal: S,
        by: Option<String>,
        dedupe: Option<String>,
    ) -> Result<Delivery, EngineError>
    where
        S::Flow: Durable,
    {
        self.check_taking_work()?;
        let stored = self.load(id).await?;
        let expected = S::Flow::GRAPH.name();
        if stored.flow != expected {
            let below = self
                .signal_for_sub_flow(&stored, |child| child.flow == expected)
                .await?;
            if let Some(error) = below {
                return Err(error);
            }
            return Err(EngineError::WrongFlow {
                id,
                expected: expected.to_owned(),
                actual: stored.flow,
            });
        }
        check_open(&stored)?;
        // The payload is decoded by the definition the instance runs on.
        let (flow, state) = self.runs_on(&stored).await?;
        if flow.hash() != S::Flow::GRAPH.hash() {
            return Err(EngineError::WrongVersion {
                id,
                flow: stored.flow,
                runs_on: flow.hash(),
                asked: S::Flow::GRAPH.hash(),
            });
        }
        let payload = signal.to_json()?.to_string().into_bytes();
        self.deliver(&stored, (flow, &state), signal.wait(), payload, by, dedupe)
            .await
    }

    /// Stores the signal for `stored`, whose state `runs_on` (the
    /// definition it runs on next, and its state as that one reads it)
    /// must be able to reach `wait` from where it is.
    async fn deliver(
        &self,
        stored: &StoredInstance,
        runs_on: (super::registry::Registered, &[u8]),
        wait: &str,
        payload: Vec<u8>,
        by: Option<String>,
        dedupe: Option<String>,
    ) -> Result<Delivery, EngineError> {
        let id = stored.id;
        let (flow, state) = runs_on;
        let target = flow.graph.index_of(wait);
        let at = match (flow.position)(state) {
            Ok(at) => at,
            Err(error) => {
                let reason = format!(
                    "instance {id} of `{}`: its stored state does not decode: {error}",
                    stored.flow
                );
                super::resolve::mark_broken(&self.inner, id, reason.clone()).await?;
                return Err(EngineError::Broken { id, reason });
            }
        };
        let reachable = match (at, target) {
            (Some(at), Some(target)) => flow.graph.reaches(at, target),
            _ => false,
        };
        if !reachable {
            let at = at
                .and_then(|at| flow.graph.nodes().get(at))
                .map_or("compensating", |node| node.name());
            return Err(EngineError::WaitNotReachable {
                id,
                wait: wait.to_owned(),
                at: at.to_owned(),
            });
        }
        let signal = NewSignal {
            wait: wait.to_owned(),
            payload,
            by,
            dedupe,
        };
        let delivery = self
            .inner
            .store
            .signal(id, signal)
            .await
            .map_err(|error| match error {
                crate::store::StoreError::Finished(id) => EngineError::Finished {
                    id,
                    status: Status::Completed,
                },
                other => other.into(),
            })?;
        self.inner.work.notify_one();
        Ok(delivery)
    }

    /// Cancels instance `id`, running, waiting or sleeping: a running step
    /// is dropped; with `compensate`, its completed tasks are undone in
    /// reverse order. The outcome is `Cancelled` (or `CompensationFailed`).
    /// An instance waiting for a sub-flow instance cancels that child too,
    /// with the same `compensate`, and the child its own child, and so on.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownInstance`], [`EngineError::Finished`].
    pub async fn cancel(
        &self,
        id: InstanceId,
        reason: impl Into<String>,
        compensate: bool,
    ) -> Result<(), EngineError> {
        self.check_taking_work()?;
        let request = CancelRequest {
            reason: reason.into(),
            compensate,
        };
        let stored = self.load(id).await?;
        if stored.status.is_finished() {
            return Err(EngineError::Finished {
                id,
                status: stored.status,
            });
        }
        self.inner.store.cancel(id, request.clone()).await?;
        self.inner.cancel_running(id, request);
        self.inner.work.notify_one();
        Ok(())
    }

    pub(super) fn check_usable(&self, stored: &StoredInstance) -> Result<(), EngineError> {
        if stored.status == Status::Broken {
            return Err(EngineError::Broken {
                id: stored.id,
                reason: stored.broken.clone().unwrap_or_default(),
            });
        }
        self.check_taking_work()
    }

    pub(super) async fn load(&self, id: InstanceId) -> Result<StoredInstance, EngineError> {
        self.inner
            .store
            .load(id)
            .await?
            .ok_or(EngineError::UnknownInstance(id))
    }

    pub(super) fn check_flow<F: Flow>(&self, stored: &StoredInstance) -> Result<(), EngineError> {
        if stored.flow == F::GRAPH.name() {
            return Ok(());
        }
        Err(EngineError::WrongFlow {
            id: stored.id,
            expected: F::GRAPH.name().to_owned(),
            actual: stored.flow.clone(),
        })
    }
}

/// Refuses a signal for an instance that has finished or is broken.
fn check_open(stored: &StoredInstance) -> Result<(), EngineError> {
    if stored.status.is_finished() {
        return Err(EngineError::Finished {
            id: stored.id,
            status: stored.status,
        });
    }
    if stored.status == Status::Broken {
        return Err(EngineError::Broken {
            id: stored.id,
            reason: stored.broken.clone().unwrap_or_default(),
        });
    }
    Ok(())
}

impl<F: Flow> InstanceState<F> {
    /// The node the instance is at, if it is at one.
    pub fn node(&self) -> Option<F::Node> {
        self.position.node()
    }
}

//! What an engine is asked about an instance: its status, the instances by
//! flow and status, its journal and progress, its outcome.

use super::{Durable, Engine, EngineError};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::journal::{Event, Journal};
use crate::observe::Progress;
use crate::outcome::Outcome;
use crate::state::InstanceState;
use crate::store::{Filter, Status, Summary};

impl Engine {
    /// The instance's status.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownInstance`].
    pub async fn status(&self, id: InstanceId) -> Result<Status, EngineError> {
        Ok(self.load(id).await?.status)
    }

    /// Every instance the filter selects, in order of creation.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn list(&self, filter: Filter) -> Result<Vec<Summary>, EngineError> {
        Ok(self.inner.store.list(filter).await?)
    }

    /// The instance's journal: every committed event, with its time.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownInstance`], [`EngineError::WrongFlow`],
    /// [`EngineError::WrongVersion`] if `F` is neither the definition the
    /// instance is stored under nor the one it runs on next, or
    /// [`EngineError::Decode`] for an event that does not decode.
    pub async fn history<F: Durable>(
        &self,
        id: InstanceId,
    ) -> Result<Journal<F::Node>, EngineError> {
        let stored = self.load(id).await?;
        self.check_flow::<F>(&stored)?;
        self.check_version::<F>(&stored)?;
        self.journal::<F>(id).await
    }

    async fn journal<F: Flow>(&self, id: InstanceId) -> Result<Journal<F::Node>, EngineError> {
        let events = self.inner.store.journal(id).await?;
        Journal::decode(&events).map_err(|error| EngineError::Decode {
            id,
            reason: error.to_string(),
        })
    }

    /// How far the instance got: steps completed, the task running now,
    /// whether it finished.
    ///
    /// # Errors
    ///
    /// As [`history`](Engine::history).
    pub async fn progress<F: Durable>(&self, id: InstanceId) -> Result<Progress, EngineError> {
        let stored = self.load(id).await?;
        let journal = self.history::<F>(id).await?;
        let mut progress = Progress::default();
        for event in journal.events() {
            match event {
                Event::Attempt { node, .. } if !progress.running.contains(&node.name()) => {
                    progress.running.push(node.name());
                }
                Event::Succeeded { node, .. } => {
                    progress.running.retain(|running| *running != node.name());
                    progress.steps_done += 1;
                }
                Event::AttemptFailed {
                    node,
                    retry_in: None,
                    ..
                } => progress.running.retain(|running| *running != node.name()),
                _ => {}
            }
        }
        progress.finished = stored.status.is_finished();
        Ok(progress)
    }

    /// Waits for the instance to finish and returns how: its end and final
    /// context, or its failure and what was compensated, with its path and
    /// journal.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownInstance`], [`EngineError::WrongFlow`],
    /// [`EngineError::WrongVersion`] if the instance runs (or finished) on
    /// another definition of the flow than `F`, [`EngineError::Broken`] if
    /// the instance cannot run, or [`EngineError::Stopped`] if the engine
    /// stopped after a failed commit.
    pub async fn outcome<F: Durable>(&self, id: InstanceId) -> Result<Outcome<F>, EngineError> {
        let awaiting = self.inner.awaiting(id);
        self.await_outcome::<F>(id, &awaiting.notify).await
    }

    async fn await_outcome<F: Durable>(
        &self,
        id: InstanceId,
        notify: &tokio::sync::Notify,
    ) -> Result<Outcome<F>, EngineError> {
        loop {
            let finished = notify.notified();
            let stored = self.load(id).await?;
            self.check_flow::<F>(&stored)?;
            if stored.status != Status::Broken {
                self.check_version::<F>(&stored)?;
            }
            if stored.status.is_finished() {
                let state: InstanceState<F> =
                    serde_json::from_slice(&stored.state).map_err(|error| EngineError::Decode {
                        id,
                        reason: error.to_string(),
                    })?;
                let journal = self.journal::<F>(id).await?;
                return Ok(state.into_outcome(journal));
            }
            self.check_usable(&stored)?;
            // Another process may finish it: look again now and then.
            tokio::select! {
                () = finished => {}
                () = tokio::time::sleep(self.inner.poll) => {}
            }
        }
    }

    /// Waits until the instance is parked (at a wait, a timer, a retry's
    /// backoff) or finished, and no transition of it runs here.
    ///
    /// # Errors
    ///
    /// As [`outcome`](Engine::outcome).
    pub async fn until_parked(&self, id: InstanceId) -> Result<Status, EngineError> {
        loop {
            let parked = self.inner.parked.notified();
            let stored = self.load(id).await?;
            let settled = matches!(stored.status, Status::Waiting | Status::Sleeping)
                || stored.status.is_finished();
            if settled && !self.inner.is_running(id) {
                return Ok(stored.status);
            }
            self.check_usable(&stored)?;
            tokio::select! {
                () = parked => {}
                () = tokio::time::sleep(self.inner.poll) => {}
            }
        }
    }
}

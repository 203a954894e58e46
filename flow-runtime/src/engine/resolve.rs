//! Which definition runs a stored instance: the one registered under its
//! hash, or the one a migration leads to; an instance that has neither is
//! refused, left untouched and marked broken. And repairing a broken
//! instance once what broke it is fixed.

use super::registry::{Registered, Resting};
use super::versions::Versions;
use super::{Engine, EngineError, Inner, refusal};
use crate::flow::Flow;
use crate::id::InstanceId;
use crate::store::{Commit, Status, StoreError, StoredInstance};
use std::sync::Arc;
use tracing::Instrument;

/// Runs a claimed instance of a registered flow: on the definition of its
/// hash, or migrated first; refused and marked broken if neither works.
pub(crate) async fn run_claimed(inner: Arc<Inner>, stored: StoredInstance) {
    let Some(versions) = inner.flows.get(&stored.flow) else {
        return; // the run loop claims only instances of registered flows
    };
    let id = stored.id;
    match ready(versions, stored) {
        Ok((target, stored, migrated)) => (target.drive)(inner, stored, migrated).await,
        Err(reason) => {
            let span = tracing::info_span!("flow", instance = %id);
            async {
                if !inner.has_crashed() {
                    let _ = mark_broken(&inner, id, reason).await;
                }
                inner.driver_stopped();
            }
            .instrument(span)
            .await;
        }
    }
}

/// The definition `stored` runs on, and its state for that definition:
/// migrated, if a migration leads there (then with the hash it was stored
/// under). Or why it cannot run.
fn ready(
    versions: &Versions,
    mut stored: StoredInstance,
) -> Result<(Registered, StoredInstance, Option<u64>), String> {
    let plan = match versions.plan(stored.hash) {
        None => return Err(refusal::no_definition(&stored, versions)),
        Some(Err(problem)) => {
            return Err(format!(
                "instance {} of `{}` (graph hash {:016x}) cannot run: {problem}",
                stored.id, stored.flow, stored.hash
            ));
        }
        Some(Ok(plan)) => plan,
    };
    let from = stored.hash;
    for migration in &plan.migrations {
        stored.state = migration
            .apply(&stored.state)
            .map_err(|error| refusal::migration_failed(&stored, migration, &error))?;
        stored.hash = migration.new.hash();
    }
    let migrated = (!plan.migrations.is_empty()).then_some(from);
    Ok((plan.target, stored, migrated))
}

/// Marks `id` broken, leaving its state untouched, and wakes those waiting
/// for it.
pub(crate) async fn mark_broken(
    inner: &Inner,
    id: InstanceId,
    reason: String,
) -> Result<(), StoreError> {
    tracing::error!(instance = %id, %reason, "instance left untouched and marked broken");
    let marked = inner.store.mark_broken(id, reason).await;
    inner.finished(id);
    marked
}

impl Engine {
    /// Runs a [`Broken`](Status::Broken) instance again, once what broke
    /// it is fixed: the definition that stored it is registered again
    /// ([`register_old`](super::EngineBuilder::register_old)), a migration
    /// from it is registered, or a failing migration is fixed. The instance
    /// goes on from its stored state, or is migrated first.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{Engine, EngineError, Status};
    /// use flow_runtime::store::MemoryStore;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Go;
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// pub struct Ticket {}
    ///
    /// mod v1 {
    ///     use flow_runtime::prelude::*;
    ///     flow! {
    ///         pub flow Ticketing(ticket: super::Ticket) {
    ///             start -> go;
    ///             wait go: super::Go -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    /// mod v2 {
    ///     use flow_runtime::prelude::*;
    ///     flow! {
    ///         pub flow Ticketing(ticket: super::Ticket) {
    ///             start -> go;
    ///             wait go: super::Go -> noted;
    ///             wait noted: super::Go -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), EngineError> {
    /// let store = MemoryStore::new();
    /// let old = Engine::builder(store.clone()).register::<v1::Ticketing>().start();
    /// let id = old.start::<v1::Ticketing>(Ticket {}).await?;
    /// old.until_parked(id).await?;
    /// old.shutdown().await;
    ///
    /// // Deployed without the old definition: the instance is refused.
    /// let new = Engine::builder(store.clone()).register::<v2::Ticketing>().start();
    /// let refused = new.signal(id, v2::TicketingSignal::Go(Go)).await;
    /// assert!(matches!(refused, Err(EngineError::Broken { .. })));
    /// assert_eq!(new.status(id).await?, Status::Broken);
    /// new.shutdown().await;
    ///
    /// // Deployed again with it: repaired, the instance finishes on v1.
    /// let fixed = Engine::builder(store)
    ///     .register::<v2::Ticketing>()
    ///     .register_old::<v1::Ticketing>()
    ///     .start();
    /// fixed.repair(id).await?;
    /// fixed.signal(id, v1::TicketingSignal::Go(Go)).await?;
    /// assert!(fixed.outcome::<v1::Ticketing>(id).await?.is_completed());
    /// fixed.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`EngineError::NotBroken`] if the instance is not broken;
    /// [`EngineError::Broken`] with the reason, if it still cannot run (no
    /// definition has its hash, its state does not decode, the migration
    /// fails): it stays as it was. [`EngineError::Stopped`] if the engine
    /// stopped after a failed commit.
    pub async fn repair(&self, id: InstanceId) -> Result<(), EngineError> {
        self.check_taking_work()?;
        let stored = self.load(id).await?;
        if stored.status != Status::Broken {
            return Err(EngineError::NotBroken {
                id,
                status: stored.status,
            });
        }
        let versions = self
            .inner
            .flows
            .get(&stored.flow)
            .ok_or_else(|| EngineError::UnknownFlow(stored.flow.clone()))?;
        let still_broken = |reason| EngineError::Broken { id, reason };
        let (target, state, migrated) = ready(versions, stored.clone()).map_err(still_broken)?;
        let resting = match migrated {
            // Migrated when it is claimed, in the transition that stores
            // it under its new hash.
            Some(_) => Resting {
                status: Status::Runnable,
                wake_at: None,
                waits: Vec::new(),
            },
            None => (target.resting)(&state.state).map_err(|error| {
                still_broken(format!("its stored state still does not decode: {error}"))
            })?,
        };
        let commit = Commit {
            id,
            version: stored.version,
            hash: stored.hash,
            status: resting.status,
            state: stored.state,
            wake_at: resting.wake_at,
            waits: resting.waits,
            events: Vec::new(),
            consumed: None,
        };
        self.inner.store.commit(vec![commit]).await?;
        self.inner.work.notify_one();
        Ok(())
    }

    /// Refuses new work once a commit failed.
    pub(super) fn check_taking_work(&self) -> Result<(), EngineError> {
        match self.inner.failure() {
            Some(error) => Err(EngineError::Stopped(error)),
            None => Ok(()),
        }
    }

    /// The definition `stored` runs on next, and its state as that
    /// definition reads it (migrated, if a migration leads there). An
    /// instance that cannot run here (no definition, a failing migration)
    /// is marked broken with the reason.
    pub(super) async fn runs_on(
        &self,
        stored: &StoredInstance,
    ) -> Result<(Registered, Vec<u8>), EngineError> {
        let versions = self.versions(&stored.flow)?;
        match ready(versions, stored.clone()) {
            Ok((target, migrated, _)) => Ok((target, migrated.state)),
            Err(reason) => Err(self.refuse(stored.id, reason).await),
        }
    }

    async fn refuse(&self, id: InstanceId, reason: String) -> EngineError {
        if let Err(error) = mark_broken(&self.inner, id, reason.clone()).await {
            return error.into();
        }
        EngineError::Broken { id, reason }
    }

    /// Checks that `F` is the definition `stored` is stored under or runs
    /// on next: the one whose types read its state and its journal.
    pub(super) fn check_version<F: Flow>(
        &self,
        stored: &StoredInstance,
    ) -> Result<(), EngineError> {
        let asked = F::GRAPH.hash();
        if asked == stored.hash {
            return Ok(());
        }
        let next = match self
            .inner
            .flows
            .get(&stored.flow)
            .map(|v| v.plan(stored.hash))
        {
            Some(Some(Ok(plan))) if !stored.status.is_finished() => Some(plan.target.hash()),
            _ => None,
        };
        if next == Some(asked) {
            return Ok(());
        }
        Err(EngineError::WrongVersion {
            id: stored.id,
            flow: stored.flow.clone(),
            runs_on: next.unwrap_or(stored.hash),
            asked,
        })
    }

    fn versions(&self, flow: &str) -> Result<&Versions, EngineError> {
        self.inner
            .flows
            .get(flow)
            .ok_or_else(|| EngineError::UnknownFlow(flow.to_owned()))
    }
}

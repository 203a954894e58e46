//! Registering the definitions an engine runs: each flow's current one,
//! old ones kept for the instances they stored, and migrations between
//! them.

use super::{Durable, EngineBuilder};
use crate::migrate::MigrationError;
use crate::state::InstanceState;

impl EngineBuilder {
    /// Lets the engine run instances of `F`, the current definition of its
    /// flow: new instances start on it, and instances stored under its
    /// graph hash run on it. For instances stored by another definition of
    /// the flow, see [`register_old`](Self::register_old) and
    /// [`migrate`](Self::migrate).
    ///
    /// Registering the same definition twice changes nothing. A flow that
    /// calls sub-flows (`flow check = Credit(..)`) needs each called flow
    /// registered too: on an engine a child is an instance of its own, and
    /// [`start`](Self::start) panics, naming the call, if one is missing.
    ///
    /// # Panics
    ///
    /// If another definition of the same flow (same name, another graph
    /// hash) is already registered as current, or `F` is registered as an
    /// old definition or a migration's source.
    pub fn register<F: Durable>(mut self) -> Self {
        self.flows.register_current::<F>();
        self
    }

    /// Keeps `F`, an old definition of a flow, beside the current one: the
    /// instances it stored (under its graph hash) resume and finish on it,
    /// while new instances start on the current definition. Typically the
    /// old `flow!` stays in a module of its own (`mod v1`) until its last
    /// instance has finished.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{Engine, EngineError, Status};
    /// use flow_runtime::store::MemoryStore;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Approval { pub ok: bool }
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// pub struct Order { pub approval: Option<Approval>, pub shipped: bool }
    /// pub async fn ship() -> Result<bool, StepError> { Ok(true) }
    ///
    /// mod v1 {
    ///     use flow_runtime::prelude::*;
    ///     use super::{Approval, Order};
    ///     flow! {
    ///         pub flow Purchase(order: Order) {
    ///             start -> approve;
    ///             wait approve: Approval => order.approval -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    /// mod v2 {
    ///     use flow_runtime::prelude::*;
    ///     use super::{Approval, Order, ship};
    ///     flow! {
    ///         pub flow Purchase(order: Order) {
    ///             start -> approve;
    ///             wait approve: Approval => order.approval -> ship;
    ///             task ship = ship() => order.shipped -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), EngineError> {
    /// let store = MemoryStore::new();
    /// let before = Engine::builder(store.clone()).register::<v1::Purchase>().start();
    /// let old = before.start::<v1::Purchase>(Order::default()).await?;
    /// before.until_parked(old).await?;
    /// before.shutdown().await;
    ///
    /// let engine = Engine::builder(store)
    ///     .register::<v2::Purchase>()
    ///     .register_old::<v1::Purchase>()
    ///     .start();
    /// let new = engine.start::<v2::Purchase>(Order::default()).await?;
    /// engine.signal(old, v1::PurchaseSignal::Approve(Approval { ok: true })).await?;
    /// engine.signal(new, v2::PurchaseSignal::Approve(Approval { ok: true })).await?;
    /// // The old one finished on v1 (no `ship`), the new one on v2.
    /// assert!(!engine.outcome::<v1::Purchase>(old).await?.unwrap().context.shipped);
    /// assert!(engine.outcome::<v2::Purchase>(new).await?.unwrap().context.shipped);
    /// // Starting on the old definition is refused.
    /// let refused = engine.start::<v1::Purchase>(Order::default()).await;
    /// assert!(matches!(refused, Err(EngineError::NotCurrent { .. })));
    /// engine.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// If `F` is registered as current, or another definition or a
    /// migration is registered for its graph hash.
    pub fn register_old<F: Durable>(mut self) -> Self {
        self.flows.register_old::<F>();
        self
    }

    /// Registers a migration from `Old`, an old definition of a flow, to
    /// `New`, another (usually the current one): an instance stored under
    /// `Old`'s graph hash is migrated when the engine claims it, committed
    /// under `New`'s hash (its journal records `migrated`), and runs on
    /// `New`. A migration that fails (or panics) leaves the instance
    /// untouched and [`Broken`](crate::Status::Broken), with its error in
    /// the reason. Migrations chain: one from v1 to v2 and one from v2 to
    /// v3 take a v1 instance to v3.
    ///
    /// [`InstanceState::migrate`] writes most migrations: it maps the
    /// context and moves every node by name.
    ///
    /// Write it as a pure function of the old state: besides the claim, a
    /// signal for an instance not migrated yet runs it too, to check the
    /// signal against the state it will meet (and a signal of `Old`'s type
    /// is then [`WrongVersion`](crate::EngineError::WrongVersion): the
    /// instance runs on `New`).
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{Engine, EngineError, InstanceState};
    /// use flow_runtime::store::MemoryStore;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Approval { pub ok: bool }
    ///
    /// mod v1 {
    ///     use flow_runtime::prelude::*;
    ///     #[derive(serde::Serialize, serde::Deserialize, Default)]
    ///     pub struct Order { pub approval: Option<super::Approval> }
    ///     flow! {
    ///         pub flow Purchase(order: Order) {
    ///             start -> approve;
    ///             wait approve: super::Approval => order.approval -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    /// mod v2 {
    ///     use flow_runtime::prelude::*;
    ///     #[derive(serde::Serialize, serde::Deserialize, Default)]
    ///     pub struct Order { pub approval: Option<super::Approval>, pub shipped: bool }
    ///     pub async fn ship() -> Result<bool, StepError> { Ok(true) }
    ///     flow! {
    ///         pub flow Purchase(order: Order) {
    ///             start -> approve;
    ///             wait approve: super::Approval => order.approval -> ship;
    ///             task ship = ship() => order.shipped -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), EngineError> {
    /// let store = MemoryStore::new();
    /// let before = Engine::builder(store.clone()).register::<v1::Purchase>().start();
    /// let id = before.start::<v1::Purchase>(v1::Order::default()).await?;
    /// before.until_parked(id).await?;
    /// before.shutdown().await;
    ///
    /// let engine = Engine::builder(store)
    ///     .register::<v2::Purchase>()
    ///     .migrate(|old: InstanceState<v1::Purchase>| {
    ///         old.migrate::<v2::Purchase>(|order| v2::Order { approval: order.approval, shipped: false })
    ///     })
    ///     .start();
    /// engine.signal(id, v2::PurchaseSignal::Approve(Approval { ok: true })).await?;
    /// let done = engine.outcome::<v2::Purchase>(id).await?.unwrap();
    /// assert!(done.context.shipped, "it finished on v2");
    /// engine.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// If `Old` and `New` are definitions of different flows or have the
    /// same graph hash, or if a definition or another migration is
    /// registered for `Old`'s hash. [`start`](Self::start) panics if a
    /// migration leads to a hash nothing is registered under.
    pub fn migrate<Old: Durable, New: Durable>(
        mut self,
        migration: impl Fn(InstanceState<Old>) -> Result<InstanceState<New>, MigrationError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.flows.register_migration(migration);
        self
    }
}

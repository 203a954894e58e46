//! Business workflows written inline in Rust, checked at compile time, run on
//! tokio.
//!
//! The [`flow!`] macro reads a workflow graph, proves it well-formed (one
//! `start`, every node reachable, every node able to reach an `end`, no
//! misspelt edge, ...) and generates a typed state machine. This crate runs
//! those machines.
//!
//! ```
//! use flow_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Order { amount: u32, approved: bool }
//!
//! mod steps {
//!     pub async fn validate(order: &super::Order) -> Result<(), String> {
//!         if order.amount == 0 { Err("empty order".into()) } else { Ok(()) }
//!     }
//!     pub async fn approve(_order: &super::Order) -> Result<bool, String> { Ok(true) }
//! }
//!
//! flow! {
//!     /// Approves large orders by hand.
//!     pub flow Approval(order: Order) {
//!         start -> validate;
//!         task validate = steps::validate(&order) -> size;
//!         xor size {
//!             order.amount > 1000 => approve,
//!             else => small,
//!         }
//!         task approve = steps::approve(&order) => order.approved -> large;
//!         end small;
//!         end large;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let done = Approval::run(Order { amount: 1500, ..Order::default() }).await.unwrap();
//! assert_eq!(done.end, ApprovalEnd::Large);
//! assert!(done.context.approved);
//! assert_eq!(done.path.to_string(), "start -> validate -> size -> approve -> large");
//!
//! let failed = Approval::run(Order::default()).await.unwrap_failed();
//! assert_eq!(failed.node, ApprovalNode::Validate);
//! assert_eq!(failed.error.to_string(), "empty order");
//! # }
//! ```
//!
//! # What `flow!` generates
//!
//! For `pub flow Approval(order: Order)`:
//!
//! - `pub struct Approval;`, implementing [`Flow`], with an inherent
//!   `Approval::run(context)` that runs an instance in memory (see [`run`]);
//! - `pub enum ApprovalNode`, one variant per node (`Start`, `Validate`,
//!   `Size`, ...; names in `UpperCamelCase`), implementing [`NodeId`];
//! - `pub enum ApprovalEnd`, one variant per `end` node, implementing [`EndId`];
//! - `ApprovalTask::validate()`, `ApprovalTask::approve()`: one handle per
//!   task, typed by what a test's mock of it produces (see [`testing`]);
//! - `Approval::GRAPH`, the static [`Graph`] with a stable hash of its shape.
//!
//! The README is the reference for the DSL and lists every compile-time
//! check with the error it prints.
//!
//! # Tracing
//!
//! Every instance runs in a `flow` span (fields `flow`, `instance`) and every
//! node in a `step` span inside it (fields `node`, `iteration`). A failed step
//! is logged at `WARN`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Lets the crate's own tests and doc examples use `flow!`, whose expansion
// names `::flow_runtime`.
extern crate self as flow_runtime;

mod attempt;
mod clock;
mod crash;
pub mod diagram;
mod engine;
mod exec;
mod flow;
mod graph;
mod history;
mod id;
mod instance;
mod intercept;
mod journal;
mod migrate;
mod observe;
mod outcome;
mod policy;
mod runner;
mod signal;
mod state;
mod step;
pub mod store;
pub mod testing;

/// Crash testing only: see `EngineBuilder::crash_hook`.
#[doc(hidden)]
pub use engine::CommitPoint;
pub use engine::{Durable, Engine, EngineBuilder, EngineError, Started, User, UserTask};
pub use exec::{NextAttempt, Position, Region, Scope, SubFlowFailed, run, start};
pub use flow::{EndId, Flow, NodeId, Transition, Wait, Wake};
pub use graph::{EdgeInfo, EdgeLabel, Graph, NodeInfo, NodeKind};
pub use history::{History, Path, Visit};
pub use id::{InstanceId, ParseIdError};
pub use instance::{Finished, Instance};
pub use journal::{Entry, Event, Journal};
pub use migrate::MigrationError;
pub use observe::{InstanceCounts, Observation, Observer, Progress, StepMetrics, StepStats};
pub use outcome::{
    Cancelled, Cause, Compensation, CompensationFailed, Completed, Done, Failed, Outcome,
};
pub use policy::{Backoff, Policy, Retry};
pub use runner::Runner;
pub use signal::{NoSignal, Payload, Signal, SignalError};
pub use state::{InstanceState, ParentCall};
pub use step::{
    BoxError, IntoStepError, Permanent, Step, StepError, StepOutput, StoreError, StorePlace,
    TaskValue,
};
pub use store::{Delivery, Filter, Status};

/// Defines a flow. See the [crate documentation](crate) and the README.
pub use flow_macros::flow;

/// Everything a module that defines or runs flows needs.
pub mod prelude {
    pub use crate::flow;
    pub use crate::{EndId, Flow, NodeId, Outcome, Permanent, Signal, Step, StepError};
}

/// What the expansion of `flow!` names. Not a public API: it changes with
/// the macro, which is always the same version as this crate.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    /// `Flow::step` and `Flow::compensate` of a `flow!` dispatch to one
    /// function per node; the futures those return, each of its own type,
    /// are the leaves of a balanced tree of `Either`s, so the dispatch is a
    /// plain `match` of one type, with no coroutine of its own.
    pub use futures::future::Either;

    use crate::step::{StepError, StepOutput};

    /// Requires a task's future to be `Send`; the error lands on the call.
    /// (Awaiting a call that is not a future is rustc's own error, once.)
    #[inline(always)]
    pub fn require_send<F: Send>(_future: &F) {}

    /// Stores a step's value: `=> order.stock`. The value comes first so
    /// that its type, not the place's, is inferred first: a mismatch is then
    /// reported on the place as "cannot store `V` in a place of type `P`".
    #[inline(always)]
    pub fn store<V, P: crate::step::StorePlace<V>>(value: V, place: &mut P) {
        place.store(value);
    }

    /// Stores a task's error: `on error => order.failure`.
    #[inline(always)]
    pub fn store_error<P: crate::step::StoreError>(place: &mut P, error: crate::step::StepError) {
        place.store_error(error);
    }

    pub use crate::exec::{BranchFuture, Settled, TaskRun, Waited};
    pub use crate::intercept::{
        Codec, DurableMemo, InMemoryMemo, Intercepted, MemoCodec, SubFlowCodec, UnserializableMemo,
        memo_codec,
    };
    pub use crate::signal::{
        CheckDeserializable, CheckNeither, CheckPayload, CheckSerializable, EncodeFallback,
        EncodePayload, PayloadCheck, PayloadCodec, StorePayload, payload_from_json,
        payload_to_json, store_payload,
    };
    pub use serde_json;

    /// Requires a `wait`'s payload type to be serializable; spanned at the
    /// type, so the error names it.
    #[inline(always)]
    pub fn require_payload<T: crate::signal::Payload>() {}

    /// The wait-time of `timer t = at(deadline)`: a wall-clock time.
    #[inline(always)]
    pub fn deadline(at: std::time::SystemTime) -> crate::flow::Wake {
        crate::flow::Wake::At(at)
    }

    /// The delay of `timer t = 30m`, and a `wait`'s timeout.
    #[inline(always)]
    pub const fn millis(millis: u64) -> std::time::Duration {
        std::time::Duration::from_millis(millis)
    }

    /// A wait with nobody named, no timeout; the clauses add to it.
    #[inline(always)]
    pub fn wait<N>() -> crate::flow::Wait<N> {
        crate::flow::Wait::new()
    }

    /// Boxes a branch of a split, so branches of different types can be
    /// joined; the branch must be `Send`, like the instance.
    #[inline(always)]
    pub fn branch<'a>(
        branch: impl std::future::Future<Output = Result<(), StepError>> + Send + 'a,
    ) -> BranchFuture<'a> {
        Box::pin(branch)
    }

    /// The error of a node that runs inside a branch when it is asked to
    /// run on its own: its split runs it.
    #[cold]
    pub fn runs_in_branch(node: &'static str) -> StepError {
        StepError::new(crate::Permanent(format!(
            "node `{node}` runs inside a branch of a split, not on its own"
        )))
    }

    /// Splits what a task's call produced into its value or its failure.
    #[inline(always)]
    pub fn step_output<O: StepOutput>(output: O) -> Result<O::Value, StepError> {
        output.into_step_result()
    }
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

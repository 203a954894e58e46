//! Typed handles on a flow's tasks: how a [`FlowTest`](super::FlowTest)
//! names the task it replaces.
//!
//! `flow!` generates one handle per task and sub-flow call, as associated
//! functions of `<Flow>Task` (`ShopTask::pay()`). A handle's type carries
//! what a mock of it must produce, so a mock of the wrong type, or of a node
//! that is not a task, does not compile:
//!
//! - `task pay: Receipt = ..` (the flow writes the step's value type):
//!   [`Task<Shop, Receipt>`](Task), mocked with a `Receipt`;
//! - `flow check = Credit(..)`: [`SubFlowTask<Shop, Credit>`](SubFlowTask),
//!   mocked with the child's end and final context;
//! - `task pay = ..` (no type written): [`UntypedTask<Shop>`](UntypedTask),
//!   which a test can fail, time out or panic, but not mock.
//!
//! rustc checks the written type against the step's real value where the
//! flow calls it, so the handle's type is the step's.

use crate::flow::{Flow, NodeId};
use std::fmt;
use std::marker::PhantomData;

/// A task of flow `F` whose step produces `V` on success: the flow writes
/// the type, `task pay: V = ..`. A test mocks it with a `V`.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::testing::Task;
///
/// # struct Order { amount: u32 }
/// # async fn charge(amount: u32) -> Result<String, String> { Ok(amount.to_string()) }
/// flow! {
///     flow Shop(order: Order) {
///         start -> pay;
///         task pay: String = charge(order.amount) -> done;
///         end done;
///     }
/// }
///
/// let pay: Task<Shop, String> = ShopTask::pay();
/// assert_eq!(pay.node(), ShopNode::Pay);
/// ```
pub struct Task<F: Flow, V> {
    node: F::Node,
    marker: PhantomData<fn() -> V>,
}

/// A sub-flow call of flow `F` that runs flow `S`
/// (`flow check = S(context)`). A test mocks it with the end the child
/// reaches and its final context, `(S::End, S::Context)`: the parent stores
/// and routes them as if the child had run.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::testing::SubFlowTask;
///
/// # async fn score(name: &str) -> Result<u32, String> { Ok(name.len() as u32) }
/// flow! {
///     flow Credit(name: String) {
///         start -> score;
///         task score = score(&name) -> scored;
///         end scored;
///     }
/// }
/// # #[derive(Default)] struct Loan { name: String, checked: String }
/// flow! {
///     flow Lend(loan: Loan) {
///         start -> check;
///         flow check = Credit(loan.name.clone()) => loan.checked -> done;
///         end done;
///     }
/// }
///
/// let check: SubFlowTask<Lend, Credit> = LendTask::check();
/// assert_eq!(check.node(), LendNode::Check);
/// ```
pub struct SubFlowTask<F: Flow, S> {
    node: F::Node,
    marker: PhantomData<fn() -> S>,
}

/// A task of flow `F` whose value type the flow does not write
/// (`task pay = ..`). A test can fail it, time it out or make it panic; to
/// mock its value, write the type in the flow: `task pay: Receipt = ..`.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::testing::UntypedTask;
///
/// # async fn ship() -> Result<(), String> { Ok(()) }
/// flow! {
///     flow Shop(order: ()) {
///         start -> ship;
///         task ship = ship() -> done;
///         end done;
///     }
/// }
///
/// let ship: UntypedTask<Shop> = ShopTask::ship();
/// assert_eq!(ship.node(), ShopNode::Ship);
/// ```
pub struct UntypedTask<F: Flow> {
    node: F::Node,
    marker: PhantomData<fn()>,
}

/// A handle on a task of flow `F`: what [`FlowTest`](super::FlowTest) can
/// fail, time out or make panic. Implemented by [`Task`], [`SubFlowTask`]
/// and [`UntypedTask`], the handles `flow!` generates as `<Flow>Task::name()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task of `{F}`",
    label = "not a task handle of `{F}`",
    note = "name a task by the handle `flow!` generates for it, `{F}Task::name()`; only tasks and sub-flow calls can be replaced"
)]
pub trait TaskHandle<F: Flow>: Copy + sealed::Sealed {
    /// The task's node.
    fn node(self) -> F::Node;
}

/// A handle whose task a test can mock: a [`Task`] (with the value type
/// the flow writes) or a [`SubFlowTask`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task whose value a test can mock",
    label = "not a typed task handle of `{F}`",
    note = "a task's handle is typed when the flow writes the type of its step's value, like `task pay: Receipt = charge(..)`, and a sub-flow call's always is; an untyped task can still be failed, timed out or made to panic",
    note = "name a task by the handle `flow!` generates for it, `{F}Task::name()`"
)]
pub trait Mockable<F: Flow>: TaskHandle<F> {
    /// What a mock produces: the step's value, or a sub-flow's end and
    /// final context.
    type Value;
}

mod sealed {
    /// Handles come from `flow!` only, so each one's type is the task's.
    pub trait Sealed {}
    impl<F: crate::Flow, V> Sealed for super::Task<F, V> {}
    impl<F: crate::Flow, S> Sealed for super::SubFlowTask<F, S> {}
    impl<F: crate::Flow> Sealed for super::UntypedTask<F> {}
}

impl<F: Flow, V> Task<F, V> {
    /// The handle of the task `node`. What `flow!` writes: a handle made by
    /// hand could claim a type the task does not produce.
    #[doc(hidden)]
    pub const fn __new(node: F::Node) -> Self {
        Self {
            node,
            marker: PhantomData,
        }
    }

    /// The task's node, as in paths and journals.
    pub fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow, V> Clone for Task<F, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Flow, V> Copy for Task<F, V> {}

// `do_not_recommend`: a node or another flow's handle reads as the trait's
// message, without a list of these impls.
#[diagnostic::do_not_recommend]
impl<F: Flow, V> TaskHandle<F> for Task<F, V> {
    fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow, V> fmt::Debug for Task<F, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task `{}`", self.node.name())
    }
}

impl<F: Flow, S> SubFlowTask<F, S> {
    /// The handle of the task `node`. What `flow!` writes: a handle made by
    /// hand could claim a type the task does not produce.
    #[doc(hidden)]
    pub const fn __new(node: F::Node) -> Self {
        Self {
            node,
            marker: PhantomData,
        }
    }

    /// The task's node, as in paths and journals.
    pub fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow, S> Clone for SubFlowTask<F, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Flow, S> Copy for SubFlowTask<F, S> {}

// `do_not_recommend`: a node or another flow's handle reads as the trait's
// message, without a list of these impls.
#[diagnostic::do_not_recommend]
impl<F: Flow, S> TaskHandle<F> for SubFlowTask<F, S> {
    fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow, S> fmt::Debug for SubFlowTask<F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sub-flow call `{}`", self.node.name())
    }
}

impl<F: Flow> UntypedTask<F> {
    /// The handle of the task `node`. What `flow!` writes: a handle made by
    /// hand could claim a type the task does not produce.
    #[doc(hidden)]
    pub const fn __new(node: F::Node) -> Self {
        Self {
            node,
            marker: PhantomData,
        }
    }

    /// The task's node, as in paths and journals.
    pub fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow> Clone for UntypedTask<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Flow> Copy for UntypedTask<F> {}

// `do_not_recommend`: a node or another flow's handle reads as the trait's
// message, without a list of these impls.
#[diagnostic::do_not_recommend]
impl<F: Flow> TaskHandle<F> for UntypedTask<F> {
    fn node(self) -> F::Node {
        self.node
    }
}

impl<F: Flow> fmt::Debug for UntypedTask<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "untyped task `{}`", self.node.name())
    }
}

#[diagnostic::do_not_recommend]
impl<F: Flow, V> Mockable<F> for Task<F, V> {
    type Value = V;
}

#[diagnostic::do_not_recommend]
impl<F: Flow, S: Flow> Mockable<F> for SubFlowTask<F, S> {
    type Value = (S::End, S::Context);
}

//! The traits that `flow!` implements for every flow.

use crate::exec::Scope;
use crate::graph::Graph;
use crate::signal::Signal;
use crate::step::{Step, StepError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::time::{Duration, SystemTime};

/// A workflow: a typed state machine over a context.
///
/// `flow!` implements this trait for the type it generates; the runtime
/// drives any implementation. Users rarely implement it by hand, but nothing
/// prevents it: the `hand_written` example shows a flow written both ways.
///
/// A flow never holds data: it is a marker type. Its state is the context
/// (owned by the instance) and the node the instance is at.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a flow",
    label = "not a flow defined with `flow!`",
    note = "define flows with `flow! {{ flow Name(context: Type) {{ .. }} }}`"
)]
pub trait Flow: Sized + Send + Sync + 'static {
    /// The data an instance carries from node to node (`Order` in
    /// `flow OrderProcess(order: Order)`).
    type Context: Send + 'static;
    /// One value per node of the graph; an instance is always at one.
    type Node: NodeId;
    /// One value per `end` node, so callers can tell which end was reached.
    type End: EndId;
    /// One variant per `wait` node, carrying its payload
    /// (`OrderProcessSignal::ManualApproval(Approval)`). A flow without
    /// waits has an enum without variants; a flow written by hand uses
    /// [`NoSignal`](crate::NoSignal).
    type Signal: Signal<Flow = Self>;

    /// The static shape of the flow.
    const GRAPH: &'static Graph;
    /// The `start` node.
    const START: Self::Node;

    /// Runs `node` over the context and says where the instance goes next.
    ///
    /// For a task this calls the step once (the runtime owns retries and
    /// timeouts); for a gateway it evaluates the conditions; for `start` and
    /// an `end` it only moves on. For an `and` or `or` split it runs the
    /// branches concurrently, through `scope`, up to their join; on an
    /// engine, a region whose branches all wait or sleep parks there, and
    /// its split's `step` is run again to replay it (see
    /// [`Position::Region`](crate::Position::Region)).
    fn step<'a>(
        node: Self::Node,
        context: &'a mut Self::Context,
        step: &'a Step,
        scope: &'a Scope<Self>,
    ) -> impl Future<Output = Transition<Self>> + Send + 'a;

    /// Undoes a completed task: runs its `compensate` call. `step` is the
    /// step info of the visit being undone (same idempotency key). Tasks
    /// without `compensate` are never passed here; the default does nothing.
    fn compensate<'a>(
        node: Self::Node,
        context: &'a mut Self::Context,
        step: &'a Step,
    ) -> impl Future<Output = Result<(), StepError>> + Send + 'a {
        let _ = (node, context, step);
        std::future::ready(Ok(()))
    }

    /// Delivers `signal` to the `wait` node `node`: stores its payload where
    /// the wait says (`=> order.approval`) and returns the node the instance
    /// goes on at. A signal for another wait is handed back unchanged. The
    /// default (a flow without waits) hands every signal back.
    fn receive(
        node: Self::Node,
        context: &mut Self::Context,
        signal: Self::Signal,
    ) -> Result<Self::Node, Self::Signal> {
        let _ = (node, context);
        Err(signal)
    }

    /// After a task's last attempt failed: where its `on error` route leads,
    /// after storing the error if the route says `=> place`; the error back
    /// if the task has no error route (the default).
    fn recover(
        node: Self::Node,
        context: &mut Self::Context,
        error: StepError,
    ) -> Result<Self::Node, StepError> {
        let _ = (node, context);
        Err(error)
    }
}

/// The node type of a flow: a field-less enum with one variant per node.
pub trait NodeId:
    Copy + Eq + Ord + Hash + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The node's position in [`Graph::nodes`].
    fn index(self) -> usize;

    /// The node at `index` in [`Graph::nodes`], if there is one.
    fn from_index(index: usize) -> Option<Self>;

    /// The node's name as written in the flow.
    fn name(self) -> &'static str;
}

/// The end type of a flow: a field-less enum with one variant per `end` node.
pub trait EndId:
    Copy + Eq + Hash + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The end node's name as written in the flow.
    fn name(self) -> &'static str;
}

/// What running one node decided.
#[non_exhaustive]
pub enum Transition<F: Flow> {
    /// Go on at this node.
    Next(F::Node),
    /// The instance reached this end.
    End(F::End),
    /// The node's step failed.
    Fail(StepError),
    /// A `wait` node: park the instance here until a signal for this node
    /// arrives (see [`Flow::receive`]), or until the wait's timeout.
    Wait(Wait<F::Node>),
    /// A `timer` node: park the instance until `until`, then go on at `next`.
    Sleep {
        /// When the timer fires.
        until: Wake,
        /// Where the instance goes on once it has fired.
        next: F::Node,
    },
}

/// What a `wait` node waits for: who may complete it, and how long.
///
/// ```
/// use flow_runtime::Wait;
/// use std::time::Duration;
///
/// let wait = Wait::new()
///     .assignee("alice")
///     .group("manager")
///     .timeout(Duration::from_secs(48 * 3600), "escalate");
/// assert_eq!(wait.assignee_name(), Some("alice"));
/// assert_eq!(wait.group_names(), ["manager"]);
/// assert_eq!(wait.timeout_route(), Some((Duration::from_secs(172_800), &"escalate")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait<N> {
    assignee: Option<String>,
    groups: Vec<String>,
    timeout: Option<(Duration, N)>,
}

impl<N> Default for Wait<N> {
    fn default() -> Self {
        Self {
            assignee: None,
            groups: Vec::new(),
            timeout: None,
        }
    }
}

impl<N> Wait<N> {
    /// A wait anyone may complete, without a timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The one user who may complete the wait (`for user(..)`).
    pub fn assignee(mut self, user: impl Into<String>) -> Self {
        self.assignee = Some(user.into());
        self
    }

    /// A group whose members may complete the wait (`for group(..)`).
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// After `after` without a signal, the instance goes on at `route`
    /// (`timeout 48h -> escalate`).
    pub fn timeout(mut self, after: Duration, route: N) -> Self {
        self.timeout = Some((after, route));
        self
    }

    /// The user who may complete the wait, if one is named.
    pub fn assignee_name(&self) -> Option<&str> {
        self.assignee.as_deref()
    }

    /// The groups whose members may complete the wait.
    pub fn group_names(&self) -> &[String] {
        &self.groups
    }

    /// The timeout and the node it leads to, if the wait has one.
    pub fn timeout_route(&self) -> Option<(Duration, &N)> {
        self.timeout.as_ref().map(|(after, route)| (*after, route))
    }

    /// Whether the wait names who may complete it: it is then a user task,
    /// listed in the engine's inbox.
    pub fn is_user_task(&self) -> bool {
        self.assignee.is_some() || !self.groups.is_empty()
    }

    /// Whether `user`, a member of `groups`, may complete the wait: anyone
    /// may complete a wait that names nobody.
    pub fn allows(&self, user: &str, groups: &[String]) -> bool {
        if !self.is_user_task() {
            return true;
        }
        self.assignee.as_deref() == Some(user) || self.groups.iter().any(|g| groups.contains(g))
    }

    /// Who may complete the wait, and its timeout: what the runtime keeps
    /// of a wait it parks at.
    pub(crate) fn into_parts(self) -> (Option<String>, Vec<String>, Option<(Duration, N)>) {
        (self.assignee, self.groups, self.timeout)
    }
}

/// When a `timer` fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// This long after the instance entered the timer (`timer t = 30m`).
    After(Duration),
    /// At this wall-clock time (`timer t = at(order.ship_after)`); a time in
    /// the past fires at once.
    At(SystemTime),
}

impl<F: Flow> fmt::Debug for Transition<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transition::Next(node) => f.debug_tuple("Next").field(node).finish(),
            Transition::End(end) => f.debug_tuple("End").field(end).finish(),
            Transition::Fail(error) => f.debug_tuple("Fail").field(error).finish(),
            Transition::Wait(wait) => f.debug_tuple("Wait").field(wait).finish(),
            Transition::Sleep { until, next } => f
                .debug_struct("Sleep")
                .field("until", until)
                .field("next", next)
                .finish(),
        }
    }
}

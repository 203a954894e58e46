//! The static shape of a flow: its nodes, its edges and a hash of both.
//!
//! Every flow carries one [`Graph`] as [`Flow::GRAPH`](crate::Flow::GRAPH),
//! written out by `flow!` at compile time. Nothing in it is computed at run
//! time; tools such as diagram renderers and stores read it.

use crate::policy::Policy;

/// The nodes and edges of a flow, as written in its `flow!` definition.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// # #[derive(Default)] struct Order { amount: u32 }
/// # async fn validate(_: &Order) -> Result<(), std::convert::Infallible> { Ok(()) }
/// flow! {
///     flow Check(order: Order) {
///         start -> validate;
///         task validate = validate(&order) -> done;
///         end done;
///     }
/// }
///
/// let graph = Check::GRAPH;
/// assert_eq!(graph.name(), "Check");
/// let names: Vec<_> = graph.nodes().iter().map(|node| node.name()).collect();
/// assert_eq!(names, ["start", "validate", "done"]);
/// assert_eq!(graph.edges().len(), 2);
/// ```
#[derive(Debug)]
pub struct Graph {
    name: &'static str,
    doc: &'static str,
    nodes: &'static [NodeInfo],
    edges: &'static [EdgeInfo],
    hash: u64,
}

impl Graph {
    /// Describes a flow. `flow!` calls this; a flow written by hand against
    /// [`Flow`](crate::Flow) calls it too.
    pub const fn new(
        name: &'static str,
        doc: &'static str,
        nodes: &'static [NodeInfo],
        edges: &'static [EdgeInfo],
        hash: u64,
    ) -> Self {
        Self {
            name,
            doc,
            nodes,
            edges,
            hash,
        }
    }

    /// The flow's name, as written after `flow`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The flow's doc comment, without the `///` markers.
    pub const fn doc(&self) -> &'static str {
        self.doc
    }

    /// Every node, in the order of the definition. A node's position here is
    /// its [`NodeId::index`](crate::NodeId::index).
    pub const fn nodes(&self) -> &'static [NodeInfo] {
        self.nodes
    }

    /// Every edge, in the order of the definition.
    pub const fn edges(&self) -> &'static [EdgeInfo] {
        self.edges
    }

    /// A stable hash of the graph's shape: node names and kinds, which tasks
    /// are compensable, waits' payload types, timers' and timeouts'
    /// durations, and edges with their kinds. Conditions, doc comments and
    /// line numbers do not change it; adding, removing, renaming or rewiring
    /// a node does. It is
    /// FNV-1a over a canonical text, so it is the same on every compiler,
    /// platform and build.
    pub const fn hash(&self) -> u64 {
        self.hash
    }

    /// The index of the node named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|node| node.name == name)
    }

    /// Whether the node named `name` is a `wait` (and not, say, a sub-flow
    /// call, whose name a parent waiting for its child lists as its wait).
    pub(crate) fn is_wait(&self, name: &str) -> bool {
        self.index_of(name)
            .is_some_and(|index| self.nodes[index].kind == NodeKind::Wait)
    }

    /// Whether an instance at the node `from` can get to the node `to`
    /// (itself included), following any edges.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// # struct Order;
    /// # async fn pay() -> Result<(), String> { Ok(()) }
    /// flow! {
    ///     flow Pay(order: Order) {
    ///         start -> pay;
    ///         task pay = pay() -> done;
    ///         end done;
    ///     }
    /// }
    /// let graph = Pay::GRAPH;
    /// let (start, done) = (graph.index_of("start").unwrap(), graph.index_of("done").unwrap());
    /// assert!(graph.reaches(start, done));
    /// assert!(!graph.reaches(done, start));
    /// ```
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![from];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            match seen.get_mut(node) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            stack.extend(self.edges_from(node).map(|edge| edge.to));
        }
        false
    }

    /// The edges leaving the node at `index`.
    pub fn edges_from(&self, index: usize) -> impl Iterator<Item = &'static EdgeInfo> {
        self.edges.iter().filter(move |edge| edge.from == index)
    }
}

/// One node of a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInfo {
    name: &'static str,
    kind: NodeKind,
    line: u32,
    doc: &'static str,
    policy: Policy,
    compensation: Option<Policy>,
    payload: Option<&'static str>,
    time: Option<&'static str>,
    sub_flow: Option<SubFlowGraph>,
}

/// The graph of the flow a sub-flow call runs, behind a function: a flow
/// may call itself, and a constant cannot contain itself.
#[derive(Clone, Copy)]
struct SubFlowGraph(fn() -> &'static Graph);

impl PartialEq for SubFlowGraph {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = ((self.0)(), (other.0)());
        a.name() == b.name() && a.hash() == b.hash()
    }
}

impl Eq for SubFlowGraph {}

impl std::fmt::Debug for SubFlowGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str((self.0)().name())
    }
}

impl NodeInfo {
    /// Describes a node defined on `line` of the source file: one attempt,
    /// no timeout, no compensation.
    pub const fn new(name: &'static str, kind: NodeKind, line: u32, doc: &'static str) -> Self {
        Self {
            name,
            kind,
            line,
            doc,
            policy: Policy::new(),
            compensation: None,
            payload: None,
            time: None,
            sub_flow: None,
        }
    }

    /// A sub-flow call's flow: `graph` returns its graph (`flow!` writes
    /// `|| <Credit as Flow>::GRAPH`). An engine checks when it starts that
    /// every flow a registered flow calls is registered too.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::NodeKind;
    ///
    /// # #[derive(Clone, Default)] struct Applicant;
    /// flow! {
    ///     flow Credit(applicant: Applicant) {
    ///         start -> good;
    ///         end good;
    ///     }
    /// }
    /// flow! {
    ///     flow Lend(applicant: Applicant) {
    ///         start -> check;
    ///         flow check = Credit(applicant.clone()) -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// let check = &Lend::GRAPH.nodes()[1];
    /// assert_eq!(check.kind(), NodeKind::SubFlow);
    /// assert_eq!(check.sub_flow().map(|graph| graph.name()), Some("Credit"));
    /// ```
    pub const fn with_sub_flow(mut self, graph: fn() -> &'static Graph) -> Self {
        self.sub_flow = Some(SubFlowGraph(graph));
        self
    }

    /// The graph of the flow a sub-flow call runs; `None` for other nodes
    /// (and for a call in a flow written by hand that does not say).
    pub fn sub_flow(&self) -> Option<&'static Graph> {
        self.sub_flow.map(|graph| (graph.0)())
    }

    /// A `wait`'s payload type, as written (`Approval`).
    ///
    /// ```
    /// use flow_runtime::{NodeInfo, NodeKind};
    ///
    /// let wait = NodeInfo::new("approve", NodeKind::Wait, 3, "")
    ///     .with_payload("Approval")
    ///     .with_time("48h");
    /// assert_eq!(wait.payload(), Some("Approval"));
    /// assert_eq!(wait.time(), Some("48h"));
    /// ```
    pub const fn with_payload(mut self, payload: &'static str) -> Self {
        self.payload = Some(payload);
        self
    }

    /// When a `timer` fires (`30m`, `at(order.ship_after)`) or a `wait`
    /// times out (`48h`), as written.
    pub const fn with_time(mut self, time: &'static str) -> Self {
        self.time = Some(time);
        self
    }

    /// A `wait`'s payload type, as written; `None` for other nodes.
    pub const fn payload(&self) -> Option<&'static str> {
        self.payload
    }

    /// When a `timer` fires or a `wait` times out, as written; `None` for
    /// other nodes and for a wait without `timeout`.
    pub const fn time(&self) -> Option<&'static str> {
        self.time
    }

    /// The task's `retry` and `timeout`.
    pub const fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Marks the task compensable (`compensate`), with the compensation's
    /// own `retry` and `timeout`.
    pub const fn with_compensation(mut self, policy: Policy) -> Self {
        self.compensation = Some(policy);
        self
    }

    /// How the task is attempted.
    pub const fn policy(&self) -> Policy {
        self.policy
    }

    /// How the task's compensation is attempted, if it has one.
    pub const fn compensation(&self) -> Option<Policy> {
        self.compensation
    }

    /// The node's name (`"start"` for the start node).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// What kind of node it is.
    pub const fn kind(&self) -> NodeKind {
        self.kind
    }

    /// The line of the source file the node is defined on.
    pub const fn line(&self) -> u32 {
        self.line
    }

    /// The node's doc comment, without the `///` markers.
    pub const fn doc(&self) -> &'static str {
        self.doc
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeKind {
    /// `start`: where every instance begins.
    Start,
    /// `end NAME`: where an instance finishes.
    End,
    /// `task NAME = call`: runs a step.
    Task,
    /// `xor NAME { .. }`: takes the first branch whose condition holds.
    Xor,
    /// `and NAME -> a, b;`: a parallel split; every branch runs, concurrently.
    And,
    /// `or NAME { .. }`: an inclusive split; every branch whose condition
    /// holds runs, concurrently, or the `else` branch if none holds.
    Or,
    /// `join NAME -> next;`: waits for the branches of its split.
    Join,
    /// `flow NAME = Other(context)`: runs another flow to one of its ends.
    SubFlow,
    /// `wait NAME: Payload`: parks the instance until a signal carrying a
    /// `Payload` arrives (a person's decision, another system's answer).
    Wait,
    /// `timer NAME = 30m` or `timer NAME = at(deadline)`: parks the instance
    /// until a time.
    Timer,
}

impl NodeKind {
    /// Does the node run a call, with attempts, retries and a timeout: a
    /// task or a sub-flow call?
    pub const fn is_task(self) -> bool {
        matches!(self, NodeKind::Task | NodeKind::SubFlow)
    }

    /// The DSL keyword of the node kind.
    pub const fn keyword(self) -> &'static str {
        match self {
            NodeKind::Start => "start",
            NodeKind::End => "end",
            NodeKind::Task => "task",
            NodeKind::Xor => "xor",
            NodeKind::And => "and",
            NodeKind::Or => "or",
            NodeKind::Join => "join",
            NodeKind::SubFlow => "flow",
            NodeKind::Wait => "wait",
            NodeKind::Timer => "timer",
        }
    }
}

/// One edge of a [`Graph`], between node indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeInfo {
    from: usize,
    to: usize,
    label: EdgeLabel,
}

impl EdgeInfo {
    /// Describes an edge from the node at index `from` to the node at `to`.
    pub const fn new(from: usize, to: usize, label: EdgeLabel) -> Self {
        Self { from, to, label }
    }

    /// The index of the node the edge leaves.
    pub const fn from(&self) -> usize {
        self.from
    }

    /// The index of the node the edge enters.
    pub const fn to(&self) -> usize {
        self.to
    }

    /// Why the edge is taken.
    pub const fn label(&self) -> EdgeLabel {
        self.label
    }
}

/// Why an edge is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EdgeLabel {
    /// `-> next`: the only way out of a `start`, a task or a `join`.
    Next,
    /// A branch of an `and` split, all of which run.
    Branch,
    /// An `xor` or `or` branch, with its condition as written.
    When(&'static str),
    /// An `xor`'s or `or`'s `else` branch.
    Else,
    /// An arm of a task's `-> match { .. }`, with its pattern as written.
    Match(&'static str),
    /// A task's `on error` route, taken when its last attempt failed.
    OnError,
    /// A `wait`'s `timeout` route, taken when no signal came in time.
    Timeout,
}

//! Draws a workflow graph as [Mermaid](https://mermaid.js.org/) `flowchart`
//! text or as [Graphviz](https://graphviz.org/) DOT text, optionally with the
//! path one run took highlighted.
//!
//! The input is a plain description, a [`Diagram`] of [`Node`]s and
//! [`Edge`]s, so that anything that knows a flow's shape can draw it: the
//! `flow!` macro at compile time, `flow-runtime` from a flow's static graph at
//! run time. The crate has no dependencies and only builds strings.
//!
//! The drawing follows BPMN:
//!
//! | node | drawn as |
//! |---|---|
//! | [`Kind::Start`] | a circle |
//! | [`Kind::End`] | a thick double circle |
//! | [`Kind::Task`] | a rounded rectangle |
//! | [`Kind::Xor`] | a diamond marked `×` (exclusive gateway) |
//! | [`Kind::And`], [`Kind::Join`] | a diamond marked `+` (parallel gateway) |
//! | [`Kind::Or`] | a diamond marked `○` (inclusive gateway) |
//! | [`Kind::SubFlow`] | a subroutine box (Mermaid), a double-bordered box (DOT) |
//! | [`Kind::Wait`] | a hexagon marked `✉` (message catch event), with its payload type |
//! | [`Kind::Timer`] | a thin double circle marked `⏱` (timer event), with its delay |
//! | a [compensable](Node::compensable) task | also a small dashed `◀◀ undo` box, linked by a dashed line |
//!
//! Conditions and match patterns label their edges, an `else` edge says
//! `else`, an [`on error`](Label::OnError) route is a dotted red edge
//! labelled `on error`, and a wait's [`timeout`](Label::Timeout) route a
//! dashed blue edge labelled `timeout 48h`.
//!
//! ```
//! use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
//!
//! let diagram = Diagram::new(
//!     "Approval",
//!     vec![
//!         Node::new("start", Kind::Start),
//!         Node::new("size", Kind::Xor),
//!         Node::new("approve", Kind::Task).compensable(),
//!         Node::new("done", Kind::End),
//!     ],
//!     vec![
//!         Edge::new(0, 1, Label::Next),
//!         Edge::new(1, 2, Label::When("order.amount > 1000")),
//!         Edge::new(1, 3, Label::Else),
//!         Edge::new(2, 3, Label::Next),
//!     ],
//! );
//!
//! let mermaid = diagram.mermaid();
//! assert!(mermaid.contains(r#"n1_size -->|"order.amount #gt; 1000"| n2_approve"#));
//!
//! let dot = diagram.dot();
//! assert!(dot.contains(r#"n1_size -> n2_approve [label="order.amount > 1000"]"#));
//!
//! // The run went start -> size -> done.
//! let run = Highlight::path(&diagram, [0, 1, 3]);
//! assert!(diagram.mermaid_highlighted(&run).contains("class n0_start,n1_size,n3_done taken"));
//! ```
//!
//! Output is deterministic: the same diagram always gives the same text,
//! nodes and edges in the order given.
//!
//! # Node ids
//!
//! Each node's id in the output is `n{index}_{name}`, the name reduced to
//! ASCII letters, digits and `_` (`r#match` at index 4 is `n4_match`): always
//! a valid identifier in both languages, never a keyword, unique. Labels show
//! the name as given, escaped.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::borrow::Cow;

mod dot;
mod highlight;
mod id;
mod mermaid;

pub use highlight::Highlight;

/// What to draw: a flow's name, its nodes and the edges between them.
///
/// Build one with [`Diagram::new`], then render it with
/// [`mermaid`](Diagram::mermaid), [`dot`](Diagram::dot) or their
/// `_highlighted` versions.
///
/// ```
/// use flow_diagram::{Diagram, Edge, Kind, Label, Node};
///
/// let diagram = Diagram::new(
///     "Ship",
///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
///     vec![Edge::new(0, 1, Label::Next)],
/// );
/// assert_eq!(diagram.nodes.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagram<'a> {
    /// The flow's name, drawn as the diagram's title.
    pub name: &'a str,
    /// The nodes; an edge names a node by its index here.
    pub nodes: Vec<Node<'a>>,
    /// The edges, drawn in this order.
    pub edges: Vec<Edge<'a>>,
}

impl<'a> Diagram<'a> {
    /// A diagram of the flow `name`.
    ///
    /// An edge whose `from` or `to` is not an index into `nodes` is not drawn.
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Ship",
    ///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
    ///     vec![Edge::new(0, 1, Label::Next)],
    /// );
    /// assert_eq!(diagram.name, "Ship");
    /// ```
    pub fn new(name: &'a str, nodes: Vec<Node<'a>>, edges: Vec<Edge<'a>>) -> Self {
        Self { name, nodes, edges }
    }

    /// The diagram as Mermaid `flowchart` text, left to right.
    ///
    /// Paste it into a Markdown ` ```mermaid ` block, or give it to
    /// `mermaid.render`.
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Ship",
    ///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
    ///     vec![Edge::new(0, 1, Label::Next)],
    /// );
    /// assert_eq!(
    ///     diagram.mermaid(),
    ///     r#"---
    /// title: "Ship"
    /// ---
    /// flowchart LR
    ///     n0_start(("start"))
    ///     n1_shipped((("shipped")))
    ///     n0_start --> n1_shipped
    ///     classDef startEvent stroke:#2e7d32,stroke-width:2px
    ///     classDef endEvent stroke:#b71c1c,stroke-width:4px
    ///     class n0_start startEvent
    ///     class n1_shipped endEvent
    /// "#
    /// );
    /// ```
    pub fn mermaid(&self) -> String {
        mermaid::render(self, None)
    }

    /// The diagram as Mermaid text, with the nodes and edges of `highlight`
    /// drawn as taken: nodes filled (class `taken`), edges thick
    /// (`linkStyle`).
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Ship",
    ///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
    ///     vec![Edge::new(0, 1, Label::Next)],
    /// );
    /// let mermaid = diagram.mermaid_highlighted(&Highlight::path(&diagram, [0, 1]));
    /// assert!(mermaid.contains("class n0_start,n1_shipped taken\n"));
    /// assert!(mermaid.contains("linkStyle 0 stroke:#e69500,stroke-width:3px\n"));
    /// ```
    pub fn mermaid_highlighted(&self, highlight: &Highlight) -> String {
        mermaid::render(self, Some(highlight))
    }

    /// The diagram as a Graphviz `digraph`, left to right.
    ///
    /// Render it with `dot -Tsvg`.
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Ship",
    ///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
    ///     vec![Edge::new(0, 1, Label::Next)],
    /// );
    /// let dot = diagram.dot();
    /// assert!(dot.starts_with("digraph \"Ship\" {\n"));
    /// assert!(dot.contains("    n1_shipped [label=\"shipped\", shape=doublecircle"));
    /// assert!(dot.contains("    n0_start -> n1_shipped;\n"));
    /// ```
    pub fn dot(&self) -> String {
        dot::render(self, None)
    }

    /// The diagram as a Graphviz `digraph`, with the nodes and edges of
    /// `highlight` drawn as taken: filled nodes, thick coloured edges.
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Ship",
    ///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
    ///     vec![Edge::new(0, 1, Label::Next)],
    /// );
    /// let dot = diagram.dot_highlighted(&Highlight::path(&diagram, [0, 1]));
    /// assert!(dot.contains("    n0_start -> n1_shipped [color=\"#e69500\", penwidth=3];\n"));
    /// ```
    pub fn dot_highlighted(&self, highlight: &Highlight) -> String {
        dot::render(self, Some(highlight))
    }
}

/// One node of a [`Diagram`].
///
/// ```
/// use flow_diagram::{Kind, Node};
///
/// let pay = Node::new("pay", Kind::Task).compensable();
/// assert!(pay.compensable);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Node<'a> {
    /// The node's name, its label in the drawing.
    pub name: &'a str,
    /// What the node is, which decides its shape.
    pub kind: Kind,
    /// Whether the task has a compensation (`compensate`), drawn as a small
    /// "undo" node linked to it.
    pub compensable: bool,
    /// A second line under the name: a wait's payload type (`Approval`), a
    /// timer's delay (`30m`) or deadline (`at(order.ship_after)`).
    pub detail: Option<&'a str>,
}

impl<'a> Node<'a> {
    /// A node that is not compensable.
    ///
    /// ```
    /// use flow_diagram::{Kind, Node};
    ///
    /// let node = Node::new("validate", Kind::Task);
    /// assert_eq!((node.name, node.kind, node.compensable), ("validate", Kind::Task, false));
    /// ```
    pub const fn new(name: &'a str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            compensable: false,
            detail: None,
        }
    }

    /// The same node, with a second line under its name.
    ///
    /// ```
    /// use flow_diagram::{Kind, Node};
    ///
    /// let wait = Node::new("approve", Kind::Wait).with_detail("Approval");
    /// assert_eq!(wait.detail, Some("Approval"));
    /// ```
    pub const fn with_detail(mut self, detail: &'a str) -> Self {
        self.detail = Some(detail);
        self
    }

    /// The same node, with a compensation.
    ///
    /// ```
    /// use flow_diagram::{Kind, Node};
    ///
    /// assert!(Node::new("pay", Kind::Task).compensable().compensable);
    /// ```
    pub const fn compensable(mut self) -> Self {
        self.compensable = true;
        self
    }
}

/// What a node is.
///
/// More kinds may come; a `match` on this enum needs a `_` arm.
///
/// ```
/// use flow_diagram::Kind;
///
/// assert_ne!(Kind::Xor, Kind::And);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Where every instance begins: a circle.
    Start,
    /// Where an instance finishes: a thick double circle.
    End,
    /// Runs a step: a rounded rectangle.
    Task,
    /// Exclusive gateway, takes one branch: a diamond marked `×`.
    Xor,
    /// Parallel split, takes every branch: a diamond marked `+`.
    And,
    /// Inclusive split, takes every branch whose condition holds: a diamond
    /// marked `○`.
    Or,
    /// Waits for the branches of a split: a diamond marked `+`.
    Join,
    /// Runs another flow: a subroutine box.
    SubFlow,
    /// Parks until a signal arrives (`wait`): a hexagon marked `✉`, the
    /// BPMN message catch event.
    Wait,
    /// Parks until a time (`timer`): a thin double circle marked `⏱`, the
    /// BPMN timer event.
    Timer,
}

/// One edge of a [`Diagram`], between node indices.
///
/// ```
/// use flow_diagram::{Edge, Label};
///
/// let edge = Edge::new(1, 2, Label::When("order.amount > 1000"));
/// assert_eq!((edge.from, edge.to), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Edge<'a> {
    /// The index of the node the edge leaves.
    pub from: usize,
    /// The index of the node the edge enters.
    pub to: usize,
    /// Why the edge is taken, which decides its label and line.
    pub label: Label<'a>,
}

impl<'a> Edge<'a> {
    /// An edge from the node at index `from` to the node at index `to`.
    ///
    /// ```
    /// use flow_diagram::{Edge, Label};
    ///
    /// assert_eq!(Edge::new(0, 1, Label::Next).label, Label::Next);
    /// ```
    pub const fn new(from: usize, to: usize, label: Label<'a>) -> Self {
        Self { from, to, label }
    }
}

/// Why an edge is taken.
///
/// ```
/// use flow_diagram::Label;
///
/// let arm = Label::Match("Stock::Out(n) if *n > 3");
/// assert_eq!(arm.text().as_deref(), Some("Stock::Out(n) if *n > 3"));
/// assert_eq!(Label::Next.text(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Label<'a> {
    /// The only way on: no label.
    Next,
    /// A branch of a parallel split: no label.
    Branch,
    /// A gateway branch taken when the condition holds: labelled with it.
    When(&'a str),
    /// A gateway's `else` branch: labelled `else`.
    Else,
    /// An arm of a task's `-> match`: labelled with its pattern (and guard).
    Match(&'a str),
    /// A task's error route: dotted, red, labelled `on error`.
    OnError,
    /// A wait's timeout route, with the timeout as written (`48h`): dashed,
    /// blue, labelled `timeout 48h`.
    Timeout(&'a str),
}

impl<'a> Label<'a> {
    /// The text drawn on the edge, unescaped; `None` for an unlabelled edge.
    ///
    /// ```
    /// use flow_diagram::Label;
    ///
    /// assert_eq!(Label::Else.text().as_deref(), Some("else"));
    /// assert_eq!(Label::OnError.text().as_deref(), Some("on error"));
    /// assert_eq!(Label::When("ready").text().as_deref(), Some("ready"));
    /// assert_eq!(Label::Timeout("48h").text().as_deref(), Some("timeout 48h"));
    /// assert_eq!(Label::Branch.text(), None);
    /// ```
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match *self {
            Label::Next | Label::Branch => None,
            Label::When(text) | Label::Match(text) => Some(Cow::Borrowed(text)),
            Label::Else => Some(Cow::Borrowed("else")),
            Label::OnError => Some(Cow::Borrowed("on error")),
            Label::Timeout(after) => Some(Cow::Owned(format!("timeout {after}"))),
        }
    }
}

impl Kind {
    /// The BPMN marker drawn in a gateway's diamond; `None` for other kinds.
    const fn gateway_marker(self) -> Option<&'static str> {
        match self {
            Kind::Xor => Some("×"),
            Kind::And | Kind::Join => Some("+"),
            Kind::Or => Some("○"),
            Kind::Start | Kind::End | Kind::Task | Kind::SubFlow | Kind::Wait | Kind::Timer => None,
        }
    }

    /// The BPMN event marker drawn before a wait's or a timer's name.
    const fn event_marker(self) -> Option<&'static str> {
        match self {
            Kind::Wait => Some("✉"),
            Kind::Timer => Some("⏱"),
            _ => None,
        }
    }
}

/// The label of the small node that stands for a task's compensation.
const UNDO_LABEL: &str = "◀◀ undo";

/// The colour of everything a highlighted run took.
const TAKEN_STROKE: &str = "#e69500";
/// The fill of a node a highlighted run took.
const TAKEN_FILL: &str = "#fff3c4";
/// The colour of `on error` edges.
const ERROR_STROKE: &str = "#c62828";
/// The colour of compensation links and undo nodes.
const UNDO_STROKE: &str = "#757575";
/// The colour of waits, timers and timeout edges.
const EVENT_STROKE: &str = "#1565c0";

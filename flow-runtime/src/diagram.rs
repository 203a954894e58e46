//! A flow's graph drawn as Mermaid or Graphviz DOT text, with or without
//! the path one run took.
//!
//! ```
//! use flow_runtime::prelude::*;
//!
//! # #[derive(Default)] struct Order { amount: u32 }
//! # async fn charge(_: &Order) -> Result<(), StepError> { Ok(()) }
//! flow! {
//!     flow Pay(order: Order) {
//!         start -> size;
//!         xor size {
//!             order.amount > 0 => charge,
//!             else => free,
//!         }
//!         task charge = charge(&order) -> paid;
//!         end paid;
//!         end free;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // Paste into a ```mermaid block of a README or an issue.
//! let mermaid = Pay::GRAPH.mermaid();
//! assert!(mermaid.contains(r#"n1_size -->|"order.amount #gt; 0"| n2_charge"#));
//!
//! // `dot -Tsvg` draws this one.
//! let dot = Pay::GRAPH.dot();
//! assert!(dot.contains(r#"n1_size -> n2_charge [label="order.amount > 0"];"#));
//!
//! // The same graph with the path of a run drawn thick.
//! let done = Pay::run(Order { amount: 5 }).await.unwrap();
//! let run = flow_runtime::diagram::mermaid_with_path::<Pay>(&done.path);
//! assert!(run.contains("class n0_start,n1_size,n2_charge,n3_paid taken"));
//! # }
//! ```
//!
//! The drawing is BPMN-like; the [`flow_diagram`] crate, re-exported here,
//! documents the shapes. [`Graph::diagram`] gives the plain description it
//! draws.

use crate::flow::{Flow, NodeId};
use crate::graph::{EdgeLabel, Graph, NodeInfo, NodeKind};
use crate::history::Path;

pub use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};

/// The graph as Mermaid `flowchart` text, left to right.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// # struct Order;
/// # async fn pack(_: &Order) -> Result<(), StepError> { Ok(()) }
/// flow! {
///     flow Ship(order: Order) {
///         start -> pack;
///         task pack = pack(&order) -> shipped;
///         end shipped;
///     }
/// }
///
/// let mermaid = flow_runtime::diagram::mermaid(Ship::GRAPH);
/// assert!(mermaid.contains("flowchart LR\n"));
/// assert!(mermaid.contains("    n0_start --> n1_pack\n    n1_pack --> n2_shipped\n"));
/// ```
pub fn mermaid(graph: &Graph) -> String {
    graph.diagram().mermaid()
}

/// The graph as a Graphviz `digraph`, left to right.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// # struct Order;
/// # async fn pack(_: &Order) -> Result<(), StepError> { Ok(()) }
/// flow! {
///     flow Ship(order: Order) {
///         start -> pack;
///         task pack = pack(&order) -> shipped;
///         end shipped;
///     }
/// }
///
/// let dot = flow_runtime::diagram::dot(Ship::GRAPH);
/// assert!(dot.starts_with("digraph \"Ship\" {\n"));
/// assert!(dot.contains("    n1_pack -> n2_shipped;\n"));
/// ```
pub fn dot(graph: &Graph) -> String {
    graph.diagram().dot()
}

/// `F`'s graph as Mermaid text, with the nodes a run entered and the edges
/// between consecutive ones drawn as taken.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// # struct Order;
/// # async fn pack(_: &Order) -> Result<(), StepError> { Ok(()) }
/// # async fn fail(_: &Order) -> Result<(), StepError> { Err(StepError::permanent("no courier")) }
/// flow! {
///     flow Ship(order: Order) {
///         start -> pack;
///         task pack = pack(&order) -> send;
///         task send = fail(&order) -> shipped;
///         end shipped;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let failed = Ship::run(Order).await.unwrap_failed();
/// let mermaid = flow_runtime::diagram::mermaid_with_path::<Ship>(&failed.path);
/// assert!(mermaid.contains("class n0_start,n1_pack,n2_send taken\n"));
/// assert!(mermaid.contains("linkStyle 0,1 stroke:#e69500,stroke-width:3px\n"));
/// # }
/// ```
pub fn mermaid_with_path<F: Flow>(path: &Path<F::Node>) -> String {
    let diagram = F::GRAPH.diagram();
    let highlight = highlight(&diagram, path);
    diagram.mermaid_highlighted(&highlight)
}

/// `F`'s graph as a Graphviz `digraph`, with the nodes a run entered and the
/// edges between consecutive ones drawn as taken.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// # struct Order;
/// # async fn pack(_: &Order) -> Result<(), StepError> { Ok(()) }
/// flow! {
///     flow Ship(order: Order) {
///         start -> pack;
///         task pack = pack(&order) -> shipped;
///         end shipped;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let done = Ship::run(Order).await.unwrap();
/// let dot = flow_runtime::diagram::dot_with_path::<Ship>(&done.path);
/// assert!(dot.contains("    n1_pack -> n2_shipped [color=\"#e69500\", penwidth=3];\n"));
/// # }
/// ```
pub fn dot_with_path<F: Flow>(path: &Path<F::Node>) -> String {
    let diagram = F::GRAPH.diagram();
    let highlight = highlight(&diagram, path);
    diagram.dot_highlighted(&highlight)
}

fn highlight<N: NodeId>(diagram: &Diagram<'_>, path: &Path<N>) -> Highlight {
    Highlight::path(diagram, path.nodes().map(NodeId::index))
}

impl Graph {
    /// The graph as Mermaid `flowchart` text: see [`diagram::mermaid`](mermaid).
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    ///
    /// # struct Order;
    /// flow! {
    ///     flow Nothing(order: Order) {
    ///         start -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// assert!(Nothing::GRAPH.mermaid().contains("n0_start --> n1_done"));
    /// ```
    pub fn mermaid(&self) -> String {
        mermaid(self)
    }

    /// The graph as a Graphviz `digraph`: see [`diagram::dot`](dot).
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    ///
    /// # struct Order;
    /// flow! {
    ///     flow Nothing(order: Order) {
    ///         start -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// assert!(Nothing::GRAPH.dot().contains("n0_start -> n1_done;"));
    /// ```
    pub fn dot(&self) -> String {
        dot(self)
    }

    /// The graph as the plain description [`flow_diagram`] draws:
    /// every node with its kind and whether it is compensable, every edge
    /// with its label.
    ///
    /// ```
    /// use flow_runtime::diagram::{Kind, Label};
    /// use flow_runtime::prelude::*;
    ///
    /// # struct Order;
    /// # async fn charge(_: &Order) -> Result<(), StepError> { Ok(()) }
    /// # async fn refund(_: &Order) -> Result<(), StepError> { Ok(()) }
    /// flow! {
    ///     flow Pay(order: Order) {
    ///         start -> charge;
    ///         task charge = charge(&order) compensate refund(&order) -> paid;
    ///         end paid;
    ///     }
    /// }
    ///
    /// let diagram = Pay::GRAPH.diagram();
    /// assert_eq!(diagram.name, "Pay");
    /// assert_eq!(diagram.nodes[1].kind, Kind::Task);
    /// assert!(diagram.nodes[1].compensable);
    /// assert_eq!(diagram.edges[1].label, Label::Next);
    /// ```
    pub fn diagram(&self) -> Diagram<'static> {
        let nodes = self.nodes().iter().map(|info| {
            let mut node = Node::new(info.name(), kind(info.kind()));
            let detail = match info.kind() {
                NodeKind::Wait => info.payload(),
                NodeKind::Timer => info.time(),
                _ => None,
            };
            if let Some(detail) = detail {
                node = node.with_detail(detail);
            }
            if info.compensation().is_some() {
                node.compensable()
            } else {
                node
            }
        });
        let edges = self.edges().iter().map(|info| {
            let label = match info.label() {
                // The timeout as the wait's node holds it.
                EdgeLabel::Timeout => {
                    let after = self.nodes().get(info.from()).and_then(NodeInfo::time);
                    Label::Timeout(after.unwrap_or(""))
                }
                other => label(other),
            };
            Edge::new(info.from(), info.to(), label)
        });
        Diagram::new(self.name(), nodes.collect(), edges.collect())
    }
}

const fn kind(kind: NodeKind) -> Kind {
    match kind {
        NodeKind::Start => Kind::Start,
        NodeKind::End => Kind::End,
        NodeKind::Task => Kind::Task,
        NodeKind::Xor => Kind::Xor,
        NodeKind::And => Kind::And,
        NodeKind::Or => Kind::Or,
        NodeKind::Join => Kind::Join,
        NodeKind::SubFlow => Kind::SubFlow,
        NodeKind::Wait => Kind::Wait,
        NodeKind::Timer => Kind::Timer,
    }
}

const fn label(label: EdgeLabel) -> Label<'static> {
    match label {
        EdgeLabel::Next => Label::Next,
        EdgeLabel::Branch => Label::Branch,
        EdgeLabel::When(condition) => Label::When(condition),
        EdgeLabel::Else => Label::Else,
        EdgeLabel::Match(pattern) => Label::Match(pattern),
        EdgeLabel::OnError => Label::OnError,
        // Drawn with the wait's timeout by `Graph::diagram`.
        EdgeLabel::Timeout => Label::Timeout(""),
    }
}

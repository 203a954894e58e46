//! The nodes and edges one run took.

use crate::Diagram;
use std::collections::BTreeSet;

/// The nodes and edges to draw as taken, by index into a [`Diagram`]'s
/// [`nodes`](Diagram::nodes) and [`edges`](Diagram::edges).
///
/// Build it from the sequence of nodes a run visited with
/// [`Highlight::path`], or node by node and edge by edge.
///
/// ```
/// use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
///
/// let diagram = Diagram::new(
///     "Ship",
///     vec![Node::new("start", Kind::Start), Node::new("shipped", Kind::End)],
///     vec![Edge::new(0, 1, Label::Next)],
/// );
/// let by_hand = Highlight::new().node(0).node(1).edge(0);
/// assert_eq!(by_hand, Highlight::path(&diagram, [0, 1]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight {
    nodes: BTreeSet<usize>,
    edges: BTreeSet<usize>,
}

impl Highlight {
    /// Nothing taken.
    ///
    /// ```
    /// use flow_diagram::Highlight;
    ///
    /// assert!(!Highlight::new().has_node(0));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// What a run took that visited the nodes at `visits`, in order: every
    /// node visited, and every edge from one visited node to the next.
    ///
    /// When several edges lead from a node to the next one visited (two
    /// conditions of one gateway leading to the same node), the sequence of
    /// visits cannot tell which was taken and all of them are drawn as taken.
    /// Consecutive visits with no edge between them mark only the nodes.
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Retry",
    ///     vec![
    ///         Node::new("start", Kind::Start),
    ///         Node::new("call", Kind::Task),
    ///         Node::new("again", Kind::Xor),
    ///         Node::new("done", Kind::End),
    ///     ],
    ///     vec![
    ///         Edge::new(0, 1, Label::Next),
    ///         Edge::new(1, 2, Label::Next),
    ///         Edge::new(2, 1, Label::When("tries < 3")),
    ///         Edge::new(2, 3, Label::Else),
    ///     ],
    /// );
    /// // Looped once: start -> call -> again -> call -> again -> done.
    /// let run = Highlight::path(&diagram, [0, 1, 2, 1, 2, 3]);
    /// assert!((0..4).all(|edge| run.has_edge(edge)));
    /// ```
    pub fn path(diagram: &Diagram<'_>, visits: impl IntoIterator<Item = usize>) -> Self {
        let mut highlight = Self::new();
        let mut previous = None;
        for node in visits {
            highlight.nodes.insert(node);
            if let Some(from) = previous {
                let taken = diagram
                    .edges
                    .iter()
                    .enumerate()
                    .filter(|(_, edge)| edge.from == from && edge.to == node)
                    .map(|(index, _)| index);
                highlight.edges.extend(taken);
            }
            previous = Some(node);
        }
        highlight
    }

    /// Also the node at `index`.
    ///
    /// ```
    /// use flow_diagram::Highlight;
    ///
    /// assert!(Highlight::new().node(3).has_node(3));
    /// ```
    pub fn node(mut self, index: usize) -> Self {
        self.nodes.insert(index);
        self
    }

    /// Also the edge at `index` in [`Diagram::edges`].
    ///
    /// ```
    /// use flow_diagram::Highlight;
    ///
    /// assert!(Highlight::new().edge(2).has_edge(2));
    /// ```
    pub fn edge(mut self, index: usize) -> Self {
        self.edges.insert(index);
        self
    }

    /// Whether the node at `index` was taken.
    ///
    /// ```
    /// use flow_diagram::Highlight;
    ///
    /// let highlight = Highlight::new().node(1);
    /// assert!(highlight.has_node(1) && !highlight.has_node(0));
    /// ```
    pub fn has_node(&self, index: usize) -> bool {
        self.nodes.contains(&index)
    }

    /// Whether the edge at `index` in [`Diagram::edges`] was taken.
    ///
    /// ```
    /// use flow_diagram::Highlight;
    ///
    /// let highlight = Highlight::new().edge(0);
    /// assert!(highlight.has_edge(0) && !highlight.has_edge(1));
    /// ```
    pub fn has_edge(&self, index: usize) -> bool {
        self.edges.contains(&index)
    }
}

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
    /// node visited, and for each visit the edge it was reached by.
    ///
    /// A visit is reached from the latest earlier visit of one of its
    /// predecessors; the branches of a parallel split interleave in the
    /// sequence, so this, not the visit just before, is where it came from.
    /// A join is reached by every branch that arrived: the edges from each
    /// of its predecessors visited since its split are taken. When several
    /// edges lead from one node to the same next node (two conditions of a
    /// gateway), the visits cannot tell which was taken and all are drawn.
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
    ///
    /// Parallel branches:
    ///
    /// ```
    /// use flow_diagram::{Diagram, Edge, Highlight, Kind, Label, Node};
    ///
    /// let diagram = Diagram::new(
    ///     "Fulfil",
    ///     vec![
    ///         Node::new("fulfil", Kind::And),
    ///         Node::new("ship", Kind::Task),
    ///         Node::new("invoice", Kind::Task),
    ///         Node::new("joined", Kind::Join),
    ///     ],
    ///     vec![
    ///         Edge::new(0, 1, Label::Branch),
    ///         Edge::new(0, 2, Label::Branch),
    ///         Edge::new(1, 3, Label::Next),
    ///         Edge::new(2, 3, Label::Next),
    ///     ],
    /// );
    /// let run = Highlight::path(&diagram, [0, 1, 2, 3]);
    /// assert!((0..4).all(|edge| run.has_edge(edge)));
    /// ```
    pub fn path(diagram: &Diagram<'_>, visits: impl IntoIterator<Item = usize>) -> Self {
        let visits: Vec<usize> = visits.into_iter().collect();
        let mut highlight = Self::new();
        for (position, &node) in visits.iter().enumerate() {
            highlight.nodes.insert(node);
            let earlier = &visits[..position];
            let incoming = |from: usize| {
                diagram
                    .edges
                    .iter()
                    .enumerate()
                    .filter(move |(_, edge)| edge.from == from && edge.to == node)
                    .map(|(index, _)| index)
            };
            let is_predecessor =
                |from: usize| diagram.edges.iter().any(|e| e.from == from && e.to == node);
            if diagram
                .nodes
                .get(node)
                .is_some_and(|n| n.kind == crate::Kind::Join)
            {
                // Every predecessor visited since this join was last passed.
                let since = earlier
                    .iter()
                    .rposition(|&n| n == node)
                    .map_or(0, |p| p + 1);
                let arrived: Vec<usize> = earlier[since..]
                    .iter()
                    .copied()
                    .filter(|&from| is_predecessor(from))
                    .collect();
                for from in arrived {
                    highlight.edges.extend(incoming(from));
                }
            } else if let Some(&from) = earlier.iter().rev().find(|&&from| is_predecessor(from)) {
                highlight.edges.extend(incoming(from));
            }
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

//! The path an instance took.

use crate::flow::NodeId;
use std::fmt;
use std::time::{Duration, SystemTime};

/// One node an instance entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit<N> {
    /// The node entered.
    pub node: N,
    /// Time since the instance started, on tokio's clock (virtual under
    /// `tokio::time::pause`, so tests can assert exact instants).
    pub elapsed: Duration,
    /// Wall-clock time of entry: the instance's wall-clock start plus `elapsed`.
    pub at: SystemTime,
}

/// The nodes an instance entered, in order, with timestamps.
///
/// Its `Display` form is the node names joined by arrows:
/// `start -> validate -> done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<N> {
    visits: Vec<Visit<N>>,
}

impl<N: NodeId> Path<N> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            visits: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn push(&mut self, visit: Visit<N>) {
        self.visits.push(visit);
    }

    /// Every visit, in order.
    pub fn visits(&self) -> &[Visit<N>] {
        &self.visits
    }

    /// The names of the nodes entered, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.visits.iter().map(|visit| visit.node.name()).collect()
    }

    /// The nodes entered, in order.
    pub fn nodes(&self) -> impl Iterator<Item = N> + '_ {
        self.visits.iter().map(|visit| visit.node)
    }

    /// How many nodes were entered.
    pub fn len(&self) -> usize {
        self.visits.len()
    }

    /// Whether no node was entered.
    pub fn is_empty(&self) -> bool {
        self.visits.is_empty()
    }
}

impl<N: NodeId> fmt::Display for Path<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, visit) in self.visits.iter().enumerate() {
            if position > 0 {
                f.write_str(" -> ")?;
            }
            f.write_str(visit.node.name())?;
        }
        Ok(())
    }
}

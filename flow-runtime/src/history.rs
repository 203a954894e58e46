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

/// How much of its history an instance keeps: chosen per
/// [`Runner`](crate::Runner) or [`Engine`](crate::Engine).
///
/// | level | [`Journal`](crate::Journal) | [`Path`] | cost per node |
/// |---|---|---|---|
/// | `Full` (the default) | every event, with its time | every node entered, with its time | an event pushed per step of the node; one clock read per task |
/// | `Path` | the `Entered` events only | as with `Full` | one event pushed; one clock read per task |
/// | `Off` | empty | empty | nothing |
///
/// The level changes what is recorded, never what runs: retries,
/// compensation and routing are the same at every level, and observers see
/// every event at every level (an observer attached is a request for the
/// events). On an engine, the journal is what the store keeps of an
/// instance besides its state, so at `Off` [`Engine::history`] is empty and
/// [`Engine::progress`] counts no steps; the state (position, context,
/// completed tasks) is stored whole at every level, so nothing durable
/// depends on it.
///
/// [`Engine::history`]: crate::Engine::history
/// [`Engine::progress`]: crate::Engine::progress
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::{History, Runner};
///
/// # #[derive(Default)] struct Order { total: u32 }
/// # async fn price() -> Result<u32, String> { Ok(42) }
/// flow! {
///     flow Pricing(order: Order) {
///         start -> price;
///         task price = price() => order.total -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let full = Runner::new().run::<Pricing>(Order::default()).await.unwrap();
/// assert_eq!(full.path.to_string(), "start -> price -> done");
/// assert_eq!(full.journal.len(), 6); // 3 entered, attempt, succeeded, completed
///
/// let runner = Runner::new().history(History::Path);
/// let path = runner.run::<Pricing>(Order::default()).await.unwrap();
/// assert_eq!(path.path.to_string(), "start -> price -> done");
/// assert_eq!(path.journal.len(), 3);
///
/// let runner = Runner::new().history(History::Off);
/// let off = runner.run::<Pricing>(Order::default()).await.unwrap();
/// assert_eq!(off.context.total, 42);
/// assert!(off.path.is_empty() && off.journal.is_empty());
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum History {
    /// Every event, with its time: the default.
    #[default]
    Full,
    /// The nodes entered, with their times; no other event.
    Path,
    /// Nothing: the fastest, for instances whose history nobody reads.
    Off,
}

impl History {
    /// Whether an instance at this level keeps `event` in its journal.
    #[inline]
    pub(crate) fn keeps<N>(self, event: &crate::journal::Event<N>) -> bool {
        match self {
            History::Full => true,
            History::Path => matches!(event, crate::journal::Event::Entered { .. }),
            History::Off => false,
        }
    }
}

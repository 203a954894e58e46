//! Moving an instance's state from one definition of a flow to another:
//! the helper a migration function is written with, and its error.

use crate::exec::Position;
use crate::flow::{EndId, Flow, NodeId};
use crate::graph::NodeKind;
use crate::outcome::{Cause, Compensation, Done};
use crate::state::InstanceState;

/// Why an instance's state could not be moved to a new definition of its
/// flow. The engine leaves such an instance untouched and marks it
/// [`Broken`](crate::Status::Broken), with this error in the reason.
///
/// ```
/// use flow_runtime::MigrationError;
///
/// let error = MigrationError::refused("orders over 1000 need a person");
/// assert_eq!(error.to_string(), "orders over 1000 need a person");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The old state names a node the new definition has none of the same
    /// name of.
    #[error(
        "node `{node}` has no counterpart in the new definition, and the instance {reference} it"
    )]
    NoCounterpart {
        /// The node, by its name in the old definition.
        node: &'static str,
        /// How the state refers to it: `is at`, `completed`, `visited`.
        reference: &'static str,
    },
    /// The instance is parked at a node that the new definition has, but
    /// as another kind (a `wait` that became a `task`, say).
    #[error(
        "the instance is parked at `{} {node}`, which the new definition has as a `{}`",
        old.keyword(),
        new.keyword()
    )]
    KindChanged {
        /// The node.
        node: &'static str,
        /// Its kind in the old definition.
        old: NodeKind,
        /// Its kind in the new one.
        new: NodeKind,
    },
    /// The instance is parked inside a parallel region: its region keeps
    /// the context as it was at the split and what each branch did, in the
    /// old definition's terms. Migrate it once it has left the region.
    #[error(
        "the instance is inside the parallel region of split `{split}`; migrate it once it has passed the region's join"
    )]
    InsideRegion {
        /// The split, by its name in the old definition.
        split: &'static str,
    },
    /// The migration function refused the state, for its own reason.
    #[error("{0}")]
    Refused(String),
}

impl MigrationError {
    /// A migration's own refusal: the state cannot go to the new
    /// definition, for the reason given.
    pub fn refused(reason: impl Into<String>) -> Self {
        MigrationError::Refused(reason.into())
    }
}

impl<F: Flow> InstanceState<F> {
    /// The same instance as an instance of `G`, another definition of the
    /// flow: its context mapped by `context`, and every node it refers to
    /// (where it is, what it visited and would compensate) mapped to the
    /// node of the same name in `G`. Its id, start time and visit counts
    /// stay; it is stored under `G`'s hash.
    ///
    /// This is what a migration registered with
    /// [`EngineBuilder::migrate`](crate::EngineBuilder::migrate) usually
    /// calls.
    ///
    /// # Errors
    ///
    /// [`MigrationError::NoCounterpart`] if a node the instance is at, has
    /// visited or would compensate has no node of the same name in `G`
    /// (its journal names those nodes, and is read with `G` from now on);
    /// [`MigrationError::KindChanged`] if it is parked at a `wait`, a
    /// `timer` or a task's retry and `G`'s node of that name is of another
    /// kind; [`MigrationError::InsideRegion`] if it is parked inside a
    /// parallel region.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{InstanceState, MigrationError, Position};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct Go;
    ///
    /// mod v1 {
    ///     use flow_runtime::prelude::*;
    ///     #[derive(serde::Serialize, serde::Deserialize, Default)]
    ///     pub struct Ticket { pub title: String }
    ///     flow! {
    ///         pub flow Ticketing(ticket: Ticket) {
    ///             start -> go;
    ///             wait go: super::Go -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    ///
    /// mod v2 {
    ///     use flow_runtime::prelude::*;
    ///     #[derive(serde::Serialize, serde::Deserialize, Default)]
    ///     pub struct Ticket { pub title: String, pub checked: bool }
    ///     pub async fn check() -> Result<bool, StepError> { Ok(true) }
    ///     flow! {
    ///         pub flow Ticketing(ticket: Ticket) {
    ///             start -> go;
    ///             wait go: super::Go -> check;
    ///             task check = check() => ticket.checked -> done;
    ///             end done;
    ///         }
    ///     }
    ///     flow! {
    ///         pub flow Renamed(ticket: Ticket) {
    ///             start -> proceed;
    ///             wait proceed: super::Go -> done;
    ///             end done;
    ///         }
    ///     }
    /// }
    ///
    /// # fn main() {
    /// let mut old = InstanceState::<v1::Ticketing>::new(v1::Ticket { title: "printer".into() });
    /// old.position = Position::Enter(v1::TicketingNode::Go);
    ///
    /// let new = old
    ///     .migrate::<v2::Ticketing>(|ticket| v2::Ticket { title: ticket.title, checked: false })
    ///     .unwrap();
    /// assert!(matches!(new.position, Position::Enter(v2::TicketingNode::Go)));
    /// assert_eq!(new.hash, <v2::Ticketing as Flow>::GRAPH.hash());
    ///
    /// let mut old = InstanceState::<v1::Ticketing>::new(v1::Ticket::default());
    /// old.position = Position::Enter(v1::TicketingNode::Go);
    /// let error = old.migrate::<v2::Renamed>(|_| v2::Ticket::default()).err().unwrap();
    /// assert_eq!(error, MigrationError::NoCounterpart { node: "go", reference: "is at" });
    /// assert_eq!(
    ///     error.to_string(),
    ///     "node `go` has no counterpart in the new definition, and the instance is at it"
    /// );
    /// # }
    /// ```
    pub fn migrate<G: Flow>(
        self,
        context: impl FnOnce(F::Context) -> G::Context,
    ) -> Result<InstanceState<G>, MigrationError> {
        let position = position::<F, G>(self.position)?;
        let mut visits = vec![0; G::GRAPH.nodes().len()];
        for (index, &count) in self.visits.iter().enumerate() {
            let Some(node) = F::Node::from_index(index).filter(|_| count > 0) else {
                continue;
            };
            visits[node_in::<G>(node, "visited")?.index()] = count;
        }
        let saga = done_all::<F, G>(self.saga, "completed")?;
        let compensation = Compensation {
            compensated: done_all::<F, G>(self.compensation.compensated, "compensated")?,
            failed: match self.compensation.failed {
                Some((failed, error)) => {
                    Some((done::<F, G>(failed, "failed to compensate")?, error))
                }
                None => None,
            },
            not_compensated: done_all::<F, G>(
                self.compensation.not_compensated,
                "left uncompensated",
            )?,
        };
        Ok(InstanceState {
            id: self.id,
            flow: G::GRAPH.name().to_owned(),
            hash: G::GRAPH.hash(),
            started_at: self.started_at,
            position,
            context: context(self.context),
            visits,
            saga,
            compensation,
            parent: self.parent,
        })
    }
}

/// `G`'s node of the same name as `node`.
fn node_in<G: Flow>(node: impl NodeId, reference: &'static str) -> Result<G::Node, MigrationError> {
    G::GRAPH
        .index_of(node.name())
        .and_then(G::Node::from_index)
        .ok_or(MigrationError::NoCounterpart {
            node: node.name(),
            reference,
        })
}

/// `G`'s node of the same name as the node `node` is parked at, which must
/// be of the same kind there.
fn parked_in<F: Flow, G: Flow>(node: F::Node) -> Result<G::Node, MigrationError> {
    let new = node_in::<G>(node, "is at")?;
    let kind = |graph: &crate::graph::Graph, index: usize| graph.nodes()[index].kind();
    let (old_kind, new_kind) = (kind(F::GRAPH, node.index()), kind(G::GRAPH, new.index()));
    let same = old_kind == new_kind || (old_kind.is_task() && new_kind.is_task());
    if !same {
        return Err(MigrationError::KindChanged {
            node: node.name(),
            old: old_kind,
            new: new_kind,
        });
    }
    Ok(new)
}

/// `G`'s node of the same name as the sub-flow call `node` whose child the
/// instance waits for, which must be a sub-flow call there too (a task of
/// that name would not take the child's end).
fn waiting_for_child_in<F: Flow, G: Flow>(node: F::Node) -> Result<G::Node, MigrationError> {
    let new = node_in::<G>(node, "is at")?;
    let new_kind = G::GRAPH.nodes()[new.index()].kind();
    if new_kind != crate::graph::NodeKind::SubFlow {
        return Err(MigrationError::KindChanged {
            node: node.name(),
            old: crate::graph::NodeKind::SubFlow,
            new: new_kind,
        });
    }
    Ok(new)
}

fn position<F: Flow, G: Flow>(
    at: Position<F::Node, F::End>,
) -> Result<Position<G::Node, G::End>, MigrationError> {
    let here = |node| node_in::<G>(node, "is at");
    Ok(match at {
        Position::Enter(node) => Position::Enter(here(node)?),
        Position::Retry {
            node,
            iteration,
            attempt,
            due,
        } => Position::Retry {
            node: parked_in::<F, G>(node)?,
            iteration,
            attempt,
            due,
        },
        Position::Waiting {
            node,
            iteration,
            since,
            assignee,
            groups,
            deadline,
        } => Position::Waiting {
            node: parked_in::<F, G>(node)?,
            iteration,
            since,
            assignee,
            groups,
            deadline: match deadline {
                Some((at, to)) => Some((at, node_in::<G>(to, "would time out to")?)),
                None => None,
            },
        },
        Position::Sleeping { node, until, next } => Position::Sleeping {
            node: parked_in::<F, G>(node)?,
            until,
            next: node_in::<G>(next, "would wake up at")?,
        },
        Position::SubFlow {
            node,
            iteration,
            attempt,
            child,
            since,
            deadline,
        } => Position::SubFlow {
            node: waiting_for_child_in::<F, G>(node)?,
            iteration,
            attempt,
            child,
            since,
            deadline,
        },
        Position::Region(region) => {
            return Err(MigrationError::InsideRegion {
                split: region.split().name(),
            });
        }
        Position::Compensating { at, cause, retry } => Position::Compensating {
            at: here(at)?,
            cause: cause_in::<F, G>(cause)?,
            retry,
        },
        Position::Stopped { at, cause } => Position::Stopped {
            at: here(at)?,
            cause: cause_in::<F, G>(cause)?,
        },
        Position::Completed { end } => Position::Completed {
            end: end_in::<F, G>(end)?,
        },
    })
}

fn cause_in<F: Flow, G: Flow>(cause: Cause<F::Node>) -> Result<Cause<G::Node>, MigrationError> {
    Ok(match cause {
        Cause::StepFailed { node, error } => Cause::StepFailed {
            node: node_in::<G>(node, "failed at")?,
            error,
        },
        Cause::Cancelled { reason } => Cause::Cancelled { reason },
    })
}

/// `G`'s end of the same name: ends are unit variants named after their
/// nodes, so they map through their serialized form.
fn end_in<F: Flow, G: Flow>(end: F::End) -> Result<G::End, MigrationError> {
    let missing = MigrationError::NoCounterpart {
        node: end.name(),
        reference: "ended at",
    };
    let value = serde_json::to_value(end).map_err(|_| missing.clone())?;
    serde_json::from_value::<G::End>(value)
        .ok()
        .filter(|new| new.name() == end.name())
        .ok_or(missing)
}

fn done<F: Flow, G: Flow>(
    done: Done<F::Node>,
    reference: &'static str,
) -> Result<Done<G::Node>, MigrationError> {
    Ok(Done {
        node: node_in::<G>(done.node, reference)?,
        iteration: done.iteration,
    })
}

fn done_all<F: Flow, G: Flow>(
    all: Vec<Done<F::Node>>,
    reference: &'static str,
) -> Result<Vec<Done<G::Node>>, MigrationError> {
    all.into_iter()
        .map(|one| done::<F, G>(one, reference))
        .collect()
}

//! Parallel regions of durable instances (DESIGN §5.8).
//!
//! On an engine, a region whose branches all wait or sleep parks the
//! instance as a whole: its branch futures are dropped, and what the
//! region needs to go on is stored as a [`Region`] in its position: the
//! context as it was at the split, and a memo of what each visit inside the
//! region did (each task's `Ok` value, each delivered signal, where each
//! branch waits or sleeps). When a signal, a timer or a timeout moves one of
//! its branches on, the region is replayed from the split's context: every
//! memoized task is fed its value through the [`intercept`](crate::intercept)
//! seam instead of being called, conditions (plain functions of the context)
//! take the same routes, and the branches run on live from where they
//! parked. Events already in the journal are not recorded again.
//!
//! In memory nothing is memoized: a branch's wait or timer waits in place,
//! and the region is one transition however long it takes.

use super::{Advanced, Machine, Position};
use crate::clock;
use crate::flow::{Flow, NodeId};
use crate::intercept::{Intercept, Intercepted};
use crate::journal::Event;
use crate::signal::Signal;
use crate::step::{Step, StepError};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// A parallel region an instance is parked in: the context as it was at
/// the split, and what the region's visits did since. See
/// [`Position::Region`].
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::store::{MemoryStore, Store};
/// use flow_runtime::{Engine, InstanceState, Position};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct Approval { pub ok: bool }
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// pub struct Order { pub finance: Option<Approval>, pub legal: Option<Approval> }
///
/// flow! {
///     pub flow Purchase(order: Order) {
///         start -> approvals;
///         and approvals -> finance, legal;
///         wait finance: Approval => order.finance -> approved;
///         wait legal: Approval => order.legal -> approved;
///         join approved -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let store = MemoryStore::new();
/// let engine = Engine::builder(store.clone()).register::<Purchase>().start();
/// let id = engine.start::<Purchase>(Order::default()).await.unwrap();
/// engine.until_parked(id).await.unwrap();
///
/// let stored = store.load(id).await.unwrap().unwrap();
/// let state: InstanceState<Purchase> = serde_json::from_slice(&stored.state).unwrap();
/// let Position::Region(region) = &state.position else { panic!("not in the region") };
/// assert_eq!(region.split(), PurchaseNode::Approvals);
/// let waiting: Vec<_> = region.open_waits().collect();
/// assert_eq!(waiting, [PurchaseNode::Finance, PurchaseNode::Legal]);
/// engine.shutdown().await;
/// # }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region<N> {
    /// The `and` or `or` split.
    pub(crate) split: N,
    /// Which visit of the split.
    pub(crate) iteration: u32,
    /// The context right before the branches started: a replay starts from it.
    pub(crate) context: serde_json::Value,
    /// Every node's visit count once the split was entered.
    pub(crate) visits: Vec<u32>,
    /// What each visit inside the region did, in order of completion.
    pub(crate) memo: Vec<Memoized<N>>,
    /// Whether a branch can go on (a signal arrived, a timer fired, a wait
    /// timed out) since the region parked: it is replayed then.
    pub(crate) resume: bool,
}

/// What one visit of a node inside a region did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Memoized<N> {
    pub(crate) node: N,
    pub(crate) iteration: u32,
    pub(crate) visit: Visited<N>,
}

/// What a visit inside a region did or where it parks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Visited<N> {
    /// A task completed with this value.
    Task { value: serde_json::Value },
    /// A task failed and took its `on error` route with this error (in
    /// its stored form).
    Recovered { error: serde_json::Value },
    /// A wait: where it was entered, and how it ended if it did.
    Wait {
        since: SystemTime,
        assignee: Option<String>,
        groups: Vec<String>,
        deadline: Option<(SystemTime, N)>,
        ended: Option<WaitEnded>,
    },
    /// A timer, and whether it fired.
    Timer { until: SystemTime, fired: bool },
    /// A task whose attempt failed and is retried: the attempt that runs
    /// next and when. While it waits the branch is blocked, as at a timer.
    Retry { attempt: u32, due: SystemTime },
    /// A (nested) split: the branches that reached its join.
    Split { finished: Vec<usize> },
}

/// How a wait inside a region ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum WaitEnded {
    /// A signal arrived: its payload (JSON) and who completed the wait.
    Signalled {
        payload: serde_json::Value,
        by: Option<String>,
    },
    /// Its timeout passed.
    TimedOut,
}

impl<N: NodeId> Region<N> {
    /// The split that opened the region.
    pub fn split(&self) -> N {
        self.split
    }

    /// The waits inside the region that wait for a signal now.
    pub fn open_waits(&self) -> impl Iterator<Item = N> + '_ {
        self.memo.iter().filter_map(|memo| match memo.visit {
            Visited::Wait { ended: None, .. } => Some(memo.node),
            _ => None,
        })
    }

    /// What the visit `iteration` of `node` did, if the memo has it.
    pub(crate) fn find(&self, node: N, iteration: u32) -> Option<&Visited<N>> {
        self.memo
            .iter()
            .find(|memo| memo.node == node && memo.iteration == iteration)
            .map(|memo| &memo.visit)
    }

    pub(crate) fn find_mut(&mut self, node: N, iteration: u32) -> Option<&mut Visited<N>> {
        self.memo
            .iter_mut()
            .find(|memo| memo.node == node && memo.iteration == iteration)
            .map(|memo| &mut memo.visit)
    }

    /// Records what a visit did, replacing what it recorded before.
    pub(crate) fn remember(&mut self, node: N, iteration: u32, visit: Visited<N>) {
        match self.find_mut(node, iteration) {
            Some(known) => *known = visit,
            None => self.memo.push(Memoized {
                node,
                iteration,
                visit,
            }),
        }
    }

    /// When the parked region wants to be woken: its earliest timer or
    /// wait timeout.
    pub(crate) fn wake_at(&self) -> Option<SystemTime> {
        self.memo
            .iter()
            .filter_map(|memo| match &memo.visit {
                Visited::Timer {
                    until,
                    fired: false,
                } => Some(*until),
                Visited::Wait {
                    deadline: Some((at, _)),
                    ended: None,
                    ..
                } => Some(*at),
                Visited::Retry { due, .. } => Some(*due),
                _ => None,
            })
            .min()
    }

    /// The waits inside the region that wait for a signal now, with who
    /// may complete each and since when: what the inbox lists.
    pub(crate) fn open_user_tasks(
        &self,
    ) -> impl Iterator<Item = (N, Option<&str>, &[String], SystemTime)> + '_ {
        self.memo.iter().filter_map(|memo| match &memo.visit {
            Visited::Wait {
                since,
                assignee,
                groups,
                ended: None,
                ..
            } => Some((memo.node, assignee.as_deref(), groups.as_slice(), *since)),
            _ => None,
        })
    }

    /// Whether a branch can go on, so the region replays next.
    pub(crate) fn resumes(&self) -> bool {
        self.resume
    }

    /// Whether some branch waits for a signal.
    pub(crate) fn is_waiting(&self) -> bool {
        self.open_waits().next().is_some()
    }
}

impl<F: Flow> Machine<F> {
    /// Entering `split` on an engine: its region starts from a snapshot of
    /// the context. In memory nothing is kept.
    pub(super) fn open_region(&mut self, split: F::Node, iteration: u32) -> Result<(), StepError> {
        let Some(codec) = self.scope.durable() else {
            return Ok(());
        };
        let context = (codec.encode)(&self.context).map_err(|error| {
            StepError::permanent(format!(
                "the context does not encode at split `{}`: {error}",
                split.name()
            ))
        })?;
        let visits = self.scope.records().visits.clone();
        self.scope.begin_region(
            Region {
                split,
                iteration,
                context,
                visits,
                memo: Vec::new(),
                resume: false,
            },
            false,
        );
        Ok(())
    }

    /// Replays the parked region from its split's context: memoized visits
    /// are fed their results, the branches go on live where they parked.
    pub(super) async fn replay(&mut self) -> Advanced {
        let Position::Region(region) = &self.at else {
            return Advanced::Parked;
        };
        let (split, iteration) = (region.split, region.iteration);
        let decoded = match self.scope.durable() {
            Some(codec) => (codec.decode)(&region.context).map_err(|error| error.to_string()),
            None => Err("the instance does not run on an engine".to_owned()),
        };
        let context = match decoded {
            Ok(context) => context,
            Err(error) => {
                let error = StepError::permanent(format!(
                    "the context stored at split `{}` does not decode: {error}",
                    split.name()
                ));
                return self.failed(split, error);
            }
        };
        let mut replayed = (**region).clone();
        replayed.resume = false;
        self.scope.begin_region(replayed, true);
        // The live context gives way to the split's; the replay's first
        // poll feeds every memoized visit (nothing in a replayed visit
        // awaits), so by the time anything can interrupt it the context
        // holds the effects of every completed visit again.
        self.context = context;
        self.run_node(split, iteration, 1, false).await
    }

    /// Moves the parked region on where its time has come: timers fire,
    /// waits time out. Returns whether anything moved.
    pub(super) fn wake_region(&mut self) -> bool {
        let Position::Region(region) = &mut self.at else {
            return false;
        };
        let now = clock::now();
        let mut events = Vec::new();
        for memo in &mut region.memo {
            match &mut memo.visit {
                Visited::Timer { until, fired } if !*fired && *until <= now => {
                    *fired = true;
                    events.push(Event::Woke { node: memo.node });
                }
                Visited::Wait {
                    deadline: Some((at, route)),
                    ended,
                    ..
                } if ended.is_none() && *at <= now => {
                    *ended = Some(WaitEnded::TimedOut);
                    tracing::info!(node = memo.node.name(), to = route.name(), "wait timed out");
                    events.push(Event::TimedOut {
                        node: memo.node,
                        to: *route,
                    });
                }
                // Due: the replay runs the attempt (nothing to record yet).
                Visited::Retry { due, .. } if *due <= now => region.resume = true,
                _ => {}
            }
        }
        let moved = !events.is_empty();
        region.resume |= moved;
        for event in events {
            self.scope.record_here(event);
        }
        moved || matches!(&self.at, Position::Region(region) if region.resume)
    }

    /// Delivers `signal` to the wait inside the parked region it is for;
    /// it comes back if no branch waits for it.
    pub(super) fn deliver_in_region(
        &mut self,
        signal: F::Signal,
        by: Option<String>,
    ) -> Result<(), F::Signal> {
        let Position::Region(region) = &mut self.at else {
            return Err(signal);
        };
        let wait = signal.wait();
        let open = region.memo.iter_mut().find(|memo| {
            memo.node.name() == wait && matches!(memo.visit, Visited::Wait { ended: None, .. })
        });
        let Some(memo) = open else {
            return Err(signal);
        };
        let Ok(payload) = signal.to_json() else {
            return Err(signal);
        };
        let node = memo.node;
        if let Visited::Wait { ended, .. } = &mut memo.visit {
            *ended = Some(WaitEnded::Signalled {
                payload,
                by: by.clone(),
            });
        }
        region.resume = true;
        tracing::info!(node = node.name(), by = by.as_deref(), "signal delivered");
        self.scope.record_here(Event::Signalled { node, by });
        Ok(())
    }
}

/// A replayed region feeds each memoized task its result through the
/// same seam a test's mock uses.
impl<N: NodeId> Intercept<N> for Region<N> {
    fn intercept(&self, node: N, step: &Step) -> Option<Intercepted> {
        match self.find(node, step.iteration())? {
            Visited::Task { value } => Some(Intercepted::Memo(Ok(value.clone()))),
            Visited::Recovered { error } => {
                let error = serde_json::from_value(error.clone()).unwrap_or_else(|error| {
                    StepError::permanent(format!("a memoized error does not decode: {error}"))
                });
                Some(Intercepted::Memo(Err(error)))
            }
            _ => None,
        }
    }
}

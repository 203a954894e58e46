//! Joining the branches of a split: they run concurrently on the
//! instance's task until all reach the join, one fails, or, in a durable
//! region, every one of them waits or sleeps and the region parks.

use super::Scope;
use super::region::Visited;
use super::scope::BranchFuture;
use crate::flow::{Flow, NodeId};
use crate::journal::Event;
use crate::step::StepError;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use std::sync::atomic::Ordering;
use std::task::Poll;
use tracing::Instrument;

impl<F: Flow> Scope<F> {
    /// Runs the branches of `split` concurrently, on the instance's task,
    /// until all reach the join. When one fails, the others are cancelled
    /// (their futures dropped, so a running step stops at its next `.await`)
    /// and its error is returned. In a durable region, once every branch
    /// waits or sleeps the region parks: the futures are dropped, and the
    /// region's memo says where each branch stands.
    #[doc(hidden)]
    pub async fn join(
        &self,
        split: F::Node,
        branches: Vec<(usize, F::Node, BranchFuture<'_>)>,
    ) -> Result<(), StepError> {
        // In memory nothing parks, so nothing is counted: the fast path.
        let durable = self.hooks.durable.is_some();
        let own = durable.then(|| JoinGuard::enter(self));
        let is_region = own.as_ref().is_some_and(|own| own.is_region);
        let (iteration, replayed) = match durable {
            true => {
                let records = self.lock();
                let iteration = records.visits.get(split.index()).copied().unwrap_or(1);
                (iteration, records.replays(split, iteration))
            }
            false => (0, false),
        };
        if durable {
            // The branch that runs a nested region is no leaf while it does.
            let leaves = branches.len();
            match is_region {
                true => self.leaves.fetch_add(leaves, Ordering::SeqCst),
                false => self
                    .leaves
                    .fetch_add(leaves.saturating_sub(1), Ordering::SeqCst),
            };
        }
        let mut running = vec![false; branches.iter().map(|b| b.0 + 1).max().unwrap_or(0)];
        let mut pending: FuturesUnordered<_> = branches
            .into_iter()
            .map(|(branch, node, future)| {
                if !replayed {
                    self.record(Event::BranchStarted {
                        split,
                        branch,
                        node,
                    });
                }
                running[branch] = true;
                let span = tracing::info_span!("branch", split = split.name(), branch);
                future.instrument(span).map(move |result| (branch, result))
            })
            .collect();
        let parks = is_region;
        loop {
            let next = std::future::poll_fn(|cx| match pending.poll_next_unpin(cx) {
                Poll::Ready(next) => Poll::Ready(Some(next)),
                Poll::Pending if parks && self.all_blocked() => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            })
            .await;
            let Some(next) = next else {
                // Every branch waits or sleeps: the region parks.
                if let Some(region) = &mut self.lock().region {
                    region.parked = true;
                }
                return Err(StepError::permanent("the region parked"));
            };
            let Some((branch, result)) = next else {
                break;
            };
            running[branch] = false;
            if durable {
                self.leaves.fetch_sub(1, Ordering::SeqCst);
            }
            if let Err(error) = result {
                drop(pending);
                for (cancelled, _) in running.iter().enumerate().filter(|(_, r)| **r) {
                    self.record(Event::BranchCancelled {
                        split,
                        branch: cancelled,
                    });
                }
                return Err(error);
            }
            self.branch_finished(split, iteration, branch);
        }
        if durable && !is_region {
            self.leaves.fetch_add(1, Ordering::SeqCst);
        }
        drop(own);
        Ok(())
    }

    /// Whether every branch of the open region waits or sleeps.
    fn all_blocked(&self) -> bool {
        let leaves = self.leaves.load(Ordering::SeqCst);
        leaves > 0 && self.blocked.load(Ordering::SeqCst) >= leaves
    }

    /// A branch reached its join: `BranchFinished`, once per branch even
    /// when a region replays.
    #[inline]
    fn branch_finished(&self, split: F::Node, iteration: u32, branch: usize) {
        if self.hooks.durable.is_some() {
            let mut records = self.lock();
            let mut finished = match records.memoized(split, iteration) {
                Some(Visited::Split { finished }) => finished.clone(),
                _ => Vec::new(),
            };
            if finished.contains(&branch) {
                return;
            }
            finished.push(branch);
            records.remember(split, iteration, Visited::Split { finished });
        }
        self.record(Event::BranchFinished { split, branch });
    }
}

/// A join that runs: the first one of a region is the region's own.
struct JoinGuard<'s, F: Flow> {
    scope: &'s Scope<F>,
    is_region: bool,
}

impl<'s, F: Flow> JoinGuard<'s, F> {
    fn enter(scope: &'s Scope<F>) -> Self {
        let is_region = scope.joins.fetch_add(1, Ordering::SeqCst) == 0;
        if is_region {
            scope.leaves.store(0, Ordering::SeqCst);
            scope.blocked.store(0, Ordering::SeqCst);
        }
        JoinGuard { scope, is_region }
    }
}

impl<F: Flow> Drop for JoinGuard<'_, F> {
    fn drop(&mut self) {
        self.scope.joins.fetch_sub(1, Ordering::SeqCst);
    }
}

//! The engine's run loop: claims runnable and due instances, drives each on
//! a task of its own, and polls (backing off, jittered) when idle.

use super::{Inner, resolve};
use crate::clock;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

/// Claims runnable and due instances and drives each on its own task, at
/// most `concurrency` at once, until the engine stops.
pub(super) async fn run_loop(inner: Arc<Inner>) {
    let permits = Arc::new(Semaphore::new(inner.concurrency));
    let mut drivers = JoinSet::new();
    // Idle rounds in a row: the poll backs off while nothing comes.
    let mut idle_rounds = 0;
    let hint = inner.store.wake_hint();
    while !inner.is_stopping() {
        while drivers.try_join_next().is_some() {}
        let free = permits.available_permits();
        let claimed = if free == 0 {
            Vec::new()
        } else {
            match inner.store.claim(clock::now(), free, inner.lease).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::error!(%error, "claiming work failed; retrying");
                    Vec::new()
                }
            }
        };
        let mut idle = true;
        for stored in claimed {
            if inner.is_running(stored.id) {
                // Its lease ran out while its transition runs here (a driver
                // gives an instance up here before it releases the claim):
                // this claim renewed the lease, and that driver goes on.
                // Another driver would run the step again beside it.
                continue;
            }
            if inner.flows.get(&stored.flow).is_none() {
                // Left claimed until its lease passes: an engine that has
                // the flow may take it then.
                tracing::warn!(instance = %stored.id, flow = %stored.flow, "instance of an unregistered flow skipped");
                continue;
            }
            idle = false;
            idle_rounds = 0;
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let inner = inner.clone();
            drivers.spawn(async move {
                resolve::run_claimed(inner, stored).await;
                drop(permit);
            });
        }
        if idle {
            let next = inner.store.next_wake().await.ok().flatten();
            // Backing off while idle, jittered so that workers sharing a
            // store do not poll in step.
            let poll = jittered(backed_off(inner.poll, idle_rounds));
            idle_rounds += 1;
            let sleep = next.map_or(poll, |at| clock::until(at).min(poll));
            tokio::select! {
                () = inner.work.notified() => {}
                () = hinted(hint.as_deref()) => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }
    // Graceful: let every driver finish its transition and commit.
    while drivers.join_next().await.is_some() {}
}

/// The poll's delay after `idle_rounds` idle rounds in a row: an eighth of
/// `poll` at first (work tends to come in bursts), doubling each round up
/// to `poll`.
fn backed_off(poll: Duration, idle_rounds: u32) -> Duration {
    (poll / 8).saturating_mul(1 << idle_rounds.min(3)).min(poll)
}

/// Between three quarters of `poll` and all of it.
fn jittered(poll: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let draw = std::hash::RandomState::new().build_hasher().finish();
    poll.mul_f64(0.75 + 0.25 * (draw % 1024) as f64 / 1023.0)
}

/// Returns when the store's wake-up hint is notified; never without one.
async fn hinted(hint: Option<&Notify>) {
    match hint {
        Some(hint) => hint.notified().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::{backed_off, jittered};
    use std::time::Duration;

    #[test]
    fn an_idle_poll_backs_off_from_an_eighth_to_the_whole_interval() {
        let poll = Duration::from_secs(8);
        let delays: Vec<u64> = (0..6)
            .map(|round| backed_off(poll, round).as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 8, 8]);
        // Far past the cap, nothing overflows.
        assert_eq!(backed_off(poll, u32::MAX), poll);
    }

    #[test]
    fn a_jittered_poll_stays_between_three_quarters_and_all_of_it() {
        let poll = Duration::from_secs(4);
        for _ in 0..100 {
            let delay = jittered(poll);
            assert!(
                delay >= Duration::from_secs(3) && delay <= poll,
                "{delay:?}"
            );
        }
    }
}

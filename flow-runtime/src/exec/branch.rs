//! Waits and timers inside parallel branches.
//!
//! A branch that reaches a `wait` or a `timer` waits in place while the
//! other branches run on. In memory the wait takes its signal from the
//! instance's [`Mailbox`] (what [`Instance::signal`](crate::Instance::signal)
//! sends), the timer sleeps. In a durable region the branch counts as
//! blocked while it waits; once every branch of the region is blocked the
//! region parks (see `exec::region`), and a replay finds the signal, the
//! timeout or the fired timer in the region's memo.

use super::Scope;
use super::region::{Visited, WaitEnded};
use crate::clock;
use crate::flow::{Flow, NodeId, Wait, Wake};
use crate::instance::SignalRequest;
use crate::journal::Event;
use crate::signal::Signal;
use crate::step::StepError;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;
use tokio::sync::Notify;

/// The signals sent to an in-memory instance and not taken yet, oldest
/// first: the instance's driver puts them here, its waits take them.
pub(crate) struct Mailbox<F: Flow> {
    signals: Mutex<Vec<SignalRequest<F>>>,
    arrived: Notify,
}

impl<F: Flow> Default for Mailbox<F> {
    fn default() -> Self {
        Mailbox {
            signals: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        }
    }
}

impl<F: Flow> Mailbox<F> {
    /// Keeps a signal until its wait takes it, and tells the waits.
    pub(crate) fn put(&self, request: SignalRequest<F>) {
        self.lock().push(request);
        self.arrived.notify_waiters();
    }

    /// The oldest signal for the wait named `wait`, if one was sent.
    pub(crate) fn take(&self, wait: &str) -> Option<SignalRequest<F>> {
        let mut signals = self.lock();
        let position = signals
            .iter()
            .position(|request| request.signal.wait() == wait)?;
        Some(signals.remove(position))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SignalRequest<F>>> {
        self.signals.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How a wait inside a branch ended.
#[doc(hidden)]
pub enum Waited<S, N> {
    /// Its signal arrived.
    Signal(S),
    /// Its timeout passed: the branch goes on at this node.
    TimedOut(N),
    /// Its memoized signal no longer decodes.
    Failed(StepError),
}

/// A branch waiting for a signal or a time, counted as blocked until it
/// stops waiting.
pub(super) struct Blocked<'s, F: Flow>(&'s Scope<F>);

impl<'s, F: Flow> Blocked<'s, F> {
    pub(super) fn new(scope: &'s Scope<F>) -> Self {
        scope.blocked.fetch_add(1, Ordering::SeqCst);
        Blocked(scope)
    }
}

impl<F: Flow> Drop for Blocked<'_, F> {
    fn drop(&mut self) {
        self.0.blocked.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<F: Flow> Scope<F> {
    /// Enters a `wait` inside a branch and waits for its signal or its
    /// timeout: in place, or, in a durable region, until the region parks.
    #[doc(hidden)]
    pub async fn wait_in_branch(
        &self,
        node: F::Node,
        wait: Wait<F::Node>,
    ) -> Waited<F::Signal, F::Node> {
        let iteration = self.enter(node);
        let (assignee, groups, timeout) = wait.into_parts();
        let known = self.lock().memoized(node, iteration).cloned();
        let deadline = match known {
            Some(Visited::Wait {
                ended: Some(WaitEnded::Signalled { payload, .. }),
                ..
            }) => {
                return match F::Signal::from_json(node.name(), payload) {
                    Ok(signal) => Waited::Signal(signal),
                    Err(error) => Waited::Failed(StepError::permanent(format!(
                        "the signal delivered to `wait {}` does not decode: {error}",
                        node.name()
                    ))),
                };
            }
            Some(Visited::Wait {
                ended: Some(WaitEnded::TimedOut),
                deadline,
                ..
            }) => match deadline {
                Some((_, route)) => return Waited::TimedOut(route),
                None => None,
            },
            // Entered before the region parked: recorded already.
            Some(Visited::Wait { deadline, .. }) => deadline,
            _ => {
                let since = clock::now();
                self.record(Event::Waiting {
                    node,
                    assignee: assignee.clone(),
                    groups: groups.clone(),
                });
                let deadline = timeout.map(|(after, route)| (since + after, route));
                self.lock().remember(
                    node,
                    iteration,
                    Visited::Wait {
                        since,
                        assignee,
                        groups,
                        deadline,
                        ended: None,
                    },
                );
                deadline
            }
        };
        let blocked = Blocked::new(self);
        let signalled = self.signal_for(node, deadline.map(|(at, _)| at)).await;
        drop(blocked);
        match (signalled, deadline) {
            (Some(request), _) => {
                tracing::info!(
                    node = node.name(),
                    by = request.by.as_deref(),
                    "signal delivered"
                );
                self.record(Event::Signalled {
                    node,
                    by: request.by,
                });
                Waited::Signal(request.signal)
            }
            (None, Some((_, route))) => {
                tracing::info!(node = node.name(), to = route.name(), "wait timed out");
                self.record(Event::TimedOut { node, to: route });
                let mut records = self.lock();
                if let Some(Visited::Wait { ended, .. }) = records
                    .region
                    .as_mut()
                    .and_then(|region| region.state.find_mut(node, iteration))
                {
                    *ended = Some(WaitEnded::TimedOut);
                }
                Waited::TimedOut(route)
            }
            // No deadline and no signal: `signal_for` never returns then.
            (None, None) => std::future::pending().await,
        }
    }

    /// The signal for `wait` from the mailbox, or `None` once `deadline`
    /// passed. Without a mailbox (a durable region, or `run`) only the
    /// deadline can end the wait.
    async fn signal_for(
        &self,
        wait: F::Node,
        deadline: Option<SystemTime>,
    ) -> Option<SignalRequest<F>> {
        let timeout = async {
            match deadline {
                Some(at) => clock::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let Some(mailbox) = self.hooks.mailbox.as_deref() else {
            timeout.await;
            return None;
        };
        tokio::pin!(timeout);
        loop {
            let arrived = mailbox.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(request) = mailbox.take(wait.name()) {
                return Some(request);
            }
            tokio::select! {
                () = &mut arrived => {}
                () = &mut timeout => return None,
            }
        }
    }

    /// Enters a `timer` inside a branch and sleeps until it fires: in
    /// place, or, in a durable region, until the region parks.
    #[doc(hidden)]
    pub async fn timer_in_branch(&self, node: F::Node, wake: Wake) {
        let iteration = self.enter(node);
        let known = self.lock().memoized(node, iteration).cloned();
        let until = match known {
            Some(Visited::Timer { fired: true, .. }) => return,
            // Entered before the region parked: recorded already.
            Some(Visited::Timer { until, .. }) => until,
            _ => {
                let until = match wake {
                    Wake::After(delay) => clock::now() + delay,
                    Wake::At(at) => at,
                };
                self.record(Event::Sleeping { node, until });
                self.lock().remember(
                    node,
                    iteration,
                    Visited::Timer {
                        until,
                        fired: false,
                    },
                );
                until
            }
        };
        {
            let _blocked = Blocked::new(self);
            clock::sleep_until(until).await;
        }
        self.record(Event::Woke { node });
        self.lock()
            .remember(node, iteration, Visited::Timer { until, fired: true });
    }
}

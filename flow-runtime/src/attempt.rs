//! One attempt state machine for every step that retries: a task on the
//! instance's sequential path, a task inside a parallel branch, a
//! compensation. Each asks the same question after an attempt, "go on,
//! retry after a backoff, or fail?", and gets its answer here; what it
//! records and where it waits (a parked position, a parked branch) is its
//! own.

use crate::policy::Policy;
use crate::step::StepError;
use futures::FutureExt;
use futures::future::Either;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// The attempts of one visit of a step under its policy: which one runs,
/// and what the result of one means.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempts {
    policy: Policy,
    number: u32,
    visit: Visit,
}

/// Which visit of which step of which instance the attempts are of: what
/// decorrelates their jitter (see [`seed`]), computed only when a retry
/// needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visit {
    /// The instance's id.
    pub(crate) instance: u128,
    /// The step's node index.
    pub(crate) node: usize,
    /// Which visit of the node.
    pub(crate) iteration: u32,
}

/// What the result of an attempt comes to.
#[derive(Debug)]
pub(crate) enum Verdict<T> {
    /// The attempt succeeded.
    Done(T),
    /// The attempt failed with `error`; the next one is due after `delay`
    /// (its number is [`Attempts::number`] once [`Attempts::retry`] moved
    /// on to it).
    RetryAfter { delay: Duration, error: StepError },
    /// The attempt failed, and no retry is left or the error is permanent.
    Failed(StepError),
}

impl Attempts {
    /// Attempt `number` (1 for the first) of `visit`.
    pub(crate) fn new(policy: Policy, number: u32, visit: Visit) -> Self {
        Attempts {
            policy,
            number,
            visit,
        }
    }

    /// The attempt that runs now.
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// The policy the attempts run under (its timeout bounds each one).
    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    /// What the result of the attempt that runs now means. Pure: the
    /// caller records the verdict, then moves on with [`retry`](Self::retry).
    pub(crate) fn settle<T>(&self, result: Result<T, StepError>) -> Verdict<T> {
        let error = match result {
            Ok(value) => return Verdict::Done(value),
            Err(error) => error,
        };
        match self.delay_after(&error) {
            Some(delay) => Verdict::RetryAfter { delay, error },
            None => Verdict::Failed(error),
        }
    }

    /// Moves on to the next attempt, after a [`Verdict::RetryAfter`].
    pub(crate) fn retry(&mut self) {
        self.number += 1;
    }

    /// The wait before the next attempt after this one failed with
    /// `error`, or `None` if there is none.
    fn delay_after(&self, error: &StepError) -> Option<Duration> {
        let retry = self.policy.retry()?;
        (!error.is_permanent() && self.number <= retry.retries()).then(|| {
            let Visit {
                instance,
                node,
                iteration,
            } = self.visit;
            retry
                .backoff()
                .delay(self.number, seed(instance, node, iteration))
        })
    }
}

/// Decorrelates jitter between instances, nodes and visits: the seed of
/// visit `iteration` of the node at `node` of instance `instance`. A fixed
/// mixer, so a backoff is the same in every build (see `policy::mix`).
pub(crate) fn seed(instance: u128, node: usize, iteration: u32) -> u64 {
    let mixed = crate::policy::mix((instance >> 64) as u64 ^ crate::policy::mix(instance as u64));
    crate::policy::mix(mixed ^ ((node as u64) << 32 | u64::from(iteration)))
}

/// Runs one attempt: a panic inside is caught and becomes a permanent
/// failure; past the policy's timeout the future is dropped and the attempt
/// fails with a timeout error.
///
/// Combinators, not an `async fn`: the attempt's future is moved once, into
/// the one future this returns, instead of being kept as an argument beside
/// the copy being polled (which doubled the size of every future above it).
pub(crate) fn guarded<T>(
    attempt: impl Future<Output = T>,
    policy: Policy,
) -> impl Future<Output = Result<T, StepError>> {
    let panicked = |payload: Box<dyn std::any::Any + Send>| {
        StepError::panicked(panic_message(payload.as_ref()))
    };
    let caught = AssertUnwindSafe(attempt).catch_unwind();
    match policy.timeout() {
        Some(limit) => Either::Left(tokio::time::timeout(limit, caught).map(
            move |timed| match timed {
                Ok(finished) => finished.map_err(panicked),
                Err(_elapsed) => Err(StepError::timed_out(limit)),
            },
        )),
        None => Either::Right(caught.map(move |finished| finished.map_err(panicked))),
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Backoff, Retry};

    const VISIT: Visit = Visit {
        instance: 7,
        node: 1,
        iteration: 1,
    };

    fn retrying(retries: u32) -> Attempts {
        let backoff = Backoff::fixed(Duration::from_secs(2));
        Attempts::new(
            Policy::new().with_retry(Retry::new(retries, backoff)),
            1,
            VISIT,
        )
    }

    #[test]
    fn a_success_is_done_on_any_attempt() {
        let mut attempts = retrying(1);
        attempts.retry();
        assert!(matches!(
            attempts.settle(Ok::<_, StepError>(3)),
            Verdict::Done(3)
        ));
    }

    #[test]
    fn failures_retry_until_the_budget_is_spent() {
        let mut attempts = retrying(2);
        for number in 1..=2 {
            assert_eq!(attempts.number(), number);
            match attempts.settle::<()>(Err(StepError::new("down"))) {
                Verdict::RetryAfter { delay, error } => {
                    assert_eq!(delay, Duration::from_secs(2));
                    assert_eq!(error.to_string(), "down");
                }
                other => panic!("attempt {number}: {other:?}"),
            }
            attempts.retry();
        }
        assert!(matches!(
            attempts.settle::<()>(Err(StepError::new("down"))),
            Verdict::Failed(error) if error.to_string() == "down"
        ));
    }

    #[test]
    fn a_permanent_error_or_no_policy_fails_at_once() {
        let permanent = StepError::permanent("invalid");
        assert!(matches!(
            retrying(3).settle::<()>(Err(permanent)),
            Verdict::Failed(_)
        ));
        let once = Attempts::new(Policy::new(), 1, VISIT);
        assert!(matches!(
            once.settle::<()>(Err(StepError::new("x"))),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn a_resumed_visit_keeps_its_budget() {
        // Attempt 3 of `retry 2`, rebuilt from a stored position: no retry left.
        let resumed = Attempts::new(retrying(2).policy(), 3, VISIT);
        assert!(matches!(
            resumed.settle::<()>(Err(StepError::new("x"))),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn seeds_differ_by_instance_node_and_visit() {
        let base = seed(1, 2, 3);
        assert_eq!(base, seed(1, 2, 3));
        assert_ne!(base, seed(2, 2, 3));
        assert_ne!(base, seed(1, 3, 3));
        assert_ne!(base, seed(1, 2, 4));
    }
}

//! Retry, backoff and timeout policies, declared on tasks and their
//! compensations with `retry`, `backoff` and `timeout` clauses.

use std::time::Duration;

/// How a task (or a compensation) is attempted: how often it is retried,
/// how long to wait between attempts, how long one attempt may take.
///
/// ```
/// use flow_runtime::{Backoff, Policy, Retry};
/// use std::time::Duration;
///
/// // retry 3 backoff exponential(100ms, 1s) timeout 10s
/// let policy = Policy::new()
///     .with_retry(Retry::new(3, Backoff::exponential(Duration::from_millis(100), Duration::from_secs(1))))
///     .with_timeout(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    retry: Option<Retry>,
    timeout: Option<Duration>,
}

impl Policy {
    /// One attempt, no timeout.
    pub const fn new() -> Self {
        Self {
            retry: None,
            timeout: None,
        }
    }

    /// Retries failed attempts as `retry` says.
    pub const fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Cancels an attempt that takes longer than `timeout` (its future is
    /// dropped) and counts it as failed.
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy, if any.
    pub const fn retry(&self) -> Option<Retry> {
        self.retry
    }

    /// The per-attempt timeout, if any.
    pub const fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// How many attempts at most: retries plus the first one.
    pub const fn max_attempts(&self) -> u32 {
        match self.retry {
            Some(retry) => retry.retries + 1,
            None => 1,
        }
    }
}

/// `retry N backoff ...`: retry a failed attempt up to `N` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    retries: u32,
    backoff: Backoff,
}

impl Retry {
    /// Up to `retries` retries after the first attempt, waiting as `backoff` says.
    pub const fn new(retries: u32, backoff: Backoff) -> Self {
        Self { retries, backoff }
    }

    /// How many times a failed attempt is retried.
    pub const fn retries(&self) -> u32 {
        self.retries
    }

    /// The wait between attempts.
    pub const fn backoff(&self) -> Backoff {
        self.backoff
    }
}

/// The wait before each retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backoff {
    /// Retry at once (a `retry` without `backoff`).
    Immediate,
    /// `backoff fixed(D)`: wait `D` before every retry.
    Fixed {
        /// The wait.
        delay: Duration,
        /// `jitter`: wait a random time between `delay / 2` and `delay`.
        jitter: bool,
    },
    /// `backoff exponential(I, M)`: wait `I`, then `2I`, `4I`, ... never more than `M`.
    Exponential {
        /// The first wait.
        initial: Duration,
        /// The longest wait.
        max: Duration,
        /// `jitter`: wait a random time between half the wait and the wait.
        jitter: bool,
    },
}

impl Backoff {
    /// `fixed(delay)` without jitter.
    pub const fn fixed(delay: Duration) -> Self {
        Backoff::Fixed {
            delay,
            jitter: false,
        }
    }

    /// `exponential(initial, max)` without jitter.
    pub const fn exponential(initial: Duration, max: Duration) -> Self {
        Backoff::Exponential {
            initial,
            max,
            jitter: false,
        }
    }

    /// The wait after failed attempt number `attempt` (1 for the first).
    /// `seed` decorrelates jitter between instances and steps; the same seed
    /// and attempt always give the same wait, so runs are reproducible.
    ///
    /// ```
    /// use flow_runtime::Backoff;
    /// use std::time::Duration;
    ///
    /// let ms = Duration::from_millis;
    /// let backoff = Backoff::exponential(ms(100), ms(500));
    /// let waits: Vec<_> = (1..=5).map(|attempt| backoff.delay(attempt, 0)).collect();
    /// assert_eq!(waits, [ms(100), ms(200), ms(400), ms(500), ms(500)]);
    /// ```
    pub fn delay(&self, attempt: u32, seed: u64) -> Duration {
        let (nominal, jitter) = match *self {
            Backoff::Immediate => return Duration::ZERO,
            Backoff::Fixed { delay, jitter } => (delay, jitter),
            Backoff::Exponential {
                initial,
                max,
                jitter,
            } => {
                let doublings = attempt.saturating_sub(1).min(63);
                let wait = initial
                    .checked_mul(1_u32 << doublings.min(31))
                    .unwrap_or(max);
                (wait.min(max), jitter)
            }
        };
        if !jitter {
            return nominal;
        }
        let mixed = mix(seed ^ mix(u64::from(attempt)));
        // A fraction in [0, 1) from the hash; wait between half and all of it.
        let fraction = (mixed >> 11) as f64 / (1_u64 << 53) as f64;
        nominal.div_f64(2.0).mul_f64(1.0 + fraction)
    }
}

/// SplitMix64's finaliser: a fixed bijection that spreads every input bit
/// over the output. Unlike `std`'s `DefaultHasher` it is specified, so a
/// jittered backoff (and a delay stored with a retry) is the same on every
/// Rust release, platform and process (see the test `mix_is_splitmix64`).
pub(crate) const fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mixer's values are part of the contract: a retry time stored by
    /// one build must mean the same in the next. These are SplitMix64's
    /// published outputs for the seed 0 sequence.
    #[test]
    fn mix_is_splitmix64() {
        assert_eq!(mix(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix(0x9e37_79b9_7f4a_7c15), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn jitter_stays_within_half_and_all_of_the_wait() {
        let backoff = Backoff::Fixed {
            delay: Duration::from_secs(1),
            jitter: true,
        };
        for seed in 0..1000 {
            let wait = backoff.delay(1, seed);
            assert!(wait >= Duration::from_millis(500) && wait < Duration::from_secs(1));
        }
        assert_eq!(backoff.delay(3, 7), backoff.delay(3, 7));
    }
}

//! One clock for the whole runtime: wall-clock times that follow tokio's
//! clock, so due times stored as wall-clock instants (a retry, a timer, a
//! wait's timeout) also advance under `tokio::time::pause` in tests.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The wall-clock time now: the process's wall-clock base plus tokio's
/// time since then.
pub(crate) fn now() -> SystemTime {
    #[cfg(test)]
    reads::count();
    let (wall, base) = base();
    // Under a paused clock, tokio's instant may lie before the base (another
    // test's runtime set it): go back from the base rather than saturate.
    let instant = Instant::now().into_std();
    match instant.checked_duration_since(base) {
        Some(since) => wall + since,
        None => wall - base.duration_since(instant),
    }
}

/// How long from now until `at`; zero if `at` has passed.
pub(crate) fn until(at: SystemTime) -> Duration {
    at.duration_since(now()).unwrap_or_default()
}

/// Sleeps until the wall-clock time `at` (on tokio's clock).
pub(crate) async fn sleep_until(at: SystemTime) {
    let wait = until(at);
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

fn base() -> (SystemTime, std::time::Instant) {
    static BASE: OnceLock<(SystemTime, std::time::Instant)> = OnceLock::new();
    *BASE.get_or_init(|| (SystemTime::now(), std::time::Instant::now()))
}

/// How many times this thread read the clock: the hot path's tests count
/// them.
#[cfg(test)]
pub(crate) mod reads {
    use std::cell::Cell;

    thread_local! {
        static READS: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn count() {
        READS.with(|reads| reads.set(reads.get() + 1));
    }

    /// Reads of the clock on this thread so far.
    pub(crate) fn so_far() -> u64 {
        READS.with(Cell::get)
    }
}

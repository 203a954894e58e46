//! The step functions every implementation calls: the workloads differ
//! between libraries only in how the library strings these together.

use std::convert::Infallible;
use std::hint::black_box;

/// The chain's length (workload 1) and the counter a finished chain shows.
pub const CHAIN: u32 = 10;
/// The saga's compensable steps (workload 2); step `SAGA + 1` fails.
pub const SAGA: u32 = 5;
/// The fan-out's branches (workload 3).
pub const BRANCHES: u32 = 4;

/// A step's refusal: the saga's last step fails with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub u32);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {} failed", self.0)
    }
}

impl std::error::Error for Refused {}

/// A chain step: adds one to the counter of the instance's context
/// (through `black_box`, so that ten of them are not folded into one add).
pub async fn add(counter: &mut u32) -> Result<(), Infallible> {
    *black_box(counter) += 1;
    black_box(Ok(()))
}

/// A compensable saga step that succeeds with its number.
pub async fn work(n: u32) -> Result<u32, Refused> {
    black_box(Ok(n))
}

/// The saga step that fails.
pub async fn refuse(n: u32) -> Result<u32, Refused> {
    black_box(Err(Refused(n)))
}

/// A compensation: counts itself in the context.
pub async fn undo(undone: &mut u32) -> Result<(), Refused> {
    *undone += 1;
    black_box(Ok(()))
}

/// A fan-out branch: yields to the scheduler once (a real suspension, as an
/// I/O call would be), then answers its number.
pub async fn fetch(n: u32) -> Result<u32, Infallible> {
    tokio::task::yield_now().await;
    black_box(Ok(n))
}

/// Unwraps a result that cannot be an error.
pub fn infallible<T>(result: Result<T, Infallible>) -> T {
    result.unwrap_or_else(|never| match never {})
}

/// The sum a fan-out's join sees: 1 + 2 + … + `BRANCHES`.
pub const FAN_SUM: u32 = BRANCHES * (BRANCHES + 1) / 2;

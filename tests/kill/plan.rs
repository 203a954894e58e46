//! Named crash points: where a child SIGKILLs itself, and when.
//!
//! The parent names one point and a count in the child's environment
//! (`FLOW_KILL_AT=mid_region:3`); the child kills itself with a real
//! SIGKILL the third time it gets there. The commit points are reached
//! through the engine's hidden `crash_hook`; the others are steps of the
//! flow that call [`reached`].

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming a child's crash point.
pub const VAR: &str = "FLOW_KILL_AT";

/// Where a child can kill itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// A commit is about to be sent: nothing of it is durable.
    BeforeCommit,
    /// The store answered a commit; the engine has not acted on it and the
    /// child has not logged it as acknowledged.
    AfterCommit,
    /// Inside `pay`, after it charged (an effect in the ledger that no
    /// commit records yet).
    MidStep,
    /// Inside `bill`, a task of a parallel branch, while `pack` runs or
    /// completed in the other branch.
    MidRegion,
    /// Inside `refund`, the third compensation of a refused order, after the
    /// two branch tasks' compensations committed.
    MidCompensation,
}

impl Point {
    pub const ALL: [Point; 5] = [
        Point::BeforeCommit,
        Point::AfterCommit,
        Point::MidStep,
        Point::MidRegion,
        Point::MidCompensation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Point::BeforeCommit => "before_commit",
            Point::AfterCommit => "after_commit",
            Point::MidStep => "mid_step",
            Point::MidRegion => "mid_region",
            Point::MidCompensation => "mid_compensation",
        }
    }

    fn named(name: &str) -> Option<Point> {
        Point::ALL.into_iter().find(|point| point.name() == name)
    }
}

/// A crash point and on which visit of it to die.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub point: Point,
    pub at: u32,
}

impl Plan {
    /// As the environment spells it: `mid_region:3`.
    pub fn to_env(self) -> String {
        format!("{}:{}", self.point.name(), self.at)
    }

    pub fn from_env(text: &str) -> Result<Plan, String> {
        let bad = || {
            format!(
                "{VAR}=`{text}`: expected `<point>:<count>`, point one of before_commit, after_commit, mid_step, mid_region, mid_compensation"
            )
        };
        let (name, at) = text.split_once(':').ok_or_else(bad)?;
        let point = Point::named(name).ok_or_else(bad)?;
        let at = at.parse().ok().filter(|at| *at > 0).ok_or_else(bad)?;
        Ok(Plan { point, at })
    }
}

static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
static VISITS: AtomicU32 = AtomicU32::new(0);

/// Sets this child's plan (none: it dies only by the parent's hand).
pub fn install(plan: Option<Plan>) {
    PLAN.get_or_init(|| plan);
}

/// The child got to `point`: if the plan says this is the visit to die at,
/// it logs the crash and SIGKILLs itself.
pub fn reached(point: Point) {
    let Some(Some(plan)) = PLAN.get() else {
        return;
    };
    if plan.point != point {
        return;
    }
    if VISITS.fetch_add(1, Ordering::SeqCst) + 1 == plan.at {
        crate::acks::crash(point);
        sigkill_self();
    }
}

/// Dies at once, as `kill -9 <own pid>` would make it: no destructor, no
/// flush, no other thread gets further than the kernel lets it.
fn sigkill_self() -> ! {
    // SAFETY: kill(2) on our own pid with a valid signal number touches no
    // memory of this process; SIGKILL cannot be caught, so it never returns
    // into Rust code in a state that could matter.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // The kernel delivers SIGKILL before this thread runs on; never reached.
    loop {
        std::thread::park();
    }
}

//! The SQLite kill test: crash safety proven with real processes and real
//! SIGKILLs.
//!
//! The parent (this binary, run by `cargo test`) re-executes itself as a
//! child that runs instances of the [`Checkout`](flow::Checkout) flow (a
//! wait, a timer, retries with backoff, a parallel region, compensable steps)
//! on an engine over one SQLite file. The parent SIGKILLs the child at random
//! moments, and has it SIGKILL itself at named crash points (right before a
//! commit, right after one before it is acknowledged, mid-step,
//! mid-region, mid-compensation); it restarts it each time, and the child
//! delivers the signals of the instances waiting. At the end a last child
//! runs every instance to its end, and the parent checks:
//!
//! - every acknowledged transition is in the store (the ack logs: started
//!   instances, accepted signals, commits the store answered);
//! - no step completion is recorded twice in any journal;
//! - every instance reached its expected end, with its expected context;
//! - the side-effect ledger (kept by the steps under their idempotency keys)
//!   shows each expected effect applied at least once, always with the same
//!   value, and no effect that should not have happened;
//! - `PRAGMA integrity_check` is `ok` on both files.
//!
//! Any violation exits non-zero with what was wrong; every wait has a
//! deadline. `FLOW_KILL_SEED=<n>` replays the random kill times of a run.

mod acks;
mod checks;
mod child;
mod flow;
mod ledger;
mod orders;
mod parent;
mod plan;
mod verify;

use std::process::ExitCode;

/// Set (to the run's number) in the environment of a child.
const CHILD: &str = "FLOW_KILL_CHILD";

/// The one test this binary runs, as `--list` and filters name it.
const NAME: &str = "sqlite_kill_test";

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        return child::main();
    }
    if selected(std::env::args().skip(1)) {
        parent::main()
    } else {
        println!("running 0 tests ({NAME} filtered out)");
        ExitCode::SUCCESS
    }
}

/// Whether libtest's arguments, as cargo passes them on, select this test:
/// `--list` lists it (and runs nothing), `--ignored` selects only ignored
/// tests (it is not one), `--skip NAME` and name filters work as in libtest.
fn selected(args: impl Iterator<Item = String>) -> bool {
    let mut args = args.peekable();
    let (mut filters, mut skips) = (Vec::new(), Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => {
                println!("{NAME}: test");
                return false;
            }
            "--ignored" => return false,
            "--skip" => skips.extend(args.next()),
            // Options whose value is the next argument.
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                args.next();
            }
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_owned()),
        }
    }
    let chosen = filters.is_empty() || filters.iter().any(|f| NAME.contains(f.as_str()));
    chosen && !skips.iter().any(|skip| NAME.contains(skip.as_str()))
}

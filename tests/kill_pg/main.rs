//! The PostgreSQL kill test: many workers on one database, proven with real
//! processes, real SIGKILLs and a real SIGSTOP.
//!
//! The parent (this binary, run by `cargo test`) re-executes itself as
//! three worker processes that run the orders of the SQLite kill test's
//! [`Checkout`](flow::Checkout) flow (a wait, a timer, retries with
//! backoff, a parallel region, compensation) on engines sharing one
//! PostgreSQL schema. It SIGKILLs random workers at random moments and
//! restarts them (some restarts SIGKILL themselves at a named crash point),
//! and SIGSTOPs a busy worker for longer than its lease, so the others take
//! its instances over, then SIGCONTs it. At the end three last workers run
//! every order to its end, and the parent checks:
//!
//! - every acknowledged transition of every worker is in the store, and no
//!   two workers' acknowledged commits of one instance share a version;
//! - no step completion is recorded twice in any journal;
//! - every order reached its expected end, with its expected context;
//! - the side-effect ledgers (one per worker run, kept by the steps under
//!   their idempotency keys) show each expected effect applied at least
//!   once, always with the same value, and nothing else;
//! - the stopped worker's late commits were refused (it logs each refusal
//!   the store answered: `LeaseLost` or `Conflict`), and no commit of a
//!   worker that was not stopped was;
//! - the journal rows are consistent (numbered 0, 1, ... per instance, as
//!   many as the instance counts).
//!
//! Without a server (`FLOW_POSTGRES_URL`) it prints SKIPPED and passes,
//! unless `FLOW_REQUIRE_POSTGRES=1`. `FLOW_KILL_SEED=<n>` replays the random
//! choices of a run.

#[path = "../kill/acks.rs"]
mod acks;
#[path = "../kill/checks.rs"]
mod checks;
mod child;
#[allow(dead_code)]
#[path = "../kill/flow.rs"]
mod flow;
#[path = "../kill/ledger.rs"]
mod ledger;
#[path = "../kill/orders.rs"]
mod orders;
mod parent;
#[path = "../support/postgres.rs"]
mod pg;
#[allow(dead_code)]
#[path = "../kill/plan.rs"]
mod plan;
mod rejects;
mod verify;

use std::process::ExitCode;

/// Set (to the run's number) in the environment of a worker.
const CHILD: &str = "FLOW_KILL_CHILD";

/// The one test this binary runs, as `--list` and filters name it.
const NAME: &str = "postgres_kill_test";

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

/// Whether libtest's arguments, as cargo passes them on, select this test
/// (as in `tests/kill/main.rs`).
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

//! `and` / `or` splits, joins and sub-flow calls at run time, under tokio's
//! paused clock so instants are exact: branches run concurrently, a failing
//! branch cancels the others and the completed work of every branch is
//! compensated, an inclusive join waits for exactly the started branches.

use flow_runtime::prelude::*;
use flow_runtime::{Event, SubFlowFailed};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, sleep};

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// Lines steps and compensations write, in the order they happen. Shared
/// (`&`) by every branch, so no branch needs a mutable borrow of it.
#[derive(Clone, Default, Debug)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn write(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0} refused")]
struct Refused(&'static str);

/// Sleeps, logs `name`, returns `value`.
async fn work<T>(log: &Log, name: &str, seconds: u64, value: T) -> Result<T, Refused> {
    sleep(SECS(seconds)).await;
    log.write(name);
    Ok(value)
}

async fn refuse(log: &Log, name: &'static str, seconds: u64) -> Result<(), Refused> {
    sleep(SECS(seconds)).await;
    log.write(format!("{name} failed"));
    Err(Refused(name))
}

async fn undo(log: &Log, name: &str) -> Result<(), Refused> {
    log.write(format!("undo {name}"));
    Ok(())
}

#[derive(Debug, Default)]
struct Loan {
    log: Log,
    applicant: String,
    credit: u32,
    fraud: bool,
    documents: bool,
    decision: Option<&'static str>,
}

fn loan(applicant: &str) -> Loan {
    Loan {
        applicant: applicant.into(),
        ..Loan::default()
    }
}

flow! {
    flow Checks(loan: Loan) {
        start -> checks;
        and checks -> credit, fraud, documents;
        task credit = work(&loan.log, "credit", 1, loan.applicant.len() as u32) => loan.credit -> checked;
        task fraud = work(&loan.log, "fraud", 2, loan.applicant.is_empty()) => loan.fraud -> checked;
        task documents = work(&loan.log, "documents", 3, true) => loan.documents -> checked;
        join checked -> decide;
        task decide = work(&loan.log, "decide", 0, "approved") => loan.decision -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn branches_of_one_split_run_concurrently() {
    let begun = Instant::now();
    let done = Checks::run(loan("ada")).await.unwrap();
    // 1 s, 2 s and 3 s branches: 3 s together, not 6 s one after another.
    assert_eq!(begun.elapsed(), SECS(3));
    assert_eq!(done.context.credit, 3);
    assert!(!done.context.fraud);
    assert!(done.context.documents);
    assert_eq!(done.context.decision, Some("approved"));
    assert_eq!(
        done.context.log.lines(),
        ["credit", "fraud", "documents", "decide"]
    );
    // The join is entered once, when the last branch arrives.
    let checked = done
        .path
        .visits()
        .iter()
        .find(|visit| visit.node == ChecksNode::Checked)
        .unwrap();
    assert_eq!(checked.elapsed, SECS(3));
}

#[tokio::test(start_paused = true)]
async fn path_and_journal_show_every_branch() {
    let done = Checks::run(loan("ada")).await.unwrap();
    assert_eq!(
        done.path.to_string(),
        "start -> checks -> credit -> fraud -> documents -> checked -> decide -> done"
    );
    let branch_events: Vec<String> = done
        .journal
        .entries()
        .iter()
        .filter(|entry| {
            matches!(
                entry.event,
                Event::BranchStarted { .. } | Event::BranchFinished { .. }
            )
        })
        .map(|entry| format!("{:?} {}", entry.elapsed, entry.event))
        .collect();
    assert_eq!(
        branch_events,
        [
            "0ns checks branch 0 started at credit",
            "0ns checks branch 1 started at fraud",
            "0ns checks branch 2 started at documents",
            "1s checks branch 0 finished",
            "2s checks branch 1 finished",
            "3s checks branch 2 finished",
        ]
    );
}

/// Set when a `Sentinel` is dropped: proves a branch's future was dropped.
struct Sentinel(Arc<AtomicBool>);

impl Drop for Sentinel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn long_running(log: &Log, dropped: &Arc<AtomicBool>) -> Result<(), Refused> {
    let _sentinel = Sentinel(dropped.clone());
    sleep(SECS(10)).await;
    log.write("long finished");
    Ok(())
}

#[derive(Default)]
struct Trip {
    log: Log,
    dropped: Arc<AtomicBool>,
    flight: bool,
    seat: bool,
    hotel: bool,
}

flow! {
    flow Trips(trip: Trip) {
        start -> book;
        and book -> flight, hotel, wait;
        task flight = work(&trip.log, "flight", 1, true) => trip.flight
            compensate undo(&trip.log, "flight")
            -> seat;
        task seat = work(&trip.log, "seat", 4, true) => trip.seat
            compensate undo(&trip.log, "seat")
            -> booked;
        task hotel = work(&trip.log, "hotel", 2, true) => trip.hotel
            compensate undo(&trip.log, "hotel")
            -> car;
        task car = refuse(&trip.log, "car", 1) -> booked;
        task wait = long_running(&trip.log, &trip.dropped) -> booked;
        join booked -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_branch_cancels_the_others_and_compensates_every_branch() {
    let begun = Instant::now();
    let failed = Trips::run(Trip::default()).await.unwrap_failed();
    // `car` fails at 3 s; nobody waits for `seat` (5 s) or `wait` (10 s).
    assert_eq!(begun.elapsed(), SECS(3));
    assert_eq!(failed.node, TripsNode::Car);
    assert_eq!(failed.error.to_string(), "car refused");
    assert!(
        failed.context.dropped.load(Ordering::SeqCst),
        "the running branch's future is dropped"
    );
    // Completed in every branch, undone newest first: hotel (2 s), then
    // flight (1 s). `seat` never completed, so it is not compensated.
    assert_eq!(
        failed.context.log.lines(),
        ["flight", "hotel", "car failed", "undo hotel", "undo flight"]
    );
    assert_eq!(failed.compensation.compensated.len(), 2);
    let events: Vec<String> = failed
        .journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::BranchCancelled { .. } | Event::BranchFinished { .. } | Event::Failed { .. }
            )
        })
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        events,
        [
            "car failed: car refused",
            "book branch 0 cancelled",
            "book branch 2 cancelled",
        ]
    );
}

async fn flaky(failures: &Mutex<u32>) -> Result<&'static str, Refused> {
    let mut left = failures.lock().unwrap();
    if *left > 0 {
        *left -= 1;
        return Err(Refused("flaky"));
    }
    Ok("ok")
}

#[derive(Default)]
struct Routed {
    log: Log,
    failures: Mutex<u32>,
    flaky: Option<&'static str>,
    problem: Option<String>,
    other: bool,
}

flow! {
    flow Routes(routed: Routed) {
        start -> split;
        and split -> fragile, steady;
        task fragile = refuse(&routed.log, "fragile", 1)
            on error => routed.problem -> fallback
            -> retried;
        task fallback = work(&routed.log, "fallback", 1, ()) -> retried;
        task retried = flaky(&routed.failures) => routed.flaky
            retry 2 backoff fixed(1s)
            -> merged;
        task steady = work(&routed.log, "steady", 1, true) => routed.other -> merged;
        join merged -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn error_routes_and_retries_apply_within_their_branch() {
    let begun = Instant::now();
    let context = Routed {
        failures: Mutex::new(2),
        ..Routed::default()
    };
    let done = Routes::run(context).await.unwrap();
    // fragile fails at 1 s, fallback at 2 s, two retries 1 s apart: 4 s.
    assert_eq!(begun.elapsed(), SECS(4));
    assert_eq!(done.context.problem.as_deref(), Some("fragile refused"));
    assert_eq!(done.context.flaky, Some("ok"));
    assert!(done.context.other);
    let attempts = done
        .journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::Attempt {
                    node: RoutesNode::Retried,
                    ..
                }
            )
        })
        .count();
    assert_eq!(attempts, 3);
    assert!(done.journal.events().any(|event| matches!(
        event,
        Event::Recovered {
            node: RoutesNode::Fragile,
            to: RoutesNode::Fallback
        }
    )));
}

#[derive(Default)]
struct Parcel {
    log: Log,
    gift: bool,
    insured: bool,
    wrapped: bool,
    insurance: bool,
    packed: bool,
}

flow! {
    flow Extras(parcel: Parcel) {
        start -> extras;
        or extras {
            parcel.gift => wrap,
            parcel.insured => insure,
            else => pack,
        }
        task wrap = work(&parcel.log, "wrap", 1, true) => parcel.wrapped -> ready;
        task insure = work(&parcel.log, "insure", 5, true) => parcel.insurance -> ready;
        task pack = work(&parcel.log, "pack", 2, true) => parcel.packed -> ready;
        join ready -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn an_inclusive_join_waits_for_exactly_the_started_branches() {
    let begun = Instant::now();
    let parcel = Parcel {
        gift: true,
        ..Parcel::default()
    };
    let done = Extras::run(parcel).await.unwrap();
    // Only `wrap` started, so the join fires at 1 s, not at 5 s.
    assert_eq!(begun.elapsed(), SECS(1));
    assert_eq!(done.context.log.lines(), ["wrap"]);
    assert_eq!(
        done.path.to_string(),
        "start -> extras -> wrap -> ready -> done"
    );

    let begun = Instant::now();
    let both = Parcel {
        gift: true,
        insured: true,
        ..Parcel::default()
    };
    let done = Extras::run(both).await.unwrap();
    assert_eq!(begun.elapsed(), SECS(5));
    assert_eq!(done.context.log.lines(), ["wrap", "insure"]);
    assert!(done.context.wrapped && done.context.insurance && !done.context.packed);
}

#[tokio::test(start_paused = true)]
async fn an_inclusive_split_takes_its_else_branch_when_no_condition_holds() {
    let done = Extras::run(Parcel::default()).await.unwrap();
    assert_eq!(done.context.log.lines(), ["pack"]);
    assert!(done.context.packed);
    assert_eq!(
        done.path.to_string(),
        "start -> extras -> pack -> ready -> done"
    );
}

#[derive(Default)]
struct Build {
    log: Log,
    attempts: u32,
    compiled: bool,
    linted: bool,
    docs: bool,
    tested: bool,
}

async fn compile(log: &Log, attempts: &mut u32) -> Result<bool, Refused> {
    sleep(SECS(1)).await;
    *attempts += 1;
    log.write(format!("compile {attempts}"));
    Ok(*attempts >= 2)
}

flow! {
    flow Pipeline(build: Build) {
        start -> all;
        and all -> compile, docs;
        // A loop and an xor inside a branch, and a parallel split nested in it.
        task compile = compile(&build.log, &mut build.attempts) => build.compiled -> compiled;
        xor compiled {
            build.compiled => checks,
            else => compile,
        }
        and checks -> lint, test;
        task lint = work(&build.log, "lint", 2, true) => build.linted -> checked;
        task test = work(&build.log, "test", 3, true) => build.tested -> checked;
        join checked -> all_done;
        task docs = work(&build.log, "docs", 4, true) => build.docs -> all_done;
        join all_done -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn splits_nest_and_branches_hold_loops_and_xors() {
    let begun = Instant::now();
    let done = Pipeline::run(Build::default()).await.unwrap();
    // compile twice (2 s), then lint and test together (3 s): 5 s, while
    // docs (4 s) runs alongside.
    assert_eq!(begun.elapsed(), SECS(5));
    assert_eq!(
        done.context.log.lines(),
        ["compile 1", "compile 2", "docs", "lint", "test"]
    );
    let context = &done.context;
    assert!(context.compiled && context.linted && context.tested && context.docs);
    let visits_of_compile = done
        .path
        .nodes()
        .filter(|node| *node == PipelineNode::Compile)
        .count();
    assert_eq!(visits_of_compile, 2);
}

// Sub-flows.

#[derive(Debug, Default, Clone, PartialEq)]
struct Applicant {
    name: String,
    score: u32,
}

async fn score(name: &str) -> Result<u32, Refused> {
    sleep(SECS(1)).await;
    if name == "mallory" {
        return Err(Refused("bureau"));
    }
    Ok(name.len() as u32 * 100)
}

flow! {
    flow CreditCheck(applicant: Applicant) {
        start -> score;
        task score = score(&applicant.name) => applicant.score -> enough;
        xor enough {
            applicant.score >= 300 => approved,
            else => declined,
        }
        end approved;
        end declined;
    }
}

#[derive(Default)]
struct Application {
    log: Log,
    applicant: Applicant,
    checked: Applicant,
    fraud: bool,
    outcome: &'static str,
}

async fn outcome(text: &'static str) -> Result<&'static str, Refused> {
    Ok(text)
}

flow! {
    flow Apply(app: Application) {
        start -> checks;
        and checks -> credit, fraud;
        flow credit = CreditCheck(app.applicant.clone()) => app.checked -> match {
            CreditCheckEnd::Approved => approve,
            CreditCheckEnd::Declined => decline,
        };
        task approve = outcome("approved") => app.outcome -> checked;
        task decline = outcome("declined") => app.outcome -> checked;
        task fraud = work(&app.log, "fraud", 2, false) => app.fraud -> checked;
        join checked -> done;
        end done;
    }
}

fn application(name: &str) -> Application {
    Application {
        applicant: Applicant {
            name: name.into(),
            score: 0,
        },
        ..Application::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_sub_flow_runs_to_its_end_and_the_parent_routes_on_it() {
    let begun = Instant::now();
    let done = Apply::run(application("grace")).await.unwrap();
    assert_eq!(
        begun.elapsed(),
        SECS(2),
        "the sub-flow runs in its branch, alongside fraud"
    );
    assert_eq!(done.context.checked.score, 500);
    assert_eq!(done.context.outcome, "approved");

    let done = Apply::run(application("al")).await.unwrap();
    assert_eq!(done.context.checked.score, 200);
    assert_eq!(done.context.outcome, "declined");
}

#[tokio::test(start_paused = true)]
async fn a_failing_sub_flow_fails_its_step_with_the_childs_error() {
    let failed = Apply::run(application("mallory")).await.unwrap_failed();
    assert_eq!(failed.node, ApplyNode::Credit);
    let error = failed
        .error
        .downcast_ref::<SubFlowFailed>()
        .expect("a sub-flow failure");
    assert_eq!(error.flow, "CreditCheck");
    assert_eq!(error.node, "score");
    assert_eq!(error.reason, "bureau refused");
    assert_ne!(
        error.instance, failed.instance,
        "the child is its own instance"
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_an_instance_drops_its_branches_and_compensates_what_they_did() {
    let trip = Trip::default();
    let log = trip.log.clone();
    let dropped = trip.dropped.clone();
    let instance = Trips::start(trip);
    sleep(Duration::from_millis(1500)).await;
    instance.cancel_and_compensate("customer changed plans");
    let cancelled = instance.outcome().await.unwrap_cancelled();
    assert_eq!(
        cancelled.node,
        TripsNode::Book,
        "cancelled while the split ran"
    );
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(log.lines(), ["flight", "undo flight"]);
}

#[derive(Default)]
struct Retried {
    applicant: Applicant,
    checked: Applicant,
}

flow! {
    flow RetriedCheck(retried: Retried) {
        start -> credit;
        flow credit = CreditCheck(retried.applicant.clone()) => retried.checked
            retry 2 backoff fixed(1s)
            -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_sub_flow_call_outside_a_split_is_attempted_like_a_task() {
    let context = Retried {
        applicant: Applicant {
            name: "mallory".into(),
            score: 0,
        },
        ..Retried::default()
    };
    let begun = Instant::now();
    let failed = RetriedCheck::run(context).await.unwrap_failed();
    // Three runs of the child (1 s each) with 1 s backoffs between them.
    assert_eq!(begun.elapsed(), SECS(5));
    let attempts = failed
        .journal
        .events()
        .filter(|event| {
            matches!(
                event,
                Event::Attempt {
                    node: RetriedCheckNode::Credit,
                    ..
                }
            )
        })
        .count();
    assert_eq!(attempts, 3);
    assert!(failed.error.downcast_ref::<SubFlowFailed>().is_some());
}

//! Observers see every event of the instances they watch, as it happens;
//! `StepMetrics` counts and times steps; a started instance reports its
//! progress.

use flow_runtime::prelude::*;
use flow_runtime::{Event, Observation, Observer, Runner, StepMetrics, StepStats};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::sleep;

/// One observation, kept: flow, instance, time since start, named event.
type Kept = (
    String,
    flow_runtime::InstanceId,
    Duration,
    Event<&'static str>,
);

/// Keeps every observation.
#[derive(Default)]
struct Recorder(Mutex<Vec<Kept>>);

impl Observer for Recorder {
    fn observe(&self, observation: &Observation<'_>) {
        self.0.lock().unwrap().push((
            observation.flow.to_owned(),
            observation.instance,
            observation.elapsed,
            observation.event.clone(),
        ));
    }
}

impl Recorder {
    fn events_of(&self, instance: flow_runtime::InstanceId) -> Vec<Event<&'static str>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, id, _, _)| *id == instance)
            .map(|(_, _, _, event)| event.clone())
            .collect()
    }
    fn kinds(&self) -> BTreeSet<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, _, event)| {
                let debug = format!("{event:?}");
                debug.split([' ', '{']).next().unwrap().to_owned()
            })
            .collect()
    }
}

/// Runs one instance of `F` with a fresh recorder attached.
async fn recorded<F: Flow>(context: F::Context) -> (Arc<Recorder>, flow_runtime::Outcome<F>) {
    let recorder = Arc::new(Recorder::default());
    let outcome = Runner::new()
        .observe(recorder.clone())
        .run::<F>(context)
        .await;
    (recorder, outcome)
}

#[derive(Debug, thiserror::Error)]
#[error("refused")]
struct Refused;

async fn work(seconds: u64) -> Result<u32, Refused> {
    sleep(Duration::from_secs(seconds)).await;
    Ok(1)
}

async fn flaky(left: &mut u32) -> Result<u32, Refused> {
    if *left == 0 {
        return Ok(2);
    }
    *left -= 1;
    Err(Refused)
}

async fn refuse() -> Result<u32, Refused> {
    Err(Refused)
}

async fn undo(undo_fails: bool) -> Result<(), Refused> {
    if undo_fails { Err(Refused) } else { Ok(()) }
}

#[derive(Default)]
struct Ctx {
    failures: u32,
    fail_at_end: bool,
    undo_fails: bool,
    a: u32,
    b: u32,
    c: u32,
    problem: Option<String>,
}

flow! {
    flow Watched(ctx: Ctx) {
        start -> retried;
        task retried = flaky(&mut ctx.failures) => ctx.a retry 2 compensate undo(ctx.undo_fails) -> routed;
        task routed = refuse() on error => ctx.problem -> split -> split;
        and split -> left, right;
        task left = work(1) => ctx.b -> joined;
        task right = work(2) => ctx.c -> joined;
        join joined -> last;
        xor last {
            ctx.fail_at_end => fails,
            else => done,
        }
        task fails = refuse() -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn an_observer_sees_exactly_the_journal_in_order() {
    let context = Ctx {
        failures: 1,
        ..Ctx::default()
    };
    let (recorder, outcome) = recorded::<Watched>(context).await;
    let done = outcome.unwrap();
    let journal: Vec<Event<&'static str>> = done.journal.events().map(Event::named).collect();
    assert_eq!(recorder.events_of(done.instance), journal);
    let observed_at: Vec<Duration> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, elapsed, _)| *elapsed)
        .collect();
    let journaled_at: Vec<Duration> = done.journal.entries().iter().map(|e| e.elapsed).collect();
    assert_eq!(observed_at, journaled_at);
    assert!(
        recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .all(|(flow, ..)| flow == "Watched")
    );
}

#[tokio::test(start_paused = true)]
async fn every_kind_of_event_reaches_the_observer() {
    let recorder = Arc::new(Recorder::default());
    let runner = Runner::new().observe(recorder.clone());
    // Retry, error route, branches, completion.
    runner
        .run::<Watched>(Ctx {
            failures: 1,
            ..Ctx::default()
        })
        .await
        .unwrap();
    // A failure with a failing compensation.
    runner
        .run::<Watched>(Ctx {
            fail_at_end: true,
            undo_fails: true,
            ..Ctx::default()
        })
        .await
        .unwrap_compensation_failed();
    // A failure that compensates.
    runner
        .run::<Watched>(Ctx {
            fail_at_end: true,
            ..Ctx::default()
        })
        .await
        .unwrap_failed();
    // A cancellation while the branches run: branches cancelled.
    let instance = runner.start::<Watched>(Ctx::default());
    sleep(Duration::from_millis(1500)).await;
    instance.cancel("stop");
    instance.outcome().await.unwrap_cancelled();
    let kinds = recorder.kinds();
    let expected = [
        "Entered",
        "Attempt",
        "Succeeded",
        "AttemptFailed",
        "Recovered",
        "Failed",
        "Cancelled",
        "CompensationAttempt",
        "CompensationAttemptFailed",
        "Compensated",
        "BranchStarted",
        "BranchFinished",
        "Completed",
    ];
    for kind in expected {
        assert!(
            kinds.contains(kind),
            "no `{kind}` event observed; saw {kinds:?}"
        );
    }
}

#[derive(Default)]
struct Pair {
    a: u32,
    b: u32,
}

flow! {
    flow Failing(pair: Pair) {
        start -> split;
        and split -> slow, failing;
        task slow = work(5) => pair.a -> joined;
        task failing = refuse() => pair.b -> joined;
        join joined -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_branch_is_observed() {
    let (recorder, outcome) = recorded::<Failing>(Pair::default()).await;
    let failed = outcome.unwrap_failed();
    let events = recorder.events_of(failed.instance);
    assert!(events.contains(&Event::BranchCancelled {
        split: "split",
        branch: 0
    }));
}

#[tokio::test(start_paused = true)]
async fn step_metrics_count_and_time_steps_across_instances() {
    let metrics = Arc::new(StepMetrics::new());
    let runner = Runner::new().observe(metrics.clone());
    for failures in [0, 1, 2] {
        let context = Ctx {
            failures,
            ..Ctx::default()
        };
        runner.run::<Watched>(context).await.unwrap();
    }
    runner
        .run::<Watched>(Ctx {
            fail_at_end: true,
            ..Ctx::default()
        })
        .await
        .unwrap_failed();

    let retried = metrics.step("Watched", "retried").unwrap();
    assert_eq!(
        retried,
        StepStats {
            attempts: 7,
            succeeded: 4,
            failed_attempts: 3,
            retries: 3,
            failed: 0,
            compensated: 1,
            total_time: Duration::ZERO,
            max_time: Duration::ZERO,
        }
    );
    let right = metrics.step("Watched", "right").unwrap();
    assert_eq!(right.succeeded, 4);
    assert_eq!(right.total_time, Duration::from_secs(8));
    assert_eq!(right.max_time, Duration::from_secs(2));
    assert_eq!(right.mean_time(), Some(Duration::from_secs(2)));
    let routed = metrics.step("Watched", "routed").unwrap();
    assert_eq!((routed.failed_attempts, routed.failed), (4, 4));
    let instances = metrics.instances();
    assert_eq!((instances.completed, instances.failed), (3, 1));
    assert!(metrics.step("Watched", "nothing").is_none());
}

#[tokio::test(start_paused = true)]
async fn progress_shows_the_running_branches_and_the_steps_done() {
    let instance = Watched::start(Ctx::default());
    sleep(Duration::from_millis(500)).await;
    let progress = instance.progress();
    assert_eq!(progress.running, ["left", "right"]);
    assert_eq!(
        progress.steps_done, 1,
        "retried succeeded; routed failed to its route"
    );
    assert!(!progress.finished);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(instance.progress().running, ["right"]);
    sleep(Duration::from_secs(1)).await;
    let progress = instance.progress();
    assert!(progress.finished);
    assert!(progress.running.is_empty());
    assert_eq!(progress.steps_done, 3);
    instance.outcome().await.unwrap();
}

flow! {
    flow Child(n: u32) {
        start -> step;
        task step = work(1) => *n -> done;
        end done;
    }
}

flow! {
    flow Parent(pair: Pair) {
        start -> child;
        flow child = Child(pair.a) => pair.b -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn observers_see_the_sub_flows_a_flow_calls() {
    let (recorder, outcome) = recorded::<Parent>(Pair::default()).await;
    let done = outcome.unwrap();
    let flows: BTreeSet<String> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(flow, ..)| flow.clone())
        .collect();
    assert_eq!(
        flows,
        BTreeSet::from(["Child".to_owned(), "Parent".to_owned()])
    );
    assert_eq!(done.context.b, 1);
}

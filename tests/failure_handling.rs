//! Retries, timeouts, panics, error routes, compensation and cancellation,
//! all under tokio's paused clock so instants are exact.

use flow_runtime::prelude::*;
use flow_runtime::{Cause, Event};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// What the steps of these tests do and see, shared with the test body.
#[derive(Clone, Default)]
struct Script {
    /// How many attempts of `flaky` fail before one succeeds.
    failures: Arc<AtomicUsize>,
    /// Instants (since `origin`) of each attempt of `flaky`.
    attempts: Arc<Mutex<Vec<Duration>>>,
    /// `done`/`undo` lines in the order they happened.
    log: Arc<Mutex<Vec<String>>>,
    /// Idempotency keys seen by steps and compensations.
    keys: Arc<Mutex<Vec<String>>>,
    origin: Arc<Mutex<Option<Instant>>>,
}

impl Script {
    fn failing(times: usize) -> Self {
        let script = Script::default();
        script.failures.store(times, Ordering::SeqCst);
        *script.origin.lock().unwrap() = Some(Instant::now());
        script
    }
    fn log(&self, line: impl Into<String>) {
        self.log.lock().unwrap().push(line.into());
    }
    fn logged(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    fn attempt_instants(&self) -> Vec<Duration> {
        self.attempts.lock().unwrap().clone()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("service unavailable")]
struct Unavailable;

async fn flaky(script: &Script) -> Result<u32, StepError> {
    let origin = script.origin.lock().unwrap().expect("origin set");
    script.attempts.lock().unwrap().push(origin.elapsed());
    let left = script.failures.load(Ordering::SeqCst);
    if left > 0 {
        script.failures.store(left - 1, Ordering::SeqCst);
        Err(Unavailable)?;
    }
    Ok(7)
}

struct Ctx {
    script: Script,
    value: u32,
    failure: Option<String>,
    round: u32,
}

impl Ctx {
    fn new(script: &Script) -> Self {
        Ctx {
            script: script.clone(),
            value: 0,
            failure: None,
            round: 0,
        }
    }
}

flow! {
    flow Exponential(ctx: Ctx) {
        start -> call;
        task call = flaky(&ctx.script) => ctx.value retry 4 backoff exponential(100ms, 300ms) -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn retries_follow_the_backoff_to_the_virtual_instant() {
    let script = Script::failing(4);
    let done = Exponential::run(Ctx::new(&script)).await.unwrap();
    assert_eq!(done.context.value, 7);
    // Attempts at 0, then after 100, 200, 300 (capped), 300 ms.
    assert_eq!(
        script.attempt_instants(),
        [MS(0), MS(100), MS(300), MS(600), MS(900)]
    );
    let waits: Vec<_> = done
        .journal
        .events()
        .filter_map(|event| match event {
            Event::AttemptFailed { retry_in, .. } => *retry_in,
            _ => None,
        })
        .collect();
    assert_eq!(waits, [MS(100), MS(200), MS(300), MS(300)]);
}

#[tokio::test(start_paused = true)]
async fn the_last_failed_attempt_fails_the_instance() {
    let script = Script::failing(10);
    let failed = Exponential::run(Ctx::new(&script)).await.unwrap_failed();
    assert_eq!(
        script.attempt_instants().len(),
        5,
        "retry 4 means 5 attempts"
    );
    assert_eq!(failed.node, ExponentialNode::Call);
    assert!(failed.error.downcast_ref::<Unavailable>().is_some());
    assert!(!failed.error.is_permanent());
}

flow! {
    flow Fixed(ctx: Ctx) {
        start -> call;
        task call = flaky(&ctx.script) => ctx.value retry 2 backoff fixed(1s) -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn fixed_backoff_waits_the_same_each_time() {
    let script = Script::failing(2);
    Fixed::run(Ctx::new(&script)).await.unwrap();
    assert_eq!(script.attempt_instants(), [MS(0), MS(1000), MS(2000)]);
}

flow! {
    flow Jittered(ctx: Ctx) {
        start -> call;
        task call = flaky(&ctx.script) => ctx.value retry 5 backoff fixed(1s) jitter -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn jitter_waits_between_half_and_all_of_the_delay() {
    let script = Script::failing(5);
    Jittered::run(Ctx::new(&script)).await.unwrap();
    let instants = script.attempt_instants();
    let waits: Vec<Duration> = instants.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert_eq!(waits.len(), 5);
    assert!(
        waits
            .iter()
            .all(|wait| *wait >= MS(500) && *wait <= MS(1000)),
        "{waits:?}"
    );
    assert!(
        waits.iter().any(|wait| *wait != waits[0]),
        "jitter varies: {waits:?}"
    );
}

async fn declined(script: &Script) -> Result<u32, StepError> {
    script.attempts.lock().unwrap().push(Duration::ZERO);
    Err(StepError::permanent(Unavailable))
}

async fn wrapped(script: &Script) -> Result<u32, Permanent<Unavailable>> {
    script.attempts.lock().unwrap().push(Duration::ZERO);
    Err(Permanent(Unavailable))
}

flow! {
    flow PermanentErrors(ctx: Ctx) {
        start -> decline;
        task decline = declined(&ctx.script) retry 5 on error -> wrap -> done;
        task wrap = wrapped(&ctx.script) retry 5 -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let script = Script::failing(0);
    let failed = PermanentErrors::run(Ctx::new(&script))
        .await
        .unwrap_failed();
    assert_eq!(
        script.attempt_instants().len(),
        2,
        "one attempt each, no retries"
    );
    assert_eq!(failed.node, PermanentErrorsNode::Wrap);
    assert!(failed.error.is_permanent());
    assert!(failed.error.downcast_ref::<Unavailable>().is_some());
}

/// Sets a flag when dropped: proves a timed-out attempt's future is dropped.
struct DropGuard(Arc<AtomicUsize>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

async fn slow(drops: &Arc<AtomicUsize>, finished: &Arc<AtomicUsize>) -> Result<(), StepError> {
    let _guard = DropGuard(drops.clone());
    tokio::time::sleep(Duration::from_secs(60)).await;
    finished.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

struct Slow {
    drops: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

flow! {
    flow TimesOut(ctx: Slow) {
        start -> wait;
        task wait = slow(&ctx.drops, &ctx.finished) timeout 2s retry 1 -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_drops_the_attempt_and_fails_it() {
    let (drops, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let failed = TimesOut::run(Slow {
        drops: drops.clone(),
        finished: finished.clone(),
    })
    .await
    .unwrap_failed();
    assert!(failed.error.is_timeout());
    assert_eq!(failed.error.to_string(), "timed out after 2s");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "both attempts' futures were dropped"
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "no attempt ran past its timeout"
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(4),
        "two attempts of 2s, no backoff"
    );
}

async fn explode(round: u32) -> Result<(), StepError> {
    if round == 0 {
        panic!("the ledger is corrupt");
    }
    Ok(())
}

flow! {
    flow Panics(ctx: Ctx) {
        start -> boom;
        task boom = explode(ctx.round) retry 3 -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_a_permanent_failure_and_other_instances_go_on() {
    let script = Script::failing(0);
    let mut healthy = Ctx::new(&script);
    healthy.round = 1;
    let (panicked, fine) = tokio::join!(Panics::run(Ctx::new(&script)), Panics::run(healthy));
    let failed = panicked.unwrap_failed();
    assert!(failed.error.is_panic());
    assert!(failed.error.is_permanent());
    assert_eq!(failed.error.panic_message(), Some("the ledger is corrupt"));
    let attempts = failed
        .journal
        .events()
        .filter(|e| matches!(e, Event::Attempt { .. }))
        .count();
    assert_eq!(attempts, 1, "a panic is not retried");
    assert!(fine.is_completed());

    // On a multi-threaded runtime, a spawned instance's panic stays inside it too.
    let instance = Panics::start(Ctx::new(&script));
    assert!(instance.outcome().await.unwrap_failed().error.is_panic());
}

flow! {
    flow Routed(ctx: Ctx) {
        start -> call;
        task call = flaky(&ctx.script) => ctx.value retry 1 on error => ctx.failure -> fallback -> done;
        task fallback = flaky(&ctx.script) => ctx.value -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn the_error_route_is_followed_after_the_last_attempt() {
    let script = Script::failing(2);
    let done = Routed::run(Ctx::new(&script)).await.unwrap();
    assert_eq!(done.path.names(), ["start", "call", "fallback", "done"]);
    assert_eq!(
        done.context.failure.as_deref(),
        Some("service unavailable"),
        "the handler can read the error"
    );
    assert_eq!(
        script.attempt_instants().len(),
        3,
        "two attempts of call, then fallback"
    );
    assert!(
        done.journal
            .events()
            .any(|e| matches!(e, Event::Recovered { .. }))
    );
}

// --- Compensation -------------------------------------------------------

async fn act(script: &Script, name: &str, step: &Step) -> Result<(), StepError> {
    script.log(format!("do {name}"));
    script
        .keys
        .lock()
        .unwrap()
        .push(format!("do {}", step.idempotency_key()));
    Ok(())
}

async fn undo(script: &Script, name: &str, step: &Step) -> Result<(), StepError> {
    script.log(format!("undo {name}"));
    script
        .keys
        .lock()
        .unwrap()
        .push(format!("undo {}", step.idempotency_key()));
    Ok(())
}

async fn refuse(script: &Script, name: &str) -> Result<(), StepError> {
    script.log(format!("fail {name}"));
    Err(StepError::new(format!("{name} refused")))
}

async fn undo_flaky(script: &Script, name: &str) -> Result<(), StepError> {
    let left = script.failures.load(Ordering::SeqCst);
    script.log(format!("undo {name} (attempt, {left} failures left)"));
    if left > 0 {
        script.failures.store(left - 1, Ordering::SeqCst);
        return Err(StepError::new(format!("{name} undo refused")));
    }
    Ok(())
}

flow! {
    /// a, b, then c in a loop twice, then a plain step, then d fails.
    flow Saga(ctx: Ctx, step: &Step) {
        start -> a;
        task a = act(&ctx.script, "a", step) compensate undo(&ctx.script, "a", step) -> b;
        task b = act(&ctx.script, "b", step) compensate undo_flaky(&ctx.script, "b") retry 2 -> c;
        task c = act(&ctx.script, "c", step) compensate undo(&ctx.script, "c", step) -> count;
        task count = bump(ctx.round) => ctx.round -> again;
        xor again {
            ctx.round < 2 => c,
            else => plain,
        }
        task plain = act(&ctx.script, "plain", step) -> d;
        task d = refuse(&ctx.script, "d") compensate undo(&ctx.script, "d", step) -> done;
        end done;
    }
}

async fn bump(round: u32) -> Result<u32, StepError> {
    Ok(round + 1)
}

#[tokio::test(start_paused = true)]
async fn compensations_run_in_reverse_order_of_completion() {
    let script = Script::failing(0);
    let failed = Saga::run(Ctx::new(&script)).await.unwrap_failed();
    assert_eq!(failed.node, SagaNode::D);
    assert_eq!(
        script.logged(),
        [
            "do a",
            "do b",
            "do c",
            "do c",
            "do plain",
            "fail d",
            // d failed (not compensated); c twice (each loop visit), b, a. `plain` has no compensation.
            "undo c",
            "undo c",
            "undo b (attempt, 0 failures left)",
            "undo a",
        ]
    );
    assert_eq!(
        failed.compensation.compensated_names(),
        ["c", "c", "b", "a"]
    );
    let iterations: Vec<u32> = failed
        .compensation
        .compensated
        .iter()
        .map(|done| done.iteration)
        .collect();
    assert_eq!(iterations, [2, 1, 1, 1]);
    assert!(failed.compensation.failed.is_none());
    assert!(failed.compensation.not_compensated.is_empty());
    assert_eq!(
        failed.journal.compensated(),
        [SagaNode::C, SagaNode::C, SagaNode::B, SagaNode::A]
    );
}

#[tokio::test(start_paused = true)]
async fn a_compensation_gets_the_key_of_the_step_it_undoes() {
    let script = Script::failing(0);
    let failed = Saga::run(Ctx::new(&script)).await.unwrap_failed();
    let keys = script.keys.lock().unwrap().clone();
    let id = failed.instance;
    let key = |node: &str, iteration: u32| format!("Saga/{id}/{node}/{iteration}");
    assert_eq!(
        keys,
        [
            format!("do {}", key("a", 1)),
            format!("do {}", key("b", 1)),
            format!("do {}", key("c", 1)),
            format!("do {}", key("c", 2)),
            format!("do {}", key("plain", 1)),
            format!("undo {}", key("c", 2)),
            format!("undo {}", key("c", 1)),
            format!("undo {}", key("a", 1)),
        ],
        "loop visits get distinct keys; an undo gets the key of the visit it undoes (b's undo records none)"
    );
}

#[tokio::test(start_paused = true)]
async fn a_compensation_is_retried_by_its_own_policy() {
    let script = Script::failing(2);
    let failed = Saga::run(Ctx::new(&script)).await.unwrap_failed();
    let undo_b: Vec<_> = script
        .logged()
        .into_iter()
        .filter(|line| line.starts_with("undo b"))
        .collect();
    assert_eq!(
        undo_b.len(),
        3,
        "retry 2 on the compensation: three attempts, the last succeeds"
    );
    assert_eq!(
        failed.compensation.compensated_names(),
        ["c", "c", "b", "a"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_compensation_that_still_fails_leaves_the_instance_compensation_failed() {
    let script = Script::failing(3);
    let stuck = Saga::run(Ctx::new(&script))
        .await
        .unwrap_compensation_failed();
    assert!(matches!(
        &stuck.cause,
        Cause::StepFailed {
            node: SagaNode::D,
            ..
        }
    ));
    assert_eq!(stuck.compensation.compensated_names(), ["c", "c"]);
    let (failed_undo, error) = stuck
        .compensation
        .failed
        .as_ref()
        .expect("b's compensation failed");
    assert_eq!(failed_undo.node, SagaNode::B);
    assert_eq!(error.to_string(), "b undo refused");
    assert_eq!(
        stuck.compensation.not_compensated_names(),
        ["a"],
        "nothing skipped silently"
    );
    assert!(
        !script.logged().contains(&"undo a".to_owned()),
        "a stays as it is"
    );
    assert!(
        stuck
            .to_string()
            .contains("compensating `b` failed: b undo refused; not compensated: [\"a\"]")
    );
}

// --- Cancellation -------------------------------------------------------

async fn forever(drops: &Arc<AtomicUsize>) -> Result<(), StepError> {
    let _guard = DropGuard(drops.clone());
    std::future::pending::<()>().await;
    Ok(())
}

struct Waiting {
    script: Script,
    drops: Arc<AtomicUsize>,
}

flow! {
    flow Booking(ctx: Waiting, step: &Step) {
        start -> flight;
        task flight = act(&ctx.script, "flight", step) compensate undo(&ctx.script, "flight", step) -> hotel;
        task hotel = act(&ctx.script, "hotel", step) compensate undo(&ctx.script, "hotel", step) -> confirm;
        task confirm = forever(&ctx.drops) -> done;
        end done;
    }
}

/// A started `Booking` with flight and hotel booked, waiting in `confirm`.
async fn booking_waiting_to_confirm() -> (Script, Arc<AtomicUsize>, flow_runtime::Instance<Booking>)
{
    let script = Script::failing(0);
    let drops = Arc::new(AtomicUsize::new(0));
    let instance = Booking::start(Waiting {
        script: script.clone(),
        drops: drops.clone(),
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    (script, drops, instance)
}

#[tokio::test(start_paused = true)]
async fn cancel_with_compensation_undoes_completed_steps() {
    let (script, drops, instance) = booking_waiting_to_confirm().await;
    instance.cancel_and_compensate("customer called");
    let cancelled = instance.outcome().await.unwrap_cancelled();
    assert_eq!(cancelled.reason, "customer called");
    assert_eq!(cancelled.node, BookingNode::Confirm);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "the running step's future was dropped"
    );
    assert_eq!(
        cancelled.compensation.compensated_names(),
        ["hotel", "flight"]
    );
    assert_eq!(
        script.logged(),
        ["do flight", "do hotel", "undo hotel", "undo flight"]
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_without_compensation_lists_what_was_left() {
    let (script, drops, instance) = booking_waiting_to_confirm().await;
    instance.cancel("duplicate booking");
    instance.cancel_and_compensate("a second request does not override the first");
    let cancelled = instance.outcome().await.unwrap_cancelled();
    assert_eq!(cancelled.reason, "duplicate booking");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(cancelled.compensation.compensated.is_empty());
    assert_eq!(
        cancelled.compensation.not_compensated_names(),
        ["hotel", "flight"]
    );
    assert_eq!(script.logged(), ["do flight", "do hotel"], "nothing undone");
}

async fn keyed(script: &Script, step: &Step) -> Result<(), StepError> {
    script.keys.lock().unwrap().push(format!(
        "{} attempt {}",
        step.idempotency_key(),
        step.attempt()
    ));
    let left = script.failures.load(Ordering::SeqCst);
    if left > 0 {
        script.failures.store(left - 1, Ordering::SeqCst);
        return Err(StepError::new("try again"));
    }
    Ok(())
}

flow! {
    flow Keyed(ctx: Ctx, step: &Step) {
        start -> call;
        task call = keyed(&ctx.script, step) retry 3 -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn the_idempotency_key_is_the_same_for_every_retry_of_a_visit() {
    let script = Script::failing(2);
    let done = Keyed::run(Ctx::new(&script)).await.unwrap();
    let id = done.instance;
    assert_eq!(
        *script.keys.lock().unwrap(),
        [1, 2, 3].map(|attempt| format!("Keyed/{id}/call/1 attempt {attempt}"))
    );
}

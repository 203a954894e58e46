//! Crash testing: run an instance on the memory store, stop it at every
//! transition in turn as a crash would (everything not committed is lost),
//! resume it on a new engine, and check it ends the same way with no step
//! completion recorded twice.

use crate::engine::{Durable, Engine, EngineError};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::journal::Event;
use crate::outcome::Outcome;
use crate::store::{MemoryStore, Status, Store};
use std::fmt::Write;
use std::time::Duration;

/// Crashes an instance of `F` after every commit in turn and checks that
/// each resumed run ends as the uninterrupted run did.
///
/// Run it under tokio's paused clock: timers, backoffs and the new engine's
/// wait for the dead one's claims then take no real time.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::testing::CrashTest;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct Approval { pub ok: bool }
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// pub struct Order { pub approval: Option<Approval>, pub paid: bool }
///
/// async fn pay() -> Result<bool, StepError> { Ok(true) }
///
/// flow! {
///     pub flow Order1(order: Order) {
///         start -> approve;
///         wait approve: Approval => order.approval -> cool_off;
///         timer cool_off = 5m -> pay;
///         task pay = pay() => order.paid -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let report = CrashTest::<Order1>::new(Order::default)
///     .signals(|_wait| Order1Signal::Approve(Approval { ok: true }))
///     .run()
///     .await;
/// report.assert_ok();
/// assert!(report.crash_points() >= 4);
/// # }
/// ```
pub struct CrashTest<F: Flow> {
    context: Box<dyn Fn() -> F::Context>,
    signals: SignalFor<F>,
}

/// The signal a crash test sends to the wait it names.
type SignalFor<F> = Box<dyn Fn(&str) -> <F as Flow>::Signal>;

/// What a [`CrashTest`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashReport {
    crash_points: usize,
    reference: String,
    problems: Vec<String>,
}

impl<F: Durable> CrashTest<F> {
    /// Crash tests instances started with `context()`.
    pub fn new(context: impl Fn() -> F::Context + 'static) -> Self {
        Self {
            context: Box::new(context),
            signals: Box::new(|wait| {
                panic!("the instance waits at `{wait}`: give `CrashTest::signals` a signal for it")
            }),
        }
    }

    /// The signal to send when the instance waits at the wait named by the
    /// argument.
    pub fn signals(mut self, signal: impl Fn(&str) -> F::Signal + 'static) -> Self {
        self.signals = Box::new(signal);
        self
    }

    /// Runs the instance once without a crash, then once per commit of
    /// that run, crashing right after that many commits (the transition
    /// under way is lost) and resuming on a new engine.
    pub async fn run(self) -> CrashReport {
        let store = MemoryStore::new();
        let engine = self.engine(&store, None);
        let id = match engine.start::<F>((self.context)()).await {
            Ok(id) => id,
            Err(error) => return CrashReport::failed(format!("start failed: {error}")),
        };
        let reference = match self.finish(&engine, &store, id).await {
            Ok(outcome) => outcome,
            Err(error) => return CrashReport::failed(format!("the uninterrupted run: {error}")),
        };
        let commits = engine.commits();
        engine.shutdown().await;
        let expected = Summary::of(&reference);
        let mut problems = Vec::new();
        for crash_after in 0..commits {
            if let Err(problem) = self.crash_once(crash_after, &expected).await {
                problems.push(format!("crash after commit {crash_after}: {problem}"));
            }
        }
        CrashReport {
            crash_points: commits,
            reference: expected.describe(),
            problems,
        }
    }

    fn engine(&self, store: &MemoryStore, crash_after: Option<usize>) -> Engine {
        let builder = Engine::builder(store.clone())
            .register::<F>()
            .lease(Duration::from_secs(5));
        match crash_after {
            Some(after) => builder.crash_after(after).start(),
            None => builder.start(),
        }
    }

    async fn crash_once(&self, crash_after: usize, expected: &Summary) -> Result<(), String> {
        let store = MemoryStore::new();
        let doomed = self.engine(&store, Some(crash_after));
        let id = doomed
            .start::<F>((self.context)())
            .await
            .map_err(|e| e.to_string())?;
        // Drive it (signals included) until the crash point stops it.
        let driven = tokio::time::timeout(Duration::from_secs(30 * 24 * 3600), async {
            loop {
                if doomed.commits() >= crash_after && doomed.is_idle() {
                    break;
                }
                self.nudge(&doomed, &store, id).await;
            }
        })
        .await;
        doomed.kill();
        if driven.is_err() {
            return Err("the instance never reached the crash point".into());
        }
        let resumed = self.engine(&store, None);
        let outcome = self
            .finish(&resumed, &store, id)
            .await
            .map_err(|e| e.to_string())?;
        resumed.shutdown().await;
        let actual = Summary::of(&outcome);
        if &actual == expected {
            Ok(())
        } else {
            Err(format!(
                "ended differently:\n  expected {}\n  actual   {}",
                expected.describe(),
                actual.describe()
            ))
        }
    }

    /// Moves the instance on from outside: sends it its signal if it
    /// waits, else lets time pass until it wants to wake.
    async fn nudge(&self, engine: &Engine, store: &MemoryStore, id: InstanceId) {
        let stored = match store.load(id).await {
            Ok(Some(stored)) => stored,
            _ => return,
        };
        if stored.status == Status::Waiting
            && let Some(wait) = &stored.wait
        {
            let _ = engine.signal(id, (self.signals)(&wait.wait)).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
            return;
        }
        let pause = stored
            .wake_at
            .map_or(Duration::ZERO, crate::clock::until)
            .max(Duration::from_millis(10));
        tokio::time::sleep(pause).await;
    }

    async fn finish(
        &self,
        engine: &Engine,
        store: &MemoryStore,
        id: InstanceId,
    ) -> Result<Outcome<F>, EngineError> {
        loop {
            let status = engine.until_parked(id).await?;
            if status.is_finished() {
                return engine.outcome::<F>(id).await;
            }
            self.nudge(engine, store, id).await;
        }
    }
}

/// What must be the same however often the instance crashed.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    outcome: String,
    path: String,
    completions: Vec<String>,
}

impl Summary {
    fn of<F: Flow>(outcome: &Outcome<F>) -> Self {
        let completions = outcome
            .journal()
            .events()
            .filter_map(|event| match event {
                Event::Succeeded { node, .. } => Some(node.name().to_owned()),
                Event::Compensated { node, iteration } => {
                    Some(format!("undo {}#{iteration}", node.name()))
                }
                _ => None,
            })
            .collect();
        let kind = match outcome {
            Outcome::Completed(done) => format!("completed at {:?}", done.end),
            Outcome::Failed(failed) => format!("failed at {}", failed.node.name()),
            Outcome::Cancelled(cancelled) => format!("cancelled at {}", cancelled.node.name()),
            Outcome::CompensationFailed(_) => "compensation failed".to_owned(),
        };
        Summary {
            outcome: kind,
            path: outcome.path().to_string(),
            completions,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} via {}; completions [{}]",
            self.outcome,
            self.path,
            self.completions.join(", ")
        )
    }
}

impl CrashReport {
    fn failed(problem: String) -> Self {
        CrashReport {
            crash_points: 0,
            reference: String::new(),
            problems: vec![problem],
        }
    }

    /// How many crash points were tried: one per commit of the run.
    pub fn crash_points(&self) -> usize {
        self.crash_points
    }

    /// What went wrong, one line per crash point that ended differently.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Panics with every problem unless each crashed run ended as the
    /// uninterrupted one did, with the same completions in the same order.
    pub fn assert_ok(&self) {
        if self.problems.is_empty() {
            return;
        }
        let mut message = format!(
            "{} of {} crash points ended differently from the uninterrupted run ({}):\n",
            self.problems.len(),
            self.crash_points,
            self.reference
        );
        for problem in &self.problems {
            let _ = writeln!(message, "- {problem}");
        }
        panic!("{message}");
    }
}

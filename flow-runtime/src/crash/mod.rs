//! Crash testing: run an instance on the memory store, stop it at every
//! transition in turn as a crash would (everything not committed is lost),
//! resume it on a new engine, and check it ends the same way with no step
//! completion recorded twice, and no sub-flow instance started twice.

use crate::engine::{Durable, Engine, EngineBuilder, EngineError};
use crate::flow::Flow;
use crate::graph::Graph;
use crate::id::InstanceId;
use crate::outcome::Outcome;
use crate::signal::{Signal, SignalError};
use crate::store::{Filter, MemoryStore, Status, Store};
use futures::future::LocalBoxFuture;
use std::fmt::Write;
use std::time::{Duration, SystemTime};
use summary::{Summary, Tree, summary_of};

mod summary;

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
    sub_flows: Vec<SubFlow>,
}

/// The signal a crash test sends to the wait it names.
type SignalFor<F> = Box<dyn Fn(&str) -> <F as Flow>::Signal>;

/// The payload a crash test sends, as JSON, to the wait of a sub-flow
/// instance it names.
type JsonSignalFor = Box<dyn Fn(&str) -> Result<serde_json::Value, SignalError>>;

/// A flow the instance runs as a sub-flow: registered on every engine of
/// the test, signalled where its instances wait, and checked as the
/// instance is.
struct SubFlow {
    graph: &'static Graph,
    register: fn(EngineBuilder) -> EngineBuilder,
    /// The payload for the wait it names, as JSON.
    signal: Option<JsonSignalFor>,
    summary: for<'a> fn(&'a Engine, InstanceId) -> LocalBoxFuture<'a, Result<Summary, EngineError>>,
}

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
            sub_flows: Vec::new(),
        }
    }

    /// Registers `S`, a flow that the instance (or one of its sub-flows)
    /// calls as a sub-flow, on every engine of the test. Its instances are
    /// checked as the instance is: each run must end with as many of them,
    /// ending the same ways with the same completions (so a crash started
    /// no second child).
    pub fn sub_flow<S: Durable>(mut self) -> Self {
        self.sub_flows.push(SubFlow {
            graph: S::GRAPH,
            register: |builder| builder.register::<S>(),
            signal: None,
            summary: summary_of::<S>,
        });
        self
    }

    /// As [`sub_flow`](Self::sub_flow), with the signal to send when an
    /// instance of `S` waits at the wait named by the argument.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::testing::CrashTest;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Default, Clone)]
    /// pub struct Review { pub approved: Option<bool> }
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// pub struct Loan { pub review: Option<Review> }
    ///
    /// flow! {
    ///     pub flow Underwrite(review: Review) {
    ///         start -> decide;
    ///         wait decide: bool => review.approved -> done;
    ///         end done;
    ///     }
    /// }
    /// flow! {
    ///     pub flow Lend(loan: Loan) {
    ///         start -> review;
    ///         flow review = Underwrite(Review::default()) => loan.review -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let report = CrashTest::<Lend>::new(Loan::default)
    ///     .sub_flow_signals::<Underwrite>(|_wait| UnderwriteSignal::Decide(true))
    ///     .run()
    ///     .await;
    /// report.assert_ok();
    /// # }
    /// ```
    pub fn sub_flow_signals<S: Durable>(
        mut self,
        signal: impl Fn(&str) -> S::Signal + 'static,
    ) -> Self {
        self.sub_flows.push(SubFlow {
            graph: S::GRAPH,
            register: |builder| builder.register::<S>(),
            signal: Some(Box::new(move |wait| signal(wait).to_json())),
            summary: summary_of::<S>,
        });
        self
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
        let expected = match self.tree(&engine, &store, id, &reference).await {
            Ok(tree) => tree,
            Err(error) => return CrashReport::failed(format!("the uninterrupted run: {error}")),
        };
        let commits = engine.commits();
        engine.shutdown().await;
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
        let mut builder = Engine::builder(store.clone())
            .register::<F>()
            .lease(Duration::from_secs(5));
        for sub_flow in &self.sub_flows {
            builder = (sub_flow.register)(builder);
        }
        match crash_after {
            Some(after) => builder.crash_after(after).start(),
            None => builder.start(),
        }
    }

    async fn crash_once(&self, crash_after: usize, expected: &Tree) -> Result<(), String> {
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
        let actual = self.tree(&resumed, &store, id, &outcome).await;
        resumed.shutdown().await;
        let actual = actual.map_err(|e| e.to_string())?;
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

    /// Moves the instance on from outside: sends each instance of the test
    /// (the instance and its sub-flows' instances) that waits at a `wait`
    /// its signal (the first of its waits, inside a parallel region), else
    /// lets time pass until one wants to wake.
    async fn nudge(&self, engine: &Engine, store: &MemoryStore, id: InstanceId) {
        let Ok(all) = store.list(Filter::default()).await else {
            return;
        };
        let mut signalled = false;
        let mut wake: Option<SystemTime> = None;
        for row in all.iter().filter(|row| !row.status.is_finished()) {
            // Inside a parallel region an instance waits at several waits:
            // one signal per nudge, for the first of them.
            let waiting = row.waits.iter().filter(|_| row.status == Status::Waiting);
            for open in waiting {
                let wait = open.wait.as_str();
                if row.id == id && F::GRAPH.is_wait(wait) {
                    let _ = engine.signal(id, (self.signals)(wait)).await;
                    signalled = true;
                } else if let Some(signal) = self
                    .sub_flows
                    .iter()
                    .find(|sub| sub.graph.name() == row.flow && sub.graph.is_wait(wait))
                    .and_then(|sub| sub.signal.as_ref())
                    && let Ok(json) = signal(wait)
                {
                    let _ = engine.signal_json(row.id, wait, json).await;
                    signalled = true;
                }
                if signalled {
                    break;
                }
            }
            if let Ok(Some(stored)) = store.load(row.id).await
                && let Some(at) = stored.wake_at
            {
                wake = Some(wake.map_or(at, |earliest| earliest.min(at)));
            }
        }
        let pause = match (signalled, wake) {
            (false, Some(at)) => crate::clock::until(at),
            _ => Duration::ZERO,
        };
        tokio::time::sleep(pause.max(Duration::from_millis(10))).await;
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

//! Unit-testing flows: replace steps with mocks, inject failures, timeouts
//! and panics at a chosen attempt, and assert the path, the end, the
//! compensations and the final context.
//!
//! Steps are named by the flow's node enum (`OrderProcessNode::Pay`), so a
//! test that names a step the flow does not have does not compile. Run tests
//! under tokio's paused clock (`#[tokio::test(start_paused = true)]`):
//! backoffs and timeouts then take no real time, and
//! [`TestRun::elapsed`] reports the virtual time the instance took.
//!
//! ```
//! use flow_runtime::prelude::*;
//! use flow_runtime::testing::FlowTest;
//!
//! # #[derive(Default)] struct Order { amount: u32, payment: Option<String> }
//! # async fn charge(_: u32) -> Result<String, String> { unreachable!("mocked") }
//! # async fn refund(_: &Option<String>) -> Result<(), String> { Ok(()) }
//! # async fn ship() -> Result<(), String> { Ok(()) }
//! flow! {
//!     flow Shop(order: Order) {
//!         start -> pay;
//!         task pay = charge(order.amount) => order.payment
//!             compensate refund(&order.payment) -> ship;
//!         task ship = ship() retry 1 -> done;
//!         end done;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! use ShopNode::*;
//! let run = FlowTest::<Shop>::new()
//!     .returns(Pay, "payment-1".to_owned())  // no real charge
//!     .fail(Ship, 1, "carrier down")         // both attempts of `ship` fail
//!     .fail(Ship, 2, "carrier still down")
//!     .run(Order::default())
//!     .await;
//! run.assert_path([Start, Pay, Ship])
//!     .assert_failed_at(Ship)
//!     .assert_compensated([Pay]);
//! assert_eq!(run.context().payment.as_deref(), Some("payment-1"));
//! # }
//! ```
//!
//! A flow that waits is given its signals with [`FlowTest::signal`]; each
//! is taken when the instance reaches its wait.

use crate::exec::{Hooks, run_with, start_with};
use crate::flow::{EndId, Flow, NodeId};
use crate::instance::Instance;
use crate::journal::{Event, Journal};
use crate::observe::Observer;
use crate::outcome::Outcome;
use crate::step::{Step, StepError};
use std::any::{Any, type_name};
use std::fmt::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A flow under test: what to replace, then [`run`](FlowTest::run).
pub struct FlowTest<F: Flow> {
    script: Script<F>,
    observers: Vec<Arc<dyn Observer>>,
    signals: Vec<F::Signal>,
}

impl<F: Flow> Default for FlowTest<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Flow> FlowTest<F> {
    /// A test that runs every step for real until told otherwise.
    pub fn new() -> Self {
        Self {
            script: Script {
                rules: Mutex::new(Vec::new()),
            },
            observers: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// Every attempt of the task `node` produces `value` instead of calling
    /// its step: the value is stored and routed like the step's own.
    ///
    /// # Panics
    ///
    /// If `node` is not a task (or sub-flow call). When the task runs, its
    /// attempt fails (a caught panic) if `T` is not the type of the step's
    /// value; the error names both types.
    pub fn returns<T: Clone + Send + Sync + 'static>(self, node: F::Node, value: T) -> Self {
        self.mock(node, move |_| Ok(value.clone()))
    }

    /// Every attempt of the task `node` runs `mock` instead of its step.
    /// `mock` sees the attempt's step info and returns what the step would:
    /// a value, or an error that is retried and routed like the step's.
    ///
    /// # Panics
    ///
    /// As for [`returns`](FlowTest::returns).
    pub fn mock<T: Send + 'static>(
        self,
        node: F::Node,
        mut mock: impl FnMut(&Step) -> Result<T, StepError> + Send + 'static,
    ) -> Self {
        let make =
            move |step: &Step| mock(step).map(|value| Box::new(value) as Box<dyn Any + Send>);
        self.rule(
            node,
            None,
            Action::Value {
                make: Box::new(make),
                type_name: type_name::<T>(),
            },
        )
    }

    /// Attempt `attempt` (1 for the first) of the task `node` fails with
    /// `error` instead of calling its step; retries and error routes apply.
    pub fn fail(self, node: F::Node, attempt: u32, error: &'static str) -> Self {
        let make = move |_: &Step| Err(StepError::new(error));
        self.rule(
            node,
            Some(attempt),
            Action::Value {
                make: Box::new(make),
                type_name: "",
            },
        )
    }

    /// Attempt `attempt` of the task `node` fails with a permanent error:
    /// it is not retried.
    pub fn fail_permanently(self, node: F::Node, attempt: u32, error: &'static str) -> Self {
        let make = move |_: &Step| Err(StepError::new(crate::Permanent(error)));
        self.rule(
            node,
            Some(attempt),
            Action::Value {
                make: Box::new(make),
                type_name: "",
            },
        )
    }

    /// Attempt `attempt` of the task `node` never finishes, so the task's
    /// `timeout` fires (after its duration, on tokio's clock).
    ///
    /// # Panics
    ///
    /// If the task has no `timeout` clause: the attempt would hang forever.
    pub fn time_out(self, node: F::Node, attempt: u32) -> Self {
        let has_timeout = info::<F>(node).is_some_and(|info| info.policy().timeout().is_some());
        assert!(
            has_timeout,
            "task `{}` has no `timeout`, so an attempt of it cannot time out",
            node.name()
        );
        self.rule(node, Some(attempt), Action::Hang)
    }

    /// Attempt `attempt` of the task `node` panics with `message`; the
    /// runtime catches it and fails the task for good, like a real panic.
    pub fn panic(self, node: F::Node, attempt: u32, message: &'static str) -> Self {
        self.rule(node, Some(attempt), Action::Panic(message))
    }

    /// Queues `signal` (of the flow's generated `<Flow>Signal` enum): it is
    /// delivered to the instance, which takes it when it reaches the wait
    /// the signal completes. Signals are sent in the order they were queued.
    pub fn signal(mut self, signal: F::Signal) -> Self {
        self.signals.push(signal);
        self
    }

    /// Attaches an observer, as [`Runner::observe`](crate::Runner::observe).
    pub fn observe(mut self, observer: impl Observer) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// Runs one instance to its outcome, delivering the queued signals.
    ///
    /// # Panics
    ///
    /// If a failure, timeout or panic injected at an attempt was never
    /// consumed because that attempt never happened (the test expects
    /// something the flow did not do); the message names each.
    pub async fn run(mut self, context: F::Context) -> TestRun<F> {
        let began = tokio::time::Instant::now();
        let signals = std::mem::take(&mut self.signals);
        let script = Arc::new(std::mem::replace(
            &mut self.script,
            Script {
                rules: Mutex::new(Vec::new()),
            },
        ));
        let hooks = Hooks {
            observers: self.observers,
            script: Some(script.clone()),
        };
        let outcome = if signals.is_empty() {
            run_with::<F>(context, hooks).await
        } else {
            let instance = start_with::<F>(context, hooks);
            for signal in signals {
                // An instance that finished before taking it is judged by
                // the test's assertions on its outcome.
                let _ = instance.signal(signal);
            }
            instance.outcome().await
        };
        let unused = script.unused_injections();
        assert!(
            unused.is_empty(),
            "the test injected what the flow never reached: {}\npath: {}",
            unused.join(", "),
            outcome.path()
        );
        TestRun {
            outcome,
            elapsed: began.elapsed(),
        }
    }

    /// Starts one instance, to cancel it, signal it or watch its progress
    /// while the test moves the clock (`tokio::time::advance`). The queued
    /// signals are sent at once.
    pub fn start(mut self, context: F::Context) -> Instance<F> {
        let signals = std::mem::take(&mut self.signals);
        let instance = start_with::<F>(context, self.hooks());
        for signal in signals {
            let _ = instance.signal(signal);
        }
        instance
    }

    fn hooks(self) -> Hooks<F> {
        Hooks {
            observers: self.observers,
            script: Some(Arc::new(self.script)),
        }
    }

    fn rule(self, node: F::Node, attempt: Option<u32>, action: Action) -> Self {
        let info = info::<F>(node).filter(|info| info.kind().is_task());
        let Some(info) = info else {
            panic!(
                "`{}` is not a task: only tasks call steps that a test can replace",
                node.name()
            );
        };
        if let Some(attempt) = attempt {
            let most = info.policy().max_attempts();
            assert!(
                attempt >= 1,
                "attempt 0 of `{}` never happens: attempts count from 1",
                node.name()
            );
            assert!(
                attempt <= most,
                "attempt {attempt} of `{}` never happens: it is attempted at most {most} time{} \
                 (`retry {}`); inject at attempt 1 to {most}, or give the task more retries",
                node.name(),
                if most == 1 { "" } else { "s" },
                most - 1,
            );
        }
        self.script.lock().push(Rule {
            node,
            attempt,
            action,
            used: false,
        });
        self
    }
}

fn info<F: Flow>(node: F::Node) -> Option<&'static crate::NodeInfo> {
    F::GRAPH.nodes().get(node.index())
}

/// The replacements of a [`FlowTest`], consulted by the runtime before each
/// attempt of a task.
pub(crate) struct Script<F: Flow> {
    rules: Mutex<Vec<Rule<F>>>,
}

struct Rule<F: Flow> {
    node: F::Node,
    /// `None`: every attempt.
    attempt: Option<u32>,
    action: Action,
    /// Taken at least once.
    used: bool,
}

type MakeValue = Box<dyn FnMut(&Step) -> Result<Box<dyn Any + Send>, StepError> + Send>;

enum Action {
    Value {
        make: MakeValue,
        /// The type the mock produces, for the error when it is not the
        /// step's (empty for an error-only rule).
        type_name: &'static str,
    },
    Hang,
    Panic(&'static str),
}

/// What stands in for one attempt of a task.
#[doc(hidden)]
pub enum Scripted {
    #[doc(hidden)]
    Value(Result<Box<dyn Any + Send>, StepError>, &'static str),
    #[doc(hidden)]
    Hang,
    #[doc(hidden)]
    Panic(&'static str),
}

impl<F: Flow> Script<F> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule<F>>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The replacement of this attempt, if any: a rule for this very
    /// attempt wins over one for every attempt.
    pub(crate) fn take(&self, node: F::Node, step: &Step) -> Option<Scripted> {
        let mut rules = self.lock();
        let position = rules
            .iter()
            .position(|rule| rule.node == node && rule.attempt == Some(step.attempt()))
            .or_else(|| {
                rules
                    .iter()
                    .position(|rule| rule.node == node && rule.attempt.is_none())
            })?;
        rules[position].used = true;
        Some(match &mut rules[position].action {
            Action::Value { make, type_name } => Scripted::Value(make(step), type_name),
            Action::Hang => Scripted::Hang,
            Action::Panic(message) => Scripted::Panic(message),
        })
    }
}

impl<F: Flow> Script<F> {
    /// The injections at a given attempt that no attempt took, described
    /// for the test's failure message.
    fn unused_injections(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|rule| !rule.used)
            .filter_map(|rule| {
                let attempt = rule.attempt?;
                let what = match rule.action {
                    Action::Value { .. } => "a failure",
                    Action::Hang => "a timeout",
                    Action::Panic(_) => "a panic",
                };
                Some(format!(
                    "{what} at attempt {attempt} of `{}`",
                    rule.node.name()
                ))
            })
            .collect()
    }
}

impl Scripted {
    /// Plays the replacement where the step's call would have been awaited.
    pub async fn play<T: 'static>(self) -> Result<T, StepError> {
        match self {
            Scripted::Value(Ok(value), mocked) => match value.downcast::<T>() {
                Ok(value) => Ok(*value),
                Err(_) => panic!(
                    "the mock returns `{mocked}`, but the step's value is `{}`",
                    type_name::<T>()
                ),
            },
            Scripted::Value(Err(error), _) => Err(error),
            Scripted::Hang => std::future::pending().await,
            Scripted::Panic(message) => panic!("{message}"),
        }
    }
}

/// How an instance under test finished, with assertions that explain
/// themselves when they fail.
pub struct TestRun<F: Flow> {
    outcome: Outcome<F>,
    elapsed: Duration,
}

impl<F: Flow> TestRun<F> {
    /// The outcome.
    pub fn outcome(&self) -> &Outcome<F> {
        &self.outcome
    }

    /// The outcome, owned.
    pub fn into_outcome(self) -> Outcome<F> {
        self.outcome
    }

    /// The context as the instance left it, whichever way it finished.
    pub fn context(&self) -> &F::Context {
        match &self.outcome {
            Outcome::Completed(done) => &done.context,
            Outcome::Failed(failed) => &failed.context,
            Outcome::Cancelled(cancelled) => &cancelled.context,
            Outcome::CompensationFailed(failed) => &failed.context,
        }
    }

    /// The instance's journal.
    pub fn journal(&self) -> &Journal<F::Node> {
        self.outcome.journal()
    }

    /// How long the instance took on tokio's clock: virtual time under
    /// `tokio::time::pause`.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How many attempts of `node` started, over all its visits.
    pub fn attempts(&self, node: F::Node) -> usize {
        self.journal()
            .events()
            .filter(|event| matches!(event, Event::Attempt { node: n, .. } if *n == node))
            .count()
    }

    /// Asserts the nodes entered, in order. On a mismatch the panic shows
    /// the expected and actual paths side by side.
    #[track_caller]
    pub fn assert_path(&self, expected: impl IntoIterator<Item = F::Node>) -> &Self {
        let expected: Vec<&str> = expected.into_iter().map(NodeId::name).collect();
        let actual = self.outcome.path().names();
        if expected != actual {
            panic!("{}", side_by_side("path", &expected, &actual));
        }
        self
    }

    /// Asserts that the instance completed at `end`.
    #[track_caller]
    pub fn assert_end(&self, end: F::End) -> &Self {
        match &self.outcome {
            Outcome::Completed(done) if done.end == end => self,
            Outcome::Completed(done) => panic!(
                "expected the instance to end at `{}`, but it ended at `{}`\npath: {}",
                end.name(),
                done.end.name(),
                done.path
            ),
            other => panic!(
                "expected the instance to end at `{}`, but it did not complete: {other}\npath: {}",
                end.name(),
                other.path()
            ),
        }
    }

    /// Asserts that the instance failed because the task `node` failed.
    #[track_caller]
    pub fn assert_failed_at(&self, node: F::Node) -> &Self {
        match &self.outcome {
            Outcome::Failed(failed) if failed.node == node => self,
            other => panic!(
                "expected the instance to fail at `{}`, but: {other}\npath: {}",
                node.name(),
                other.path()
            ),
        }
    }

    /// Asserts which completed tasks were compensated, in the order their
    /// compensations ran (newest first). On a mismatch the panic shows both
    /// lists side by side.
    #[track_caller]
    pub fn assert_compensated(&self, expected: impl IntoIterator<Item = F::Node>) -> &Self {
        let expected: Vec<&str> = expected.into_iter().map(NodeId::name).collect();
        let actual: Vec<&str> = self
            .journal()
            .compensated()
            .into_iter()
            .map(NodeId::name)
            .collect();
        if expected != actual {
            panic!("{}", side_by_side("compensation order", &expected, &actual));
        }
        self
    }
}

/// `expected` and `actual` in two columns, the rows that differ marked.
fn side_by_side(what: &str, expected: &[&str], actual: &[&str]) -> String {
    let width = expected
        .iter()
        .map(|name| name.len())
        .max()
        .unwrap_or(0)
        .max("expected".len());
    let mut text = format!("the {what} differs from the expected one\n");
    let _ = writeln!(text, "      {:<width$}  actual", "expected");
    for row in 0..expected.len().max(actual.len()) {
        let left = expected.get(row).copied().unwrap_or("");
        let right = actual.get(row).copied().unwrap_or("");
        let mark = if left == right { ' ' } else { '>' };
        let _ = writeln!(text, "{mark} {row:>3} {left:<width$}  {right}");
    }
    text
}

pub use crate::crash::{CrashReport, CrashTest};

#[cfg(test)]
mod tests {
    use super::side_by_side;

    #[test]
    fn side_by_side_marks_the_rows_that_differ() {
        let text = side_by_side("path", &["start", "pay", "done"], &["start", "ship"]);
        assert_eq!(
            text,
            "the path differs from the expected one\n\
             \x20     expected  actual\n\
             \x20   0 start     start\n\
             >   1 pay       ship\n\
             >   2 done      \n"
        );
    }
}

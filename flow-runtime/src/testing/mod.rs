//! Unit-testing flows: replace steps with mocks, inject failures, timeouts
//! and panics at a chosen attempt, and assert the path, the end, the
//! compensations and the final context.
//!
//! A test names the task it replaces by the handle `flow!` generates for
//! it, `<Flow>Task::name()` (see [`Task`]). The handle's type carries what
//! the task produces, so the test checks its own use at compile time: a
//! task the flow does not have, a node that is no task, or a mock of the
//! wrong type does not compile. To mock a task's value, the flow writes its
//! type after the task's name, `task pay: String = charge(..)`; rustc checks
//! it against the step. Sub-flow calls are mocked with the child's end and
//! final context.
//!
//! Run tests under tokio's paused clock
//! (`#[tokio::test(start_paused = true)]`): backoffs and timeouts then take
//! no real time, and [`TestRun::elapsed`] reports the virtual time the
//! instance took.
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
//!         task pay: String = charge(order.amount) => order.payment
//!             compensate refund(&order.payment) -> ship;
//!         task ship = ship() retry 1 -> done;
//!         end done;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! use ShopNode::*;
//! let run = FlowTest::<Shop>::new()
//!     .returns(ShopTask::pay(), "payment-1".to_owned()) // no real charge
//!     .fail(ShopTask::ship(), 1, "carrier down")        // both attempts of `ship` fail
//!     .fail(ShopTask::ship(), 2, "carrier still down")
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

mod handle;
mod run;
mod script;

pub use handle::{Mockable, SubFlowTask, Task, TaskHandle, UntypedTask};
pub use run::TestRun;
pub(crate) use script::Script;

use crate::exec::{Hooks, run_with, start_with};
use crate::flow::{Flow, NodeId};
use crate::instance::Instance;
use crate::observe::Observer;
use crate::step::{Step, StepError};
use script::{Action, Rule};
use std::any::{Any, type_name};
use std::sync::Arc;

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
            script: Script::new(),
            observers: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// Every attempt of `task` produces `value` instead of calling its
    /// step: the value is stored and routed like the step's own. `value` is
    /// of the task's value type, which its handle carries: another type
    /// does not compile. A sub-flow call's value is the end its child
    /// reaches and the child's final context.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::testing::FlowTest;
    ///
    /// # #[derive(Debug, Clone, PartialEq)] enum Stock { Available, Out }
    /// # #[derive(Default)] struct Shelf { stock: Option<Stock> }
    /// # async fn check() -> Result<Stock, String> { unreachable!("mocked") }
    /// flow! {
    ///     flow Shop(shelf: Shelf) {
    ///         start -> check;
    ///         task check: Stock = check() => shelf.stock -> match {
    ///             Stock::Available => open,
    ///             Stock::Out => closed,
    ///         };
    ///         end open;
    ///         end closed;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let run = FlowTest::<Shop>::new()
    ///     .returns(ShopTask::check(), Stock::Out)
    ///     .run(Shelf::default())
    ///     .await;
    /// run.assert_end(ShopEnd::Closed);
    /// assert_eq!(run.context().stock, Some(Stock::Out));
    /// # }
    /// ```
    pub fn returns<H: Mockable<F>>(self, task: H, value: H::Value) -> Self
    where
        H::Value: Clone + Send + 'static,
    {
        self.mock(task, move |_| Ok(value.clone()))
    }

    /// Every attempt of `task` runs `mock` instead of its step. `mock` sees
    /// the attempt's step info and returns what the step would: a value of
    /// the task's value type (checked at compile time, as for
    /// [`returns`](FlowTest::returns)), or an error that is retried and
    /// routed like the step's.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::testing::FlowTest;
    ///
    /// # async fn charge() -> Result<u32, String> { unreachable!("mocked") }
    /// # #[derive(Default)] struct Order { paid: u32 }
    /// flow! {
    ///     flow Shop(order: Order) {
    ///         start -> pay;
    ///         task pay: u32 = charge() => order.paid retry 2 -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let run = FlowTest::<Shop>::new()
    ///     .mock(ShopTask::pay(), |step| match step.attempt() {
    ///         1 => Err(StepError::new("card reader busy")),
    ///         attempt => Ok(attempt * 10),
    ///     })
    ///     .run(Order::default())
    ///     .await;
    /// assert_eq!(run.context().paid, 20);
    /// # }
    /// ```
    pub fn mock<H: Mockable<F>>(
        self,
        task: H,
        mut mock: impl FnMut(&Step) -> Result<H::Value, StepError> + Send + 'static,
    ) -> Self
    where
        H::Value: Send + 'static,
    {
        let make =
            move |step: &Step| mock(step).map(|value| Box::new(value) as Box<dyn Any + Send>);
        self.rule(
            task.node(),
            None,
            Action::Value {
                make: Box::new(make),
                type_name: type_name::<H::Value>(),
            },
        )
    }

    /// Attempt `attempt` (1 for the first) of `task` fails with `error`
    /// instead of calling its step; retries and error routes apply.
    ///
    /// # Panics
    ///
    /// If that attempt cannot happen: attempt 0, or one past the task's
    /// `retry`.
    pub fn fail(self, task: impl TaskHandle<F>, attempt: u32, error: &'static str) -> Self {
        let action = Action::Fail {
            error,
            permanent: false,
        };
        self.rule(task.node(), Some(attempt), action)
    }

    /// Attempt `attempt` of `task` fails with a permanent error: it is not
    /// retried.
    ///
    /// # Panics
    ///
    /// As for [`fail`](FlowTest::fail).
    pub fn fail_permanently(
        self,
        task: impl TaskHandle<F>,
        attempt: u32,
        error: &'static str,
    ) -> Self {
        let action = Action::Fail {
            error,
            permanent: true,
        };
        self.rule(task.node(), Some(attempt), action)
    }

    /// Attempt `attempt` of `task` never finishes, so the task's `timeout`
    /// fires (after its duration, on tokio's clock).
    ///
    /// # Panics
    ///
    /// If the task has no `timeout` clause (the attempt would hang
    /// forever), or as for [`fail`](FlowTest::fail).
    pub fn time_out(self, task: impl TaskHandle<F>, attempt: u32) -> Self {
        let node = task.node();
        let has_timeout = info::<F>(node).is_some_and(|info| info.policy().timeout().is_some());
        assert!(
            has_timeout,
            "task `{}` has no `timeout`, so an attempt of it cannot time out",
            node.name()
        );
        self.rule(node, Some(attempt), Action::Hang)
    }

    /// Attempt `attempt` of `task` panics with `message`; the runtime
    /// catches it and fails the task for good, like a real panic.
    ///
    /// # Panics
    ///
    /// As for [`fail`](FlowTest::fail).
    pub fn panic(self, task: impl TaskHandle<F>, attempt: u32, message: &'static str) -> Self {
        self.rule(task.node(), Some(attempt), Action::Panic(message))
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
        let script = Arc::new(std::mem::replace(&mut self.script, Script::new()));
        let mut hooks = Hooks::observed_by(self.observers);
        hooks.script = Some(script.clone());
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
        TestRun::new(outcome, began.elapsed())
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
        let mut hooks = Hooks::observed_by(self.observers);
        hooks.script = Some(Arc::new(self.script));
        hooks
    }

    fn rule(self, node: F::Node, attempt: Option<u32>, action: Action) -> Self {
        // Handles come from `flow!`, one per task; this guards one made by
        // hand around a node that is no task.
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

pub use crate::crash::{CrashReport, CrashTest};

//! Running instances with observers attached, at a history level.

use crate::exec::{Hooks, run_with, start_with};
use crate::flow::Flow;
use crate::history::History;
use crate::instance::Instance;
use crate::observe::Observer;
use crate::outcome::Outcome;
use std::sync::Arc;

/// Runs and starts instances of any flow with [`Observer`]s attached: every
/// event of every instance (and of the sub-flows they call) is shown to
/// each observer.
///
/// `OrderProcess::run(order)` is `Runner::new().run::<OrderProcess>(order)`:
/// a runner without observers. A runner is cheap to clone and can be shared.
///
/// ```
/// use flow_runtime::prelude::*;
/// use flow_runtime::{Runner, StepMetrics};
/// use std::sync::Arc;
///
/// # #[derive(Default)] struct Order { total: u32 }
/// # async fn price() -> Result<u32, String> { Ok(42) }
/// flow! {
///     flow Pricing(order: Order) {
///         start -> price;
///         task price = price() => order.total -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let metrics = Arc::new(StepMetrics::new());
/// let runner = Runner::new().observe(metrics.clone());
/// let done = runner.run::<Pricing>(Order::default()).await.unwrap();
/// assert_eq!(done.context.total, 42);
/// assert_eq!(metrics.instances().completed, 1);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Runner {
    observers: Vec<Arc<dyn Observer>>,
    history: History,
}

impl Runner {
    /// A runner without observers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches `observer` to every instance this runner runs or starts.
    /// Observers see events in the order they were attached.
    pub fn observe(mut self, observer: impl Observer) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// How much of their history the instances keep: [`History::Full`]
    /// unless told (see [`History`] for what each level keeps and costs).
    ///
    /// ```
    /// use flow_runtime::{History, Runner};
    ///
    /// let runner = Runner::new().history(History::Off);
    /// # let _ = runner;
    /// ```
    pub fn history(mut self, history: History) -> Self {
        self.history = history;
        self
    }

    fn hooks<F: Flow>(&self) -> Hooks<F> {
        Hooks::observed_by(self.observers.clone()).keeping(self.history)
    }

    /// Runs one instance of `F` to its outcome, like
    /// [`flow_runtime::run`](crate::run).
    pub async fn run<F: Flow>(&self, context: F::Context) -> Outcome<F> {
        run_with::<F>(context, self.hooks()).await
    }

    /// Starts one instance of `F` on the current tokio runtime, like
    /// [`flow_runtime::start`](crate::start).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn start<F: Flow>(&self, context: F::Context) -> Instance<F> {
        start_with::<F>(context, self.hooks())
    }
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("observers", &self.observers.len())
            .field("history", &self.history)
            .finish()
    }
}

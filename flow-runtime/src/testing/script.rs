//! The replacements a [`FlowTest`](super::FlowTest) scripted, as the runtime
//! consults them before each attempt of a task.

use crate::flow::{Flow, NodeId};
use crate::intercept::{Intercept, Intercepted};
use crate::step::{Step, StepError};
use std::any::Any;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The replacements of a `FlowTest`.
pub(crate) struct Script<F: Flow> {
    rules: Mutex<Vec<Rule<F>>>,
}

pub(crate) struct Rule<F: Flow> {
    pub(crate) node: F::Node,
    /// `None`: every attempt.
    pub(crate) attempt: Option<u32>,
    pub(crate) action: Action,
    /// Taken at least once.
    pub(crate) used: bool,
}

pub(crate) type MakeValue = Box<dyn FnMut(&Step) -> Result<Box<dyn Any + Send>, StepError> + Send>;

pub(crate) enum Action {
    /// A mock: the value (of the type of the task's handle) or an error.
    Value {
        make: MakeValue,
        /// The type the mock produces, for the fallback check in
        /// [`Intercepted::play`].
        type_name: &'static str,
    },
    /// An injected failure; a permanent one is not retried.
    Fail {
        error: &'static str,
        permanent: bool,
    },
    Hang,
    Panic(&'static str),
}

impl<F: Flow> Script<F> {
    pub(crate) fn new() -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Vec<Rule<F>>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The replacement of this attempt, if any: a rule for this very
    /// attempt wins over one for every attempt.
    pub(crate) fn take(&self, node: F::Node, step: &Step) -> Option<Intercepted> {
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
            Action::Value { make, type_name } => Intercepted::Value(make(step), type_name),
            Action::Fail { error, permanent } => {
                let error = match permanent {
                    true => StepError::new(crate::Permanent(*error)),
                    false => StepError::new(*error),
                };
                Intercepted::Value(Err(error), "")
            }
            Action::Hang => Intercepted::Hang,
            Action::Panic(message) => Intercepted::Panic(message),
        })
    }

    /// The injections at a given attempt that no attempt took, described
    /// for the test's failure message.
    pub(crate) fn unused_injections(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|rule| !rule.used)
            .filter_map(|rule| {
                let attempt = rule.attempt?;
                let what = match rule.action {
                    Action::Value { .. } | Action::Fail { .. } => "a failure",
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

impl<F: Flow> Intercept<F::Node> for Script<F> {
    fn intercept(&self, node: F::Node, step: &Step) -> Option<Intercepted> {
        self.take(node, step)
    }
}

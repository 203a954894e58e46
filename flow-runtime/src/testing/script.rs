//! The replacements a [`FlowTest`](super::FlowTest) scripted, as the runtime
//! consults them before each attempt of a task.

use crate::flow::{Flow, NodeId};
use crate::history::Path;
use crate::id::InstanceId;
use crate::journal::Journal;
use crate::outcome::Completed;
use crate::step::{Step, StepError};
use std::any::{Any, type_name};
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
        /// [`Scripted::play`].
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
            Action::Fail { error, permanent } => {
                let error = match permanent {
                    true => StepError::new(crate::Permanent(*error)),
                    false => StepError::new(*error),
                };
                Scripted::Value(Err(error), "")
            }
            Action::Hang => Scripted::Hang,
            Action::Panic(message) => Scripted::Panic(message),
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

impl Scripted {
    /// Plays the replacement where the step's call would have been awaited.
    /// `T` is the task's value type, the one its handle carries, so the
    /// downcast holds for every mock registered through a handle; the check
    /// stays for a handle made by hand.
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

    /// Plays the replacement of a sub-flow call: the child's end and final
    /// context, as the mock of a [`SubFlowTask`](super::SubFlowTask) gives
    /// them, stand for a run of the child that entered no node.
    pub async fn play_sub_flow<S: Flow>(self) -> Result<Completed<S>, StepError> {
        let (end, context) = self.play::<(S::End, S::Context)>().await?;
        Ok(Completed {
            instance: InstanceId::next(),
            end,
            context,
            path: Path::with_capacity(0),
            journal: Journal::with_capacity(0),
        })
    }
}

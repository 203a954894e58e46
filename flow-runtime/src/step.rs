//! What a step is told when it runs, and how its errors are carried.

use crate::instance::InstanceId;
use std::error::Error as StdError;
use std::fmt;

/// A boxed error, the common form every step error is turned into.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Facts about one invocation of a node: which instance, which node, which
/// visit of that node.
///
/// The runtime hands one to [`Flow::step`](crate::Flow::step).
#[derive(Debug, Clone)]
pub struct Step {
    instance: InstanceId,
    flow: &'static str,
    node: &'static str,
    iteration: u32,
}

impl Step {
    pub(crate) fn new(instance: InstanceId, flow: &'static str, node: &'static str, iteration: u32) -> Self {
        Self { instance, flow, node, iteration }
    }

    /// The instance being run.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// The name of the flow.
    pub fn flow(&self) -> &'static str {
        self.flow
    }

    /// The name of the node being run.
    pub fn node(&self) -> &'static str {
        self.node
    }

    /// Which visit of this node it is within the instance: 1 the first
    /// time, 2 the second time a loop comes back to it, and so on.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// A key that names this visit of this node in this instance:
    /// `flow/instance/node/iteration`. Hand it to external systems (payment
    /// providers, message brokers) so that a step that runs again after a
    /// retry or a crash does not act twice.
    pub fn idempotency_key(&self) -> String {
        format!("{}/{}/{}/{}", self.flow, self.instance, self.node, self.iteration)
    }
}

/// Why a step failed: the error the step returned, boxed.
///
/// ```
/// use flow_runtime::StepError;
///
/// let error = StepError::new(std::io::Error::other("disk full"));
/// assert_eq!(error.to_string(), "disk full");
/// assert!(error.downcast_ref::<std::io::Error>().is_some());
/// ```
pub struct StepError {
    source: BoxError,
}

impl StepError {
    /// Wraps any error, or anything that converts into a boxed error
    /// (`String`, `&str`, `anyhow::Error`, ...).
    pub fn new(error: impl Into<BoxError>) -> Self {
        let source = error.into();
        // Keep a `StepError` returned by a step as it is.
        match source.downcast::<StepError>() {
            Ok(step_error) => *step_error,
            Err(source) => StepError { source },
        }
    }

    /// The error the step returned, if it is of type `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref()
    }

    /// The boxed error the step returned.
    pub fn into_inner(self) -> BoxError {
        self.source
    }
}

impl fmt::Debug for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.source, f)
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl StdError for StepError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.source()
    }
}

/// The error type of a step: anything that converts into a boxed error.
///
/// Implemented for every `E: Into<Box<dyn Error + Send + Sync>>`, which
/// covers every `std::error::Error + Send + Sync + 'static`, `String`,
/// `&'static str` and `anyhow::Error`.
#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` of this step cannot be turned into a step failure",
    label = "this step fails with `{Self}`",
    note = "a task's error type must convert into `Box<dyn std::error::Error + Send + Sync>`: implement `std::error::Error` for it, or map it to one"
)]
pub trait IntoStepError {
    /// Converts the error.
    fn into_step_error(self) -> StepError;
}

impl<E: Into<BoxError>> IntoStepError for E {
    fn into_step_error(self) -> StepError {
        StepError::new(self)
    }
}

/// What a task's call produces: `Result<T, E>`.
#[diagnostic::on_unimplemented(
    message = "a flow task must produce `Result<T, E>`, but this step produces `{Self}`",
    label = "this step produces `{Self}`",
    note = "for a step that cannot fail, return `Ok::<_, std::convert::Infallible>(value)`"
)]
pub trait StepOutput {
    /// The success value, stored by `=> place` or matched by `-> match`.
    type Value;
    /// Splits the output into its value or its failure.
    fn into_step_result(self) -> Result<Self::Value, StepError>;
}

impl<T, E: IntoStepError> StepOutput for Result<T, E> {
    type Value = T;
    fn into_step_result(self) -> Result<T, StepError> {
        self.map_err(IntoStepError::into_step_error)
    }
}

/// A place of the context that `=> place` can store a step's value of type
/// `V` into: a place of type `V`, or of type `Option<V>` (the value is
/// stored as `Some`).
///
/// ```
/// use flow_runtime::StorePlace;
///
/// let mut stock: Option<u32> = None;
/// stock.store(7);
/// assert_eq!(stock, Some(7));
///
/// let mut count = 0_u32;
/// count.store(7);
/// assert_eq!(count, 7);
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot store the step's value of type `{V}` in a place of type `{Self}`",
    label = "this place has type `{Self}`",
    note = "`=> place` stores a task's `Ok` value into a place of the same type, or of type `Option` of it"
)]
pub trait StorePlace<V> {
    /// Overwrites the place with `value`.
    fn store(&mut self, value: V);
}

impl<V> StorePlace<V> for V {
    fn store(&mut self, value: V) {
        *self = value;
    }
}

impl<V> StorePlace<V> for Option<V> {
    fn store(&mut self, value: V) {
        *self = Some(value);
    }
}

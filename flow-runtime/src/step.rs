//! What a step is told when it runs, and how its errors are carried.

use crate::id::InstanceId;
use std::error::Error as StdError;
use std::fmt;

/// A boxed error, the common form every step error is turned into.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Facts about one invocation of a node: which instance, which node, which
/// visit of that node, which attempt.
///
/// The runtime hands one to [`Flow::step`](crate::Flow::step); a flow that
/// names it in its header (`flow Pay(order: Order, step: &Step)`) can pass
/// it, or its [`idempotency_key`](Step::idempotency_key), to its steps.
#[derive(Debug, Clone)]
pub struct Step {
    instance: InstanceId,
    flow: &'static str,
    node: &'static str,
    iteration: u32,
    attempt: u32,
}

impl Step {
    pub(crate) fn new(
        instance: InstanceId,
        flow: &'static str,
        node: &'static str,
        iteration: u32,
        attempt: u32,
    ) -> Self {
        Self {
            instance,
            flow,
            node,
            iteration,
            attempt,
        }
    }

    /// The instance being run.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// The name of the flow.
    pub fn flow(&self) -> &'static str {
        self.flow
    }

    /// The name of the node being run (for a compensation: the node it undoes).
    pub fn node(&self) -> &'static str {
        self.node
    }

    /// Which visit of this node it is within the instance: 1 the first
    /// time, 2 the second time a loop comes back to it, and so on.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// Which attempt of this visit it is: 1, then 2 for the first retry, ...
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A key that names this visit of this node in this instance:
    /// `flow/instance/node/iteration`. It is the same for every retry of one
    /// visit, differs between loop iterations, and a compensation gets the key
    /// of the step it undoes. Hand it to external systems (payment providers,
    /// message brokers) so a step that runs again does not act twice.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.flow, self.instance, self.node, self.iteration
        )
    }
}

/// Why a step failed: the error it returned (boxed), a timeout, or a panic;
/// and whether retrying can help.
///
/// Like `anyhow::Error`, `StepError` converts from any error with `?`, so a
/// step may return `Result<T, StepError>` and decide per error whether it is
/// worth retrying:
///
/// ```
/// use flow_runtime::StepError;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("card declined")]
/// struct Declined;
///
/// fn charge(declined: bool) -> Result<u32, StepError> {
///     if declined {
///         return Err(StepError::permanent(Declined)); // retrying cannot help
///     }
///     let cents: u32 = "1250".parse()?; // any error converts, retryable
///     Ok(cents)
/// }
///
/// let error = charge(true).unwrap_err();
/// assert!(error.is_permanent());
/// assert!(error.downcast_ref::<Declined>().is_some());
/// assert_eq!(error.to_string(), "card declined");
/// ```
pub struct StepError {
    kind: Kind,
    source: BoxError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Kind {
    Failed,
    Permanent,
    TimedOut,
    Panicked,
}

impl StepError {
    /// A failure that a retry may fix. Accepts any error, or anything that
    /// converts into a boxed error (`String`, `&str`, `anyhow::Error`, ...).
    pub fn new(error: impl Into<BoxError>) -> Self {
        let source = error.into();
        // A `StepError` that travelled through a `Box<dyn Error>` comes back as it was.
        match source.downcast::<Carried>() {
            Ok(carried) => carried.0,
            Err(source) => StepError {
                kind: Kind::Failed,
                source,
            },
        }
    }

    /// A failure that retrying cannot fix: the runtime does not retry it.
    pub fn permanent(error: impl Into<BoxError>) -> Self {
        StepError {
            kind: Kind::Permanent,
            ..StepError::new(error)
        }
    }

    pub(crate) fn timed_out(after: std::time::Duration) -> Self {
        StepError {
            kind: Kind::TimedOut,
            source: Box::new(TimedOut(after)),
        }
    }

    pub(crate) fn panicked(message: String) -> Self {
        StepError {
            kind: Kind::Panicked,
            source: Box::new(Panicked(message)),
        }
    }

    /// Whether the step said retrying cannot help ([`StepError::permanent`]
    /// or [`Permanent`]), or panicked.
    pub fn is_permanent(&self) -> bool {
        matches!(self.kind, Kind::Permanent | Kind::Panicked)
    }

    /// Whether the attempt ran out of time (its `timeout`) and was cancelled.
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::TimedOut
    }

    /// Whether the step panicked. The panic was caught; the message is
    /// [`panic_message`](StepError::panic_message).
    pub fn is_panic(&self) -> bool {
        self.kind == Kind::Panicked
    }

    /// The panic's message, if the step panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        self.source
            .downcast_ref::<Panicked>()
            .map(|panicked| panicked.0.as_str())
    }

    /// The error the step returned, if it is of type `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref()
    }

    /// The underlying error, as a trait object.
    pub fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }

    /// The boxed error the step returned.
    pub fn into_inner(self) -> BoxError {
        self.source
    }

    /// Whether this error was read back from a store: its kind
    /// (`is_permanent`, `is_timeout`, `is_panic`) and message are the
    /// original's, but the original error value is gone, so
    /// [`downcast_ref`](StepError::downcast_ref) finds nothing.
    ///
    /// ```
    /// use flow_runtime::StepError;
    ///
    /// let error = StepError::permanent("card declined");
    /// let stored = serde_json::to_string(&error).unwrap();
    /// let read_back: StepError = serde_json::from_str(&stored).unwrap();
    /// assert!(read_back.is_stored() && read_back.is_permanent());
    /// assert_eq!(read_back.to_string(), "card declined");
    /// ```
    pub fn is_stored(&self) -> bool {
        self.source.is::<Stored>()
    }
}

/// An error read back from a store: only its message survives.
#[derive(Debug)]
struct Stored(String);

impl fmt::Display for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Stored {}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredForm {
    kind: Kind,
    message: String,
}

/// Stored as its kind and message.
impl serde::Serialize for StepError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredForm {
            kind: self.kind,
            message: self.to_string(),
        }
        .serialize(serializer)
    }
}

/// Read back as an error with the stored kind and message (see
/// [`StepError::is_stored`]).
impl<'de> serde::Deserialize<'de> for StepError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let StoredForm { kind, message } = StoredForm::deserialize(deserializer)?;
        Ok(StepError {
            kind,
            source: Box::new(Stored(message)),
        })
    }
}

impl fmt::Debug for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepError")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

/// Any error converts into a retryable `StepError` with `?`.
impl<E: StdError + Send + Sync + 'static> From<E> for StepError {
    fn from(error: E) -> Self {
        StepError::new(error)
    }
}

/// A `StepError` travels through `Box<dyn Error>` intact (kind included).
impl From<StepError> for BoxError {
    fn from(error: StepError) -> Self {
        Box::new(Carried(error))
    }
}

/// Marks every error of a step as permanent: `.map_err(Permanent)`, or a
/// step returning `Result<T, Permanent<E>>`. The runtime does not retry it.
///
/// ```
/// use flow_runtime::{Permanent, StepError};
///
/// let error = StepError::new(Permanent("unknown customer"));
/// assert!(error.is_permanent());
/// ```
#[derive(Debug)]
pub struct Permanent<E>(pub E);

impl<E: Into<BoxError>> From<Permanent<E>> for BoxError {
    fn from(permanent: Permanent<E>) -> Self {
        StepError::permanent(permanent.0).into()
    }
}

/// How a `StepError` rides inside a `Box<dyn Error>`.
struct Carried(StepError);

impl fmt::Debug for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for Carried {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source.source()
    }
}

/// The error of an attempt that ran out of time.
#[derive(Debug)]
struct TimedOut(std::time::Duration);

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.0)
    }
}

impl StdError for TimedOut {}

/// The error of a step that panicked.
#[derive(Debug)]
struct Panicked(String);

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panicked: {}", self.0)
    }
}

impl StdError for Panicked {}

/// The error type of a step: anything that converts into a boxed error.
///
/// Implemented for every `E: Into<Box<dyn Error + Send + Sync>>`, which
/// covers every `std::error::Error + Send + Sync + 'static`, `String`,
/// `&'static str` and `anyhow::Error`.
#[diagnostic::on_unimplemented(
    message = "the error type `{Self}` of this step cannot be turned into a step failure",
    label = "this step fails with `{Self}`",
    note = "a task's error type must convert into `Box<dyn std::error::Error + Send + Sync>`: implement `std::error::Error` for it, or map it to one; a boxed error must be `Box<dyn std::error::Error + Send + Sync>`, since a flow runs on any thread"
)]
pub trait IntoStepError {
    /// Converts the error.
    fn into_step_error(self) -> StepError;
}

// `do_not_recommend`: an error type that does not convert reads as this
// trait's message, not as rustc's search through `Into` (for
// `Box<dyn Error>`, three errors, one about unsized types).
#[diagnostic::do_not_recommend]
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

    /// What `flow!` writes after a task's call:
    /// `<_ as StepOutput>::__step_result(output)`, so an output that is no
    /// `Result` is reported on the call, with no note pointing into this
    /// crate.
    #[doc(hidden)]
    #[inline(always)]
    fn __step_result(output: Self) -> Result<Self::Value, StepError>
    where
        Self: Sized,
    {
        output.into_step_result()
    }
}

impl<T, E: IntoStepError> StepOutput for Result<T, E> {
    type Value = T;
    fn into_step_result(self) -> Result<T, StepError> {
        self.map_err(IntoStepError::into_step_error)
    }
}

/// A step's value of type `Self` where the task says it produces `V`
/// (`task pay: V = ..`): implemented only when the two are one type. The
/// written type is what the task's handle carries, so a test's mock of it
/// is checked at compile time (see [`testing::Task`](crate::testing::Task)).
///
/// ```
/// use flow_runtime::TaskValue;
///
/// let receipt: String = <String as TaskValue<String>>::__task_value("r-1".to_owned());
/// assert_eq!(receipt, "r-1");
/// ```
#[diagnostic::on_unimplemented(
    message = "the task says its step produces `{V}`, but the step produces `{Self}`",
    label = "the step's `Ok` value is `{Self}`, not `{V}`",
    note = "write the `T` of the step's `Result<T, E>` after the task's name: `task name: T = ..`"
)]
pub trait TaskValue<V> {
    /// What `flow!` writes after a typed task's call:
    /// `<_ as TaskValue<V>>::__task_value(value)`, spanned at the written
    /// type, so a mismatch is reported there.
    #[doc(hidden)]
    fn __task_value(value: Self) -> V
    where
        Self: Sized;
}

// `do_not_recommend`: a mismatch reads as the trait's own message.
#[diagnostic::do_not_recommend]
impl<V> TaskValue<V> for V {
    #[inline(always)]
    fn __task_value(value: V) -> V {
        value
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

    /// `=> place` as `flow!` writes it: `<_ as StorePlace<_>>::__store(value,
    /// &mut place)`. The value comes first, so its type is inferred first, and
    /// an unmet bound on `Self` is reported on the place (the `_`), with no
    /// note pointing into this crate.
    #[doc(hidden)]
    #[inline(always)]
    fn __store(value: V, place: &mut Self)
    where
        Self: Sized,
    {
        place.store(value);
    }
}

// `do_not_recommend`: a mismatch reads as the trait's own message, without a
// list of these impls pointing into this crate.
#[diagnostic::do_not_recommend]
impl<V> StorePlace<V> for V {
    fn store(&mut self, value: V) {
        *self = value;
    }
}

#[diagnostic::do_not_recommend]
impl<V> StorePlace<V> for Option<V> {
    fn store(&mut self, value: V) {
        *self = Some(value);
    }
}

/// A place of the context that `on error => place` can store a task's
/// error into: `StepError` or `Option<StepError>` (the error itself), or
/// `String` or `Option<String>` (its message).
///
/// ```
/// use flow_runtime::{StepError, StoreError};
///
/// let mut message: Option<String> = None;
/// message.store_error(StepError::new("card declined"));
/// assert_eq!(message.as_deref(), Some("card declined"));
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot store a task's error in a place of type `{Self}`",
    label = "this place has type `{Self}`",
    note = "`on error => place` stores the `StepError` into a place of type `StepError`, `Option<StepError>`, `String` or `Option<String>`"
)]
pub trait StoreError {
    /// Overwrites the place with `error` (or its message).
    fn store_error(&mut self, error: StepError);

    /// `on error => place` as `flow!` writes it, so an unmet bound is
    /// reported on the place: see [`StorePlace`].
    #[doc(hidden)]
    #[inline(always)]
    fn __store_error(place: &mut Self, error: StepError)
    where
        Self: Sized,
    {
        place.store_error(error);
    }
}

#[diagnostic::do_not_recommend]
impl StoreError for StepError {
    fn store_error(&mut self, error: StepError) {
        *self = error;
    }
}

#[diagnostic::do_not_recommend]
impl StoreError for Option<StepError> {
    fn store_error(&mut self, error: StepError) {
        *self = Some(error);
    }
}

#[diagnostic::do_not_recommend]
impl StoreError for String {
    fn store_error(&mut self, error: StepError) {
        *self = error.to_string();
    }
}

#[diagnostic::do_not_recommend]
impl StoreError for Option<String> {
    fn store_error(&mut self, error: StepError) {
        *self = Some(error.to_string());
    }
}

//! The seam through which a step's call is replaced by a given value.
//!
//! Before a task's call is awaited, the code `flow!` generates asks the
//! instance's [`Scope`](crate::Scope) whether something stands in for it.
//! Two things may, through this one seam:
//!
//! - a test's mock or injected failure ([`FlowTest`](crate::testing::FlowTest));
//! - when a durable instance resumes a parallel region, the value the task
//!   returned before the instance parked (its *memo*), so that the replay
//!   does not call the step again (DESIGN §5.8).
//!
//! Either way the value is stored and routed by the same generated code as
//! the call's own. A memo is kept as JSON; the [`Codec`] that encodes and
//! decodes a task's value is chosen at compile time ([`MemoCodec`]), and a
//! durable flow whose branch task produces a value that is not
//! serializable does not compile (see [`BranchValue`]).

use crate::flow::Flow;
use crate::history::Path;
use crate::id::InstanceId;
use crate::journal::Journal;
use crate::outcome::Completed;
use crate::step::{Step, StepError, StepOutput};
use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};
use std::any::{Any, type_name};
use std::future::Future;
use std::marker::PhantomData;

/// Something that can stand in for a step's call: a test script, or the
/// memo of a region being replayed.
pub(crate) trait Intercept<N>: Send + Sync {
    /// What replaces this attempt of `node`'s call, if anything does.
    fn intercept(&self, node: N, step: &Step) -> Option<Intercepted>;
}

/// What stands in for one attempt of a task's call.
#[doc(hidden)]
pub enum Intercepted {
    /// A mock's value (of the type of the task's handle, named second) or
    /// an injected error.
    #[doc(hidden)]
    Value(Result<Box<dyn Any + Send>, StepError>, &'static str),
    /// A memo: the value the task returned before (as JSON), or the error
    /// whose `on error` route it took.
    #[doc(hidden)]
    Memo(Result<serde_json::Value, StepError>),
    /// An attempt that never finishes (its `timeout` fires).
    #[doc(hidden)]
    Hang,
    /// An attempt that panics.
    #[doc(hidden)]
    Panic(&'static str),
}

impl Intercepted {
    /// Plays the replacement where the step's call would have been awaited.
    /// `T` is the task's value type, the one its handle carries, so the
    /// downcast holds for every mock registered through a handle; the check
    /// stays for a handle made by hand.
    pub async fn play<T: 'static>(self) -> Result<T, StepError> {
        match self.played::<T>() {
            Some(result) => result,
            None => std::future::pending().await,
        }
    }

    /// Plays the replacement of a task inside a parallel branch: a memo is
    /// decoded with the task's codec, a mock plays as in [`play`](Self::play).
    pub async fn play_with<T: 'static>(self, codec: &impl Codec<T>) -> Result<T, StepError> {
        let played = match self {
            Intercepted::Memo(Ok(json)) => Some(codec.decode(&json)),
            Intercepted::Memo(Err(error)) => Some(Err(error)),
            other => other.played::<T>(),
        };
        match played {
            Some(result) => result,
            None => std::future::pending().await,
        }
    }

    /// Plays the replacement of a sub-flow call: the child's end and final
    /// context, as the mock of a [`SubFlowTask`](crate::testing::SubFlowTask)
    /// gives them, stand for a run of the child that entered no node.
    pub async fn play_sub_flow<S: Flow>(self) -> Result<Completed<S>, StepError> {
        let (end, context) = self.play::<(S::End, S::Context)>().await?;
        Ok(completed(end, context))
    }

    /// Plays the replacement of a sub-flow call inside a parallel branch.
    pub async fn play_sub_flow_with<S: Flow>(
        self,
        codec: &impl Codec<Completed<S>>,
    ) -> Result<Completed<S>, StepError> {
        let played = match self {
            Intercepted::Memo(Ok(json)) => Some(codec.decode(&json)),
            Intercepted::Memo(Err(error)) => Some(Err(error)),
            other => other
                .played::<(S::End, S::Context)>()
                .map(|result| result.map(|(end, context)| completed(end, context))),
        };
        match played {
            Some(result) => result,
            None => std::future::pending().await,
        }
    }

    /// What the replacement comes to at once; `None` for an attempt that
    /// never finishes. (Not a future of its own, so the futures that play
    /// it stay small: they are part of every branch's future.)
    fn played<T: 'static>(self) -> Option<Result<T, StepError>> {
        Some(match self {
            Intercepted::Value(Ok(value), mocked) => match value.downcast::<T>() {
                Ok(value) => Ok(*value),
                Err(_) => panic!(
                    "the mock returns `{mocked}`, but the step's value is `{}`",
                    type_name::<T>()
                ),
            },
            Intercepted::Value(Err(error), _) => Err(error),
            // Memos are only made for tasks inside branches, which play
            // them with their codec (`play_with`).
            Intercepted::Memo(_) => Err(StepError::permanent(format!(
                "a memoized value of type `{}` was played without its codec",
                type_name::<T>()
            ))),
            Intercepted::Hang => return None,
            Intercepted::Panic(message) => panic!("{message}"),
        })
    }
}

/// A child's run that entered no node, ending at `end` with `context`.
fn completed<S: Flow>(end: S::End, context: S::Context) -> Completed<S> {
    Completed {
        instance: InstanceId::next(),
        end,
        context,
        path: Path::with_capacity(0),
        journal: Journal::with_capacity(0),
    }
}

/// How the value of one task inside a parallel branch is memoized: as
/// JSON when it is serializable ([`JsonCodec`]), not at all when it is not
/// ([`NoCodec`]), which only an in-memory flow allows. Chosen at compile
/// time by [`MemoCodec`]; an in-memory flow's codec is zero-sized, so its
/// branches carry nothing for it.
#[doc(hidden)]
pub trait Codec<V> {
    /// The value as JSON.
    fn encode(&self, value: &V) -> Result<serde_json::Value, StepError>;
    /// The value a memo holds.
    fn decode(&self, json: &serde_json::Value) -> Result<V, StepError>;
}

/// The codec of a serializable value (or a sub-flow's run): how to
/// encode and decode it, chosen where its type is known to be serializable.
#[doc(hidden)]
pub struct JsonCodec<V> {
    encode: fn(&V) -> Result<serde_json::Value, serde_json::Error>,
    decode: fn(&serde_json::Value) -> Result<V, serde_json::Error>,
}

impl<V> Codec<V> for JsonCodec<V> {
    fn encode(&self, value: &V) -> Result<serde_json::Value, StepError> {
        (self.encode)(value).map_err(encode_failed::<V>)
    }

    fn decode(&self, json: &serde_json::Value) -> Result<V, StepError> {
        (self.decode)(json).map_err(decode_failed::<V>)
    }
}

/// The codec of a value that is not memoized: an in-memory flow's.
#[doc(hidden)]
pub struct NoCodec<V>(PhantomData<fn() -> V>);

impl<V> Codec<V> for NoCodec<V> {
    fn encode(&self, _value: &V) -> Result<serde_json::Value, StepError> {
        Err(not_serializable::<V>())
    }

    fn decode(&self, _json: &serde_json::Value) -> Result<V, StepError> {
        Err(not_serializable::<V>())
    }
}

fn encode_failed<V>(error: serde_json::Error) -> StepError {
    StepError::permanent(format!(
        "the value `{}` does not encode: {error}",
        type_name::<V>()
    ))
}

fn decode_failed<V>(error: serde_json::Error) -> StepError {
    StepError::permanent(format!(
        "the memoized value does not decode as `{}`: {error}",
        type_name::<V>()
    ))
}

fn not_serializable<V>() -> StepError {
    StepError::permanent(format!(
        "`{}` is not serializable, so it cannot be memoized",
        type_name::<V>()
    ))
}

/// Picks the [`Codec`] of a task's value; generated code calls
/// `(&&&memo_codec::<Context, _>(&future)).memo()` inside a branch. Method
/// lookup picks, in order:
///
/// 1. [`DurableMemo`] when the flow's context is serializable (the flow can
///    run on an engine, which memoizes the value as JSON) and the value
///    implements `Serialize`; the call requires `Deserialize` too, and says
///    so on the user's task if it is missing;
/// 2. [`UnserializableMemo`] when the context is serializable and the value
///    is not: the call's `where` clause reports that, once, on the task;
/// 3. [`InMemoryMemo`] when the context is not serializable: the flow runs
///    in memory only, nothing is memoized and nothing is required.
///
/// Lookup never asks whether the value implements `Deserialize` (a bound
/// over every lifetime, which method lookup cannot weigh): a value that
/// borrows (`&'static str`) is then simply an in-memory flow's value, or a
/// durable flow's error.
#[doc(hidden)]
pub struct MemoCodec<C, V>(PhantomData<fn() -> (C, V)>);

impl<C, V> MemoCodec<C, V> {
    /// The codec of a task whose value type is written (`task pay: V = ..`).
    #[doc(hidden)]
    #[allow(clippy::new_without_default)]
    #[inline(always)]
    pub const fn new() -> Self {
        MemoCodec(PhantomData)
    }
}

/// The [`MemoCodec`] of the value of the call whose future is `future`.
#[doc(hidden)]
#[inline(always)]
pub fn memo_codec<C, Fut>(_future: &Fut) -> MemoCodec<C, <Fut::Output as StepOutput>::Value>
where
    Fut: Future,
    Fut::Output: StepOutput,
{
    MemoCodec(PhantomData)
}

/// The [`MemoCodec`] of a sub-flow call of `S` inside a branch: its end and
/// final context are memoized, as a mock gives them.
#[doc(hidden)]
pub struct SubFlowCodec<C, S>(PhantomData<fn() -> (C, S)>);

impl<C, S> SubFlowCodec<C, S> {
    #[doc(hidden)]
    #[allow(clippy::new_without_default)]
    #[inline(always)]
    pub const fn new() -> Self {
        SubFlowCodec(PhantomData)
    }
}

/// A durable flow's branch value `V`, memoized as JSON: `K` (the value, or
/// a sub-flow's final context) is `Serialize`, and must be `Deserialize`.
#[doc(hidden)]
pub trait DurableMemo<C, V, K> {
    #[doc(hidden)]
    fn memo(&self) -> JsonCodec<V>
    where
        K: DeserializableBranchValue<C>;
}

impl<C: Serialize + DeserializeOwned, V: Serialize> DurableMemo<C, V, V> for &&MemoCodec<C, V> {
    #[inline(always)]
    fn memo(&self) -> JsonCodec<V>
    where
        V: DeserializableBranchValue<C>,
    {
        JsonCodec {
            encode: |value| serde_json::to_value(value),
            decode: |json| V::deserialize(json),
        }
    }
}

impl<C: Serialize + DeserializeOwned, S: Flow> DurableMemo<C, Completed<S>, S::Context>
    for &&SubFlowCodec<C, S>
where
    S::Context: Serialize,
{
    #[inline(always)]
    fn memo(&self) -> JsonCodec<Completed<S>>
    where
        S::Context: DeserializableBranchValue<C>,
    {
        JsonCodec {
            encode: |done| serde_json::to_value((&done.end, &done.context)),
            decode: |json| {
                <(S::End, S::Context)>::deserialize(json)
                    .map(|(end, context)| completed(end, context))
            },
        }
    }
}

/// A value that is not serializable in a flow whose context is: the flow
/// can run on an engine, so `K` must be a [`BranchValue`], and the call's
/// `where` clause reports that it is not.
#[doc(hidden)]
pub trait UnserializableMemo<C, V, K> {
    #[doc(hidden)]
    #[inline(always)]
    fn memo(&self) -> NoCodec<V>
    where
        K: BranchValue<C>,
    {
        NoCodec(PhantomData)
    }
}

impl<C: Serialize + DeserializeOwned, V> UnserializableMemo<C, V, V> for &MemoCodec<C, V> {}

impl<C: Serialize + DeserializeOwned, S: Flow> UnserializableMemo<C, Completed<S>, S::Context>
    for &SubFlowCodec<C, S>
{
}

/// A flow whose context is not serializable runs in memory only: its
/// branch values are never memoized and need nothing.
#[doc(hidden)]
pub trait InMemoryMemo<V> {
    #[doc(hidden)]
    #[inline(always)]
    fn memo(&self) -> NoCodec<V> {
        NoCodec(PhantomData)
    }
}

impl<C, V> InMemoryMemo<V> for MemoCodec<C, V> {}

impl<C, S: Flow> InMemoryMemo<Completed<S>> for SubFlowCodec<C, S> {}

/// The value of a task inside a parallel branch of a flow that can run on
/// an engine (its context `C` is serializable): the engine memoizes it, so
/// it must be serializable too. Implemented for every `Serialize` type
/// (`Deserialize` is required by [`DeserializableBranchValue`]); the bound
/// exists for its message.
///
/// A flow whose context is not serializable runs in memory only, and its
/// branch values need nothing.
#[diagnostic::on_unimplemented(
    message = "the value of a task inside a parallel branch must implement `Serialize` and `Deserialize`: `{Self}` does not",
    label = "this task's value `{Self}` is not serializable",
    note = "the flow's context `{C}` is serializable, so the flow can run on an engine; an engine keeps the value of every task inside a parallel branch, so that resuming the region after a wait, a timer or a restart does not call the task again",
    note = "add `#[derive(serde::Serialize, serde::Deserialize)]` to `{Self}`"
)]
pub trait BranchValue<C>: Serialize {}

impl<C, T: Serialize> BranchValue<C> for T {}

/// The second half of [`BranchValue`]: a serializable branch value must
/// also be deserializable, to be read back when the region resumes.
#[diagnostic::on_unimplemented(
    message = "the value of a task inside a parallel branch must implement `Deserialize` too: `{Self}` implements only `Serialize`",
    label = "this task's value `{Self}` cannot be read back",
    note = "the flow's context `{C}` is serializable, so the flow can run on an engine; an engine keeps the value of every task inside a parallel branch, and reads it back when the region resumes",
    note = "add `#[derive(serde::Deserialize)]` to `{Self}`"
)]
pub trait DeserializableBranchValue<C>: DeserializeOwned {}

impl<C, T: DeserializeOwned> DeserializableBranchValue<C> for T {}

#[cfg(test)]
// `&&&` is how generated code picks a codec, needed or not.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Receipt(u32);
    #[derive(Debug, PartialEq)]
    struct Handle(u32);
    /// A context that is not serializable: an in-memory flow's.
    struct Plain;
    /// A context that is: a durable flow's.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Order;

    async fn receipt() -> Result<Receipt, StepError> {
        Ok(Receipt(1))
    }

    async fn handle() -> Result<Handle, StepError> {
        Ok(Handle(1))
    }

    #[test]
    fn a_durable_flow_memoizes_its_value_as_json() {
        let future = receipt();
        let codec = (&&&memo_codec::<Order, _>(&future)).memo();
        let json = codec.encode(&Receipt(7)).unwrap();
        assert_eq!(json, serde_json::json!(7));
        assert_eq!(codec.decode(&json).unwrap(), Receipt(7));
    }

    #[test]
    fn an_in_memory_flow_needs_no_serializable_value() {
        let future = handle();
        let codec = (&&&memo_codec::<Plain, _>(&future)).memo();
        let error = codec.encode(&Handle(7)).unwrap_err();
        assert!(error.is_permanent());
        assert!(error.to_string().contains("is not serializable"), "{error}");
    }

    #[tokio::test]
    async fn a_memo_plays_through_the_codec_and_a_mock_by_downcast() {
        let future = receipt();
        let codec = (&&&memo_codec::<Order, _>(&future)).memo();
        let memo = Intercepted::Memo(Ok(serde_json::json!(3)));
        assert_eq!(memo.play_with(&codec).await.unwrap(), Receipt(3));
        let mock = Intercepted::Value(Ok(Box::new(Receipt(4))), "Receipt");
        assert_eq!(mock.play_with(&codec).await.unwrap(), Receipt(4));
        let failed = Intercepted::Memo(Err(StepError::new("card declined")));
        let error = failed.play_with(&codec).await.unwrap_err();
        assert_eq!(error.to_string(), "card declined");
    }
}

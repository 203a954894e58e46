//! What can go wrong asking an engine something.

use crate::id::InstanceId;
use crate::signal::SignalError;
use crate::store::{Status, StoreError};

/// Why an [`Engine`](crate::Engine) call did nothing. Every error leaves
/// the instance (and every other) as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No instance has this id.
    #[error("no instance {0}")]
    UnknownInstance(InstanceId),
    /// The instance has finished; it takes no signal and no cancellation.
    #[error("instance {id} has finished ({status}); it takes no signal or cancellation")]
    Finished {
        /// The instance.
        id: InstanceId,
        /// How it finished.
        status: Status,
    },
    /// The flow is not registered with this engine.
    #[error(
        "flow `{0}` is not registered with this engine: call `register::<{0}>()` on its builder"
    )]
    UnknownFlow(String),
    /// The instance belongs to another flow than the one asked for.
    #[error("instance {id} is an instance of `{actual}`, not of `{expected}`")]
    WrongFlow {
        /// The instance.
        id: InstanceId,
        /// The flow the call named.
        expected: String,
        /// The instance's flow.
        actual: String,
    },
    /// The instance runs on another definition of its flow than the one
    /// the call named: name the definition with its graph hash (an old
    /// definition kept with
    /// [`register_old`](crate::EngineBuilder::register_old), say).
    #[error(
        "instance {id} of `{flow}` runs on the definition with graph hash {runs_on:016x}, \
         not {asked:016x}: name that definition"
    )]
    WrongVersion {
        /// The instance.
        id: InstanceId,
        /// Its flow.
        flow: String,
        /// The graph hash of the definition it runs on (or finished on).
        runs_on: u64,
        /// The graph hash of the definition the call named.
        asked: u64,
    },
    /// The definition is registered, but is not the flow's current one:
    /// new instances start on the current definition only.
    #[error(
        "`{flow}` with graph hash {hash:016x} is not the current definition of the flow \
         (that has hash {current:016x}): new instances start on the current one"
    )]
    NotCurrent {
        /// The flow.
        flow: String,
        /// The graph hash of the definition the call named.
        hash: u64,
        /// The graph hash of the current definition.
        current: u64,
    },
    /// [`Engine::repair`](crate::Engine::repair) of an instance that is not
    /// broken.
    #[error("instance {id} is not broken ({status}): there is nothing to repair")]
    NotBroken {
        /// The instance.
        id: InstanceId,
        /// Its status.
        status: Status,
    },
    /// The signal is for a wait the instance can no longer reach from where
    /// it is.
    #[error("instance {id} cannot reach `wait {wait}` from where it is (`{at}`)")]
    WaitNotReachable {
        /// The instance.
        id: InstanceId,
        /// The signal's wait.
        wait: String,
        /// Where the instance is.
        at: String,
    },
    /// The signal is for a `wait` of a sub-flow that the instance runs as
    /// an instance of its own: send it to that instance, `child` (the
    /// child the instance waits for, or that child's child, and so on).
    /// Signals are not forwarded: each goes to the instance whose wait it
    /// completes.
    #[error(
        "instance {id} waits for its sub-flow `{flow}`, which runs as instance {child}: send \
         the signal to {child}"
    )]
    InSubFlow {
        /// The instance the signal was sent to.
        id: InstanceId,
        /// The sub-flow instance whose flow the signal is for.
        child: InstanceId,
        /// That instance's flow.
        flow: String,
    },
    /// The signal's wait or payload is not one of the flow's.
    #[error(transparent)]
    Signal(#[from] SignalError),
    /// The user may not complete this wait.
    #[error("`{user}` may not complete `wait {wait}` of instance {id}")]
    NotAllowed {
        /// The instance.
        id: InstanceId,
        /// The wait.
        wait: String,
        /// Who tried.
        user: String,
    },
    /// The instance is not parked at this wait now.
    #[error("instance {id} is not waiting at `{wait}`")]
    NotWaiting {
        /// The instance.
        id: InstanceId,
        /// The wait named.
        wait: String,
    },
    /// The instance is broken: the engine cannot run it.
    #[error("instance {id} is broken: {reason}")]
    Broken {
        /// The instance.
        id: InstanceId,
        /// Why.
        reason: String,
    },
    /// A stored value did not decode.
    #[error("instance {id}: a stored value does not decode: {reason}")]
    Decode {
        /// The instance.
        id: InstanceId,
        /// What serde said.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The engine stopped taking work after a commit failed (a full disk,
    /// an I/O error): this is the commit's error. Everything committed
    /// before it is in the store; an engine opened on the store again
    /// resumes it.
    #[error("the engine stopped taking work after a failed commit: {0}")]
    Stopped(StoreError),
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownInstance(id) => EngineError::UnknownInstance(id),
            other => EngineError::Store(other),
        }
    }
}

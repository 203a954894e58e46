//! What a finished instance came to: its outcome, from its position.

use super::{Machine, Position};
use crate::flow::Flow;
use crate::outcome::{Cancelled, Cause, CompensationFailed, Completed, Failed, Outcome};

impl<F: Flow> Machine<F> {
    /// How the finished instance ended. Call after [`Advanced::Finished`].
    pub(crate) fn into_outcome(self) -> Outcome<F> {
        let instance = self.scope.instance();
        let Machine {
            context,
            scope,
            at,
            compensation,
        } = self;
        let journal = scope.into_records().journal;
        let path = journal.path();
        let (at, cause) = match at {
            Position::Completed { end } => {
                return Outcome::Completed(Completed {
                    instance,
                    end,
                    context,
                    path,
                    journal,
                });
            }
            Position::Stopped { at, cause } => (at, cause),
            // Not finished: never called so by the drivers.
            _ => (
                F::START,
                Cause::Cancelled {
                    reason: "the instance had not finished".into(),
                },
            ),
        };
        if compensation.failed.is_some() {
            return Outcome::CompensationFailed(CompensationFailed {
                instance,
                cause,
                context,
                path,
                journal,
                compensation,
            });
        }
        match cause {
            Cause::StepFailed { node, error } => Outcome::Failed(Failed {
                instance,
                node,
                error,
                context,
                path,
                journal,
                compensation,
            }),
            Cause::Cancelled { reason } => Outcome::Cancelled(Cancelled {
                instance,
                reason,
                node: at,
                context,
                path,
                journal,
                compensation,
            }),
        }
    }
}

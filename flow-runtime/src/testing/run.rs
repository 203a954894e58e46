//! How an instance under test finished, and assertions on it.

use crate::flow::{EndId, Flow, NodeId};
use crate::journal::{Event, Journal};
use crate::outcome::Outcome;
use std::fmt::Write;
use std::time::Duration;

/// How an instance under test finished, with assertions that explain
/// themselves when they fail.
pub struct TestRun<F: Flow> {
    outcome: Outcome<F>,
    elapsed: Duration,
}

impl<F: Flow> TestRun<F> {
    pub(super) fn new(outcome: Outcome<F>, elapsed: Duration) -> Self {
        Self { outcome, elapsed }
    }

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

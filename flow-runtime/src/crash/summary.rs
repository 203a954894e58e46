//! What a crash test compares between runs: how the instance and each of
//! its sub-flow instances ended.

use super::CrashTest;
use crate::engine::{Durable, Engine, EngineError};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::journal::Event;
use crate::outcome::Outcome;
use crate::store::{Filter, MemoryStore, Store};
use futures::future::LocalBoxFuture;
use std::fmt::Write;

impl<F: Durable> CrashTest<F> {
    /// How the instance and every sub-flow instance in `store` ended.
    pub(super) async fn tree(
        &self,
        engine: &Engine,
        store: &MemoryStore,
        id: InstanceId,
        outcome: &Outcome<F>,
    ) -> Result<Tree, EngineError> {
        let mut sub_flows = Vec::new();
        for row in store.list(Filter::default()).await? {
            if row.id == id {
                continue;
            }
            let summary = self
                .sub_flows
                .iter()
                .find(|sub| sub.graph.name() == row.flow);
            let described = match summary {
                Some(sub) => (sub.summary)(engine, row.id).await?.describe(),
                None => format!(
                    "an instance of `{}`, which the test does not know",
                    row.flow
                ),
            };
            sub_flows.push(format!("{}: {described}", row.flow));
        }
        sub_flows.sort();
        Ok(Tree {
            instance: Summary::of(outcome),
            sub_flows,
        })
    }
}

/// How the instance `id` of `S` ended, once it has.
pub(super) fn summary_of<S: Durable>(
    engine: &Engine,
    id: InstanceId,
) -> LocalBoxFuture<'_, Result<Summary, EngineError>> {
    Box::pin(async move { Ok(Summary::of(&engine.outcome::<S>(id).await?)) })
}

/// What must be the same however often the instance crashed: how it and
/// each of its sub-flow instances (in no particular order) ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Tree {
    instance: Summary,
    sub_flows: Vec<String>,
}

impl Tree {
    pub(super) fn describe(&self) -> String {
        let mut text = self.instance.describe();
        for sub_flow in &self.sub_flows {
            let _ = write!(text, "\n    sub-flow {sub_flow}");
        }
        text
    }
}

/// What must be the same however often one instance crashed.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Summary {
    outcome: String,
    path: String,
    completions: Vec<String>,
}

impl Summary {
    pub(super) fn of<F: Flow>(outcome: &Outcome<F>) -> Self {
        let completions = outcome
            .journal()
            .events()
            .filter_map(|event| match event {
                Event::Succeeded { node, .. } => Some(node.name().to_owned()),
                Event::Compensated { node, iteration } => {
                    Some(format!("undo {}#{iteration}", node.name()))
                }
                _ => None,
            })
            .collect();
        let kind = match outcome {
            Outcome::Completed(done) => format!("completed at {:?}", done.end),
            Outcome::Failed(failed) => format!("failed at {}", failed.node.name()),
            Outcome::Cancelled(cancelled) => format!("cancelled at {}", cancelled.node.name()),
            Outcome::CompensationFailed(_) => "compensation failed".to_owned(),
        };
        Summary {
            outcome: kind,
            path: outcome.path().to_string(),
            completions,
        }
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "{} via {}; completions [{}]",
            self.outcome,
            self.path,
            self.completions.join(", ")
        )
    }
}

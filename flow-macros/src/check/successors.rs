//! Rules about how many ways lead out of a node.

use crate::errors::Errors;
use crate::model::{EdgeKind, Model, NodeKind};

/// A task has exactly one plain successor, or routes on its result with
/// `-> match`. Only gateways branch.
pub fn one_successor_per_task(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind != NodeKind::Task {
            continue;
        }
        let mut plain = model
            .out_edges(index)
            .filter(|edge| matches!(edge.kind, EdgeKind::Next));
        let routes_by_match = model
            .out_edges(index)
            .any(|edge| matches!(edge.kind, EdgeKind::Arm(_)));
        if plain.next().is_none() && !routes_by_match {
            errors.push(
                node.name.span(),
                format!(
                    "task `{}` has no successor; add `-> next_node` before its `;`",
                    node.name
                ),
            );
        }
        for extra in plain {
            errors.push(
                extra.target.span(),
                format!(
                    "task `{}` has more than one successor; a task leads to exactly one node, to branch lead it to an `xor` gateway",
                    node.name
                ),
            );
        }
    }
}

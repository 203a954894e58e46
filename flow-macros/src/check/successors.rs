//! Rules about how many ways lead out of a node.

use crate::errors::Errors;
use crate::model::{EdgeKind, Model, NodeKind};

/// A task (or sub-flow call) has exactly one plain successor, or routes on
/// its result with `-> match`. So does a `join`. Only gateways and splits
/// branch.
pub fn one_successor_per_task(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        if !node.kind.is_task() && node.kind != NodeKind::Join {
            continue;
        }
        let what = match node.kind {
            NodeKind::Join => "`join`",
            NodeKind::SubFlow => "sub-flow call",
            _ => "task",
        };
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
                    "{what} `{}` has no successor; add `-> next_node` before its `;`",
                    node.name
                ),
            );
        }
        for extra in plain {
            errors.push(
                extra.target.span(),
                format!(
                    "{what} `{}` has more than one successor; it leads to exactly one node, to branch lead it to an `xor` gateway or an `and` split",
                    node.name
                ),
            );
        }
    }
}

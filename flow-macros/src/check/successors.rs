//! Rules about how many ways lead out of a node.

use crate::errors::Errors;
use crate::model::{EdgeKind, Model, NodeKind};

/// A task (or sub-flow call) has exactly one plain successor, or routes on
/// its result with `-> match`. So do a `join`, a `wait` (besides its
/// `timeout` route) and a `timer`. Only gateways and splits branch.
pub fn one_successor_per_task(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        if !node.kind.has_one_successor() {
            continue;
        }
        let what = match node.kind {
            NodeKind::Join => "`join`",
            NodeKind::SubFlow => "sub-flow call",
            NodeKind::Wait => "wait",
            NodeKind::Timer => "timer",
            _ => "task",
        };
        let mut plain = model
            .out_edges(index)
            .filter(|edge| matches!(edge.kind, EdgeKind::Next));
        if plain.next().is_none() && model.lacks_successor(index) {
            let has_timeout = model
                .out_edges(index)
                .any(|edge| matches!(edge.kind, EdgeKind::Timeout));
            let why = match node.kind {
                NodeKind::Wait if has_timeout => {
                    ", where it goes on when its signal arrives (the `timeout` route is only taken when none comes in time)"
                }
                NodeKind::Wait => ", where it goes on when its signal arrives",
                NodeKind::Timer => ", where it goes on when it fires",
                _ => "",
            };
            errors.push(
                node.name.span(),
                format!(
                    "{what} `{}` has no successor; add `-> next_node` before its `;`{why}",
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

//! Every node can be reached from `start`.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};

/// A node that no path from `start` leads to would never run: it is almost
/// always a forgotten edge.
pub fn reachable_from_start(model: &Model, errors: &mut Errors) {
    let Some(start) = model.nodes.iter().position(|node| node.kind == NodeKind::Start) else {
        return; // reported by `start::exactly_one_start`
    };
    let reached = reachable_from(model, start);
    for (index, node) in model.nodes.iter().enumerate() {
        if !reached[index] && node.kind != NodeKind::Start && is_first_definition(model, index) {
            errors.push(
                node.name.span(),
                format!(
                    "{} `{}` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
                    node.kind.keyword(),
                    node.name
                ),
            );
        }
    }
}

/// Which nodes a path from `from` reaches (including `from` itself).
pub fn reachable_from(model: &Model, from: usize) -> Vec<bool> {
    let mut reached = vec![false; model.nodes.len()];
    let mut stack = vec![from];
    reached[from] = true;
    while let Some(node) = stack.pop() {
        for next in model.successors(node) {
            if !reached[next] {
                reached[next] = true;
                stack.push(next);
            }
        }
    }
    reached
}

/// Edges resolve to the first definition of a name, so a duplicate is never
/// reached; it is reported as a duplicate, not again here.
fn is_first_definition(model: &Model, index: usize) -> bool {
    model.by_name.get(&crate::model::name_key(model.nodes[index].name)) == Some(&index)
}

//! Every node can be reached from `start`.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};

/// A node that no path from `start` leads to would never run: it is almost
/// always a forgotten edge. One forgotten edge can cut off a whole region, so
/// the error lands once per region, on its head (a node nothing else in the
/// region leads to, or for a region that is one loop, its first node).
pub fn reachable_from_start(model: &Model, errors: &mut Errors) {
    if model.is_incomplete() {
        return; // a statement did not parse: its edges are unknown
    }
    let Some(start) = model
        .nodes
        .iter()
        .position(|node| node.kind == NodeKind::Start)
    else {
        return; // reported by `start::exactly_one_start`
    };
    if model.successors(start).next().is_none() {
        return; // `start` leads nowhere: reported once by `start::one_edge_out_none_in`
    }
    let reached = reachable_from_starts(model);
    let unreached: Vec<usize> = (0..model.nodes.len())
        .filter(|&n| {
            !reached[n] && model.nodes[n].kind != NodeKind::Start && is_first_definition(model, n)
        })
        .collect();
    let has_unreached_predecessor = |node: usize| {
        unreached
            .iter()
            .any(|&other| other != node && model.successors(other).any(|next| next == node))
    };
    let heads = unreached
        .iter()
        .copied()
        .filter(|&n| !has_unreached_predecessor(n));
    // Regions without a head are loops; take their nodes in source order.
    let mut covered = vec![false; model.nodes.len()];
    let mut report = |node: usize, covered: &mut Vec<bool>| {
        let region = reachable_from(model, node);
        let cut_off = unreached
            .iter()
            .filter(|&&n| region[n] && n != node)
            .count();
        for (index, inside) in region.iter().enumerate() {
            covered[index] |= *inside;
        }
        let also = match cut_off {
            0 => String::new(),
            1 => " (nor to the node after it)".to_owned(),
            more => format!(" (nor to the {more} nodes after it)"),
        };
        let named = &model.nodes[node];
        errors.push(
            named.name.span(),
            format!(
                "{} `{}` is unreachable: no path from `start` leads to it{also}; add an edge to it or remove it",
                named.kind.keyword(),
                named.name
            ),
        );
    };
    let heads: Vec<usize> = heads.collect();
    for &head in &heads {
        report(head, &mut covered);
    }
    for &node in &unreached {
        if !covered[node] {
            report(node, &mut covered);
        }
    }
}

/// Which nodes a path from any `start` reaches. A second `start` is reported
/// by `start::exactly_one_start`; what it leads to is not unreachable as
/// well (one root cause, one error).
pub fn reachable_from_starts(model: &Model) -> Vec<bool> {
    let mut reached = vec![false; model.nodes.len()];
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind == NodeKind::Start {
            for (seen, now) in reached.iter_mut().zip(reachable_from(model, index)) {
                *seen |= now;
            }
        }
    }
    reached
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
    model
        .by_name
        .get(&crate::model::name_key(model.nodes[index].name))
        == Some(&index)
}

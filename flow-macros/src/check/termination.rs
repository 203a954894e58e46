//! Every node reached from `start` can go on to reach an `end`.

use super::reachability::{reachable_from, reachable_from_starts};
use crate::errors::Errors;
use crate::model::{Model, NodeKind};
use std::collections::VecDeque;

/// An instance that enters a loop with no way out would run forever. A node
/// from which no path reaches an `end` is reported once, at the loop that
/// traps it (the first of the loop's nodes in source order), naming the loop.
///
/// A flow without any `end` is reported once, by `ends`, not again for
/// every loop. A node with no way out at all (a task without a successor, or a wait with
/// only its `timeout` route) is already reported by `successors`; a node with a misspelt target by `names`; a node
/// leading back into `start` by `start`. All count as able to finish here, so
/// a mistake is never reported twice.
pub fn every_node_reaches_an_end(model: &Model, errors: &mut Errors) {
    if model.is_incomplete() {
        return; // a statement did not parse: its edges are unknown
    }
    if !model.nodes.iter().any(|node| node.kind == NodeKind::Start) {
        return;
    }
    if !model.nodes.iter().any(|node| node.kind == NodeKind::End) {
        return; // no `end` at all: reported once by `ends::at_least_one_end`
    }
    let reached = reachable_from_starts(model);
    let can_finish = can_finish(model);
    let stuck: Vec<usize> = (0..model.nodes.len())
        .filter(|&n| reached[n] && !can_finish[n])
        .collect();

    let mut explained = vec![false; model.nodes.len()];
    for &node in &stuck {
        if explained[node] {
            continue;
        }
        let onward = reachable_from(model, node);
        // `node` lies on a trap when everything it can reach leads back to it.
        let is_trap = onward
            .iter()
            .enumerate()
            .filter(|(_, reaches)| **reaches)
            .all(|(other, _)| reachable_from(model, other)[node]);
        if !is_trap {
            continue;
        }
        for (other, reaches) in onward.iter().enumerate() {
            explained[other] |= *reaches;
        }
        if let Some(cycle) = cycle_through(model, node) {
            let path: Vec<String> = cycle
                .iter()
                .map(|&n| model.nodes[n].name.to_string())
                .collect();
            errors.push(
                model.nodes[node].name.span(),
                format!(
                    "cycle `{}` never reaches an `end`; give one of its nodes a path out, e.g. an `xor` branch to an `end`",
                    path.join(" -> ")
                ),
            );
        }
    }
}

/// Nodes with a path to an `end`, or with no known way to continue (a
/// mistake reported by another pass).
fn can_finish(model: &Model) -> Vec<bool> {
    let count = model.nodes.len();
    let mut finishes: Vec<bool> = (0..count)
        .map(|n| {
            model.nodes[n].kind == NodeKind::End
                || model.has_unresolved_edge(n)
                || model.successors(n).next().is_none()
                || model.lacks_successor(n)
                || leads_into_start(model, n)
        })
        .collect();
    // Propagate backwards along the edges, each node once: a flow of
    // thousands of nodes is checked in time linear in its size.
    let mut predecessors = vec![Vec::new(); count];
    for n in 0..count {
        for next in model.successors(n) {
            predecessors[next].push(n);
        }
    }
    let mut pending: Vec<usize> = (0..count).filter(|&n| finishes[n]).collect();
    while let Some(n) = pending.pop() {
        for &before in &predecessors[n] {
            if !finishes[before] {
                finishes[before] = true;
                pending.push(before);
            }
        }
    }
    finishes
}

/// Does `node` have an edge into `start`? That is reported by
/// `start::one_edge_out_none_in`, not again as a cycle through `start`.
fn leads_into_start(model: &Model, node: usize) -> bool {
    model.out_edges(node).any(|edge| {
        edge.to
            .is_some_and(|to| model.nodes[to].kind == NodeKind::Start)
    })
}

/// The shortest cycle from `node` back to itself, as `[node, .., node]`.
fn cycle_through(model: &Model, node: usize) -> Option<Vec<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; model.nodes.len()];
    let mut queue = VecDeque::new();
    for next in model.successors(node) {
        if next == node {
            return Some(vec![node, node]);
        }
        if parent[next].is_none() {
            parent[next] = Some(node);
            queue.push_back(next);
        }
    }
    while let Some(current) = queue.pop_front() {
        for next in model.successors(current) {
            if next == node {
                let mut back = vec![current];
                let mut at = current;
                while let Some(before) = parent[at] {
                    if before == node {
                        break;
                    }
                    back.push(before);
                    at = before;
                }
                let mut path = vec![node];
                path.extend(back.into_iter().rev());
                path.push(node);
                return Some(path);
            }
            if parent[next].is_none() && next != node {
                parent[next] = Some(current);
                queue.push_back(next);
            }
        }
    }
    None
}

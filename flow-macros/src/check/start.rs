//! Rules about `start`.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};

/// A flow has exactly one `start`.
pub fn exactly_one_start(model: &Model, errors: &mut Errors) {
    let mut starts = model
        .nodes
        .iter()
        .filter(|node| node.kind == NodeKind::Start);
    if starts.next().is_none() {
        errors.push(
            model.flow_span(),
            format!(
                "flow `{}` has no `start`; add `start -> first_node;` to say where it begins",
                model.def.name
            ),
        );
    }
    for extra in starts {
        errors.push(
            extra.name.span(),
            "a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway",
        );
    }
}

/// `start` has exactly one outgoing edge and no incoming edge. (A second
/// `start` is only told to go, by `exactly_one_start`; an edge out of an
/// `end` only to be removed, by `ends::no_edge_out_of_an_end`.)
pub fn one_edge_out_none_in(model: &Model, errors: &mut Errors) {
    let first_start = model
        .nodes
        .iter()
        .position(|node| node.kind == NodeKind::Start);
    if let Some(index) = first_start {
        let node = &model.nodes[index];
        let mut out = model.out_edges(index);
        if out.next().is_none() {
            errors.push(
                node.name.span(),
                "`start` has no outgoing edge; write `start -> first_node;`",
            );
        }
        for extra in out {
            errors.push(
                extra.target.span(),
                "`start` has exactly one outgoing edge; to branch, lead it to an `xor` gateway",
            );
        }
    }
    for edge in &model.edges {
        if model.nodes[edge.from].kind == NodeKind::End {
            continue;
        }
        let into_start = edge
            .to
            .is_some_and(|to| model.nodes[to].kind == NodeKind::Start);
        if into_start {
            errors.push(
                edge.target.span(),
                "`start` cannot be the target of an edge; to loop, lead back to the node after `start`",
            );
        }
    }
}

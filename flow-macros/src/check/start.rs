//! Rules about `start`.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};

/// A flow has exactly one `start`.
pub fn exactly_one_start(model: &Model, errors: &mut Errors) {
    let mut starts = model.nodes.iter().filter(|node| node.kind == NodeKind::Start);
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

/// `start` has exactly one outgoing edge and no incoming edge.
pub fn one_edge_out_none_in(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind != NodeKind::Start {
            continue;
        }
        let mut out = model.out_edges(index);
        if out.next().is_none() {
            errors.push(node.name.span(), "`start` has no outgoing edge; write `start -> first_node;`");
        }
        for extra in out {
            errors.push(
                extra.target.span(),
                "`start` has exactly one outgoing edge; to branch, lead it to an `xor` gateway",
            );
        }
    }
    for edge in &model.edges {
        let into_start = edge.to.is_some_and(|to| model.nodes[to].kind == NodeKind::Start);
        if into_start {
            errors.push(
                edge.target.span(),
                "`start` cannot be the target of an edge; to loop, lead back to the node after `start`",
            );
        }
    }
}

//! Rules about `end` nodes.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};

/// A flow has at least one `end`.
pub fn at_least_one_end(model: &Model, errors: &mut Errors) {
    if !model.nodes.iter().any(|node| node.kind == NodeKind::End) {
        errors.push(
            model.flow_span(),
            format!(
                "flow `{}` has no `end`; add an end node such as `end done;` and lead a path to it",
                model.def.name
            ),
        );
    }
}

/// An `end` has no outgoing edge: reaching it finishes the flow.
pub fn no_edge_out_of_an_end(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind != NodeKind::End {
            continue;
        }
        for edge in model.out_edges(index) {
            errors.push(
                edge.target.span(),
                format!(
                    "end `{}` cannot have an outgoing edge; reaching an `end` finishes the flow, remove `-> {}`",
                    node.name, edge.target
                ),
            );
        }
    }
}

//! Rules about node names.

use crate::errors::Errors;
use crate::model::{Model, NodeKind, name_key, variant_name, variant_problem};
use std::collections::BTreeMap;

/// Node names are unique. (`start` is both a keyword and the start node's
/// name; a second `start` is reported by `start::exactly_one_start`.)
pub fn unique_names(model: &Model, errors: &mut Errors) {
    for (index, node) in model.nodes.iter().enumerate() {
        let first = model.by_name[&name_key(node.name)];
        if first == index {
            continue;
        }
        let first_kind = model.nodes[first].kind;
        match (first_kind, node.kind) {
            (NodeKind::Start, NodeKind::Start) => {}
            (NodeKind::Start, _) | (_, NodeKind::Start) => {
                let named = if node.kind == NodeKind::Start {
                    &model.nodes[first]
                } else {
                    node
                };
                errors.push(
                    named.name.span(),
                    "`start` names the start node; give this node another name",
                );
            }
            _ => errors.push(
                node.name.span(),
                format!(
                    "the name `{}` is defined more than once; node names must be unique",
                    node.name
                ),
            ),
        }
    }
}

/// Every edge names a node of this flow. A near miss gets a suggestion.
pub fn defined_targets(model: &Model, errors: &mut Errors) {
    for edge in &model.edges {
        if edge.to.is_some() || model.is_broken(edge.target) {
            continue;
        }
        let wanted = name_key(edge.target);
        // `start` cannot be the target of an edge, so it is never the name meant.
        let close = edge
            .suggestion
            .map(|node| &model.nodes[node])
            .filter(|node| node.kind != NodeKind::Start)
            .map(|node| node.name);
        let message = match close {
            Some(close) => format!(
                "no node named `{wanted}` in flow `{}`; did you mean `{close}`?",
                model.def.name
            ),
            None => format!(
                "no node named `{wanted}` in flow `{}`; define it, e.g. `task {wanted} = ...;` or `end {wanted};`",
                model.def.name
            ),
        };
        errors.push(edge.target.span(), message);
    }
}

/// Each node becomes a variant of the generated node enum, so two names that
/// only differ in underscores or case of the first letter (`foo_1`, `foo1`)
/// would collide.
pub fn distinct_variants(model: &Model, errors: &mut Errors) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, node) in model.nodes.iter().enumerate() {
        if model.by_name[&name_key(node.name)] != index {
            continue; // a duplicate name, reported by `unique_names`
        }
        if let Some(problem) = variant_problem(node.name) {
            errors.push(
                node.name.span(),
                format!(
                    "the name `{}` cannot become a variant of `{}Node`: {problem}; rename the node",
                    node.name, model.def.name
                ),
            );
            continue;
        }
        let variant = variant_name(node.name);
        if let Some(&first) = seen.get(&variant) {
            errors.push(
                node.name.span(),
                format!(
                    "nodes `{}` and `{}` would both become the variant `{variant}` of `{}Node`; rename one of them",
                    model.nodes[first].name, node.name, model.def.name
                ),
            );
        } else {
            seen.insert(variant, index);
        }
    }
}

//! Whole-graph rules. Each pass is a plain function over the [`Model`] that
//! states its rule in a comment and pushes what breaks it into the collector.
//! Passes never stop the others: every mistake is reported in one compile.
//!
//! Passes give an unresolved edge (a misspelt target, reported once by
//! [`names::defined_targets`]) the benefit of the doubt, so one typo does not
//! also show up as an unreachable node or a dead end.

mod ends;
mod gateways;
mod names;
mod reachability;
mod soundness;
mod start;
mod successors;
mod termination;
mod waits;

#[cfg(test)]
mod tests;

use crate::errors::Errors;
use crate::model::Model;

/// Runs every rule over the model.
pub fn check(model: &Model, errors: &mut Errors) {
    start::exactly_one_start(model, errors);
    start::one_edge_out_none_in(model, errors);
    ends::at_least_one_end(model, errors);
    ends::no_edge_out_of_an_end(model, errors);
    names::unique_names(model, errors);
    names::defined_targets(model, errors);
    names::distinct_variants(model, errors);
    successors::one_successor_per_task(model, errors);
    gateways::xor_has_else_last(model, errors);
    waits::durations_are_positive(model, errors);
    waits::clauses_fit_the_node(model, errors);
    waits::at_most_one_user(model, errors);
    reachability::reachable_from_start(model, errors);
    termination::every_node_reaches_an_end(model, errors);
    soundness::regions_are_sound(model, errors);
}

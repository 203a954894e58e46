//! Parallel and inclusive regions are sound: see [`crate::regions`].

use crate::errors::Errors;
use crate::model::Model;
use crate::regions;

/// Every `and` / `or` split meets its own `join`; no node but the join
/// merges its branches; nothing enters a branch but through the split; no
/// branch reaches an `end` or its split; every `join` closes a split.
pub fn regions_are_sound(model: &Model, errors: &mut Errors) {
    for (span, message) in regions::analyse(model).errors {
        errors.push(span, message);
    }
}

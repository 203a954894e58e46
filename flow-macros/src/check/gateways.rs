//! Rules about gateways.

use crate::errors::Errors;
use crate::model::Model;
use crate::parse::{Condition, Statement};

/// An `xor` takes the first branch whose condition holds, so it needs an
/// `else` for when none does, and the `else` must be its last branch (a
/// branch after it could never be taken). An `or` takes every branch whose
/// condition holds, and its `else` (last too) is the default for when none
/// does.
pub fn xor_has_else_last(model: &Model, errors: &mut Errors) {
    for node in &model.nodes {
        let (Statement::Xor(xor) | Statement::Or(xor)) = node.stmt else {
            continue;
        };
        let keyword = node.kind.keyword();
        let last = xor.branches.len().saturating_sub(1);
        let mut has_else = false;
        for (position, branch) in xor.branches.iter().enumerate() {
            if let Condition::Else(token) = &branch.condition {
                has_else = true;
                if position != last {
                    errors.push(
                        token.span,
                        format!(
                            "`else` must be the last branch of `{keyword}` gateway `{}`; the branches after it could never be taken",
                            xor.name
                        ),
                    );
                }
            }
        }
        if !has_else {
            errors.push(
                xor.name.span(),
                format!(
                    "`{keyword}` gateway `{}` has no `else` branch; add `else => node` as its last branch for when no condition holds",
                    xor.name
                ),
            );
        }
    }
}

//! Parallel and inclusive regions are sound: see [`crate::regions`]; and
//! their branches, which run at the same time, write apart.

use crate::errors::Errors;
use crate::model::{Model, NodeKind};
use crate::parse::Statement;
use crate::regions::{self, Regions};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::Expr;
use syn::spanned::Spanned;

/// Every `and` / `or` split meets its own `join`; no node but the join
/// merges its branches; nothing enters a branch but through the split; no
/// branch reaches an `end` or its split; every `join` closes a split. Then
/// branches of one split never write one place (see
/// [`branches_write_apart`]).
pub fn regions_are_sound(model: &Model, errors: &mut Errors) {
    let regions = regions::analyse(model);
    branches_write_apart(model, &regions, errors);
    for (span, message) in regions.errors {
        errors.push(span, message);
    }
}

/// Branches of one split run at the same time, so no branch may write a
/// place that another branch writes or reads: a `=> place` (or
/// `on error => place`), or a call's `&mut place`, against any use of an
/// overlapping place in another branch (`order` overlaps `order.a`). rustc
/// would reject it too, but with "cannot borrow value as mutable more than
/// once", naming no field; here the error lands on the second place and
/// names the place, both tasks and what to do. What only rustc can see (a
/// call that mutates the context it was handed whole) is left to it.
fn branches_write_apart(model: &Model, regions: &Regions, errors: &mut Errors) {
    for (&split, region) in &regions.by_split {
        let branches: Vec<Vec<Use>> = region
            .branches
            .iter()
            .map(|branch| {
                let mut nodes = Vec::new();
                for &node in &branch.nodes {
                    collect_nodes(regions, node, &mut nodes);
                }
                nodes.iter().flat_map(|&node| uses(model, node)).collect()
            })
            .collect();
        for (later, uses) in branches.iter().enumerate() {
            'second: for second in uses {
                for first in branches[..later].iter().flatten() {
                    let writes = first.kind != UseKind::Read || second.kind != UseKind::Read;
                    if !writes || !first.overlaps(second) {
                        continue;
                    }
                    let kind = match model.nodes[split].kind {
                        NodeKind::And => "parallel split",
                        _ => "inclusive split",
                    };
                    errors.push(
                        second.span,
                        format!(
                            "`{}` {} and `{}` {}, but they run at the same time in branches of {kind} `{}`; \
                             let each branch write its own place and combine them after `join` `{}`",
                            model.nodes[first.node].name,
                            first.describe(),
                            model.nodes[second.node].name,
                            second.describe(),
                            model.nodes[split].name,
                            model.nodes[region.join].name,
                        ),
                    );
                    break 'second;
                }
            }
        }
    }
}

/// `node` and, for a nested split, every node of its region.
fn collect_nodes(regions: &Regions, node: usize, nodes: &mut Vec<usize>) {
    nodes.push(node);
    if let Some(region) = regions.by_split.get(&node) {
        for branch in &region.branches {
            for &inner in &branch.nodes {
                collect_nodes(regions, inner, nodes);
            }
        }
    }
}

/// A place of the context a node of a branch uses.
struct Use {
    node: usize,
    /// `order.a.b` as `["order", "a", "b"]`.
    path: Vec<String>,
    span: Span,
    kind: UseKind,
}

#[derive(PartialEq, Eq)]
enum UseKind {
    /// `=> place`, `on error => place`.
    Store,
    /// `&mut place` in a call.
    MutBorrow,
    /// Any other mention: `&place`, `place.field`, `place.method()`.
    Read,
}

impl Use {
    /// One place contains the other (`order` and `order.a`, or the same).
    fn overlaps(&self, other: &Use) -> bool {
        let shorter = self.path.len().min(other.path.len());
        self.path[..shorter] == other.path[..shorter]
    }

    fn describe(&self) -> String {
        let place = self.path.join(".");
        match self.kind {
            UseKind::Store => format!("stores into `{place}`"),
            UseKind::MutBorrow => format!("borrows `{place}` mutably"),
            UseKind::Read => format!("reads `{place}`"),
        }
    }
}

/// The places of the context that `node` uses inside its branch: a task's
/// call, places and match guards, an `xor`'s or nested `or`'s conditions,
/// a wait's `=> place` and who may complete it, a timer's deadline.
fn uses(model: &Model, node: usize) -> Vec<Use> {
    let context = &model.def.context_name;
    let mut uses = Vec::new();
    let scan = |tokens: TokenStream, uses: &mut Vec<Use>| {
        mentions(tokens, context, &mut |path, span, kind| {
            uses.push(Use {
                node,
                path,
                span,
                kind,
            });
        });
    };
    match model.nodes[node].stmt {
        Statement::Task(task) => {
            let stored = task.store.iter().chain(
                task.clauses
                    .on_error
                    .iter()
                    .filter_map(|e| e.store.as_ref()),
            );
            for place in stored {
                if let Some(path) = place_path(place)
                    && *context == path[0]
                {
                    uses.push(Use {
                        node,
                        path,
                        span: place.span(),
                        kind: UseKind::Store,
                    });
                }
            }
            scan(task.call.to_token_stream(), &mut uses);
            if let crate::parse::Route::Match { arms, .. } = &task.route {
                for guard in arms.iter().filter_map(|arm| arm.guard.as_ref()) {
                    scan(guard.to_token_stream(), &mut uses);
                }
            }
        }
        Statement::Xor(gateway) | Statement::Or(gateway) => {
            for branch in &gateway.branches {
                if let crate::parse::Condition::When(condition) = &branch.condition {
                    scan(condition.to_token_stream(), &mut uses);
                }
            }
        }
        Statement::Wait(wait) => {
            if let Some(place) = &wait.store
                && let Some(path) = place_path(place)
                && *context == path[0]
            {
                uses.push(Use {
                    node,
                    path,
                    span: place.span(),
                    kind: UseKind::Store,
                });
            }
            for who in &wait.assignees {
                scan(who.expr.to_token_stream(), &mut uses);
            }
        }
        Statement::Timer(timer) => {
            if let crate::parse::TimerWake::At(deadline) = &timer.wake {
                scan(deadline.to_token_stream(), &mut uses);
            }
        }
        _ => {}
    }
    uses
}

/// `order.a.b` as its segments; `None` for a place that is not a plain
/// field path (an index, a method call): rustc judges those.
fn place_path(place: &Expr) -> Option<Vec<String>> {
    match place {
        Expr::Path(path) => Some(vec![path.path.get_ident()?.to_string()]),
        Expr::Field(field) => {
            let mut path = place_path(&field.base)?;
            path.push(field.member.to_token_stream().to_string());
            Some(path)
        }
        Expr::Paren(inner) => place_path(&inner.expr),
        _ => None,
    }
}

/// Every mention of `context` in `tokens`, at any depth, as the field path
/// it names (`order.items.len()` names `order.items`), and whether it is
/// borrowed with `&mut`.
fn mentions(
    tokens: TokenStream,
    context: &syn::Ident,
    found: &mut impl FnMut(Vec<String>, Span, UseKind),
) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let punct = |at: Option<usize>, ch: char| matches!(at.and_then(|at| trees.get(at)), Some(TokenTree::Punct(p)) if p.as_char() == ch);
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => mentions(group.stream(), context, found),
            TokenTree::Ident(ident) if ident == context => {
                // `x.order` and `m::order` are not the context.
                if punct(index.checked_sub(1), '.') || punct(index.checked_sub(1), ':') {
                    continue;
                }
                let mutable = matches!(index.checked_sub(1).map(|at| &trees[at]), Some(TokenTree::Ident(m)) if m == "mut")
                    && punct(index.checked_sub(2), '&');
                let mut path = vec![ident.to_string()];
                let mut at = index;
                while punct(Some(at + 1), '.') {
                    let Some(TokenTree::Ident(field)) = trees.get(at + 2) else {
                        break;
                    };
                    if matches!(trees.get(at + 3), Some(TokenTree::Group(_))) {
                        break; // a method call: the receiver is the place
                    }
                    path.push(field.to_string());
                    at += 2;
                }
                let kind = if mutable {
                    UseKind::MutBorrow
                } else {
                    UseKind::Read
                };
                found(path, ident.span(), kind);
            }
            _ => {}
        }
    }
}

//! `Flow::step`: a `match` that dispatches on the node, and one function
//! per node holding its code.
//!
//! User expressions are pasted where they stand, and the glue around them
//! takes their spans, so rustc reports a wrong argument, a non-`bool`
//! condition or a mistyped `=> place` on the user's own tokens.

use super::call::{BranchMemo, Intercept, awaited_call};
use super::dispatch::{Dispatch, dispatch};
use super::{context_param, node_param, scope_param, step_param, variant_ident};
use crate::model::{EdgeKind, Model, name_key};
use crate::parse::{Condition, GatewayStmt, Route, Statement, TaskStmt, TimerWake, WaitStmt};
use crate::regions::Regions;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

/// `Flow::step` and the functions it calls.
pub struct StepCode {
    /// The body of `Flow::step`: a `match` on the node that only dispatches.
    pub body: TokenStream,
    /// One function per node that evaluates anything: an `async fn` for a
    /// task or a split, a plain `fn` for an `xor`, a `wait` or a timer with
    /// a deadline. Each is its own body for rustc, so type and borrow
    /// checking cost grows with the flow's size, not with its square as
    /// one coroutine holding every node's code did.
    pub node_fns: TokenStream,
}

/// `Flow::step` of a flow that passed every check: the nodes' functions, and
/// the dispatch to them (see `dispatch`).
pub fn step_code(
    model: &Model,
    flow: &Ident,
    node_enum: &Ident,
    end_enum: &Ident,
    signal_enum: &Ident,
) -> StepCode {
    let (node_param, context_param, step_param, scope_param) =
        (node_param(), context_param(), step_param(), scope_param());
    let context_type = &model.def.context_type;
    let regions = crate::regions::analyse(model);
    let in_branch = regions.branch_nodes();
    let code = Code {
        model,
        regions: &regions,
        node_enum,
        signal_enum,
    };
    let mut node_fns = TokenStream::new();
    // The nodes with an async function: a pattern and the call making the
    // future; the others' transitions are ready at once, in `arms`.
    let mut dispatch_arms: Vec<(TokenStream, TokenStream)> = Vec::new();
    let mut arms = TokenStream::new();
    for (index, node) in model.nodes.iter().enumerate() {
        let variant = variant_ident(node.name);
        let next = |target: usize| {
            let target = variant_ident(model.nodes[target].name);
            quote!(::flow_runtime::Transition::Next(#node_enum::#target))
        };
        let function = Ident::new(
            &format!("__flow_node_{}", name_key(node.name)),
            Span::mixed_site(),
        );
        if in_branch.contains(&index) {
            // Run by its branch, inside the split's step; never on its own.
            let name = name_key(node.name);
            let fail = quote!(::flow_runtime::Transition::Fail(::flow_runtime::__private::runs_in_branch(#name)));
            arms.extend(quote!(#node_enum::#variant => #fail,));
            continue;
        }
        // What a node evaluates: inline in the dispatch when it is a
        // constant, else in its own function, async if it awaits.
        let (body, is_async) = match node.stmt {
            Statement::End(_) => {
                arms.extend(quote!(#node_enum::#variant => ::flow_runtime::Transition::End(#end_enum::#variant),));
                continue;
            }
            Statement::Start(_) | Statement::Join(_) => {
                let next = first_target(model, index).map(next).unwrap_or_default();
                arms.extend(quote!(#node_enum::#variant => #next,));
                continue;
            }
            Statement::Timer(timer) if matches!(timer.wake, TimerWake::After(_)) => {
                let next = model.next_of(index).map(|t| code.variant(t));
                let until = wake(&timer.wake);
                arms.extend(quote!(#node_enum::#variant => ::flow_runtime::Transition::Sleep { until: #until, next: #next },));
                continue;
            }
            Statement::Task(task) => {
                let bind = bind_context(model, true);
                let attempt = code.task_attempt(index, task, quote!(#step_param), None);
                (quote!(#bind #attempt), true)
            }
            Statement::Wait(wait) => {
                let bind = bind_context(model, false);
                let wait = code.wait(index, wait);
                (quote!(#bind ::flow_runtime::Transition::Wait(#wait)), false)
            }
            Statement::Timer(timer) => {
                let next = model.next_of(index).map(|t| code.variant(t));
                let bind = bind_context(model, false);
                let until = wake(&timer.wake);
                (
                    quote!(#bind ::flow_runtime::Transition::Sleep { until: #until, next: #next }),
                    false,
                )
            }
            Statement::Xor(xor) => {
                let bind = bind_context(model, false);
                let choice = code.xor_choice(
                    index,
                    xor,
                    |target| quote!(::flow_runtime::Transition::Next(#node_enum::#target)),
                );
                (quote!(#bind #choice), false)
            }
            Statement::And(_) | Statement::Or(_) => {
                let bind = bind_context(model, true);
                let region = code.region(index);
                let join = next(regions.by_split[&index].join);
                let error = Ident::new("__flow_error", Span::mixed_site());
                let body = quote! {
                    #bind
                    match #region {
                        ::core::result::Result::Ok(()) => #join,
                        ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
                    }
                };
                (body, true)
            }
        };
        let transition = quote!(::flow_runtime::Transition<#flow>);
        // The context is bound as a reference, so `&order` in a call is a
        // borrow of a borrow: the documented style, not a mistake.
        let allow = quote!(#[allow(unused_variables, clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]);
        if is_async {
            node_fns.extend(quote! {
                #allow
                async fn #function(
                    #context_param: &mut #context_type,
                    #step_param: &::flow_runtime::Step,
                    #scope_param: &::flow_runtime::Scope<#flow>,
                ) -> #transition {
                    #body
                }
            });
            dispatch_arms.push((
                quote!(#node_enum::#variant),
                quote!(#function(#context_param, #step_param, #scope_param)),
            ));
        } else {
            node_fns.extend(quote! {
                #allow
                fn #function(
                    #context_param: &#context_type,
                    #step_param: &::flow_runtime::Step,
                ) -> #transition {
                    #body
                }
            });
            arms.extend(quote!(#node_enum::#variant => #function(#context_param, #step_param),));
        }
    }
    // The ready transitions are computed in one `match`, a single leaf of
    // the tree; the other arms each start their node's future.
    let ready = quote! {
        ::core::future::ready(match #node_param {
            #arms
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("a node with a function of its own"),
        })
    };
    let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
    let spec = Dispatch {
        prefix: "__flow_dispatch",
        node_enum,
        params: quote! {
            #context_param: &#lifetime mut #context_type,
            #step_param: &#lifetime ::flow_runtime::Step,
            #scope_param: &#lifetime ::flow_runtime::Scope<#flow>,
        },
        args: quote!(#context_param, #step_param, #scope_param),
        output: quote!(::flow_runtime::Transition<#flow>),
    };
    let (body, fns) = dispatch(&spec, dispatch_arms, ready);
    node_fns.extend(fns);
    StepCode { body, node_fns }
}

/// When a timer fires, as a `Wake`; a deadline is evaluated on the context,
/// bound under the user's name.
pub(super) fn wake(wake: &TimerWake) -> TokenStream {
    match wake {
        TimerWake::After(delay) => {
            let millis = delay.millis;
            quote!(::flow_runtime::Wake::After(::flow_runtime::__private::millis(#millis)))
        }
        // Spanned at the deadline, so a value that is no `SystemTime` is
        // underlined where it is written.
        TimerWake::At(deadline) => {
            quote_spanned!(deadline.span()=> ::flow_runtime::__private::deadline(#deadline))
        }
    }
}

/// The node the first edge out of `node` leads to.
pub(super) fn first_target(model: &Model, node: usize) -> Option<usize> {
    model.successors(node).next()
}

/// `let order = &mut *context;` with the user's name for the context, and
/// `let step: &Step = ..;` if the flow names the step info.
pub(super) fn bind_context(model: &Model, mutable: bool) -> TokenStream {
    let name = &model.def.context_name;
    let context = context_param();
    let step = bind_step(model, &step_param());
    if mutable {
        quote!(#[allow(unused_variables, unused_mut)] let mut #name = &mut *#context; #step)
    } else {
        quote!(#[allow(unused_variables)] let #name = &*#context; #step)
    }
}

/// `let step: &Step = #value;` if the flow names the step info.
pub(super) fn bind_step(model: &Model, value: &dyn quote::ToTokens) -> TokenStream {
    let Some((step_name, step_type)) = model.def.step_param.as_ref() else {
        return TokenStream::new();
    };
    quote!(#[allow(unused_variables)] let #step_name: #step_type = #value;)
}

/// Generates the code of nodes, given the flow's regions.
pub(super) struct Code<'m, 'a> {
    pub(super) model: &'m Model<'a>,
    pub(super) regions: &'m Regions,
    pub(super) node_enum: &'m Ident,
    pub(super) signal_enum: &'m Ident,
}

impl Code<'_, '_> {
    pub(super) fn variant(&self, node: usize) -> TokenStream {
        let node_enum = self.node_enum;
        let variant = variant_ident(self.model.nodes[node].name);
        quote!(#node_enum::#variant)
    }

    /// One attempt of a task: calls the step (or runs the sub-flow), stores
    /// the value, routes, and evaluates to the `Transition`. The context is
    /// already bound under the user's name. Inside a branch, `run` is the
    /// task's `TaskRun`, which memoizes its value in a durable region.
    pub(super) fn task_attempt(
        &self,
        index: usize,
        task: &TaskStmt,
        step: TokenStream,
        run: Option<&Ident>,
    ) -> TokenStream {
        let model = self.model;
        let node_enum = self.node_enum;
        let intercept = Intercept {
            node: self.variant(index),
            step,
            branch: run.map(|run| BranchMemo {
                context: &model.def.context_type,
                run,
            }),
        };
        let call = awaited_call(
            &task.call,
            task.sub_flow.as_ref(),
            task.value_type.as_ref(),
            Some(intercept),
        );
        let value = Ident::new("__flow_value", Span::mixed_site());
        let error = Ident::new("__flow_error", Span::mixed_site());
        // A sub-flow's run is stored as its final context and routed by its end.
        let stored = match task.sub_flow {
            Some(_) => quote!(#value.context),
            None => quote!(#value),
        };
        let store = task.store.as_ref().map(|place| {
            // Spanned at the place, so a type mismatch underlines what the
            // user wrote. A trait function, not `__private::store`, so no note
            // points at a bound inside flow-runtime.
            quote_spanned!(place.span()=> <_ as ::flow_runtime::StorePlace<_>>::__store(#stored, &mut #place);)
        });
        let route = match &task.route {
            Route::Edges(_) => {
                let target = first_target(model, index).map(|t| self.variant(t));
                quote!(::flow_runtime::Transition::Next(#target))
            }
            Route::Match { match_token, arms } => {
                let scrutinee = Ident::new(
                    "__flow_value",
                    Span::mixed_site().located_at(match_token.span),
                );
                let routed = match task.sub_flow {
                    Some(_) => quote_spanned!(match_token.span=> #scrutinee.end),
                    None => quote!(#scrutinee),
                };
                let arms = arms.iter().zip(model.out_edges(index)).map(|(arm, edge)| {
                    let pat = &arm.pat;
                    let guard = arm.guard.as_ref().map(|guard| quote!(if #guard));
                    let target = edge.to.map(|t| variant_ident(model.nodes[t].name));
                    quote!(#pat #guard => #node_enum::#target,)
                });
                let next = Ident::new("__flow_next", Span::mixed_site());
                let matched = quote_spanned!(match_token.span=> match &#routed { #(#arms)* });
                return quote! {
                    match #call {
                        ::core::result::Result::Ok(#value) => {
                            let #next = #matched;
                            #store
                            ::flow_runtime::Transition::Next(#next)
                        }
                        ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
                    }
                };
            }
        };
        quote! {
            match #call {
                ::core::result::Result::Ok(#value) => {
                    #store
                    #route
                }
                ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
            }
        }
    }

    /// What a wait waits for: `__private::wait()` with who may complete it
    /// and its timeout route. The context is already bound.
    pub(super) fn wait(&self, index: usize, wait: &WaitStmt) -> TokenStream {
        let mut built = quote!(::flow_runtime::__private::wait());
        for who in &wait.assignees {
            let expr = &who.expr;
            // Spanned at the user's expression: a value that is no
            // `impl Into<String>` is underlined there.
            let method = Ident::new(if who.is_user { "assignee" } else { "group" }, expr.span());
            built = quote_spanned!(expr.span()=> #built.#method(#expr));
        }
        let route = self
            .model
            .out_edges(index)
            .find(|edge| matches!(edge.kind, EdgeKind::Timeout))
            .and_then(|edge| edge.to);
        if let (Some(timeout), Some(route)) = (&wait.timeout, route) {
            let millis = timeout.after.millis;
            let route = self.variant(route);
            built = quote!(#built.timeout(::flow_runtime::__private::millis(#millis), #route));
        }
        built
    }

    /// An `xor`'s conditions in order, evaluating to `goto(target)`.
    pub(super) fn xor_choice(
        &self,
        index: usize,
        xor: &GatewayStmt,
        goto: impl Fn(&Ident) -> TokenStream,
    ) -> TokenStream {
        let mut conditions = TokenStream::new();
        let mut otherwise = TokenStream::new();
        for (branch, edge) in xor.branches.iter().zip(self.model.out_edges(index)) {
            let target = edge.to.map(|t| variant_ident(self.model.nodes[t].name));
            let next = target.as_ref().map(&goto).unwrap_or_default();
            match &branch.condition {
                Condition::When(condition) => {
                    conditions.extend(quote!(if #condition { #next } else));
                }
                Condition::Else(_) => otherwise = next,
            }
        }
        quote!(#conditions { #otherwise })
    }
}

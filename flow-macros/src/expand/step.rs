//! The body of `Flow::step`: one `match` arm per node.
//!
//! User expressions are pasted where they stand, and the glue around them
//! takes their spans, so rustc reports a wrong argument, a non-`bool`
//! condition or a mistyped `=> place` on the user's own tokens.

use super::call::{BranchMemo, Intercept, awaited_call};
use super::{context_param, node_param, step_param, variant_ident};
use crate::model::{EdgeKind, Model, name_key};
use crate::parse::{Condition, GatewayStmt, Route, Statement, TaskStmt, TimerWake, WaitStmt};
use crate::regions::Regions;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

pub fn step_body(
    model: &Model,
    node_enum: &Ident,
    end_enum: &Ident,
    signal_enum: &Ident,
) -> TokenStream {
    let node_param = node_param();
    let regions = crate::regions::analyse(model);
    let in_branch = regions.branch_nodes();
    let code = Code {
        model,
        regions: &regions,
        node_enum,
        signal_enum,
    };
    let arms = model.nodes.iter().enumerate().map(|(index, node)| {
        let variant = variant_ident(node.name);
        let next = |target: usize| {
            let target = variant_ident(model.nodes[target].name);
            quote!(::flow_runtime::Transition::Next(#node_enum::#target))
        };
        let body = if in_branch.contains(&index) {
            // Run by its branch, inside the split's step; never on its own.
            let name = name_key(node.name);
            quote!(::flow_runtime::Transition::Fail(::flow_runtime::__private::runs_in_branch(#name)))
        } else {
            match node.stmt {
                Statement::End(_) => quote!(::flow_runtime::Transition::End(#end_enum::#variant)),
                Statement::Start(_) | Statement::Join(_) => {
                    first_target(model, index).map(next).unwrap_or_default()
                }
                Statement::Task(task) => {
                    let bind = bind_context(model, true);
                    let step = step_param();
                    let attempt = code.task_attempt(index, task, quote!(#step), None);
                    quote!(#bind #attempt)
                }
                Statement::Wait(wait) => {
                    let bind = bind_context(model, false);
                    let wait = code.wait(index, wait);
                    quote!(#bind ::flow_runtime::Transition::Wait(#wait))
                }
                Statement::Timer(timer) => {
                    let next = model.next_of(index).map(|t| code.variant(t));
                    let until = match &timer.wake {
                        TimerWake::After(_) => wake(&timer.wake),
                        TimerWake::At(_) => {
                            let bind = bind_context(model, false);
                            let until = wake(&timer.wake);
                            quote!({ #bind #until })
                        }
                    };
                    quote!(::flow_runtime::Transition::Sleep { until: #until, next: #next })
                }
                Statement::Xor(xor) => {
                    let bind = bind_context(model, false);
                    let choice = code.xor_choice(index, xor, |target| {
                        quote!(::flow_runtime::Transition::Next(#node_enum::#target))
                    });
                    quote!(#bind #choice)
                }
                Statement::And(_) | Statement::Or(_) => {
                    let bind = bind_context(model, true);
                    let region = code.region(index);
                    let join = next(regions.by_split[&index].join);
                    let error = Ident::new("__flow_error", Span::mixed_site());
                    quote! {
                        #bind
                        match #region {
                            ::core::result::Result::Ok(()) => #join,
                            ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
                        }
                    }
                }
            }
        };
        quote!(#node_enum::#variant => { #body })
    });
    quote! {
        async move {
            match #node_param {
                #(#arms)*
            }
        }
    }
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
fn bind_context(model: &Model, mutable: bool) -> TokenStream {
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

/// The body of `Flow::compensate`, or nothing when no task is compensable
/// (the trait's default then applies).
pub fn compensate_method(
    model: &Model,
    node_enum: &Ident,
    context_type: &syn::Type,
) -> TokenStream {
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .filter_map(|node| {
            let Statement::Task(task) = node.stmt else {
                return None;
            };
            let compensate = task.clauses.compensate.as_ref()?;
            let variant = variant_ident(node.name);
            let bind = bind_context(model, true);
            let call = awaited_call(&compensate.call, None, None, None);
            Some(quote! {
                #node_enum::#variant => {
                    #bind
                    ::core::result::Result::map(#call, |_| ())
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let (node_param, context_param, step_param) = (node_param(), context_param(), step_param());
    let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
    quote! {
        #[allow(unused_variables, clippy::needless_lifetimes, clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
        fn compensate<#lifetime>(
            #node_param: #node_enum,
            #context_param: &#lifetime mut #context_type,
            #step_param: &#lifetime ::flow_runtime::Step,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<(), ::flow_runtime::StepError>>
               + ::core::marker::Send + #lifetime {
            async move {
                match #node_param {
                    #(#arms)*
                    _ => ::core::result::Result::Ok(()),
                }
            }
        }
    }
}

/// `Flow::recover`, or nothing when no task has an `on error` route.
pub fn recover_method(model: &Model, node_enum: &Ident, context_type: &syn::Type) -> TokenStream {
    let error = Ident::new("__flow_error", Span::mixed_site());
    let context_param = context_param();
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let Statement::Task(task) = node.stmt else {
                return None;
            };
            let on_error = task.clauses.on_error.as_ref()?;
            let variant = variant_ident(node.name);
            let handler = model
                .out_edges(index)
                .find(|edge| matches!(edge.kind, crate::model::EdgeKind::OnError))
                .and_then(|edge| edge.to)
                .map(|to| variant_ident(model.nodes[to].name))?;
            let store = on_error.store.as_ref().map(|place| {
                let name = &model.def.context_name;
                let store =
                    quote_spanned!(place.span()=> <_ as ::flow_runtime::StoreError>::__store_error(&mut #place, #error););
                quote! {
                    #[allow(unused_mut)]
                    let mut #name = &mut *#context_param;
                    #store
                }
            });
            Some(quote! {
                #node_enum::#variant => {
                    #store
                    ::core::result::Result::Ok(#node_enum::#handler)
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let node_param = node_param();
    quote! {
        #[allow(unused_variables)]
        fn recover(
            #node_param: #node_enum,
            #context_param: &mut #context_type,
            #error: ::flow_runtime::StepError,
        ) -> ::core::result::Result<#node_enum, ::flow_runtime::StepError> {
            match #node_param {
                #(#arms)*
                _ => ::core::result::Result::Err(#error),
            }
        }
    }
}

/// `Flow::receive`: stores a signal's payload where its wait says and goes
/// on at the wait's successor; a signal for another wait is handed back.
/// Nothing when the flow has no wait (the trait's default then applies).
pub fn receive_method(
    model: &Model,
    node_enum: &Ident,
    signal_enum: &Ident,
    context_type: &syn::Type,
) -> TokenStream {
    let value = Ident::new("__flow_payload", Span::mixed_site());
    let context_param = context_param();
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let Statement::Wait(wait) = node.stmt else {
                return None;
            };
            let variant = variant_ident(node.name);
            let next = model
                .next_of(index)
                .map(|to| variant_ident(model.nodes[to].name))?;
            let store = wait.store.as_ref().map(|place| {
                let name = &model.def.context_name;
                // Spanned at the place, so a payload that does not fit it is
                // underlined there, as for a task's `=> place`.
                let store =
                    quote_spanned!(place.span()=> <_ as ::flow_runtime::__private::StorePayload<_>>::__store_payload(#value, &mut #place););
                quote! {
                    #[allow(unused_mut)]
                    let mut #name = &mut *#context_param;
                    #store
                }
            });
            let bound = if store.is_some() {
                quote!(#value)
            } else {
                quote!(_)
            };
            Some(quote! {
                (#node_enum::#variant, #signal_enum::#variant(#bound)) => {
                    #store
                    ::core::result::Result::Ok(#node_enum::#next)
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let node_param = node_param();
    let signal = Ident::new("__flow_signal", Span::mixed_site());
    quote! {
        #[allow(unused_variables)]
        fn receive(
            #node_param: #node_enum,
            #context_param: &mut #context_type,
            #signal: #signal_enum,
        ) -> ::core::result::Result<#node_enum, #signal_enum> {
            match (#node_param, #signal) {
                #(#arms)*
                (_, #signal) => ::core::result::Result::Err(#signal),
            }
        }
    }
}

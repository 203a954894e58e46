//! The body of `Flow::step`: one `match` arm per node.
//!
//! User expressions are pasted where they stand, and the glue around them
//! takes their spans, so rustc reports a wrong argument, a non-`bool`
//! condition or a mistyped `=> place` on the user's own tokens.

use super::{context_param, node_param, step_param, variant_ident};
use crate::model::Model;
use crate::parse::{Condition, Route, Statement, TaskStmt, XorStmt};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

pub fn step_body(model: &Model, node_enum: &Ident, end_enum: &Ident) -> TokenStream {
    let node_param = node_param();
    let arms = model.nodes.iter().enumerate().map(|(index, node)| {
        let variant = variant_ident(node.name);
        let next = |target: usize| {
            let target = variant_ident(model.nodes[target].name);
            quote!(::flow_runtime::Transition::Next(#node_enum::#target))
        };
        let body = match node.stmt {
            Statement::End(_) => quote!(::flow_runtime::Transition::End(#end_enum::#variant)),
            Statement::Start(_) => first_target(model, index).map(next).unwrap_or_default(),
            Statement::Task(task) => task_arm(model, index, task, node_enum),
            Statement::Xor(xor) => xor_arm(model, index, xor, node_enum),
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

/// The node the first edge out of `node` leads to.
fn first_target(model: &Model, node: usize) -> Option<usize> {
    model.successors(node).next()
}

/// `let order = &mut *context;` with the user's name for the context, and
/// `let step: &Step = ..;` if the flow names the step info.
fn bind_context(model: &Model, mutable: bool) -> TokenStream {
    let name = &model.def.context_name;
    let context = context_param();
    let step = model.def.step_param.as_ref().map(|(step_name, step_type)| {
        let param = step_param();
        quote!(#[allow(unused_variables)] let #step_name: #step_type = #param;)
    });
    if mutable {
        quote!(#[allow(unused_variables, unused_mut)] let mut #name = &mut *#context; #step)
    } else {
        quote!(#[allow(unused_variables)] let #name = &*#context; #step)
    }
}

fn task_arm(model: &Model, index: usize, task: &TaskStmt, node_enum: &Ident) -> TokenStream {
    let bind = bind_context(model, true);
    let call = awaited_call(&task.call);
    let value = Ident::new("__flow_value", Span::mixed_site());
    let error = Ident::new("__flow_error", Span::mixed_site());
    let store = task.store.as_ref().map(|place| {
        // Spanned at the place, so a type mismatch underlines what the user wrote.
        quote_spanned!(place.span()=> ::flow_runtime::__private::store(#value, &mut #place);)
    });
    let route = match &task.route {
        Route::Edges(_) => {
            let target = first_target(model, index).map(|t| variant_ident(model.nodes[t].name));
            quote!(::flow_runtime::Transition::Next(#node_enum::#target))
        }
        Route::Match { match_token, arms } => {
            let scrutinee = Ident::new(
                "__flow_value",
                Span::mixed_site().located_at(match_token.span),
            );
            let arms = arms.iter().zip(model.out_edges(index)).map(|(arm, edge)| {
                let pat = &arm.pat;
                let guard = arm.guard.as_ref().map(|guard| quote!(if #guard));
                let target = edge.to.map(|t| variant_ident(model.nodes[t].name));
                quote!(#pat #guard => #node_enum::#target,)
            });
            let next = Ident::new("__flow_next", Span::mixed_site());
            let matched = quote_spanned!(match_token.span=> match &#scrutinee { #(#arms)* });
            return quote! {
                #bind
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
        #bind
        match #call {
            ::core::result::Result::Ok(#value) => {
                #store
                #route
            }
            ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
        }
    }
}

fn xor_arm(model: &Model, index: usize, xor: &XorStmt, node_enum: &Ident) -> TokenStream {
    let bind = bind_context(model, false);
    let mut conditions = TokenStream::new();
    let mut otherwise = TokenStream::new();
    for (branch, edge) in xor.branches.iter().zip(model.out_edges(index)) {
        let target = edge.to.map(|t| variant_ident(model.nodes[t].name));
        let next = quote!(::flow_runtime::Transition::Next(#node_enum::#target));
        match &branch.condition {
            Condition::When(condition) => conditions.extend(quote!(if #condition { #next } else)),
            Condition::Else(_) => otherwise = next,
        }
    }
    quote! {
        #bind
        #conditions { #otherwise }
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
            let call = awaited_call(&compensate.call);
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
                    quote_spanned!(place.span()=> ::flow_runtime::__private::store_error(&mut #place, #error););
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

/// `step_output(CALL.await)` with the future required to be `Send`, spanned
/// at the call so type errors land on it. `f(..)` and `f(..).await` are both
/// accepted.
fn awaited_call(call: &Expr) -> TokenStream {
    let future = match call {
        Expr::Await(awaited) => &*awaited.base,
        call => call,
    };
    // Every token here carries the call's span, hygiene included: rustc
    // joins the spans of an expression's tokens, and a join across hygiene
    // contexts falls back to the whole `flow!` invocation. So whatever rustc
    // reports about the call (not a future, not `Send`, not a `Result`)
    // underlines the call. The local is defined after the user's expression
    // is evaluated, so the expression cannot see it.
    let span = future.span();
    let bound = Ident::new("__flow_future", span);
    quote_spanned! {span=> {
        let #bound = #future;
        ::flow_runtime::__private::require_send(&#bound);
        ::flow_runtime::__private::step_output(#bound.await)
    }}
}

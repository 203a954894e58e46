//! What is emitted next to the errors when a flow is broken: the flow's
//! types with whatever nodes could be read, the signal enum with the waits
//! that parsed (rustc still checks their payload types), and an empty graph.
//! Code that uses the flow (`OrderProcess::run(..)`, `OrderProcessEnd::Done`,
//! `OrderProcessSignal::ManualApproval(..)`) then still resolves, and the
//! user sees the flow's errors, not a cascade.
//!
//! Next to them, as tokio-macros does with a misconfigured `main`'s body,
//! stands every call, condition and place of the flow in a function that is
//! never called ([`checked_code`]): rustc type-checks the user's code in the
//! same compile as the graph errors, on the user's tokens, and what the flow
//! uses (steps, fields) does not look unused.

use crate::expand::types::{self, TypeNames, Variant};
use crate::expand::{context_param, scope_param, step_param, variant_ident};
use crate::model::name_key;
use crate::parse::{Condition, FlowDef, Route, Statement, TaskStmt, TimerWake, WaitStmt};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use std::collections::BTreeSet;
use syn::Ident;
use syn::spanned::Spanned;

pub fn skeleton(def: &FlowDef) -> TokenStream {
    let mut seen = BTreeSet::new();
    let mut variants = Vec::new();
    // `START` names `Start`, so the start variant always exists.
    let start = syn::Ident::new("start", def.name.span());
    let statements = def.statements.iter().map(|stmt| (stmt.name(), stmt));
    for (name, stmt) in std::iter::once((&start, None)).chain(statements.map(|(n, s)| (n, Some(s))))
    {
        let ident = variant_ident(name);
        if seen.insert(ident.to_string()) {
            variants.push(Variant {
                ident,
                name: name_key(name),
                docs: stmt.map(|s| s.docs().to_vec()).unwrap_or_default(),
                is_end: matches!(stmt, Some(Statement::End(_))),
            });
        }
    }
    for broken in &def.broken {
        let ident = variant_ident(&broken.name);
        if seen.insert(ident.to_string()) {
            variants.push(Variant {
                ident,
                name: name_key(&broken.name),
                docs: Vec::new(),
                is_end: broken.keyword == "end",
            });
        }
    }
    let name = def.name.to_string();
    let graph = quote!(::flow_runtime::Graph::new(#name, "", &[], &[], 0));
    let step = crate::expand::step::StepCode {
        body: quote!(async move { ::core::unreachable!("`flow!` reported errors for this flow") }),
        node_fns: TokenStream::new(),
    };
    let mut items = types::items(
        def,
        &variants,
        TokenStream::new(),
        graph,
        step,
        TokenStream::new(),
    );
    items.extend(checked_code(def));
    items
}

/// Every call, condition and place of the flow, as the expansion would
/// write them (spanned alike, so rustc reports the same errors on the same
/// tokens), in a function that is never called.
fn checked_code(def: &FlowDef) -> TokenStream {
    let TypeNames { flow, node, .. } = TypeNames::of(def);
    let context_type = &def.context_type;
    let (context, step, scope) = (context_param(), step_param(), scope_param());
    let checks = def.statements.iter().map(|stmt| match stmt {
        Statement::Task(task) => task_check(def, task),
        Statement::Xor(gateway) | Statement::Or(gateway) => {
            let bind = bind(def, false);
            let conditions = gateway.branches.iter().filter_map(|branch| match &branch.condition {
                Condition::When(condition) => Some(quote!(if #condition {})),
                Condition::Else(_) => None,
            });
            quote!({ #bind #(#conditions)* })
        }
        Statement::Wait(wait) => wait_check(def, wait, &node),
        Statement::Timer(timer) => match &timer.wake {
            TimerWake::At(deadline) => {
                let bind = bind(def, false);
                let until = quote_spanned!(deadline.span()=> ::flow_runtime::__private::deadline(#deadline));
                quote!({ #bind let _ = #until; })
            }
            TimerWake::After(_) => TokenStream::new(),
        },
        _ => TokenStream::new(),
    });
    let check = Ident::new("__flow_check", Span::mixed_site());
    quote! {
        const _: () = {
            // Never called: only type-checked.
            #[allow(dead_code, unused_variables, unused_mut, unreachable_code, unused_must_use,
                clippy::needless_borrow, clippy::needless_borrows_for_generic_args, clippy::diverging_sub_expression)]
            fn #check<'__flow>(
                #context: &'__flow mut #context_type,
                #step: &'__flow ::flow_runtime::Step,
                #scope: &'__flow ::flow_runtime::Scope<#flow>,
            ) -> impl ::core::future::Future<Output = ()> + '__flow {
                async move {
                    #(#checks)*
                }
            }
        };
    }
}

/// `let order = &mut *context;` (or `&*context`) and the step info, as in
/// the expansion.
fn bind(def: &FlowDef, mutable: bool) -> TokenStream {
    let name = &def.context_name;
    let context = context_param();
    let step = def.step_param.as_ref().map(|(step_name, step_type)| {
        let step = step_param();
        quote!(let #step_name: #step_type = #step;)
    });
    if mutable {
        quote!(let mut #name = &mut *#context; #step)
    } else {
        quote!(let #name = &*#context; #step)
    }
}

/// A task's call, `-> match` patterns and guards, `=> place`, error place
/// and compensation.
fn task_check(def: &FlowDef, task: &TaskStmt) -> TokenStream {
    let bind = bind(def, true);
    let call = crate::expand::call::awaited_call(
        &task.call,
        task.sub_flow.as_ref(),
        task.value_type.as_ref(),
        None,
    );
    let value = Ident::new("__flow_value", Span::mixed_site());
    let error = Ident::new("__flow_error", Span::mixed_site());
    let stored = match task.sub_flow {
        Some(_) => quote!(#value.context),
        None => quote!(#value),
    };
    let store = task.store.as_ref().map(|place| {
        quote_spanned!(place.span()=> <_ as ::flow_runtime::StorePlace<_>>::__store(#stored, &mut #place);)
    });
    let routed = match &task.route {
        Route::Match { match_token, arms } => {
            let scrutinee = Ident::new(
                "__flow_value",
                Span::mixed_site().located_at(match_token.span),
            );
            let routed = match task.sub_flow {
                Some(_) => quote_spanned!(match_token.span=> #scrutinee.end),
                None => quote!(#scrutinee),
            };
            let arms = arms.iter().map(|arm| {
                let pat = &arm.pat;
                let guard = arm.guard.as_ref().map(|guard| quote!(if #guard));
                quote!(#pat #guard => {})
            });
            quote_spanned!(match_token.span=> match &#routed { #(#arms)* })
        }
        Route::Edges(_) => TokenStream::new(),
    };
    let store_error = task.clauses.on_error.as_ref().and_then(|on_error| on_error.store.as_ref()).map(|place| {
        quote_spanned!(place.span()=> <_ as ::flow_runtime::StoreError>::__store_error(&mut #place, #error);)
    });
    let compensate = task.clauses.compensate.as_ref().map(|compensate| {
        let call = crate::expand::call::awaited_call(&compensate.call, None, None, None);
        quote!({ #bind let _ = #call; })
    });
    quote! {
        {
            #bind
            match #call {
                ::core::result::Result::Ok(#value) => { #routed #store }
                ::core::result::Result::Err(#error) => { #store_error }
            }
        }
        #compensate
    }
}

/// A wait's `for user(..)`, `group(..)` and `=> place` of its payload.
fn wait_check(def: &FlowDef, wait: &WaitStmt, node: &Ident) -> TokenStream {
    let bind = bind(def, false);
    let mut built = quote!(::flow_runtime::__private::wait::<#node>());
    for who in &wait.assignees {
        let expr = &who.expr;
        let method = Ident::new(if who.is_user { "assignee" } else { "group" }, expr.span());
        built = quote_spanned!(expr.span()=> #built.#method(#expr));
    }
    let store = wait.store.as_ref().map(|place| {
        let payload = &wait.payload;
        let value = Ident::new("__flow_payload", Span::mixed_site());
        let bind = bind_mut(def);
        let store = quote_spanned!(place.span()=> <_ as ::flow_runtime::__private::StorePayload<_>>::__store_payload(#value, &mut #place););
        quote!({ let #value: #payload = ::core::unreachable!(); #bind #store })
    });
    quote!({ #bind let _ = #built; } #store)
}

fn bind_mut(def: &FlowDef) -> TokenStream {
    let name = &def.context_name;
    let context = context_param();
    quote!(let mut #name = &mut *#context;)
}

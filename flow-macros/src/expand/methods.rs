//! The `Flow` methods other than `step`: `compensate`, `recover` and
//! `receive`, each a `match` on the node with an arm per task or wait that
//! needs one.

use super::call::awaited_call;
use super::dispatch::{Dispatch, dispatch};
use super::step::bind_context;
use super::{context_param, node_param, step_param, variant_ident};
use crate::model::{Model, name_key};
use crate::parse::Statement;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

/// `Flow::compensate`, or nothing when no task is compensable (the trait's
/// default then applies). Each compensation is its own `async fn`, pushed
/// to `node_fns`, and the method only dispatches, as `step` does (see
/// `dispatch`).
pub fn compensate_method(
    model: &Model,
    node_enum: &Ident,
    context_type: &syn::Type,
    node_fns: &mut TokenStream,
) -> TokenStream {
    let (node_param, context_param, step_param) = (node_param(), context_param(), step_param());
    let mut arms = Vec::new();
    for node in &model.nodes {
        let Statement::Task(task) = node.stmt else {
            continue;
        };
        let Some(compensate) = task.clauses.compensate.as_ref() else {
            continue;
        };
        let variant = variant_ident(node.name);
        let function = Ident::new(
            &format!("__flow_compensate_{}", name_key(node.name)),
            Span::mixed_site(),
        );
        let bind = bind_context(model, true);
        let call = awaited_call(&compensate.call, None, None, None);
        node_fns.extend(quote! {
            #[allow(unused_variables, clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
            async fn #function(
                #context_param: &mut #context_type,
                #step_param: &::flow_runtime::Step,
            ) -> ::core::result::Result<(), ::flow_runtime::StepError> {
                #bind
                ::core::result::Result::map(#call, |_| ())
            }
        });
        arms.push((
            quote!(#node_enum::#variant),
            quote!(#function(#context_param, #step_param)),
        ));
    }
    if arms.is_empty() {
        return TokenStream::new();
    }
    let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
    let spec = Dispatch {
        prefix: "__flow_undo",
        node_enum,
        params: quote! {
            #context_param: &#lifetime mut #context_type,
            #step_param: &#lifetime ::flow_runtime::Step,
        },
        args: quote!(#context_param, #step_param),
        output: quote!(::core::result::Result<(), ::flow_runtime::StepError>),
    };
    let ready = quote!(::core::future::ready(::core::result::Result::Ok(())));
    let (body, fns) = dispatch(&spec, arms, ready);
    node_fns.extend(fns);
    quote! {
        #[allow(clippy::needless_lifetimes)]
        fn compensate<#lifetime>(
            #node_param: #node_enum,
            #context_param: &#lifetime mut #context_type,
            #step_param: &#lifetime ::flow_runtime::Step,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<(), ::flow_runtime::StepError>>
               + ::core::marker::Send + #lifetime {
            #body
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

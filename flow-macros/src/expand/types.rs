//! The items every flow gets, valid or not: the flow type, its node and end
//! enums, and their trait impls. The fallback emits the same items with an
//! empty graph so code using a broken flow does not drown in follow-on errors.

use super::variant_ident;
use crate::model::name_key;
use crate::parse::{FlowDef, Statement, WaitStmt};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::BTreeSet;
use syn::spanned::Spanned;
use syn::{Attribute, Ident};

/// One variant of the node enum.
pub struct Variant {
    pub ident: Ident,
    /// The node's name as written.
    pub name: String,
    pub docs: Vec<Attribute>,
    pub is_end: bool,
}

/// The names of the generated types.
pub struct TypeNames {
    pub flow: Ident,
    pub node: Ident,
    pub end: Ident,
    pub signal: Ident,
    /// `<Flow>Task`: the tasks' test handles.
    pub task: Ident,
}

impl TypeNames {
    pub fn of(def: &FlowDef) -> Self {
        let flow = def.name.clone();
        Self {
            node: format_ident!("{}Node", flow),
            end: format_ident!("{}End", flow),
            signal: format_ident!("{}Signal", flow),
            task: format_ident!("{}Task", flow),
            flow,
        }
    }
}

/// Everything the flow defines. `graph` is the `GRAPH` constant's value,
/// `step` the body of `Flow::step` and the node functions it calls, and
/// `methods` the other `Flow` methods the flow overrides (`compensate`,
/// `recover`, `receive`).
pub fn items(
    def: &FlowDef,
    variants: &[Variant],
    flow_docs: TokenStream,
    graph: TokenStream,
    step: super::step::StepCode,
    methods: TokenStream,
) -> TokenStream {
    let super::step::StepCode {
        body: step_body,
        node_fns,
    } = step;
    let TypeNames {
        flow,
        node,
        end,
        signal,
        ..
    } = TypeNames::of(def);
    let signal_items = signal_items(def);
    let task_handles = super::handles::task_handles(def);
    let vis = &def.vis;
    let attrs = &def.attrs;
    let context_type = &def.context_type;
    let serde_crate = "::flow_runtime::__private::serde";

    let node_variants = variants.iter().map(|v| {
        let (ident, docs) = (&v.ident, &v.docs);
        let default_doc = format!("The node `{}`.", v.name);
        let doc = if docs.is_empty() {
            quote!(#[doc = #default_doc])
        } else {
            quote!(#(#docs)*)
        };
        quote!(#doc #ident,)
    });
    let ends: Vec<&Variant> = variants.iter().filter(|v| v.is_end).collect();
    let end_variants = ends.iter().map(|v| {
        let (ident, docs) = (&v.ident, &v.docs);
        let default_doc = format!("The end `{}`.", v.name);
        let doc = if docs.is_empty() {
            quote!(#[doc = #default_doc])
        } else {
            quote!(#(#docs)*)
        };
        quote!(#doc #ident,)
    });
    let node_idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let node_names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let indices = 0..variants.len();
    let end_idents: Vec<&Ident> = ends.iter().map(|v| &v.ident).collect();
    let end_names: Vec<&str> = ends.iter().map(|v| v.name.as_str()).collect();

    let node_doc = format!("The nodes of [`{flow}`]: where an instance can be.");
    let end_doc = format!("The `end` nodes of [`{flow}`]: how an instance can finish.");
    let run_doc = format!(
        "Runs one instance of `{flow}` in memory, from `start` to one of its ends, \
         and returns how it finished: the end reached with the final context, path and \
         journal, or the failure and what was compensated. See [`flow_runtime::run`](::flow_runtime::run)."
    );
    let start_doc = format!(
        "Starts one instance of `{flow}` on the current tokio runtime and returns a handle \
         to cancel it or wait for its outcome. See [`flow_runtime::start`](::flow_runtime::start)."
    );
    // `Context: Send` is required by `Flow`; spanning the type here puts an
    // unmet bound on the user's type in the header.
    let context_assoc = quote_spanned!(context_type_span(def)=> type Context = #context_type;);
    let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
    let (node_param, context_param, step_param, scope_param) = (
        super::node_param(),
        super::context_param(),
        super::step_param(),
        super::scope_param(),
    );

    quote! {
        #(#attrs)*
        #flow_docs
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #vis struct #flow;

        #[doc = #node_doc]
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::flow_runtime::__private::serde::Serialize,
            ::flow_runtime::__private::serde::Deserialize,
        )]
        #[serde(crate = #serde_crate)]
        #vis enum #node {
            #(#node_variants)*
        }

        #[doc = #end_doc]
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash,
            ::flow_runtime::__private::serde::Serialize,
            ::flow_runtime::__private::serde::Deserialize,
        )]
        #[serde(crate = #serde_crate)]
        #vis enum #end {
            #(#end_variants)*
        }

        #signal_items

        #task_handles

        impl #flow {
            #[doc = #run_doc]
            #vis async fn run(context: #context_type) -> ::flow_runtime::Outcome<Self> {
                ::flow_runtime::run::<Self>(context).await
            }

            #[doc = #start_doc]
            #vis fn start(context: #context_type) -> ::flow_runtime::Instance<Self> {
                ::flow_runtime::start::<Self>(context)
            }
        }

        const _: () = {
            #node_fns

            #[automatically_derived]
            impl ::flow_runtime::Flow for #flow {
                #context_assoc
                type Node = #node;
                type End = #end;
                type Signal = #signal;
                const GRAPH: &'static ::flow_runtime::Graph = &#graph;
                const START: #node = #node::Start;

                // The context is bound as a reference, so `&order` in a call is
                // a borrow of a borrow: the documented style, not a mistake.
                #[allow(unused_variables, clippy::needless_lifetimes, clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
                fn step<#lifetime>(
                    #node_param: #node,
                    #context_param: &#lifetime mut #context_type,
                    #step_param: &#lifetime ::flow_runtime::Step,
                    #scope_param: &#lifetime ::flow_runtime::Scope<Self>,
                ) -> impl ::core::future::Future<Output = ::flow_runtime::Transition<Self>>
                       + ::core::marker::Send + #lifetime {
                    #step_body
                }

                #methods
            }

            #[automatically_derived]
            impl ::flow_runtime::NodeId for #node {
                fn index(self) -> usize {
                    self as usize
                }
                fn from_index(index: usize) -> ::core::option::Option<Self> {
                    match index {
                        #(#indices => ::core::option::Option::Some(#node::#node_idents),)*
                        _ => ::core::option::Option::None,
                    }
                }
                fn name(self) -> &'static str {
                    match self {
                        #(#node::#node_idents => #node_names,)*
                    }
                }
            }

            #[automatically_derived]
            impl ::flow_runtime::EndId for #end {
                fn name(self) -> &'static str {
                    match self {
                        #(#end::#end_idents => #end_names,)*
                    }
                }
            }
        };
    }
}

fn context_type_span(def: &FlowDef) -> Span {
    syn::spanned::Spanned::span(&def.context_type)
}

/// The waits of the flow, once per variant name, in source order.
pub fn waits(def: &FlowDef) -> Vec<&WaitStmt> {
    let mut seen = BTreeSet::new();
    def.statements
        .iter()
        .filter_map(|stmt| match stmt {
            Statement::Wait(wait) => Some(&**wait),
            _ => None,
        })
        .filter(|wait| seen.insert(variant_ident(&wait.name).to_string()))
        .collect()
}

/// The signal enum (`<Flow>Signal`, one variant per `wait` carrying its
/// payload) and its `Signal` impl. No serde derive: the payload's own impls
/// are used, and a payload that lacks them is reported once, on its type,
/// by `PayloadCheck`.
fn signal_items(def: &FlowDef) -> TokenStream {
    let TypeNames { flow, signal, .. } = TypeNames::of(def);
    let vis = &def.vis;
    let waits = waits(def);
    let flow_name = def.name.to_string();
    let variants: Vec<Ident> = waits.iter().map(|wait| variant_ident(&wait.name)).collect();
    let names: Vec<String> = waits.iter().map(|wait| name_key(&wait.name)).collect();
    let payloads: Vec<&syn::Type> = waits.iter().map(|wait| &wait.payload).collect();
    let enum_doc = if waits.is_empty() {
        format!("The signals of [`{flow}`]: none, since it has no `wait`. The enum has no values.")
    } else {
        format!(
            "The signals of [`{flow}`]: one per `wait`, carrying its payload. Sending one to an \
             instance parked at that wait completes it."
        )
    };
    let variant_defs = waits.iter().zip(&variants).map(|(wait, variant)| {
        let payload = &wait.payload;
        let default_doc = format!(
            "Completes the wait `{}` with its payload.",
            name_key(&wait.name)
        );
        let doc = if wait.docs.is_empty() {
            quote!(#[doc = #default_doc])
        } else {
            let docs = &wait.docs;
            quote!(#(#docs)*)
        };
        quote!(#doc #variant(#payload),)
    });
    let value = Ident::new("__flow_payload", Span::mixed_site());
    let wait_param = Ident::new("__flow_wait", Span::mixed_site());
    let formatter = Ident::new("__flow_formatter", Span::mixed_site());
    let codec = |payload: &syn::Type| quote_spanned!(payload.span()=> (&&::flow_runtime::__private::PayloadCodec::<#payload>::new()));
    let (wait_body, to_json_body, from_json_body, debug_body) = if waits.is_empty() {
        (
            quote!(match *self {}),
            quote!(match *self {}),
            quote! {
                let _ = #value;
                ::core::result::Result::Err(::flow_runtime::SignalError::unknown_wait(#flow_name, #wait_param))
            },
            quote!(let _ = #formatter; match *self {}),
        )
    } else {
        let encode = payloads.iter().map(|payload| codec(payload));
        let decode = payloads.iter().map(|payload| codec(payload));
        let required = payloads.iter().map(|payload| {
            quote_spanned!(payload.span()=> (&&&&::flow_runtime::__private::PayloadCheck::<#payload>::new()).check();)
        });
        (
            quote! {
                match *self {
                    #(#signal::#variants(..) => #names,)*
                }
            },
            quote! {
                #[allow(unused_imports)]
                use ::flow_runtime::__private::{EncodeFallback as _, EncodePayload as _};
                match self {
                    #(#signal::#variants(#value) => #encode.encode(#names, #value),)*
                }
            },
            quote! {
                #[allow(unused_imports)]
                use ::flow_runtime::__private::{
                    CheckDeserializable as _, CheckNeither as _, CheckPayload as _, CheckSerializable as _,
                    EncodeFallback as _, EncodePayload as _,
                };
                match #wait_param {
                    #(#names => {
                        #required
                        ::core::result::Result::Ok(#signal::#variants(#decode.decode(#names, #value)?))
                    })*
                    _ => ::core::result::Result::Err(::flow_runtime::SignalError::unknown_wait(#flow_name, #wait_param)),
                }
            },
            quote! {
                match *self {
                    #(#signal::#variants(..) => #formatter.debug_tuple(::core::stringify!(#variants)).finish_non_exhaustive(),)*
                }
            },
        )
    };
    quote! {
        #[doc = #enum_doc]
        #vis enum #signal {
            #(#variant_defs)*
        }

        const _: () = {
            // `&&` picks the payload's codec: see `PayloadCodec`.
            #[automatically_derived]
            #[allow(clippy::needless_borrow)]
            impl ::flow_runtime::Signal for #signal {
                type Flow = #flow;

                fn wait(&self) -> &'static str {
                    #wait_body
                }

                fn to_json(&self) -> ::core::result::Result<::flow_runtime::__private::serde_json::Value, ::flow_runtime::SignalError> {
                    #to_json_body
                }

                fn from_json(
                    #wait_param: &str,
                    #value: ::flow_runtime::__private::serde_json::Value,
                ) -> ::core::result::Result<Self, ::flow_runtime::SignalError> {
                    #from_json_body
                }
            }

            // Prints the wait a signal completes: payloads need not be `Debug`.
            #[automatically_derived]
            impl ::core::fmt::Debug for #signal {
                fn fmt(&self, #formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #debug_body
                }
            }
        };
    }
}

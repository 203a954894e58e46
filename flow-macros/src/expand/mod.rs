//! Code generation for a flow that passed every check.

pub(crate) mod call;
mod diagram;
mod dispatch;
mod docs;
mod graph;
mod handles;
mod methods;
mod region;
pub(crate) mod step;
pub mod types;

use crate::model::{Model, NodeKind, name_key, variant_name};
use proc_macro2::{Span, TokenStream};
use syn::Ident;
use types::{TypeNames, Variant};

/// The flow's items: types, trait impls, graph and docs.
pub fn expand(model: &Model) -> TokenStream {
    let names = TypeNames::of(model.def);
    let variants: Vec<Variant> = model
        .nodes
        .iter()
        .map(|node| Variant {
            ident: variant_ident(node.name),
            name: name_key(node.name),
            docs: node.stmt.docs().to_vec(),
            is_end: node.kind == NodeKind::End,
        })
        .collect();
    let mermaid = diagram::mermaid(model);
    let flow_docs = docs::flow_docs(model, &mermaid);
    let graph = graph::graph(model);
    let mut step = step::step_code(model, &names.flow, &names.node, &names.end, &names.signal);
    let mut methods = methods::compensate_method(
        model,
        &names.node,
        &model.def.context_type,
        &mut step.node_fns,
    );
    methods.extend(methods::recover_method(
        model,
        &names.node,
        &model.def.context_type,
    ));
    methods.extend(methods::receive_method(
        model,
        &names.node,
        &names.signal,
        &model.def.context_type,
    ));
    let mut items = types::items(model.def, &variants, flow_docs, graph, step, methods);
    let flow = &names.flow;
    items.extend(quote::quote! {
        impl #flow {
            /// The Mermaid drawing in the flow's docs, for tests that check
            /// it is the one `flow_runtime::diagram::mermaid` draws.
            #[doc(hidden)]
            pub const __MERMAID: &'static str = #mermaid;
        }
    });
    items
}

/// The enum variant of a node, carrying the span of its name.
pub fn variant_ident(name: &Ident) -> Ident {
    Ident::new(&variant_name(name), name.span())
}

/// `Flow::step`'s parameters. Mixed-site hygiene keeps them out of reach of
/// user expressions.
pub(crate) fn node_param() -> Ident {
    Ident::new("__flow_node", Span::mixed_site())
}

pub(crate) fn context_param() -> Ident {
    Ident::new("__flow_context", Span::mixed_site())
}

pub(crate) fn step_param() -> Ident {
    Ident::new("__flow_step", Span::mixed_site())
}

pub(crate) fn scope_param() -> Ident {
    Ident::new("__flow_scope", Span::mixed_site())
}

//! What is emitted next to the errors when a flow is broken: the flow's
//! types with whatever nodes could be read, the signal enum with the waits
//! that parsed (rustc still checks their payload types), and an empty graph.
//! Code that uses the flow (`OrderProcess::run(..)`, `OrderProcessEnd::Done`,
//! `OrderProcessSignal::ManualApproval(..)`) then still resolves, and the
//! user sees the flow's errors, not a cascade.

use crate::expand::types::{self, Variant};
use crate::expand::variant_ident;
use crate::model::name_key;
use crate::parse::{FlowDef, Statement};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

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
    let step_body =
        quote!(async move { ::core::unreachable!("`flow!` reported errors for this flow") });
    types::items(
        def,
        &variants,
        TokenStream::new(),
        graph,
        step_body,
        TokenStream::new(),
    )
}

//! `<Flow>Task`: one typed handle per task and sub-flow call, by which
//! `flow_runtime::testing::FlowTest` names what it replaces.
//!
//! A handle's type carries what a mock of the task must produce: the value
//! type the flow writes (`task pay: Receipt = ..` gives `Task<F, Receipt>`),
//! the child flow of a sub-flow call (`SubFlowTask<F, Child>`, mocked with
//! the child's end and context), or nothing (`UntypedTask<F>`: failures
//! only). The step code plays a mock at the same type (see
//! `call::awaited_call`), and rustc checks the written type against the
//! step's, so a mock of the wrong type is a compile error in the test.

use super::types::TypeNames;
use super::variant_ident;
use crate::model::name_key;
use crate::parse::{FlowDef, Statement, TaskStmt};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use std::collections::BTreeSet;
use syn::Ident;
use syn::spanned::Spanned;

/// The `<Flow>Task` namespace and its handles, for the tasks that parsed
/// and (untyped) for those that did not, so a test of a broken flow still
/// resolves its handles. Once per node variant, as in the node enum.
pub fn task_handles(def: &FlowDef) -> TokenStream {
    let TypeNames {
        flow, node, task, ..
    } = TypeNames::of(def);
    let vis = &def.vis;
    let mut seen = BTreeSet::new();
    let mut handles = Vec::new();
    let tasks = def.statements.iter().filter_map(|stmt| match stmt {
        Statement::Task(task) => Some(&**task),
        _ => None,
    });
    for stmt in tasks {
        if seen.insert(variant_ident(&stmt.name).to_string()) {
            handles.push(handle(def, &node, stmt.name.clone(), Kind::of(stmt)));
        }
    }
    for broken in &def.broken {
        let is_task = broken.keyword == "task" || broken.keyword == "flow";
        if is_task && seen.insert(variant_ident(&broken.name).to_string()) {
            handles.push(handle(def, &node, broken.name.clone(), Kind::Untyped));
        }
    }
    let doc = format!(
        "The tasks of [`{flow}`], one handle per task and sub-flow call, by which \
         [`FlowTest`](::flow_runtime::testing::FlowTest) names the task it replaces. \
         A handle's type carries what a mock of the task produces."
    );
    quote! {
        // Used by tests only: a flow whose tests mock nothing leaves them unused.
        #[doc = #doc]
        #[derive(Debug)]
        #[allow(dead_code)]
        #vis enum #task {}

        #[allow(dead_code, non_snake_case, clippy::new_ret_no_self)]
        impl #task {
            #(#handles)*
        }
    }
}

/// What a handle's type says about its task.
enum Kind<'a> {
    /// `task pay: Receipt = ..`
    Typed(&'a syn::Type),
    /// `flow check = Child(..)`
    SubFlow(&'a syn::Path),
    /// `task pay = ..`, or a statement that did not parse.
    Untyped,
}

impl<'a> Kind<'a> {
    fn of(task: &'a TaskStmt) -> Self {
        match (&task.sub_flow, &task.value_type) {
            (Some(path), _) => Kind::SubFlow(path),
            (None, Some(value_type)) => Kind::Typed(value_type),
            (None, None) => Kind::Untyped,
        }
    }
}

/// `pub fn pay() -> Task<Shop, Receipt> { Task::__new(ShopNode::Pay) }`.
/// The function takes the task's name with its span, so an unknown handle
/// is reported as an unknown associated function of `<Flow>Task`.
fn handle(def: &FlowDef, node: &Ident, name: Ident, kind: Kind) -> TokenStream {
    let flow = &def.name;
    let vis = &def.vis;
    let variant = variant_ident(&name);
    let key = name_key(&name);
    let testing = quote!(::flow_runtime::testing);
    let (handle_type, doc) = match kind {
        Kind::Typed(value_type) => (
            // Spanned at the written type: an unknown type is reported there.
            quote_spanned!(value_type.span()=> #testing::Task<#flow, #value_type>),
            format!(
                "The task `{key}`. A test mocks it with a value of the type the flow writes \
                 for it."
            ),
        ),
        Kind::SubFlow(path) => (
            quote_spanned!(path.span()=> #testing::SubFlowTask<#flow, #path>),
            format!(
                "The sub-flow call `{key}`. A test mocks it with the end its child reaches and \
                 the child's final context."
            ),
        ),
        Kind::Untyped => (
            quote!(#testing::UntypedTask<#flow>),
            format!(
                "The task `{key}`. A test can fail it, time it out or make it panic; to mock \
                 its value, the flow writes its type: `task {key}: Type = ..`."
            ),
        ),
    };
    quote! {
        #[doc = #doc]
        #[must_use]
        #vis const fn #name() -> #handle_type {
            <#handle_type>::__new(#node::#variant)
        }
    }
}

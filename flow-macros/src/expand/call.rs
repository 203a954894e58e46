//! A task's call as generated code: awaited through the scope, where a
//! test's mock or a replayed region's memo may stand in for it.

use super::scope_param;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

/// Where a task's call may be replaced (see `flow_runtime::intercept`): the
/// task's node and the attempt's step info; for a task inside a branch, also
/// what its value is memoized with.
pub(crate) struct Intercept<'a> {
    pub(crate) node: TokenStream,
    pub(crate) step: TokenStream,
    pub(crate) branch: Option<BranchMemo<'a>>,
}

/// A task inside a branch: the flow's context type (which decides whether
/// the value must be serializable) and the task's `TaskRun`.
pub(crate) struct BranchMemo<'a> {
    pub(crate) context: &'a syn::Type,
    pub(crate) run: &'a Ident,
}

/// `step_output(CALL.await)` with the future required to be `Send`, spanned
/// at the call so type errors land on it. `f(..)` and `f(..).await` are both
/// accepted. A sub-flow call runs the flow through the scope instead. With
/// `value_type` (`task pay: Receipt = ..`) the step's value is checked to be
/// of that type, on the written type. With `intercept` (a task's node and
/// step info) the call is awaited through the scope, where a test script
/// may stand in for it: a mock is played at the type the task's handle
/// carries (see `handles`), which is the value type checked here. Inside a
/// branch a region being replayed stands in for it the same way, with the
/// value it memoized; the live value is memoized through the task's run.
pub(crate) fn awaited_call(
    call: &Expr,
    sub_flow: Option<&syn::Path>,
    value_type: Option<&syn::Type>,
    intercept: Option<Intercept<'_>>,
) -> TokenStream {
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
    let scope = scope_param();
    let future = match sub_flow {
        Some(path) => {
            let context = call;
            quote_spanned!(path.span()=> #scope.sub_flow::<#path>(#context))
        }
        None => quote!(#future),
    };
    let mut awaited =
        quote_spanned!(span=> <_ as ::flow_runtime::StepOutput>::__step_result(#bound.await));
    if let Some(value_type) = value_type {
        // Spanned at the written type: a step whose value is another type is
        // reported there, naming both.
        let value = Ident::new("__flow_ok", span);
        let error = Ident::new("__flow_error", span);
        let checked = quote_spanned!(value_type.span()=>
            <_ as ::flow_runtime::TaskValue<#value_type>>::__task_value(#value)
        );
        awaited = quote_spanned! {span=>
            match #awaited {
                ::core::result::Result::Ok(#value) => ::core::result::Result::Ok(#checked),
                ::core::result::Result::Err(#error) => ::core::result::Result::Err(#error),
            }
        };
    }
    // The script is asked first; the call's own errors (not a future, not a
    // `Result`) still come from the plain `.await` above, once. An untyped
    // task's script holds failures only, never a value.
    let awaited = match intercept {
        Some(Intercept {
            node,
            step,
            branch: None,
        }) => {
            let scripted = Ident::new("__flow_scripted", span);
            let play = match (sub_flow, value_type) {
                (Some(_), _) => quote_spanned!(span=> #scripted.play_sub_flow().await),
                (None, Some(value_type)) => {
                    quote_spanned!(span=> #scripted.play::<#value_type>().await)
                }
                (None, None) => quote_spanned!(span=> #scripted.play().await),
            };
            quote_spanned! {span=>
                match #scope.intercept(#node, #step) {
                    ::core::option::Option::Some(#scripted) => #play,
                    ::core::option::Option::None => #awaited,
                }
            }
        }
        Some(Intercept {
            node,
            step,
            branch: Some(BranchMemo { context, run }),
        }) => {
            let scripted = Ident::new("__flow_scripted", span);
            let codec = Ident::new("__flow_codec", span);
            // `&&&` picks the value's codec, and requires a serializable
            // value of a flow whose context is serializable: see
            // `flow_runtime::intercept::MemoCodec`. Spanned at the written
            // type, or else at the call, so that error lands there.
            let (made, play) = match (sub_flow, value_type) {
                (Some(path), _) => (
                    quote_spanned!(path.span()=> (&&&::flow_runtime::__private::SubFlowCodec::<#context, #path>::new()).memo()),
                    quote_spanned!(span=> #scripted.play_sub_flow_with(&#codec).await),
                ),
                (None, Some(value_type)) => (
                    quote_spanned!(value_type.span()=> (&&&::flow_runtime::__private::MemoCodec::<#context, #value_type>::new()).memo()),
                    quote_spanned!(span=> #scripted.play_with(&#codec).await),
                ),
                (None, None) => (
                    quote_spanned!(span=> (&&&::flow_runtime::__private::memo_codec::<#context, _>(&#bound)).memo()),
                    quote_spanned!(span=> #scripted.play_with(&#codec).await),
                ),
            };
            quote_spanned! {span=>
                #[allow(unused_imports)]
                use ::flow_runtime::__private::{DurableMemo as _, InMemoryMemo as _, UnserializableMemo as _};
                #[allow(clippy::needless_borrow)]
                let #codec = #made;
                match #scope.intercept(#node, #step) {
                    ::core::option::Option::Some(#scripted) => #play,
                    ::core::option::Option::None => #run.memoize(&#codec, #awaited),
                }
            }
        }
        None => awaited,
    };
    quote_spanned! {span=> {
        let #bound = #future;
        ::flow_runtime::__private::require_send(&#bound);
        #awaited
    }}
}

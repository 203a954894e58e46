//! The `flow!` macro. Use it through `flow_runtime`, which re-exports it and
//! documents the DSL.
//!
//! The pipeline is `parse` (syntax) → `model` (names resolved to indices) →
//! `check` (whole-graph rules) → `expand` (tokens), with `fallback` emitting
//! the flow's items next to the errors when a stage failed. Everything but
//! this entry point works on `proc_macro2`, so it is unit-tested directly.

#![forbid(unsafe_code)]

mod check;
mod errors;
mod expand;
mod fallback;
mod model;
mod parse;
mod regions;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Defines a workflow. See the `flow_runtime` documentation and README.
#[proc_macro]
pub fn flow(input: TokenStream) -> TokenStream {
    pipeline(input.into()).into()
}

/// Parse, model, check and expand; on any error, the errors in source order
/// followed by the fallback items.
fn pipeline(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::new();
    let Some(def) = parse::parse_flow(input, &mut errors) else {
        return to_compile_errors(errors);
    };
    let model = model::Model::build(&def);
    check::check(&model, &mut errors);
    if errors.is_empty() {
        expand::expand(&model)
    } else {
        let mut output = to_compile_errors(errors);
        output.extend(fallback::skeleton(&def));
        output
    }
}

fn to_compile_errors(errors: errors::Errors) -> proc_macro2::TokenStream {
    errors
        .into_sorted()
        .iter()
        .map(syn::Error::to_compile_error)
        .collect()
}

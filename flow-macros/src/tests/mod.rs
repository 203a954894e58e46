//! Tests of the whole pipeline, through [`crate::pipeline`]:
//!
//! - `malformed`: a corpus of broken inputs, each reported on a real token
//!   without a panic;
//! - `fuzz`: random token soups and mutated flows never panic;
//! - `expansion`: snapshots of the generated code (read them in
//!   `src/tests/snapshots/`);
//! - `handles`: the tasks' test handles, typed by what a mock produces;
//! - `determinism`: same input, same tokens, and a shape hash that moves
//!   only with the shape.
//!
//! The graph rules themselves are unit-tested in `check::tests`.

mod determinism;
mod expansion;
mod fuzz;
mod handles;
mod malformed;
mod size;

use proc_macro2::{Span, TokenStream, TokenTree};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Lexes `source` as rustc would hand it to the macro. Unlike `quote!`,
/// which gives every token `Span::call_site()`, this gives each token its
/// line and column, so tests can tell a real span from the call site.
fn lex(source: &str) -> TokenStream {
    source
        .parse()
        .unwrap_or_else(|error| panic!("test input does not lex: {error:?}\n{source}"))
}

/// Runs the pipeline, turning a panic into an `Err` with its message.
fn run_pipeline(input: TokenStream) -> Result<TokenStream, String> {
    catch_unwind(AssertUnwindSafe(|| crate::pipeline(input))).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// One `::core::compile_error! { "message" }` found in the output.
struct CompileError {
    message: String,
    /// The span of `compile_error`, which is where rustc puts the error.
    span: Span,
}

impl CompileError {
    /// Is this error on `Span::call_site()`? Real spans carry their source
    /// text; the call site (the fallback when no token exists) does not.
    fn is_on_call_site(&self) -> bool {
        self.span.source_text().is_none()
    }

    /// `line:column `source text`: message`, for failure messages.
    fn describe(&self) -> String {
        let start = self.span.start();
        let text = self
            .span
            .source_text()
            .unwrap_or_else(|| "<call site>".to_owned());
        format!(
            "{}:{} `{}`: {}",
            start.line, start.column, text, self.message
        )
    }
}

/// Every `compile_error!` in `output`, in order, at any depth.
fn compile_errors(output: &TokenStream) -> Vec<CompileError> {
    let mut found = Vec::new();
    collect_compile_errors(output.clone(), &mut found);
    found
}

fn collect_compile_errors(tokens: TokenStream, found: &mut Vec<CompileError>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident)
                if ident == "compile_error"
                    && let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(body))) =
                        (trees.get(index + 1), trees.get(index + 2))
                    && bang.as_char() == '!' =>
            {
                let message = syn::parse2::<syn::LitStr>(body.stream())
                    .map(|literal| literal.value())
                    .unwrap_or_else(|_| body.stream().to_string());
                found.push(CompileError {
                    message,
                    span: ident.span(),
                });
            }
            TokenTree::Group(group) => collect_compile_errors(group.stream(), found),
            _ => {}
        }
    }
}

/// The output as a Rust file; panics with the output if it is not one.
fn parse_file(output: &TokenStream) -> syn::File {
    syn::parse2(output.clone())
        .unwrap_or_else(|error| panic!("the output is not valid Rust: {error}\n{output}"))
}

//! The one place every diagnostic goes through.
//!
//! Each stage pushes into an [`Errors`] collector instead of returning early,
//! so a flow with three mistakes reports all three in one compile. The
//! collector hands them back sorted by their position in the source, the way
//! rustc would print them.

use proc_macro2::Span;
use std::fmt::Display;

/// Collects spanned compile errors from every stage.
#[derive(Default)]
#[must_use = "errors that are collected must be reported with `Errors::finish`"]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error whose message is `message`, underlining `span`.
    pub fn push(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error produced by `syn` (its span is kept).
    pub fn push_syn(&mut self, error: syn::Error) {
        // A `syn::Error` may already hold several messages; keep each one so
        // they can be sorted together with the others.
        self.errors.extend(error);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every collected error, in source order (stable for equal positions).
    pub fn into_sorted(mut self) -> Vec<syn::Error> {
        self.errors.sort_by_key(|error| {
            let start = error.span().start();
            (start.line, start.column)
        });
        self.errors
    }

    /// `Ok(())` when nothing was collected, otherwise all errors combined in
    /// source order.
    pub fn finish(self) -> Result<(), syn::Error> {
        let mut sorted = self.into_sorted().into_iter();
        match sorted.next() {
            None => Ok(()),
            Some(mut first) => {
                first.extend(sorted);
                Err(first)
            }
        }
    }
}

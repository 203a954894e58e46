//! How `Flow::step` and `Flow::compensate` reach the function of a node
//! without a coroutine of their own.
//!
//! Each node function returns a future of its own type. They are the leaves
//! of a balanced tree of `Either`s (the nodes whose result is ready at once
//! share one more leaf, a `Ready`), so the dispatch has one type. Each inner
//! node of the tree is a small function choosing its left or right half by
//! the leaf's number: a `match` building every path at once would hold, in
//! an unoptimized build, every arm's temporaries in one stack frame.
//!
//! One coroutine awaiting each node's future would be as large as the flow,
//! and rustc's work on it (type and borrow checking, layout) grew faster than
//! its size; a tree costs one small function per node, and log2(n) calls
//! per dispatch.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

/// What the dispatch functions take and return.
pub(super) struct Dispatch<'a> {
    /// Prefix of the inner functions' names: `__flow_dispatch`.
    pub(super) prefix: &'a str,
    /// The node enum.
    pub(super) node_enum: &'a Ident,
    /// The parameters after the node, with lifetime `'__flow`:
    /// `__flow_context: &'__flow mut Order, ..`.
    pub(super) params: TokenStream,
    /// The same parameters as arguments: `__flow_context, ..`.
    pub(super) args: TokenStream,
    /// The futures' output: `::flow_runtime::Transition<Flow>`.
    pub(super) output: TokenStream,
}

/// The dispatch's body (in a function taking the node and `params`) and the
/// inner functions it calls. `arms` are the nodes with a function of their
/// own: a pattern and the call that makes its future; `ready` is the future
/// of every other node.
pub(super) fn dispatch(
    spec: &Dispatch,
    arms: Vec<(TokenStream, TokenStream)>,
    ready: TokenStream,
) -> (TokenStream, TokenStream) {
    let node = super::node_param();
    let leaf = Ident::new("__flow_leaf", Span::mixed_site());
    let mut leaves = Vec::with_capacity(arms.len() + 1);
    let mut numbers = TokenStream::new();
    for (number, (pattern, future)) in arms.into_iter().enumerate() {
        numbers.extend(quote!(#pattern => #number,));
        leaves.push(future);
    }
    let ready_number = leaves.len();
    leaves.push(ready);
    let mut fns = TokenStream::new();
    let root = Tree {
        spec,
        leaves: &leaves,
        leaf: &leaf,
        node: &node,
    }
    .subtree(0, leaves.len(), &mut fns);
    let body = quote! {
        let #leaf: usize = match #node {
            #numbers
            #[allow(unreachable_patterns)]
            _ => #ready_number,
        };
        #root
    };
    (body, fns)
}

struct Tree<'a> {
    spec: &'a Dispatch<'a>,
    leaves: &'a [TokenStream],
    leaf: &'a Ident,
    node: &'a Ident,
}

impl Tree<'_> {
    /// The future of leaves `low..high`: the leaf itself, or a call of the
    /// inner function (pushed to `fns`) that picks its half.
    fn subtree(&self, low: usize, high: usize, fns: &mut TokenStream) -> TokenStream {
        if high - low == 1 {
            return self.leaves[low].clone();
        }
        let Dispatch {
            prefix,
            node_enum,
            params,
            args,
            output,
        } = self.spec;
        let (leaf, node) = (self.leaf, self.node);
        let middle = low + (high - low) / 2;
        let left = self.subtree(low, middle, fns);
        let right = self.subtree(middle, high, fns);
        let function = Ident::new(&format!("{prefix}_{low}_{high}"), Span::mixed_site());
        let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
        let either = quote!(::flow_runtime::__private::Either);
        fns.extend(quote! {
            #[allow(unused_variables, clippy::needless_lifetimes)]
            fn #function<#lifetime>(
                #leaf: usize,
                #node: #node_enum,
                #params
            ) -> impl ::core::future::Future<Output = #output> + #lifetime {
                if #leaf < #middle {
                    #either::Left(#left)
                } else {
                    #either::Right(#right)
                }
            }
        });
        quote!(#function(#leaf, #node, #args))
    }
}

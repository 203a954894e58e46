//! The code of a parallel region: its branches, each its own `async`
//! block, and the nodes they run, waits and timers included.

use super::step::{Code, bind_step, first_target, wake};
use super::{scope_param, variant_ident};
use crate::model::EdgeKind;
use crate::parse::{Condition, Statement, TaskStmt, WaitStmt};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

impl Code<'_, '_> {
    /// Runs the region `split` opens: evaluates to `Result<(), StepError>`
    /// once every started branch reached the join, or one failed. Each
    /// branch is its own `async` block, so it borrows from the context only
    /// the places it names, and rustc rejects two branches writing one.
    pub(super) fn region(&self, split: usize) -> TokenStream {
        let region = &self.regions.by_split[&split];
        let model = self.model;
        // The glue that holds the branches' futures is spanned at the
        // split's name, hygiene included (a join of spans across hygiene
        // contexts falls back to the whole invocation): a borrow conflict
        // only rustc sees ("first borrow later used here") then points at
        // the split, not at the whole `flow!`.
        let span = Span::mixed_site().located_at(model.nodes[split].name.span());
        let branches = Ident::new("__flow_branches", span);
        let scope = Ident::new(&scope_param().to_string(), span);
        let count = region.branches.len();
        // An `or` starts the branches whose conditions hold, or its `else`;
        // every condition is evaluated before any branch borrows the context.
        let (prelude, active): (TokenStream, Vec<Option<Ident>>) = match model.nodes[split].stmt {
            Statement::Or(_) => {
                let flags: Vec<Ident> = (0..count)
                    .map(|i| Ident::new(&format!("__flow_active_{i}"), Span::mixed_site()))
                    .collect();
                (
                    self.or_flags(split, &flags),
                    flags.into_iter().map(Some).collect(),
                )
            }
            _ => (TokenStream::new(), vec![None; count]),
        };
        let split_variant = self.variant(split);
        let pushes = region.branches.iter().enumerate().zip(active).map(|((i, branch), active)| {
            let head = self.variant(branch.head);
            let future = self.branch_future(split, i);
            let push = quote_spanned!(span=> #branches.push((#i, #head, ::flow_runtime::__private::branch(#future))););
            match active {
                Some(flag) => quote!(if #flag { #push }),
                None => push,
            }
        });
        quote_spanned! {span=> {
            #prelude
            let mut #branches: ::std::vec::Vec<(usize, _, ::flow_runtime::__private::BranchFuture<'_>)> =
                ::std::vec::Vec::with_capacity(#count);
            #(#pushes)*
            #scope.join(#split_variant, #branches).await
        }}
    }

    /// `let __flow_active_i: bool = condition;` for each branch of an `or`,
    /// and the `else` flag: set when no condition holds.
    fn or_flags(&self, split: usize, flags: &[Ident]) -> TokenStream {
        let Statement::Or(gateway) = self.model.nodes[split].stmt else {
            return TokenStream::new();
        };
        let mut conditions = TokenStream::new();
        let mut otherwise = TokenStream::new();
        for (flag, branch) in flags.iter().zip(&gateway.branches) {
            match &branch.condition {
                Condition::When(condition) => {
                    conditions.extend(quote!(let #flag: bool = #condition;));
                }
                Condition::Else(_) => {
                    let others = flags.iter().filter(|other| *other != flag);
                    otherwise = quote!(let #flag: bool = !(false #(|| #others)*););
                }
            }
        }
        quote!(#conditions #otherwise)
    }

    /// One branch of `split`: an `async` block that runs the branch's nodes
    /// one after another until it reaches the join.
    fn branch_future(&self, split: usize, index: usize) -> TokenStream {
        let region = &self.regions.by_split[&split];
        let branch = &region.branches[index];
        let at = Ident::new("__flow_at", Span::mixed_site());
        let head = self.variant(branch.head);
        let join = self.variant(region.join);
        let arms = branch.nodes.iter().map(|&node| {
            let variant = self.variant(node);
            let body = self.branch_node(node);
            quote!(#variant => { #body })
        });
        // Spanned at the branch's name in the split, so a borrow conflict
        // between branches points there ("second closure is constructed here").
        let edge = self
            .model
            .out_edges(split)
            .nth(index)
            .expect("one edge per branch");
        quote_spanned! {edge.target.span()=>
            async {
                let mut #at = #head;
                #[allow(unreachable_code, unreachable_patterns, clippy::never_loop)]
                loop {
                    #at = match #at {
                        #(#arms)*
                        #join => return ::core::result::Result::Ok(()),
                        _ => ::core::unreachable!("a node outside the branch"),
                    };
                }
            }
        }
    }

    /// One node inside a branch, evaluating to the node the branch goes on at.
    fn branch_node(&self, node: usize) -> TokenStream {
        let model = self.model;
        let scope = scope_param();
        let variant = self.variant(node);
        match model.nodes[node].stmt {
            Statement::Task(task) => self.branch_task(node, task),
            Statement::Xor(xor) => {
                let node_enum = self.node_enum;
                let choice = self.xor_choice(node, xor, |target| quote!(#node_enum::#target));
                quote!(#scope.enter_in_branch(#variant); #choice)
            }
            Statement::And(_) | Statement::Or(_) => {
                let region = self.region(node);
                let join = self.variant(self.regions.by_split[&node].join);
                quote!(#scope.enter_in_branch(#variant); #region?; #join)
            }
            Statement::Join(_) => {
                let next = first_target(model, node).map(|t| self.variant(t));
                quote!(#scope.enter_in_branch(#variant); #next)
            }
            Statement::Wait(wait) => self.branch_wait(node, wait),
            Statement::Timer(timer) => {
                let next = model.next_of(node).map(|t| self.variant(t));
                let wake = wake(&timer.wake);
                quote!(#scope.timer_in_branch(#variant, #wake).await; #next)
            }
            // Not in a branch of a sound region.
            Statement::Start(_) | Statement::End(_) => TokenStream::new(),
        }
    }

    /// A wait inside a branch: it waits in place for its signal (or its
    /// timeout) while the other branches run; the payload is stored by the
    /// branch, which owns the borrow of its place.
    fn branch_wait(&self, node: usize, wait: &WaitStmt) -> TokenStream {
        let scope = scope_param();
        let variant = self.variant(node);
        let signal_enum = self.signal_enum;
        let signal_variant = variant_ident(self.model.nodes[node].name);
        let next = self.model.next_of(node).map(|t| self.variant(t));
        let built = self.wait(node, wait);
        let payload = Ident::new("__flow_payload", Span::mixed_site());
        let route = Ident::new("__flow_route", Span::mixed_site());
        let error = Ident::new("__flow_error", Span::mixed_site());
        let store = wait.store.as_ref().map(|place| {
            // Spanned at the place, as for a wait outside a branch.
            quote_spanned!(place.span()=> <_ as ::flow_runtime::__private::StorePayload<_>>::__store_payload(#payload, &mut #place);)
        });
        let bound = match store {
            Some(_) => quote!(#payload),
            None => quote!(_),
        };
        quote! {
            match #scope.wait_in_branch(#variant, #built).await {
                ::flow_runtime::__private::Waited::Signal(#signal_enum::#signal_variant(#bound)) => {
                    #store
                    #next
                }
                ::flow_runtime::__private::Waited::Signal(_) => {
                    ::core::unreachable!("a signal for another wait")
                }
                ::flow_runtime::__private::Waited::TimedOut(#route) => #route,
                ::flow_runtime::__private::Waited::Failed(#error) => {
                    return ::core::result::Result::Err(#error);
                }
            }
        }
    }

    /// A task inside a branch: its attempts, retries, timeout and error route
    /// run here, recorded through the scope, since the branch owns the
    /// borrow of the context its call needs.
    fn branch_task(&self, node: usize, task: &TaskStmt) -> TokenStream {
        let model = self.model;
        let scope = scope_param();
        let variant = self.variant(node);
        let run = Ident::new("__flow_task", Span::mixed_site());
        let info = Ident::new("__flow_step_info", Span::mixed_site());
        let result = Ident::new("__flow_result", Span::mixed_site());
        let next = Ident::new("__flow_next", Span::mixed_site());
        let error = Ident::new("__flow_error", Span::mixed_site());
        let bind_step = bind_step(model, &quote!(&#info));
        let attempt = self.task_attempt(node, task, quote!(&#info), Some(&run));
        let handler = model
            .out_edges(node)
            .find(|edge| matches!(edge.kind, EdgeKind::OnError))
            .and_then(|edge| edge.to);
        let failed = match (task.clauses.on_error.as_ref(), handler) {
            (Some(on_error), Some(handler)) => {
                let handler = self.variant(handler);
                let store = on_error.store.as_ref().map(|place| {
                    quote_spanned!(place.span()=> <_ as ::flow_runtime::StoreError>::__store_error(&mut #place, #error);)
                });
                quote! {
                    #run.recovered(#handler, &#error);
                    #store
                    break #handler;
                }
            }
            _ => quote!(return ::core::result::Result::Err(#run.fail(#error));),
        };
        quote! {
            let mut #run = #scope.task(#variant);
            loop {
                let #info = #run.attempt().await;
                let #result = #run.guarded(async { #bind_step #attempt }).await;
                match #run.settle(#result) {
                    ::flow_runtime::__private::Settled::Next(#next) => break #next,
                    ::flow_runtime::__private::Settled::Retry => {}
                    ::flow_runtime::__private::Settled::Failed(#error) => { #failed }
                }
            }
        }
    }
}

//! The body of `Flow::step`: one `match` arm per node.
//!
//! User expressions are pasted where they stand, and the glue around them
//! takes their spans, so rustc reports a wrong argument, a non-`bool`
//! condition or a mistyped `=> place` on the user's own tokens.

use super::{context_param, node_param, scope_param, step_param, variant_ident};
use crate::model::{EdgeKind, Model, name_key};
use crate::parse::{Condition, GatewayStmt, Route, Statement, TaskStmt, TimerWake, WaitStmt};
use crate::regions::Regions;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

pub fn step_body(model: &Model, node_enum: &Ident, end_enum: &Ident) -> TokenStream {
    let node_param = node_param();
    let regions = crate::regions::analyse(model);
    let in_branch = regions.branch_nodes();
    let code = Code {
        model,
        regions: &regions,
        node_enum,
    };
    let arms = model.nodes.iter().enumerate().map(|(index, node)| {
        let variant = variant_ident(node.name);
        let next = |target: usize| {
            let target = variant_ident(model.nodes[target].name);
            quote!(::flow_runtime::Transition::Next(#node_enum::#target))
        };
        let body = if in_branch.contains(&index) {
            // Run by its branch, inside the split's step; never on its own.
            let name = name_key(node.name);
            quote!(::flow_runtime::Transition::Fail(::flow_runtime::__private::runs_in_branch(#name)))
        } else {
            match node.stmt {
                Statement::End(_) => quote!(::flow_runtime::Transition::End(#end_enum::#variant)),
                Statement::Start(_) | Statement::Join(_) => {
                    first_target(model, index).map(next).unwrap_or_default()
                }
                Statement::Task(task) => {
                    let bind = bind_context(model, true);
                    let step = step_param();
                    let attempt = code.task_attempt(index, task, quote!(#step));
                    quote!(#bind #attempt)
                }
                Statement::Wait(wait) => {
                    let bind = bind_context(model, false);
                    let wait = code.wait(index, wait);
                    quote!(#bind ::flow_runtime::Transition::Wait(#wait))
                }
                Statement::Timer(timer) => {
                    let next = model.next_of(index).map(|t| code.variant(t));
                    let until = match &timer.wake {
                        TimerWake::After(delay) => {
                            let millis = delay.millis;
                            quote!(::flow_runtime::Wake::After(::flow_runtime::__private::millis(#millis)))
                        }
                        TimerWake::At(deadline) => {
                            let bind = bind_context(model, false);
                            // Spanned at the deadline, so a value that is no
                            // `SystemTime` is underlined where it is written.
                            let until = quote_spanned!(deadline.span()=> ::flow_runtime::__private::deadline(#deadline));
                            quote!({ #bind #until })
                        }
                    };
                    quote!(::flow_runtime::Transition::Sleep { until: #until, next: #next })
                }
                Statement::Xor(xor) => {
                    let bind = bind_context(model, false);
                    let choice = code.xor_choice(index, xor, |target| {
                        quote!(::flow_runtime::Transition::Next(#node_enum::#target))
                    });
                    quote!(#bind #choice)
                }
                Statement::And(_) | Statement::Or(_) => {
                    let bind = bind_context(model, true);
                    let region = code.region(index);
                    let join = next(regions.by_split[&index].join);
                    let error = Ident::new("__flow_error", Span::mixed_site());
                    quote! {
                        #bind
                        match #region {
                            ::core::result::Result::Ok(()) => #join,
                            ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
                        }
                    }
                }
            }
        };
        quote!(#node_enum::#variant => { #body })
    });
    quote! {
        async move {
            match #node_param {
                #(#arms)*
            }
        }
    }
}

/// The node the first edge out of `node` leads to.
fn first_target(model: &Model, node: usize) -> Option<usize> {
    model.successors(node).next()
}

/// `let order = &mut *context;` with the user's name for the context, and
/// `let step: &Step = ..;` if the flow names the step info.
fn bind_context(model: &Model, mutable: bool) -> TokenStream {
    let name = &model.def.context_name;
    let context = context_param();
    let step = bind_step(model, &step_param());
    if mutable {
        quote!(#[allow(unused_variables, unused_mut)] let mut #name = &mut *#context; #step)
    } else {
        quote!(#[allow(unused_variables)] let #name = &*#context; #step)
    }
}

/// `let step: &Step = #value;` if the flow names the step info.
fn bind_step(model: &Model, value: &dyn quote::ToTokens) -> TokenStream {
    let Some((step_name, step_type)) = model.def.step_param.as_ref() else {
        return TokenStream::new();
    };
    quote!(#[allow(unused_variables)] let #step_name: #step_type = #value;)
}

/// Generates the code of nodes, given the flow's regions.
struct Code<'m, 'a> {
    model: &'m Model<'a>,
    regions: &'m Regions,
    node_enum: &'m Ident,
}

impl Code<'_, '_> {
    fn variant(&self, node: usize) -> TokenStream {
        let node_enum = self.node_enum;
        let variant = variant_ident(self.model.nodes[node].name);
        quote!(#node_enum::#variant)
    }

    /// One attempt of a task: calls the step (or runs the sub-flow), stores
    /// the value, routes, and evaluates to the `Transition`. The context is
    /// already bound under the user's name.
    fn task_attempt(&self, index: usize, task: &TaskStmt, step: TokenStream) -> TokenStream {
        let model = self.model;
        let node_enum = self.node_enum;
        let intercept = (self.variant(index), step);
        let call = awaited_call(
            &task.call,
            task.sub_flow.as_ref(),
            task.value_type.as_ref(),
            Some(intercept),
        );
        let value = Ident::new("__flow_value", Span::mixed_site());
        let error = Ident::new("__flow_error", Span::mixed_site());
        // A sub-flow's run is stored as its final context and routed by its end.
        let stored = match task.sub_flow {
            Some(_) => quote!(#value.context),
            None => quote!(#value),
        };
        let store = task.store.as_ref().map(|place| {
            // Spanned at the place, so a type mismatch underlines what the
            // user wrote. A trait function, not `__private::store`, so no note
            // points at a bound inside flow-runtime.
            quote_spanned!(place.span()=> <_ as ::flow_runtime::StorePlace<_>>::__store(#stored, &mut #place);)
        });
        let route = match &task.route {
            Route::Edges(_) => {
                let target = first_target(model, index).map(|t| self.variant(t));
                quote!(::flow_runtime::Transition::Next(#target))
            }
            Route::Match { match_token, arms } => {
                let scrutinee = Ident::new(
                    "__flow_value",
                    Span::mixed_site().located_at(match_token.span),
                );
                let routed = match task.sub_flow {
                    Some(_) => quote_spanned!(match_token.span=> #scrutinee.end),
                    None => quote!(#scrutinee),
                };
                let arms = arms.iter().zip(model.out_edges(index)).map(|(arm, edge)| {
                    let pat = &arm.pat;
                    let guard = arm.guard.as_ref().map(|guard| quote!(if #guard));
                    let target = edge.to.map(|t| variant_ident(model.nodes[t].name));
                    quote!(#pat #guard => #node_enum::#target,)
                });
                let next = Ident::new("__flow_next", Span::mixed_site());
                let matched = quote_spanned!(match_token.span=> match &#routed { #(#arms)* });
                return quote! {
                    match #call {
                        ::core::result::Result::Ok(#value) => {
                            let #next = #matched;
                            #store
                            ::flow_runtime::Transition::Next(#next)
                        }
                        ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
                    }
                };
            }
        };
        quote! {
            match #call {
                ::core::result::Result::Ok(#value) => {
                    #store
                    #route
                }
                ::core::result::Result::Err(#error) => ::flow_runtime::Transition::Fail(#error),
            }
        }
    }

    /// What a wait waits for: `__private::wait()` with who may complete it
    /// and its timeout route. The context is already bound.
    fn wait(&self, index: usize, wait: &WaitStmt) -> TokenStream {
        let mut built = quote!(::flow_runtime::__private::wait());
        for who in &wait.assignees {
            let expr = &who.expr;
            // Spanned at the user's expression: a value that is no
            // `impl Into<String>` is underlined there.
            let method = Ident::new(if who.is_user { "assignee" } else { "group" }, expr.span());
            built = quote_spanned!(expr.span()=> #built.#method(#expr));
        }
        let route = self
            .model
            .out_edges(index)
            .find(|edge| matches!(edge.kind, EdgeKind::Timeout))
            .and_then(|edge| edge.to);
        if let (Some(timeout), Some(route)) = (&wait.timeout, route) {
            let millis = timeout.after.millis;
            let route = self.variant(route);
            built = quote!(#built.timeout(::flow_runtime::__private::millis(#millis), #route));
        }
        built
    }

    /// An `xor`'s conditions in order, evaluating to `goto(target)`.
    fn xor_choice(
        &self,
        index: usize,
        xor: &GatewayStmt,
        goto: impl Fn(&Ident) -> TokenStream,
    ) -> TokenStream {
        let mut conditions = TokenStream::new();
        let mut otherwise = TokenStream::new();
        for (branch, edge) in xor.branches.iter().zip(self.model.out_edges(index)) {
            let target = edge.to.map(|t| variant_ident(self.model.nodes[t].name));
            let next = target.as_ref().map(&goto).unwrap_or_default();
            match &branch.condition {
                Condition::When(condition) => {
                    conditions.extend(quote!(if #condition { #next } else));
                }
                Condition::Else(_) => otherwise = next,
            }
        }
        quote!(#conditions { #otherwise })
    }

    /// Runs the region `split` opens: evaluates to `Result<(), StepError>`
    /// once every started branch reached the join, or one failed. Each
    /// branch is its own `async` block, so it borrows from the context only
    /// the places it names, and rustc rejects two branches writing one.
    fn region(&self, split: usize) -> TokenStream {
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
            // Not in a branch of a sound region.
            Statement::Start(_) | Statement::End(_) => TokenStream::new(),
            // Rejected inside branches by `check::waits::not_in_a_branch`.
            Statement::Wait(_) | Statement::Timer(_) => {
                quote!(::core::unreachable!("a `wait` or `timer` inside a branch"))
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
        let attempt = self.task_attempt(node, task, quote!(&#info));
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
                    #scope.recovered(#variant, #handler, &#error);
                    #store
                    break #handler;
                }
            }
            _ => quote!(return ::core::result::Result::Err(#run.fail(#error));),
        };
        quote! {
            let mut #run = #scope.task(#variant);
            loop {
                let #info = #run.attempt();
                let #result = #run.guarded(async { #bind_step #attempt }).await;
                match #run.settle(#result).await {
                    ::flow_runtime::__private::Settled::Next(#next) => break #next,
                    ::flow_runtime::__private::Settled::Retry => {}
                    ::flow_runtime::__private::Settled::Failed(#error) => { #failed }
                }
            }
        }
    }
}

/// The body of `Flow::compensate`, or nothing when no task is compensable
/// (the trait's default then applies).
pub fn compensate_method(
    model: &Model,
    node_enum: &Ident,
    context_type: &syn::Type,
) -> TokenStream {
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .filter_map(|node| {
            let Statement::Task(task) = node.stmt else {
                return None;
            };
            let compensate = task.clauses.compensate.as_ref()?;
            let variant = variant_ident(node.name);
            let bind = bind_context(model, true);
            let call = awaited_call(&compensate.call, None, None, None);
            Some(quote! {
                #node_enum::#variant => {
                    #bind
                    ::core::result::Result::map(#call, |_| ())
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let (node_param, context_param, step_param) = (node_param(), context_param(), step_param());
    let lifetime = syn::Lifetime::new("'__flow", Span::mixed_site());
    quote! {
        #[allow(unused_variables, clippy::needless_lifetimes, clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
        fn compensate<#lifetime>(
            #node_param: #node_enum,
            #context_param: &#lifetime mut #context_type,
            #step_param: &#lifetime ::flow_runtime::Step,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<(), ::flow_runtime::StepError>>
               + ::core::marker::Send + #lifetime {
            async move {
                match #node_param {
                    #(#arms)*
                    _ => ::core::result::Result::Ok(()),
                }
            }
        }
    }
}

/// `Flow::recover`, or nothing when no task has an `on error` route.
pub fn recover_method(model: &Model, node_enum: &Ident, context_type: &syn::Type) -> TokenStream {
    let error = Ident::new("__flow_error", Span::mixed_site());
    let context_param = context_param();
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let Statement::Task(task) = node.stmt else {
                return None;
            };
            let on_error = task.clauses.on_error.as_ref()?;
            let variant = variant_ident(node.name);
            let handler = model
                .out_edges(index)
                .find(|edge| matches!(edge.kind, crate::model::EdgeKind::OnError))
                .and_then(|edge| edge.to)
                .map(|to| variant_ident(model.nodes[to].name))?;
            let store = on_error.store.as_ref().map(|place| {
                let name = &model.def.context_name;
                let store =
                    quote_spanned!(place.span()=> <_ as ::flow_runtime::StoreError>::__store_error(&mut #place, #error););
                quote! {
                    #[allow(unused_mut)]
                    let mut #name = &mut *#context_param;
                    #store
                }
            });
            Some(quote! {
                #node_enum::#variant => {
                    #store
                    ::core::result::Result::Ok(#node_enum::#handler)
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let node_param = node_param();
    quote! {
        #[allow(unused_variables)]
        fn recover(
            #node_param: #node_enum,
            #context_param: &mut #context_type,
            #error: ::flow_runtime::StepError,
        ) -> ::core::result::Result<#node_enum, ::flow_runtime::StepError> {
            match #node_param {
                #(#arms)*
                _ => ::core::result::Result::Err(#error),
            }
        }
    }
}

/// `step_output(CALL.await)` with the future required to be `Send`, spanned
/// at the call so type errors land on it. `f(..)` and `f(..).await` are both
/// accepted. A sub-flow call runs the flow through the scope instead. With
/// `value_type` (`task pay: Receipt = ..`) the step's value is checked to be
/// of that type, on the written type. With `intercept` (a task's node and
/// step info) the call is awaited through the scope, where a test script
/// may stand in for it: a mock is played at the type the task's handle
/// carries (see `handles`), which is the value type checked here.
pub(crate) fn awaited_call(
    call: &Expr,
    sub_flow: Option<&syn::Path>,
    value_type: Option<&syn::Type>,
    intercept: Option<(TokenStream, TokenStream)>,
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
        Some((node, step)) => {
            let scripted = Ident::new("__flow_scripted", span);
            let play = match (sub_flow, value_type) {
                (Some(_), _) => quote_spanned!(span=> #scripted.play_sub_flow().await),
                (None, Some(value_type)) => {
                    quote_spanned!(span=> #scripted.play::<#value_type>().await)
                }
                (None, None) => quote_spanned!(span=> #scripted.play().await),
            };
            quote_spanned! {span=>
                match #scope.scripted(#node, #step) {
                    ::core::option::Option::Some(#scripted) => #play,
                    ::core::option::Option::None => #awaited,
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

/// `Flow::receive`: stores a signal's payload where its wait says and goes
/// on at the wait's successor; a signal for another wait is handed back.
/// Nothing when the flow has no wait (the trait's default then applies).
pub fn receive_method(
    model: &Model,
    node_enum: &Ident,
    signal_enum: &Ident,
    context_type: &syn::Type,
) -> TokenStream {
    let value = Ident::new("__flow_payload", Span::mixed_site());
    let context_param = context_param();
    let arms: Vec<TokenStream> = model
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let Statement::Wait(wait) = node.stmt else {
                return None;
            };
            let variant = variant_ident(node.name);
            let next = model
                .next_of(index)
                .map(|to| variant_ident(model.nodes[to].name))?;
            let store = wait.store.as_ref().map(|place| {
                let name = &model.def.context_name;
                // Spanned at the place, so a payload that does not fit it is
                // underlined there, as for a task's `=> place`.
                let store =
                    quote_spanned!(place.span()=> <_ as ::flow_runtime::__private::StorePayload<_>>::__store_payload(#value, &mut #place););
                quote! {
                    #[allow(unused_mut)]
                    let mut #name = &mut *#context_param;
                    #store
                }
            });
            let bound = if store.is_some() {
                quote!(#value)
            } else {
                quote!(_)
            };
            Some(quote! {
                (#node_enum::#variant, #signal_enum::#variant(#bound)) => {
                    #store
                    ::core::result::Result::Ok(#node_enum::#next)
                }
            })
        })
        .collect();
    if arms.is_empty() {
        return TokenStream::new();
    }
    let node_param = node_param();
    let signal = Ident::new("__flow_signal", Span::mixed_site());
    quote! {
        #[allow(unused_variables)]
        fn receive(
            #node_param: #node_enum,
            #context_param: &mut #context_type,
            #signal: #signal_enum,
        ) -> ::core::result::Result<#node_enum, #signal_enum> {
            match (#node_param, #signal) {
                #(#arms)*
                (_, #signal) => ::core::result::Result::Err(#signal),
            }
        }
    }
}

//! The DSL grammar: syntax only, no name resolution.
//!
//! ```text
//! flow      := attr* vis "flow" IDENT "(" IDENT ":" TYPE ("," IDENT ":" TYPE)? ","? ")" "{" statement* "}"
//! statement := "start" edges? ";"
//!            | doc* "end" IDENT edges? ";"
//!            | doc* "task" IDENT (":" TYPE)? "=" EXPR ("=>" PLACE)? clause* route? clause* ";"
//!            | doc* "flow" IDENT "=" PATH "(" EXPR ")" ("=>" PLACE)? clause* route? clause* ";"
//!            | doc* ("xor" | "or") IDENT "{" (EXPR "=>" IDENT ",")* "else" "=>" IDENT ","? "}" ";"?
//!            | doc* "and" IDENT edges ";"
//!            | doc* "join" IDENT edges ";"
//!            | doc* "wait" IDENT ":" TYPE ("=>" PLACE)? ...  (see [`waits`])
//!            | doc* "timer" IDENT "=" (DURATION | "at" "(" EXPR ")") edges ";"
//! edges     := "->" IDENT ("," IDENT)*
//! route     := edges | "->" "match" "{" (PAT ("if" EXPR)? "=>" IDENT ","?)* "}"
//! ```
//!
//! A task's clauses (`retry`, `timeout`, `on error`, `compensate`) are in
//! [`clauses`]; they may stand before or after its route.
//!
//! The parser is deliberately permissive about edges: `start;`, `end done -> x;`
//! and `task a = f() -> b, c;` all parse, so that the graph checks can report
//! them as graph mistakes on the right token rather than as a bare syntax error.
//! A statement that does not parse is reported and skipped, and parsing goes on
//! with the next statement, so several syntax errors surface in one compile.

mod clauses;
mod waits;

pub use clauses::{Backoff, Clauses, Duration, Policy, duration_text};
pub use waits::{TimerStmt, TimerWake, WaitStmt};

use crate::errors::Errors;
use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::buffer::Cursor;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Pat, Token, Type, Visibility, braced, parenthesized};

mod kw {
    syn::custom_keyword!(flow);
    syn::custom_keyword!(start);
    syn::custom_keyword!(end);
    syn::custom_keyword!(task);
    syn::custom_keyword!(xor);
    syn::custom_keyword!(and);
    syn::custom_keyword!(or);
    syn::custom_keyword!(join);
    syn::custom_keyword!(wait);
    syn::custom_keyword!(timer);
}

/// One `flow!` invocation: a single flow definition.
pub struct FlowDef {
    /// Attributes on the flow, doc comments included; they go on the generated type.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// The name the context goes by inside the flow (`order` in `flow P(order: Order)`).
    pub context_name: Ident,
    pub context_type: Type,
    /// `step: &Step` after the context: the name under which tasks and
    /// conditions see the current invocation (instance, node, iteration).
    pub step_param: Option<(Ident, Type)>,
    pub statements: Vec<Statement>,
    /// Statements that failed to parse but whose keyword and name could be
    /// read (`task pay = <garbage>;`). Their names still count as defined,
    /// so one syntax error is not reported again as a missing node.
    pub broken: Vec<BrokenStmt>,
}

/// The keyword and name of a statement that did not parse.
pub struct BrokenStmt {
    pub keyword: Ident,
    pub name: Ident,
}

/// One statement of the flow body.
pub enum Statement {
    Start(StartStmt),
    End(NodeStmt),
    /// A task, or a sub-flow call (`flow NAME = Other(..)`).
    Task(Box<TaskStmt>),
    Xor(GatewayStmt),
    /// `or NAME { .. }`: an inclusive split.
    Or(GatewayStmt),
    /// `and NAME -> a, b;`: a parallel split.
    And(NodeStmt),
    /// `join NAME -> next;`: where the branches of a split meet.
    Join(NodeStmt),
    /// `wait NAME: Payload ...;`: parks until a signal arrives.
    Wait(Box<WaitStmt>),
    /// `timer NAME = 30m -> next;`: parks until a time.
    Timer(Box<TimerStmt>),
}

/// `start -> first;`
pub struct StartStmt {
    /// The `start` keyword; it doubles as the start node's name.
    pub token: Ident,
    pub edges: Vec<Ident>,
}

/// A node defined by its name and edges: `end done;`, `and fulfil -> a, b;`,
/// `join fulfilled -> done;`.
pub struct NodeStmt {
    pub docs: Vec<Attribute>,
    pub name: Ident,
    /// For an `end`, always empty in a valid flow; kept so the check can
    /// point at the edge.
    pub edges: Vec<Ident>,
}

/// `task pay = steps::charge(&order) => order.payment retry 3 -> ship;`
pub struct TaskStmt {
    pub docs: Vec<Attribute>,
    pub name: Ident,
    /// `task pay: Receipt = ..`: the type of the step's `Ok` value, which
    /// the task's test handle carries. Never set for a sub-flow call, whose
    /// value is its child's end and final context.
    pub value_type: Option<Type>,
    /// `Some` for a sub-flow call: the flow type it runs. `call` is then the
    /// sub-flow's context.
    pub sub_flow: Option<syn::Path>,
    pub call: Expr,
    /// `=> place`: where the step's `Ok` value is stored.
    pub store: Option<Expr>,
    /// `retry`, `timeout`, `on error`, `compensate`.
    pub clauses: Clauses,
    pub route: Route,
}

/// Where a task goes next.
pub enum Route {
    /// `-> next` (a valid task has exactly one; the check reports the others).
    Edges(Vec<Ident>),
    /// `-> match { Pattern => node, ... }` over the step's `Ok` value.
    Match {
        match_token: Token![match],
        arms: Vec<MatchArm>,
    },
}

/// One arm of a task's `-> match { ... }` routing.
pub struct MatchArm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub target: Ident,
}

/// `xor approval { order.amount > 1000 => manual, else => pay }`, or the
/// same with `or` for an inclusive split.
pub struct GatewayStmt {
    pub docs: Vec<Attribute>,
    pub name: Ident,
    pub branches: Vec<XorBranch>,
}

/// One branch of an `xor`: a condition, or `else`, and its target.
pub struct XorBranch {
    pub condition: Condition,
    pub target: Ident,
}

pub enum Condition {
    When(Box<Expr>),
    Else(Token![else]),
}

impl Statement {
    /// The name of the node the statement defines.
    pub fn name(&self) -> &Ident {
        match self {
            Statement::Start(s) => &s.token,
            Statement::Task(s) => &s.name,
            Statement::Xor(s) | Statement::Or(s) => &s.name,
            Statement::End(s) | Statement::And(s) | Statement::Join(s) => &s.name,
            Statement::Wait(s) => &s.name,
            Statement::Timer(s) => &s.name,
        }
    }

    /// The doc comments written on the node.
    pub fn docs(&self) -> &[Attribute] {
        match self {
            Statement::Start(_) => &[],
            Statement::Task(s) => &s.docs,
            Statement::Xor(s) | Statement::Or(s) => &s.docs,
            Statement::End(s) | Statement::And(s) | Statement::Join(s) => &s.docs,
            Statement::Wait(s) => &s.docs,
            Statement::Timer(s) => &s.docs,
        }
    }
}

/// Parses a whole `flow!` input.
///
/// Returns the definition (possibly missing the statements that failed to
/// parse) whenever the header parsed, so later stages can still check what is
/// there and the fallback can emit the flow's items; syntax errors go to
/// `errors`.
pub fn parse_flow(tokens: TokenStream, errors: &mut Errors) -> Option<FlowDef> {
    let parser = |input: ParseStream| {
        let content;
        parenthesized!(content in input);
        parse_flow_def(&content, errors)
    };
    match syn::parse::Parser::parse2(parser, spanned_at_end(tokens, None)) {
        Ok(def) => Some(def),
        Err(error) => {
            errors.push_syn(error);
            None
        }
    }
}

fn parse_flow_def(input: ParseStream, errors: &mut Errors) -> syn::Result<FlowDef> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "expected a flow definition: `flow Name(context: Type) { ... }`",
        ));
    }
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    if !input.peek(kw::flow) {
        return Err(input.error("expected `flow`: `flow Name(context: Type) { ... }`"));
    }
    input.parse::<kw::flow>()?;
    let name: Ident = input.parse()?;
    let header;
    parenthesized!(header in input);
    let context_name: Ident = header.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected the context's name and type, like `(order: Order)`",
        )
    })?;
    header.parse::<Token![:]>()?;
    let context_type: Type = header.parse()?;
    let mut step_param = None;
    if header.peek(Token![,]) && !header.peek2(syn::parse::End) {
        header.parse::<Token![,]>()?;
        let name: Ident = header.parse()?;
        header.parse::<Token![:]>()?;
        step_param = Some((name, header.parse()?));
    }
    if header.peek(Token![,]) {
        header.parse::<Token![,]>()?;
    }
    if !header.is_empty() {
        return Err(header.error(
            "a flow takes its context and, optionally, the step info: `(order: Order, step: &Step)`",
        ));
    }
    let body;
    braced!(body in input);
    if !input.is_empty() {
        return Err(
            input.error("unexpected tokens after the flow body; one `flow!` defines one flow")
        );
    }
    let mut statements = Vec::new();
    let mut broken = Vec::new();
    while !body.is_empty() {
        let start = body.fork();
        match parse_statement(&body, errors) {
            Ok(statement) => statements.push(statement),
            Err(error) => {
                errors.push_syn(error);
                broken.extend(broken_statement(&start));
                let advanced = body.cursor() != start.cursor();
                skip_statement(&body, advanced);
            }
        }
    }
    Ok(FlowDef {
        attrs,
        vis,
        name,
        context_name,
        context_type,
        step_param,
        statements,
        broken,
    })
}

fn parse_statement(input: ParseStream, errors: &mut Errors) -> syn::Result<Statement> {
    let docs = input.call(Attribute::parse_outer)?;
    for attr in &docs {
        if !attr.path().is_ident("doc") {
            return Err(syn::Error::new(
                attr.span(),
                "only doc comments are allowed on flow nodes",
            ));
        }
    }
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::start) {
        if let Some(doc) = docs.first() {
            return Err(syn::Error::new(
                doc.span(),
                "doc comments on `start` are not used; document the flow itself",
            ));
        }
        let token = parse_keyword_ident(input)?;
        let edges = parse_edges(input)?;
        reject_clauses(input, &token, "`start` does no work", errors)?;
        end_statement(input, edges.last().unwrap_or(&token).span())?;
        Ok(Statement::Start(StartStmt { token, edges }))
    } else if lookahead.peek(kw::end) {
        input.parse::<kw::end>()?;
        let name = parse_node_name(input, "end")?;
        let edges = parse_edges(input)?;
        reject_clauses(input, &name, "an `end` does no work", errors)?;
        end_statement(input, edges.last().unwrap_or(&name).span())?;
        Ok(Statement::End(NodeStmt { docs, name, edges }))
    } else if lookahead.peek(kw::task) {
        input.parse::<kw::task>()?;
        parse_task(input, docs, false, errors).map(|task| Statement::Task(Box::new(task)))
    } else if lookahead.peek(kw::flow) {
        input.parse::<kw::flow>()?;
        parse_task(input, docs, true, errors).map(|task| Statement::Task(Box::new(task)))
    } else if lookahead.peek(kw::xor) {
        input.parse::<kw::xor>()?;
        parse_gateway(input, docs, "xor", errors).map(Statement::Xor)
    } else if lookahead.peek(kw::or) {
        input.parse::<kw::or>()?;
        parse_gateway(input, docs, "or", errors).map(Statement::Or)
    } else if lookahead.peek(kw::and) {
        input.parse::<kw::and>()?;
        parse_split_or_join(input, docs, "and", errors).map(Statement::And)
    } else if lookahead.peek(kw::join) {
        input.parse::<kw::join>()?;
        parse_split_or_join(input, docs, "join", errors).map(Statement::Join)
    } else if lookahead.peek(kw::wait) {
        input.parse::<kw::wait>()?;
        waits::parse_wait(input, docs, errors).map(|wait| Statement::Wait(Box::new(wait)))
    } else if lookahead.peek(kw::timer) {
        input.parse::<kw::timer>()?;
        waits::parse_timer(input, docs, errors).map(|timer| Statement::Timer(Box::new(timer)))
    } else {
        Err(lookahead.error())
    }
}

pub(crate) fn parse_keyword_ident(input: ParseStream) -> syn::Result<Ident> {
    input.step(|cursor| match cursor.ident() {
        Some((ident, rest)) => Ok((ident, rest)),
        None => Err(syn::Error::new(cursor.span(), "expected an identifier")),
    })
}

pub(crate) fn parse_node_name(input: ParseStream, kind: &str) -> syn::Result<Ident> {
    if input.peek(Ident) {
        input.parse()
    } else {
        Err(input.error(format!("expected the name of the `{kind}` node")))
    }
}

/// `-> a, b, c` (or nothing).
pub(crate) fn parse_edges(input: ParseStream) -> syn::Result<Vec<Ident>> {
    let mut edges = Vec::new();
    if input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        loop {
            edges.push(parse_target(input)?);
            if !input.peek(Token![,]) {
                break;
            }
            input.parse::<Token![,]>()?;
        }
    }
    Ok(edges)
}

pub(crate) fn parse_target(input: ParseStream) -> syn::Result<Ident> {
    if input.peek(Ident) {
        input.parse()
    } else {
        Err(input.error("expected the name of the next node"))
    }
}

/// Clauses after a node that is not a task: reported (the node's kind is
/// `what`), then skipped so the statement still defines its node.
fn reject_clauses(
    input: ParseStream,
    node: &Ident,
    what: &str,
    errors: &mut Errors,
) -> syn::Result<()> {
    while clauses::peek_clause(input) {
        let keyword = input
            .cursor()
            .ident()
            .map(|(ident, _)| ident)
            .expect("peeked");
        errors.push(keyword.span(), misplaced_clause(&keyword, what));
        clauses::parse_clause(input, &mut Clauses::default(), node, &mut Errors::new())?;
    }
    Ok(())
}

/// Clauses between a node's name and what must follow it (a gateway's
/// braces, a split's `->`): each keyword is reported as by
/// [`reject_clauses`], and everything up to `until` is skipped, so the rest
/// of the statement still parses.
fn reject_clauses_before(
    input: ParseStream,
    what: &str,
    errors: &mut Errors,
    until: impl Fn(Cursor) -> bool,
) {
    if !clauses::peek_clause(input) {
        return;
    }
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        let mut after_path_separator = false;
        while !until(rest) && !is_punct(rest, ';') {
            let Some((tree, next)) = rest.token_tree() else {
                break;
            };
            if !after_path_separator
                && clauses::at_clause(rest)
                && let TokenTree::Ident(keyword) = &tree
            {
                errors.push(keyword.span(), misplaced_clause(keyword, what));
            }
            after_path_separator =
                matches!(&tree, TokenTree::Punct(p) if p.as_char() == '.' || p.as_char() == ':');
            rest = next;
        }
        Ok(((), rest))
    });
}

/// The error for the clause `keyword` on a node of kind `what`.
fn misplaced_clause(keyword: &Ident, what: &str) -> String {
    if keyword == "for" {
        "`for` only applies to a `wait`: it names who may complete the wait".to_owned()
    } else {
        format!(
            "`{keyword}` only applies to tasks: {what} that could fail, be retried or be undone"
        )
    }
}

/// `and NAME -> a, b;` or `join NAME -> next;`.
fn parse_split_or_join(
    input: ParseStream,
    docs: Vec<Attribute>,
    keyword: &str,
    errors: &mut Errors,
) -> syn::Result<NodeStmt> {
    let name = parse_node_name(input, keyword)?;
    let what = match keyword {
        "and" => "a parallel split does no work",
        _ => "a join does no work",
    };
    reject_clauses_before(input, what, errors, |cursor| is_pair(cursor, '-', '>'));
    if !input.peek(Token![->]) {
        let example = match keyword {
            "and" => format!("`and {name} -> first_branch, second_branch;`"),
            _ => format!("`join {name} -> next;`"),
        };
        return Err(input.error(format!("expected `->` and where `{name}` leads: {example}")));
    }
    let edges = parse_edges(input)?;
    reject_clauses(input, &name, what, errors)?;
    end_statement(input, edges.last().unwrap_or(&name).span())?;
    Ok(NodeStmt { docs, name, edges })
}

/// A task, or with `sub_flow` a sub-flow call: `flow NAME = Other(context)`.
fn parse_task(
    input: ParseStream,
    docs: Vec<Attribute>,
    sub_flow: bool,
    errors: &mut Errors,
) -> syn::Result<TaskStmt> {
    let keyword = if sub_flow { "flow" } else { "task" };
    let name = parse_node_name(input, keyword)?;
    let value_type = parse_value_type(input, &name, sub_flow, errors)?;
    let eq: Token![=] = input.parse().map_err(|_| {
        input.error(if sub_flow {
            format!("expected `=` and the flow to run: `flow {name} = OtherFlow(context)`")
        } else {
            format!("expected `=` and the step to call: `task {name} = steps::{name}(..)`")
        })
    })?;
    let call_tokens = take_until(input, |cursor| {
        is_pair(cursor, '=', '>')
            || is_pair(cursor, '-', '>')
            || is_punct(cursor, ';')
            || clauses::at_clause(cursor)
    });
    if call_tokens.is_empty() {
        let what = if sub_flow {
            "the flow to run and its context, like `CreditCheck(order.applicant.clone())`,"
        } else {
            "the step to call"
        };
        return Err(syn::Error::new(
            eq.span,
            format!("expected {what} after `=`"),
        ));
    }
    let call: Expr = parse_piece(call_tokens, here(input))?;
    let (sub_flow, call) = if sub_flow {
        let (path, context) = sub_flow_call(call)?;
        (Some(path), context)
    } else {
        (None, call)
    };

    let mut store = None;
    if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        let place_tokens = take_until(input, |cursor| {
            is_pair(cursor, '-', '>') || is_punct(cursor, ';') || clauses::at_clause(cursor)
        });
        store = Some(parse_place(place_tokens, arrow.spans[1], here(input))?);
    }

    let mut clauses = Clauses::default();
    while clauses::peek_clause(input) {
        clauses::parse_clause(input, &mut clauses, &name, errors)?;
    }

    let route = if routes_by_match(input) {
        input.parse::<Token![->]>()?;
        let match_token: Token![match] = input.parse()?;
        let body;
        braced!(body in input);
        let arms = within(&body, parse_match_arms)?;
        if arms.is_empty() {
            return Err(syn::Error::new(
                match_token.span,
                "a `match` route needs at least one arm: `Pattern => node`",
            ));
        }
        Route::Match { match_token, arms }
    } else {
        Route::Edges(parse_edges(input)?)
    };
    // Clauses may also follow the route.
    while clauses::peek_clause(input) {
        clauses::parse_clause(input, &mut clauses, &name, errors)?;
    }
    let last = match &route {
        Route::Edges(edges) => edges.last().map(Ident::span),
        Route::Match { .. } => None,
    };
    end_statement(input, last.unwrap_or_else(|| here(input)))?;
    Ok(TaskStmt {
        docs,
        name,
        value_type,
        sub_flow,
        call,
        store,
        clauses,
        route,
    })
}

/// `: Type` after a task's name, the type of its step's value. On a
/// sub-flow call it is reported and dropped: the child's end and context
/// are its value.
fn parse_value_type(
    input: ParseStream,
    name: &Ident,
    sub_flow: bool,
    errors: &mut Errors,
) -> syn::Result<Option<Type>> {
    if !input.peek(Token![:]) || input.peek(Token![::]) {
        return Ok(None);
    }
    let colon: Token![:] = input.parse()?;
    if input.peek(Token![=]) {
        return Err(syn::Error::new(
            colon.span,
            format!(
                "expected the type of the step's value after `:`, like `task {name}: Receipt = ..`"
            ),
        ));
    }
    let value_type: Type = input.parse()?;
    if sub_flow {
        errors.push(
            value_type.span(),
            "a sub-flow call takes no value type: its value is the child's end and final \
             context, which its test handle already carries; remove the `:` and the type",
        );
        return Ok(None);
    }
    Ok(Some(value_type))
}

/// Splits `Other(context)` into the flow's path and its context expression.
fn sub_flow_call(call: Expr) -> syn::Result<(syn::Path, Expr)> {
    const SHAPE: &str =
        "a sub-flow call names the flow and passes its whole context: `OtherFlow(context)`";
    let Expr::Call(call) = call else {
        return Err(syn::Error::new_spanned(call, SHAPE));
    };
    let Expr::Path(path) = *call.func else {
        return Err(syn::Error::new_spanned(call.func, SHAPE));
    };
    if call.args.len() != 1 {
        return Err(syn::Error::new(
            call.paren_token.span.join(),
            format!("{SHAPE}; found {} arguments", call.args.len()),
        ));
    }
    let context = call.args.into_iter().next().expect("one argument");
    Ok((path.path, context))
}

fn parse_match_arms(body: ParseStream) -> syn::Result<Vec<MatchArm>> {
    let mut arms = Vec::new();
    while !body.is_empty() {
        let pat = Pat::parse_multi_with_leading_vert(body)?;
        let guard = if body.peek(Token![if]) {
            body.parse::<Token![if]>()?;
            let guard_tokens = take_until(body, |cursor| is_pair(cursor, '=', '>'));
            Some(parse_piece::<Expr>(guard_tokens, here(body))?)
        } else {
            None
        };
        body.parse::<Token![=>]>()?;
        let target = parse_target(body)?;
        arms.push(MatchArm { pat, guard, target });
        if body.is_empty() {
            break;
        }
        body.parse::<Token![,]>()?;
    }
    Ok(arms)
}

/// The place after `=>` (`order.stock`); `after` is where it was expected,
/// `end` the token that ended it.
pub(crate) fn parse_place(tokens: TokenStream, after: Span, end: Span) -> syn::Result<Expr> {
    if tokens.is_empty() {
        return Err(syn::Error::new(
            after,
            "expected a place in the context after `=>`, like `order.stock`",
        ));
    }
    let place: Expr = parse_piece(tokens, end)?;
    if !is_place(&place) {
        return Err(syn::Error::new_spanned(
            &place,
            "`=>` stores a value into a place of the context, like `order.stock`; this is not a place",
        ));
    }
    Ok(place)
}

/// Is the input at `-> match`? (`->` is two tokens, so `peek2` cannot see it.)
fn routes_by_match(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Token![->]>().is_ok() && fork.peek(Token![match])
}

fn parse_xor_branches(body: ParseStream) -> syn::Result<Vec<XorBranch>> {
    let mut branches = Vec::new();
    while !body.is_empty() {
        let condition = if body.peek(Token![else]) {
            Condition::Else(body.parse()?)
        } else {
            let tokens = take_until(body, |cursor| {
                is_pair(cursor, '=', '>') || is_punct(cursor, ',')
            });
            if tokens.is_empty() {
                return Err(body.error("expected a `bool` condition or `else`"));
            }
            Condition::When(Box::new(parse_piece(tokens, here(body))?))
        };
        if !body.peek(Token![=>]) {
            return Err(body.error("expected `=>` and the node this branch leads to"));
        }
        body.parse::<Token![=>]>()?;
        let target = parse_target(body)?;
        branches.push(XorBranch { condition, target });
        if body.is_empty() {
            break;
        }
        body.parse::<Token![,]>()?;
    }
    Ok(branches)
}

/// `xor NAME { .. }` or `or NAME { .. }`.
fn parse_gateway(
    input: ParseStream,
    docs: Vec<Attribute>,
    keyword: &str,
    errors: &mut Errors,
) -> syn::Result<GatewayStmt> {
    let name = parse_node_name(input, keyword)?;
    // `xor big compensate undo(&order) { .. }`: the clause is reported like
    // one after the braces, and skipped up to them.
    reject_clauses_before(input, "a gateway does no work", errors, |cursor| {
        cursor.group(Delimiter::Brace).is_some()
    });
    let body;
    braced!(body in input);
    let branches = within(&body, parse_xor_branches)?;
    if branches.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            format!(
                "`{keyword}` gateway `{name}` has no branches; add `condition => node` branches and an `else`"
            ),
        ));
    }
    // The closing brace ends the statement; a `;` after it is allowed.
    if clauses::peek_clause(input) {
        reject_clauses(input, &name, "a gateway does no work", errors)?;
        input.parse::<Token![;]>()?;
    } else if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(GatewayStmt {
        docs,
        name,
        branches,
    })
}

/// Wraps `tokens` in a group spanned at `end` (default: their last token),
/// so that syn's "unexpected end of input" lands on a real token instead of
/// on the whole macro invocation.
fn spanned_at_end(tokens: TokenStream, end: Option<Span>) -> TokenStream {
    let last = tokens.clone().into_iter().last().map(|tree| tree.span());
    let mut group = proc_macro2::Group::new(Delimiter::Parenthesis, tokens);
    group.set_span(end.or(last).unwrap_or_else(Span::call_site));
    TokenTree::Group(group).into()
}

/// Parses a piece of a statement that was cut out with [`take_until`]: an
/// incomplete piece is reported at `end`, the token that ended it.
pub(crate) fn parse_piece<T: Parse>(tokens: TokenStream, end: Span) -> syn::Result<T> {
    let parser = |input: ParseStream| {
        let content;
        parenthesized!(content in input);
        let piece: T = content.parse()?;
        if !content.is_empty() {
            return Err(content.error("unexpected token"));
        }
        Ok(piece)
    };
    syn::parse::Parser::parse2(parser, spanned_at_end(tokens, Some(end)))
}

/// The span of the token the input is at (the one that ended a piece).
pub(crate) fn here(input: ParseStream) -> Span {
    input.cursor().span()
}

/// Runs `parse` over the content of a group; on an error, consumes the rest
/// of the content so syn does not report "unexpected token" again for it.
fn within<T>(
    content: ParseStream,
    parse: impl FnOnce(ParseStream) -> syn::Result<T>,
) -> syn::Result<T> {
    let result = parse(content);
    if result.is_err() {
        let _ = content.step(|cursor| {
            let mut rest = *cursor;
            while let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
            Ok(((), rest))
        });
    }
    result
}

/// The `;` that ends a statement. When it is missing before the next
/// statement (or the end of the flow), the error lands on `last`, the last
/// token of the statement, rather than on the next statement's keyword.
pub(crate) fn end_statement(input: ParseStream, last: Span) -> syn::Result<()> {
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        return Ok(());
    }
    let next_is_statement = input.is_empty()
        || input
            .cursor()
            .ident()
            .is_some_and(|(ident, _)| starts_statement(&ident));
    if next_is_statement {
        Err(syn::Error::new(
            last,
            "expected `;` after this, to end the statement",
        ))
    } else {
        Err(input.error("expected `;`"))
    }
}

/// Is `expr` something a value can be assigned to?
fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Field(_) | Expr::Path(_) | Expr::Index(_) => true,
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Paren(paren) => is_place(&paren.expr),
        _ => false,
    }
}

/// Collects the token trees up to (not including) the first top-level token
/// where `stop` holds. Groups are single token trees, so a `->` or `=>` inside
/// parentheses, brackets or braces never stops the scan.
pub(crate) fn take_until(input: ParseStream, stop: impl Fn(Cursor) -> bool) -> TokenStream {
    input
        .step(|cursor| {
            let mut rest = *cursor;
            let mut tokens = TokenStream::new();
            let mut after_path_separator = false;
            while let Some((tree, next)) = rest.token_tree() {
                // `order.retry` and `steps::timeout` are not clauses, and
                // neither is a first token: `timeout(&order)` is a call.
                let first_ident = tokens.is_empty() && rest.ident().is_some();
                if !after_path_separator && !first_ident && stop(rest) {
                    break;
                }
                after_path_separator = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '.' || p.as_char() == ':');
                tokens.extend([tree]);
                rest = next;
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default()
}

pub(crate) fn is_punct(cursor: Cursor, ch: char) -> bool {
    matches!(cursor.punct(), Some((punct, _)) if punct.as_char() == ch)
}

/// Is the cursor at the two-character operator `first second` (like `->`)?
pub(crate) fn is_pair(cursor: Cursor, first: char, second: char) -> bool {
    match cursor.punct() {
        Some((punct, rest)) if punct.as_char() == first && punct.spacing() == Spacing::Joint => {
            is_punct(rest, second)
        }
        _ => false,
    }
}

/// Skips the rest of a statement that failed to parse: up to and including
/// the next top-level `;`, or up to the next keyword that starts a statement.
///
/// `advanced` says whether the failed statement consumed anything; if it did
/// not, at least one token is skipped so parsing always moves on.
fn skip_statement(input: ParseStream, advanced: bool) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        let mut first = !advanced;
        while let Some((tree, next)) = rest.token_tree() {
            match &tree {
                TokenTree::Punct(punct) if punct.as_char() == ';' => return Ok(((), next)),
                TokenTree::Ident(ident) if !first && starts_statement(ident) => {
                    return Ok(((), rest));
                }
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    // An `xor` body ends its statement.
                    rest = next;
                    if let Some((punct, after)) = rest.punct()
                        && punct.as_char() == ';'
                    {
                        rest = after;
                    }
                    return Ok(((), rest));
                }
                _ => {}
            }
            first = false;
            rest = next;
        }
        Ok(((), rest))
    });
}

/// The keyword and name of a statement that failed to parse, if they can
/// be read: `task NAME`, `xor NAME`, `end NAME`, or a misspelt keyword
/// followed by a name (`taks NAME`), which was meant to define `NAME` too.
fn broken_statement(input: ParseStream) -> Option<BrokenStmt> {
    input.call(Attribute::parse_outer).ok()?;
    let keyword: Ident = input.parse().ok()?;
    if keyword == "start" {
        return None;
    }
    let name: Ident = input.parse().ok()?;
    Some(BrokenStmt { keyword, name })
}

fn starts_statement(ident: &Ident) -> bool {
    [
        "start", "end", "task", "xor", "or", "and", "join", "flow", "wait", "timer",
    ]
    .iter()
    .any(|keyword| ident == keyword)
}

impl Parse for FlowDef {
    /// Parses a flow, failing on the first syntax error (used by tests; the
    /// macro uses [`parse_flow`], which recovers).
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut errors = Errors::new();
        let def = parse_flow_def(input, &mut errors)?;
        errors.finish()?;
        Ok(def)
    }
}

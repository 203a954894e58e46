//! The statements that park an instance: `wait` and `timer`.
//!
//! ```text
//! wait     := doc* "wait" IDENT ":" TYPE ("=>" PLACE)? wclause* edges? wclause* ";"
//! wclause  := "for" who ("," who)*
//!           | "timeout" DURATION "->" IDENT
//! who      := ("user" | "group") "(" EXPR ")"
//! timer    := doc* "timer" IDENT "=" (DURATION | "at" "(" EXPR ")") edges? ";"
//! ```
//!
//! Like a task's, the clauses may stand before or after the `-> next` edge.
//! The parser is permissive: a task's clause on a wait (`retry 3`), a `for`
//! or `timeout` on a timer, and a second `user(..)` are read and kept, so
//! that `check::waits` reports them on their keyword and the node still
//! counts as defined.

use super::clauses::{self, Clauses, Duration, parse_duration};
use super::{
    end_statement, here, is_pair, is_punct, parse_edges, parse_keyword_ident, parse_node_name,
    parse_piece, parse_place, parse_target, take_until,
};
use crate::errors::Errors;
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Attribute, Expr, Ident, Token, Type, parenthesized};

/// `wait manual_approval: Approval => order.approval for group("manager") timeout 48h -> escalate -> pay;`
pub struct WaitStmt {
    pub docs: Vec<Attribute>,
    pub name: Ident,
    /// The type of the value the signal carries.
    pub payload: Type,
    /// `=> place`: where the payload is stored; without it, it is dropped.
    pub store: Option<Expr>,
    /// `for user(..), group(..)`, in source order.
    pub assignees: Vec<Assignee>,
    /// `timeout 48h -> escalate`.
    pub timeout: Option<WaitTimeout>,
    /// `-> next` (a valid wait has exactly one; the check reports the others).
    pub edges: Vec<Ident>,
    /// The keywords of clauses that do not apply to a wait (`retry`, `on`,
    /// `compensate`, `backoff`), reported by `check::waits`.
    pub misplaced: Vec<Ident>,
    /// The targets of misplaced `on error -> node` routes: graph checks
    /// follow them, so the node they name is not also reported unreachable.
    pub misplaced_routes: Vec<Ident>,
}

/// One of `user(EXPR)` or `group(EXPR)` after `for`.
pub struct Assignee {
    /// `user` or `group`, as written.
    pub keyword: Ident,
    pub is_user: bool,
    /// Evaluated on the context when the wait is entered; `impl Into<String>`.
    pub expr: Expr,
}

/// `timeout 48h -> escalate`: where the instance goes when no signal came.
pub struct WaitTimeout {
    pub after: Duration,
    pub target: Ident,
}

/// `timer cool_off = 30m -> fulfil;` or `timer ship_day = at(order.ship_after) -> ship;`
pub struct TimerStmt {
    pub docs: Vec<Attribute>,
    pub name: Ident,
    pub wake: TimerWake,
    pub edges: Vec<Ident>,
    /// The keywords of clauses that do not apply to a timer, reported by
    /// `check::waits`.
    pub misplaced: Vec<Ident>,
}

/// When a timer fires.
pub enum TimerWake {
    /// `30m`: this long after the instance entered the timer.
    After(Duration),
    /// `at(EXPR)`: at a `SystemTime`, evaluated on the context.
    At(Box<Expr>),
}

/// Clauses read after a `wait` or a `timer`.
#[derive(Default)]
struct Read {
    assignees: Vec<Assignee>,
    timeout: Option<WaitTimeout>,
    misplaced: Vec<Ident>,
    misplaced_routes: Vec<Ident>,
}

/// Is the input at a clause keyword of any node (`for`, `timeout`, `retry`, ...)?
fn peek_any_clause(input: ParseStream) -> bool {
    clauses::peek_clause(input)
}

/// The keyword of the clause the input is at, without consuming it.
fn peek_keyword(input: ParseStream) -> Option<Ident> {
    input.cursor().ident().map(|(ident, _)| ident)
}

/// `wait NAME: Type ...;` (after the `wait` keyword).
pub fn parse_wait(
    input: ParseStream,
    docs: Vec<Attribute>,
    errors: &mut Errors,
) -> syn::Result<WaitStmt> {
    let name = parse_node_name(input, "wait")?;
    if !input.peek(Token![:]) {
        return Err(input.error(format!(
            "expected `:` and the type of the signal's payload: `wait {name}: Approval -> next;`"
        )));
    }
    let colon: Token![:] = input.parse()?;
    if input.peek(Token![=>]) || input.peek(Token![->]) || input.peek(Token![;]) {
        return Err(syn::Error::new(
            colon.span,
            format!(
                "expected the type of the signal's payload after `:`, like `wait {name}: Approval`"
            ),
        ));
    }
    let payload: Type = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("expected the type of the signal's payload, like `wait {name}: Approval`"),
        )
    })?;
    let mut store = None;
    if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        let place_tokens = take_until(input, |cursor| {
            is_pair(cursor, '-', '>') || is_punct(cursor, ';') || clauses::at_clause(cursor)
        });
        store = Some(parse_place(place_tokens, arrow.spans[1], here(input))?);
    }
    let mut read = Read::default();
    while peek_any_clause(input) {
        parse_wait_clause(input, &mut read, &name, true, errors)?;
    }
    let fork = input.fork();
    if fork.parse::<Token![->]>().is_ok() && fork.peek(Token![match]) {
        let match_token: Token![match] = fork.parse()?;
        return Err(syn::Error::new(
            match_token.span,
            "a `wait` takes no `-> match`: it goes on at one node; store the payload with `=> place` and branch on it with an `xor` gateway",
        ));
    }
    let edges = parse_edges(input)?;
    while peek_any_clause(input) {
        parse_wait_clause(input, &mut read, &name, true, errors)?;
    }
    end_statement(input, edges.last().unwrap_or(&name).span())?;
    Ok(WaitStmt {
        docs,
        name,
        payload,
        store,
        assignees: read.assignees,
        timeout: read.timeout,
        edges,
        misplaced: read.misplaced,
        misplaced_routes: read.misplaced_routes,
    })
}

/// `timer NAME = 30m -> next;` or `timer NAME = at(EXPR) -> next;` (after
/// the `timer` keyword).
pub fn parse_timer(
    input: ParseStream,
    docs: Vec<Attribute>,
    errors: &mut Errors,
) -> syn::Result<TimerStmt> {
    const WHEN: &str = "a duration like `30m`, or a deadline: `at(order.ship_after)`";
    let name = parse_node_name(input, "timer")?;
    let eq: Token![=] = input.parse().map_err(|_| {
        input.error(format!(
            "expected `=` and when the timer fires: `timer {name} = 30m -> next;`"
        ))
    })?;
    let wake = if input.peek(syn::LitInt) || input.peek(syn::LitFloat) {
        TimerWake::After(parse_duration(input, errors)?)
    } else if input
        .cursor()
        .ident()
        .is_some_and(|(ident, _)| ident == "at")
    {
        let keyword = parse_keyword_ident(input)?;
        if !input.peek(syn::token::Paren) {
            return Err(syn::Error::new(
                keyword.span(),
                "expected the deadline in parentheses: `at(order.ship_after)`",
            ));
        }
        let content;
        let paren = parenthesized!(content in input);
        if content.is_empty() {
            return Err(syn::Error::new(
                paren.span.join(),
                "expected the deadline, a `std::time::SystemTime`, inside `at(..)`",
            ));
        }
        let tokens: proc_macro2::TokenStream = content.parse()?;
        let deadline: Expr = parse_piece(tokens, paren.span.close())?;
        TimerWake::At(Box::new(deadline))
    } else if input.is_empty() || input.peek(Token![->]) || input.peek(Token![;]) {
        return Err(syn::Error::new(
            eq.span,
            format!("expected when the timer fires after `=`: {WHEN}"),
        ));
    } else {
        return Err(input.error(format!("expected when the timer fires: {WHEN}")));
    };
    if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        return Err(syn::Error::new(
            arrow.spans[0]
                .join(arrow.spans[1])
                .unwrap_or(arrow.spans[0]),
            "a `timer` produces no value to store; remove `=> ..`",
        ));
    }
    let mut read = Read::default();
    while peek_any_clause(input) {
        parse_wait_clause(input, &mut read, &name, false, errors)?;
    }
    let edges = parse_edges(input)?;
    while peek_any_clause(input) {
        parse_wait_clause(input, &mut read, &name, false, errors)?;
    }
    end_statement(input, edges.last().unwrap_or(&name).span())?;
    Ok(TimerStmt {
        docs,
        name,
        wake,
        edges,
        misplaced: read.misplaced,
    })
}

/// One clause after a wait (`is_wait`) or a timer. Clauses that do not
/// apply are read into a throwaway and their keyword is kept.
fn parse_wait_clause(
    input: ParseStream,
    read: &mut Read,
    node: &Ident,
    is_wait: bool,
    errors: &mut Errors,
) -> syn::Result<()> {
    let keyword = peek_keyword(input).expect("peeked a clause");
    if keyword == "for" {
        let mut assignees = parse_for(input)?;
        if is_wait {
            read.assignees.append(&mut assignees);
        } else {
            read.misplaced.push(keyword);
        }
    } else if keyword == "timeout" && is_wait {
        let keyword = parse_keyword_ident(input)?;
        let after = parse_duration(input, errors)?;
        if !input.peek(Token![->]) {
            return Err(input.error(format!(
                "expected `->` and where `{node}` goes when no signal comes in time: `timeout {} -> escalate`",
                super::clauses::duration_text(after.millis)
            )));
        }
        input.parse::<Token![->]>()?;
        let target = parse_target(input)?;
        if read.timeout.is_some() {
            errors.push(
                keyword.span(),
                format!("`timeout` is given twice for `{node}`; keep one"),
            );
        }
        read.timeout = Some(WaitTimeout { after, target });
    } else {
        // A task's clause (or `timeout` on a timer): read, then reported
        // by `check::waits` on its keyword.
        let mut ignored = Clauses::default();
        clauses::parse_clause(input, &mut ignored, node, &mut Errors::new())?;
        read.misplaced_routes
            .extend(ignored.on_error.map(|on_error| on_error.target));
        read.misplaced.push(keyword);
    }
    Ok(())
}

/// `for user(EXPR), group(EXPR), ...`
pub(crate) fn parse_for(input: ParseStream) -> syn::Result<Vec<Assignee>> {
    let for_token = parse_keyword_ident(input)?;
    let mut assignees = Vec::new();
    let mut after = for_token.span();
    loop {
        let keyword = match input.cursor().ident() {
            Some((ident, _)) if ident == "user" || ident == "group" => parse_keyword_ident(input)?,
            _ => return Err(expected_assignee(input, after)),
        };
        if !input.peek(syn::token::Paren) {
            return Err(syn::Error::new(
                keyword.span(),
                format!("expected `{keyword}(..)`, like `{keyword}(\"manager\")`"),
            ));
        }
        let content;
        let paren = parenthesized!(content in input);
        if content.is_empty() {
            return Err(syn::Error::new(
                paren.span.join(),
                format!("expected who inside `{keyword}(..)`, like `{keyword}(\"manager\")`"),
            ));
        }
        let tokens: proc_macro2::TokenStream = content.parse()?;
        let expr: Expr = parse_piece(tokens, paren.span.close())?;
        assignees.push(Assignee {
            is_user: keyword == "user",
            keyword,
            expr,
        });
        if !input.peek(Token![,]) {
            return Ok(assignees);
        }
        let comma: Token![,] = input.parse()?;
        after = comma.span;
    }
}

fn expected_assignee(input: ParseStream, after: Span) -> syn::Error {
    const WHO: &str = "expected who may complete the wait: `user(EXPR)` or `group(EXPR)`";
    if input.is_empty() || input.peek(Token![;]) || input.peek(Token![->]) {
        syn::Error::new(after, format!("{WHO} after this"))
    } else {
        input.error(WHO)
    }
}

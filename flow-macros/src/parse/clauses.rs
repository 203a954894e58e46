//! The clauses a task can carry after its call:
//!
//! ```text
//! clause   := "retry" INT backoff?
//!           | "timeout" DURATION
//!           | "on" "error" ("=>" PLACE)? "->" IDENT
//!           | "compensate" EXPR ("retry" INT backoff? | "timeout" DURATION)*
//!           | "for" ...                          (a `wait`'s; reported on a task)
//! backoff  := "backoff" ("fixed" "(" DURATION ")" | "exponential" "(" DURATION "," DURATION ")") "jitter"?
//! DURATION := INT ("ms" | "s" | "m" | "h")        e.g. 100ms, 5s, 2m, 1h
//! ```
//!
//! Clauses after `compensate CALL` configure the compensation. Mistakes
//! that leave the statement readable (`retry 0`, `5x`, a clause given twice,
//! `backoff` without `retry`) are reported without dropping the node, so
//! they never turn into a second error elsewhere.

use super::{is_pair, is_punct, take_until};
use crate::errors::Errors;
use proc_macro2::Span;
use syn::buffer::Cursor;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitInt, Token, parenthesized};

/// Every clause a task may carry; all optional.
#[derive(Default)]
pub struct Clauses {
    pub policy: Policy,
    pub on_error: Option<OnError>,
    pub compensate: Option<Compensate>,
}

/// Retries and timeout, of a task or of its compensation.
#[derive(Default)]
pub struct Policy {
    pub retry: Option<Retry>,
    pub timeout: Option<Duration>,
}

/// `retry 3 backoff exponential(100ms, 5s) jitter`
pub struct Retry {
    /// How many times a failed attempt is retried (attempts = retries + 1).
    pub retries: u32,
    pub backoff: Option<Backoff>,
}

/// The delay between attempts. With `jitter`, each delay is drawn between
/// half the nominal delay and the nominal delay.
pub enum Backoff {
    Fixed {
        delay: Duration,
        jitter: bool,
    },
    Exponential {
        initial: Duration,
        max: Duration,
        jitter: bool,
    },
}

/// `on error => order.failure -> handler`
pub struct OnError {
    pub store: Option<Expr>,
    pub target: Ident,
}

/// `compensate steps::refund(&order) retry 2`
pub struct Compensate {
    pub call: Expr,
    pub policy: Policy,
}

/// A duration literal, in milliseconds.
#[derive(Clone, Copy)]
pub struct Duration {
    pub millis: u64,
    pub span: Span,
    /// Already reported as malformed; no further check applies.
    pub malformed: bool,
}

/// The keywords that start a clause. `for` belongs to `wait` (who may
/// complete it); it is listed so that a task's call stops before it and the
/// clause is reported on its keyword.
const KEYWORDS: [&str; 6] = ["retry", "backoff", "timeout", "on", "compensate", "for"];

/// Is the cursor at a clause keyword that follows a complete expression?
/// (`order.retry` is a field, not a clause: a keyword right after `.` or
/// `::` does not count, and the callers only ask between token trees.)
pub fn at_clause(cursor: Cursor) -> bool {
    matches!(cursor.ident(), Some((ident, _)) if KEYWORDS.iter().any(|keyword| ident == keyword))
}

/// Is the input at a clause keyword?
pub fn peek_clause(input: ParseStream) -> bool {
    input
        .cursor()
        .ident()
        .is_some_and(|(ident, _)| KEYWORDS.iter().any(|keyword| ident == keyword))
}

/// Parses one clause into `clauses`. `node` names the statement for messages.
pub fn parse_clause(
    input: ParseStream,
    clauses: &mut Clauses,
    node: &Ident,
    errors: &mut Errors,
) -> syn::Result<()> {
    if input.peek(Token![for]) {
        return reject_for(input, node, errors);
    }
    let keyword: Ident = input.parse()?;
    match keyword.to_string().as_str() {
        "retry" | "timeout" | "backoff" => {
            parse_policy_clause(input, &keyword, &mut clauses.policy, node, errors)
        }
        "on" => {
            let error_kw: Ident = input.parse()?;
            if error_kw != "error" {
                return Err(syn::Error::new(
                    error_kw.span(),
                    "expected `on error -> node`",
                ));
            }
            let mut store = None;
            if input.peek(Token![=>]) {
                input.parse::<Token![=>]>()?;
                let tokens = take_until(input, |cursor| {
                    is_pair(cursor, '-', '>') || is_punct(cursor, ';')
                });
                store = Some(super::parse_place(
                    tokens,
                    error_kw.span(),
                    super::here(input),
                )?);
            }
            if !input.peek(Token![->]) {
                return Err(input.error(
                    "expected `->` and the node that handles the error: `on error -> handler`",
                ));
            }
            input.parse::<Token![->]>()?;
            let target = super::parse_target(input)?;
            if clauses.on_error.is_some() {
                errors.push(
                    keyword.span(),
                    format!("task `{node}` has more than one `on error` route; keep one"),
                );
            }
            clauses.on_error = Some(OnError { store, target });
            Ok(())
        }
        "compensate" => {
            let tokens = take_until(input, |cursor| {
                at_clause(cursor) || is_pair(cursor, '-', '>') || is_punct(cursor, ';')
            });
            if tokens.is_empty() {
                return Err(syn::Error::new(
                    keyword.span(),
                    "expected the call that undoes this task after `compensate`",
                ));
            }
            let call: Expr = super::parse_piece(tokens, super::here(input))?;
            let mut policy = Policy::default();
            while input.cursor().ident().is_some_and(|(ident, _)| {
                ident == "retry" || ident == "timeout" || ident == "backoff"
            }) {
                let keyword: Ident = input.parse()?;
                parse_policy_clause(input, &keyword, &mut policy, node, errors)?;
            }
            if clauses.compensate.is_some() {
                errors.push(
                    keyword.span(),
                    format!("task `{node}` has more than one `compensate` clause; keep one"),
                );
            }
            clauses.compensate = Some(Compensate { call, policy });
            Ok(())
        }
        _ => Err(syn::Error::new(
            keyword.span(),
            "expected a clause: `retry`, `timeout`, `on error` or `compensate`",
        )),
    }
}

/// `for user(..)` on a task: reported, read and dropped.
fn reject_for(input: ParseStream, node: &Ident, errors: &mut Errors) -> syn::Result<()> {
    let keyword = input
        .cursor()
        .ident()
        .map(|(ident, _)| ident)
        .expect("peeked `for`");
    errors.push(
        keyword.span(),
        format!(
            "a task takes no `for`: only a `wait` names who may complete it; to let a person decide after `{node}`, lead it to `wait decide: Decision for group(\"..\") -> next;`"
        ),
    );
    super::waits::parse_for(input).map(drop)
}

/// A duration in its largest exact unit: `48h`, `90m`, `1500ms`.
pub fn duration_text(millis: u64) -> String {
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if millis != 0 && millis.is_multiple_of(size) {
            return format!("{}{unit}", millis / size);
        }
    }
    format!("{millis}ms")
}

fn parse_policy_clause(
    input: ParseStream,
    keyword: &Ident,
    policy: &mut Policy,
    node: &Ident,
    errors: &mut Errors,
) -> syn::Result<()> {
    match keyword.to_string().as_str() {
        "retry" => {
            let count: LitInt = input.parse().map_err(|error| {
                syn::Error::new(error.span(), "expected how many times to retry: `retry 3`")
            })?;
            let retries = match count.base10_parse::<u32>() {
                Ok(0) => {
                    errors.push(
                        count.span(),
                        "`retry 0` never retries; remove the clause, or retry at least once",
                    );
                    0
                }
                Ok(retries) => retries,
                Err(_) => {
                    errors.push(
                        count.span(),
                        "expected a whole number of retries, like `retry 3`",
                    );
                    0
                }
            };
            let backoff = if input
                .cursor()
                .ident()
                .is_some_and(|(ident, _)| ident == "backoff")
            {
                input.parse::<Ident>()?;
                Some(parse_backoff(input, errors)?)
            } else {
                None
            };
            if policy.retry.is_some() {
                errors.push(
                    keyword.span(),
                    format!("`retry` is given twice for `{node}`; keep one"),
                );
            }
            policy.retry = Some(Retry { retries, backoff });
        }
        "timeout" => {
            let duration = parse_duration(input, errors)?;
            if duration.millis == 0 && !duration.malformed {
                errors.push(
                    duration.span,
                    "a zero `timeout` fails every attempt; give a positive duration",
                );
            }
            if policy.timeout.is_some() {
                errors.push(
                    keyword.span(),
                    format!("`timeout` is given twice for `{node}`; keep one"),
                );
            }
            policy.timeout = Some(duration);
        }
        _ => {
            // `backoff` only means something after `retry N`.
            errors.push(
                keyword.span(),
                "`backoff` without `retry`: say how often to retry first, like `retry 3 backoff fixed(1s)`",
            );
            parse_backoff(input, errors)?;
        }
    }
    Ok(())
}

fn parse_backoff(input: ParseStream, errors: &mut Errors) -> syn::Result<Backoff> {
    let kind: Ident = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected `fixed(DELAY)` or `exponential(INITIAL, MAX)`",
        )
    })?;
    if kind != "fixed" && kind != "exponential" {
        return Err(syn::Error::new(
            kind.span(),
            "unknown backoff; use `fixed(DELAY)` or `exponential(INITIAL, MAX)`",
        ));
    }
    let args;
    parenthesized!(args in input);
    let backoff = if kind == "fixed" {
        let delay = parse_duration(&args, errors)?;
        Backoff::Fixed {
            delay,
            jitter: false,
        }
    } else {
        let initial = parse_duration(&args, errors)?;
        args.parse::<Token![,]>()?;
        let max = parse_duration(&args, errors)?;
        if max.millis < initial.millis && !max.malformed && !initial.malformed {
            errors.push(
                max.span,
                "the maximum delay of `exponential` is shorter than its initial delay",
            );
        }
        Backoff::Exponential {
            initial,
            max,
            jitter: false,
        }
    };
    if !args.is_empty() {
        return Err(args.error("unexpected argument to the backoff"));
    }
    let jitter = input
        .cursor()
        .ident()
        .is_some_and(|(ident, _)| ident == "jitter");
    if jitter {
        input.parse::<Ident>()?;
    }
    Ok(match backoff {
        Backoff::Exponential { initial, max, .. } => Backoff::Exponential {
            initial,
            max,
            jitter,
        },
        Backoff::Fixed { delay, .. } => Backoff::Fixed { delay, jitter },
    })
}

/// `100ms`, `5s`, `2m`, `1h`.
pub fn parse_duration(input: ParseStream, errors: &mut Errors) -> syn::Result<Duration> {
    const HINT: &str = "like `100ms`, `5s`, `2m` or `1h`";
    if input.peek(syn::LitFloat) {
        let literal: syn::LitFloat = input.parse()?;
        errors.push(
            literal.span(),
            format!("malformed duration `{literal}`: use a whole number with a unit, {HINT}"),
        );
        return Ok(Duration {
            millis: 0,
            span: literal.span(),
            malformed: true,
        });
    }
    let literal: LitInt = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), format!("expected a duration, {HINT}")))?;
    let span = literal.span();
    let unit_millis = match literal.suffix() {
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" => Some(60_000),
        "h" => Some(3_600_000),
        _ => None,
    };
    let millis = unit_millis.and_then(|unit| literal.base10_parse::<u64>().ok()?.checked_mul(unit));
    match millis {
        Some(millis) => Ok(Duration {
            millis,
            span,
            malformed: false,
        }),
        None => {
            let problem = if literal.suffix().is_empty() {
                "has no unit"
            } else {
                "is not a duration"
            };
            errors.push(
                span,
                format!("malformed duration `{literal}`: it {problem}; write one {HINT}"),
            );
            Ok(Duration {
                millis: 0,
                span,
                malformed: true,
            })
        }
    }
}

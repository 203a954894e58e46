//! The static graph (`Flow::GRAPH`), its shape hash, and the generated docs.

use crate::model::{EdgeKind, Model, NodeKind};
use crate::parse::{Backoff, Duration, MatchArm, Policy, Statement, TimerWake, duration_text};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::Attribute;
use syn::spanned::Spanned;

/// The `Graph` value, as a constant expression.
pub fn graph(model: &Model) -> TokenStream {
    let name = model.def.name.to_string();
    let doc = doc_text(&model.def.attrs);
    let nodes = model.nodes.iter().map(|node| {
        let name = crate::model::name_key(node.name);
        let kind = kind_tokens(node.kind);
        let line = node.name.span().start().line as u32;
        let doc = doc_text(node.stmt.docs());
        let policies = match node.stmt {
            Statement::Task(task) => {
                let policy = &task.clauses.policy;
                let with_policy = (policy.retry.is_some() || policy.timeout.is_some()).then(|| {
                    let policy = policy_tokens(policy);
                    quote!(.with_policy(#policy))
                });
                let compensation = task.clauses.compensate.as_ref().map(|compensate| {
                    let policy = policy_tokens(&compensate.policy);
                    quote!(.with_compensation(#policy))
                });
                // Spanned at the path: a type that is not a flow is
                // reported there, as the call reports it.
                let sub_flow = task.sub_flow.as_ref().map(|path| {
                    quote_spanned!(path.span()=> .with_sub_flow(|| <#path as ::flow_runtime::Flow>::GRAPH))
                });
                quote!(#with_policy #compensation #sub_flow)
            }
            Statement::Wait(wait) => {
                let payload = source_text(&wait.payload);
                let time = wait_time(node.stmt).map(|time| quote!(.with_time(#time)));
                quote!(.with_payload(#payload) #time)
            }
            Statement::Timer(_) => {
                let time = wait_time(node.stmt);
                quote!(.with_time(#time))
            }
            _ => TokenStream::new(),
        };
        quote!(::flow_runtime::NodeInfo::new(#name, #kind, #line, #doc) #policies)
    });
    let edges = model.edges.iter().filter_map(|edge| {
        let (from, to, label) = (edge.from, edge.to?, label_tokens(edge.kind));
        Some(quote!(::flow_runtime::EdgeInfo::new(#from, #to, #label)))
    });
    let hash = shape_hash(model);
    quote! {
        ::flow_runtime::Graph::new(#name, #doc, &[#(#nodes),*], &[#(#edges),*], #hash)
    }
}

fn kind_tokens(kind: NodeKind) -> TokenStream {
    match kind {
        NodeKind::Start => quote!(::flow_runtime::NodeKind::Start),
        NodeKind::End => quote!(::flow_runtime::NodeKind::End),
        NodeKind::Task => quote!(::flow_runtime::NodeKind::Task),
        NodeKind::Xor => quote!(::flow_runtime::NodeKind::Xor),
        NodeKind::SubFlow => quote!(::flow_runtime::NodeKind::SubFlow),
        NodeKind::Or => quote!(::flow_runtime::NodeKind::Or),
        NodeKind::And => quote!(::flow_runtime::NodeKind::And),
        NodeKind::Join => quote!(::flow_runtime::NodeKind::Join),
        NodeKind::Wait => quote!(::flow_runtime::NodeKind::Wait),
        NodeKind::Timer => quote!(::flow_runtime::NodeKind::Timer),
    }
}

fn label_tokens(kind: EdgeKind) -> TokenStream {
    match kind {
        EdgeKind::Next => quote!(::flow_runtime::EdgeLabel::Next),
        EdgeKind::Branch => quote!(::flow_runtime::EdgeLabel::Branch),
        EdgeKind::When(condition) => {
            let text = source_text(condition);
            quote!(::flow_runtime::EdgeLabel::When(#text))
        }
        EdgeKind::Else => quote!(::flow_runtime::EdgeLabel::Else),
        EdgeKind::Arm(arm) => {
            let text = arm_text(arm);
            quote!(::flow_runtime::EdgeLabel::Match(#text))
        }
        EdgeKind::OnError => quote!(::flow_runtime::EdgeLabel::OnError),
        EdgeKind::Timeout => quote!(::flow_runtime::EdgeLabel::Timeout),
    }
}

/// When a timer fires or a wait times out, as `NodeInfo::time` holds it:
/// `30m`, `at(order.ship_after)`, a wait's `48h`.
pub fn wait_time(stmt: &Statement) -> Option<String> {
    match stmt {
        Statement::Wait(wait) => wait
            .timeout
            .as_ref()
            .map(|timeout| duration_text(timeout.after.millis)),
        Statement::Timer(timer) => Some(match &timer.wake {
            TimerWake::After(delay) => duration_text(delay.millis),
            TimerWake::At(deadline) => format!("at({})", source_text(deadline)),
        }),
        _ => None,
    }
}

/// A `Policy` value from `retry` / `timeout` clauses.
fn policy_tokens(policy: &Policy) -> TokenStream {
    let retry = policy.retry.as_ref().map(|retry| {
        let retries = retry.retries;
        let backoff = match &retry.backoff {
            None => quote!(::flow_runtime::Backoff::Immediate),
            Some(Backoff::Fixed { delay, jitter }) => {
                let delay = duration_tokens(*delay);
                quote!(::flow_runtime::Backoff::Fixed { delay: #delay, jitter: #jitter })
            }
            Some(Backoff::Exponential { initial, max, jitter }) => {
                let (initial, max) = (duration_tokens(*initial), duration_tokens(*max));
                quote!(::flow_runtime::Backoff::Exponential { initial: #initial, max: #max, jitter: #jitter })
            }
        };
        quote!(.with_retry(::flow_runtime::Retry::new(#retries, #backoff)))
    });
    let timeout = policy.timeout.map(|timeout| {
        let timeout = duration_tokens(timeout);
        quote!(.with_timeout(#timeout))
    });
    quote!(::flow_runtime::Policy::new() #retry #timeout)
}

fn duration_tokens(duration: Duration) -> TokenStream {
    let millis = duration.millis;
    quote!(::core::time::Duration::from_millis(#millis))
}

/// `Pattern` or `Pattern if guard`, as written.
pub fn arm_text(arm: &MatchArm) -> String {
    match &arm.guard {
        Some(guard) => format!("{} if {}", source_text(&arm.pat), source_text(guard)),
        None => source_text(&arm.pat),
    }
}

/// The text of a user expression or pattern as written, or its tokens
/// printed when the source is not available.
pub fn source_text(tokens: &impl ToTokens) -> String {
    let tokens = tokens.to_token_stream();
    let mut spans = tokens.clone().into_iter().map(|tree| tree.span());
    let joined = spans
        .next()
        .and_then(|first| spans.try_fold(first, |acc, span| acc.join(span)));
    joined
        .and_then(|span| span.source_text())
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| tidy(&tokens.to_string()))
}

/// Tokens printed by `proc_macro2` are spaced apart (`Stock :: Out (n)`);
/// this closes the gaps a person would not write (`Stock::Out(n)`).
fn tidy(printed: &str) -> String {
    let mut text = printed.to_owned();
    for (spaced, tight) in [
        (" :: ", "::"),
        (" . ", "."),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" [", "["),
        ("[ ", "["),
        (" ]", "]"),
        (" ,", ","),
        ("& ", "&"),
        ("! ", "!"),
    ] {
        text = text.replace(spaced, tight);
    }
    // A `*` that dereferences (at the start, or after an operator or `if`).
    let words: Vec<&str> = text.split(' ').collect();
    let mut tidied = String::new();
    for (index, word) in words.iter().enumerate() {
        let previous = index.checked_sub(1).map(|i| words[i]);
        let unary = *word == "*"
            && previous
                .is_none_or(|p| p == "if" || p.ends_with(|c: char| "=<>|&(,!+-*/%".contains(c)));
        tidied.push_str(word);
        if index + 1 < words.len() && !unary {
            tidied.push(' ');
        }
    }
    tidied
}

/// The text of the `///` comments among `attrs`, one line each.
pub fn doc_text(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n")
}

/// FNV-1a (64-bit) over a canonical text of the graph's shape: node kinds and
/// names (with a task's `compensate`, a wait's payload type as its tokens
/// print and its timeout, a timer's delay), then edges by index with their
/// kind. Stable across compilers and platforms, unlike `std::hash`. A
/// deadline's expression (`at(..)`), like a condition, does not count.
pub fn shape_hash(model: &Model) -> u64 {
    let mut text = String::new();
    for node in &model.nodes {
        text.push_str(&format!(
            "{} {}",
            node.kind.keyword(),
            crate::model::name_key(node.name)
        ));
        match node.stmt {
            Statement::Task(task) if task.clauses.compensate.is_some() => {
                text.push_str(" compensate");
            }
            Statement::Wait(wait) => {
                let payload = wait.payload.to_token_stream().to_string();
                text.push_str(&format!(": {payload}"));
                if let Some(timeout) = &wait.timeout {
                    text.push_str(&format!(" timeout {}ms", timeout.after.millis));
                }
            }
            Statement::Timer(timer) => match &timer.wake {
                TimerWake::After(delay) => text.push_str(&format!(" = {}ms", delay.millis)),
                TimerWake::At(_) => text.push_str(" = at"),
            },
            _ => {}
        }
        text.push(';');
    }
    for edge in &model.edges {
        let kind = edge.kind.keyword();
        let to = edge.to.map_or(-1, |to| to as i64);
        text.push_str(&format!("{}>{}:{};", edge.from, to, kind));
    }
    fnv1a(text.as_bytes())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn printed_tokens_are_tidied() {
        assert_eq!(tidy("Stock :: Available"), "Stock::Available");
        assert_eq!(
            tidy("Stock :: Out (n) if * n > 3"),
            "Stock::Out(n) if *n > 3"
        );
        assert_eq!(tidy("Held (_) | Paid (_)"), "Held(_) | Paid(_)");
        assert_eq!(tidy("a * b"), "a * b");
        assert_eq!(tidy("& order . items [0]"), "&order.items[0]");
    }
}

//! Unit tests of the graph checks: one group per pass, then the passes
//! together through [`super::check`].
//!
//! Each flow is written as source text rather than with `quote!`: `quote!`
//! gives every token `Span::call_site()`, while parsing text gives each token
//! its line and column, so a test can say where an error lands. An error is
//! rendered as ``line:column `source text of its span`: message``, which
//! checks the message, the position and the token underlined in one string.
//! Line 1 is the flow's header.

use crate::errors::Errors;
use crate::model::Model;
use crate::parse::parse_flow;
use proc_macro2::TokenStream;

type Pass = fn(&Model, &mut Errors);

/// Parses `source`, which must be free of syntax errors, runs `pass` over its
/// model and renders what it reports, in source order.
fn run(pass: Pass, source: &str) -> Vec<String> {
    let tokens: TokenStream = source.parse().expect("the test flow lexes");
    let mut syntax = Errors::new();
    let def = parse_flow(tokens, &mut syntax).expect("the test flow's header parses");
    let syntax = render(syntax);
    assert!(
        syntax.is_empty(),
        "the test flow has syntax errors: {syntax:#?}"
    );
    let model = Model::build(&def);
    let mut errors = Errors::new();
    pass(&model, &mut errors);
    render(errors)
}

/// Every pass, as the macro runs them.
fn check(source: &str) -> Vec<String> {
    run(super::check, source)
}

fn render(errors: Errors) -> Vec<String> {
    errors
        .into_sorted()
        .iter()
        .map(|error| {
            let span = error.span();
            let start = span.start();
            let text = span
                .source_text()
                .unwrap_or_else(|| "<call site>".to_owned());
            format!("{}:{} `{}`: {}", start.line, start.column, text, error)
        })
        .collect()
}

/// A flow that breaks no rule: every node kind, a match route, a loop with a
/// way out, doc comments.
const VALID: &str = "flow Order(order: Order) {
    start -> validate;
    /// Rejects empty orders.
    task validate = steps::validate(&order) -> check_stock;
    task check_stock = steps::check_stock(&order.items) => order.stock -> match {
        Stock::Available => approval,
        Stock::OutOfStock(_) => backorder,
    };
    xor approval {
        order.amount > 1000 => manual_approval,
        else => pay,
    }
    task manual_approval = steps::approve(&order) -> decision;
    wait decision: Decision => order.decision
        for user(order.owner.clone()), group(\"manager\")
        timeout 48h -> remind
        -> retry;
    task remind = steps::remind(&order) -> decision;
    xor retry {
        order.approval.is_none() => manual_approval,
        else => pay,
    }
    task pay = steps::charge(&order) => order.payment -> cool_off;
    timer cool_off = 30m -> ship_day;
    timer ship_day = at(order.ship_after) -> fulfilled;
    task backorder = steps::backorder(&order) -> backordered;
    /// Paid.
    end fulfilled;
    end backordered;
}";

#[test]
fn a_valid_flow_breaks_no_rule() {
    assert_eq!(check(VALID), Vec::<String>::new());
}

#[test]
fn each_pass_accepts_a_valid_flow() {
    let passes: [(&str, Pass); 14] = [
        ("exactly_one_start", super::start::exactly_one_start),
        ("one_edge_out_none_in", super::start::one_edge_out_none_in),
        ("at_least_one_end", super::ends::at_least_one_end),
        ("no_edge_out_of_an_end", super::ends::no_edge_out_of_an_end),
        ("unique_names", super::names::unique_names),
        ("defined_targets", super::names::defined_targets),
        ("distinct_variants", super::names::distinct_variants),
        (
            "one_successor_per_task",
            super::successors::one_successor_per_task,
        ),
        ("xor_has_else_last", super::gateways::xor_has_else_last),
        (
            "reachable_from_start",
            super::reachability::reachable_from_start,
        ),
        (
            "every_node_reaches_an_end",
            super::termination::every_node_reaches_an_end,
        ),
        (
            "durations_are_positive",
            super::waits::durations_are_positive,
        ),
        ("clauses_fit_the_node", super::waits::clauses_fit_the_node),
        ("at_most_one_user", super::waits::at_most_one_user),
    ];
    for (name, pass) in passes {
        assert_eq!(run(pass, VALID), Vec::<String>::new(), "pass `{name}`");
    }
}

mod ends;
mod gateways;
mod names;
mod reachability;
mod start;
mod successors;
mod termination;
mod together;
mod waits;

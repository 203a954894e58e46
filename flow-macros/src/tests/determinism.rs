//! Same input, same tokens; and the shape hash (`Graph::new`'s last
//! argument, `Flow::GRAPH.hash()`) moves with the shape of the graph only.

use super::{compile_errors, lex, run_pipeline};
use proc_macro2::{TokenStream, TokenTree};

const FLOW: &str = "/// Approves large orders.
flow Order(order: Order) {
    start -> validate;
    /// Rejects empty orders.
    task validate = steps::validate(&order) -> approval;
    xor approval {
        order.amount > 1000 => manual,
        else => pay,
    }
    task manual = steps::approve(&order) -> pay;
    task pay = steps::charge(&order) => order.payment -> match {
        Payment::Done => done,
        Payment::Declined(_) => declined,
    };
    end done;
    end declined;
}";

fn expand(source: &str) -> TokenStream {
    let output = run_pipeline(lex(source)).expect("the pipeline does not panic");
    let errors: Vec<String> = compile_errors(&output)
        .iter()
        .map(|error| error.describe())
        .collect();
    assert_eq!(
        errors,
        Vec::<String>::new(),
        "the flow should be valid:\n{source}"
    );
    output
}

/// The last argument of `::flow_runtime::Graph::new(..)` in `output`.
fn flow_hash(source: &str) -> u64 {
    let hashes = graph_hashes(expand(source));
    assert_eq!(hashes.len(), 1, "one `Graph::new` call in the output");
    hashes[0]
}

fn graph_hashes(tokens: TokenStream) -> Vec<u64> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut hashes = Vec::new();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            // `Graph` `::` `new` `( .. )`: the colons are two tokens.
            TokenTree::Ident(ident)
                if ident == "Graph"
                    && let (Some(TokenTree::Ident(new)), Some(TokenTree::Group(arguments))) =
                        (trees.get(index + 3), trees.get(index + 4))
                    && new == "new" =>
            {
                let last = arguments.stream().into_iter().last();
                let Some(TokenTree::Literal(hash)) = last else {
                    panic!("`Graph::new` does not end in a literal: {arguments}")
                };
                let hash = syn::parse_str::<syn::LitInt>(&hash.to_string())
                    .and_then(|literal| literal.base10_parse())
                    .expect("the hash is an integer literal");
                hashes.push(hash);
            }
            TokenTree::Group(group) => hashes.extend(graph_hashes(group.stream())),
            _ => {}
        }
    }
    hashes
}

#[test]
fn the_same_input_expands_to_the_same_tokens() {
    let tokens = lex(FLOW);
    let first = run_pipeline(tokens.clone()).unwrap().to_string();
    let second = run_pipeline(tokens).unwrap().to_string();
    assert_eq!(first, second);
    // Lexed again, the tokens get other spans; the output must not change.
    let third = run_pipeline(lex(FLOW)).unwrap().to_string();
    assert_eq!(first, third);
}

#[test]
fn the_same_broken_input_reports_the_same_tokens() {
    let broken = FLOW
        .replace("-> approval", "-> aproval")
        .replace("else => pay,", "");
    let first = run_pipeline(lex(&broken)).unwrap().to_string();
    let second = run_pipeline(lex(&broken)).unwrap().to_string();
    assert_eq!(first, second);
}

#[test]
fn the_hash_is_stable_across_expansions() {
    assert_eq!(flow_hash(FLOW), flow_hash(FLOW));
}

#[test]
fn the_hash_ignores_conditions_docs_and_whitespace() {
    let base = flow_hash(FLOW);
    let unchanged = [
        (
            "a condition",
            FLOW.replace("order.amount > 1000", "order.amount >= 5_000 && order.vip"),
        ),
        (
            "a doc comment",
            FLOW.replace("Rejects empty orders.", "Refuses orders without items."),
        ),
        (
            "a removed doc comment",
            FLOW.replace("/// Rejects empty orders.\n", ""),
        ),
        (
            "a flow doc comment",
            FLOW.replace("/// Approves large orders.\n", ""),
        ),
        (
            "whitespace",
            FLOW.replace("    ", "\t\t")
                .replace(" -> ", "->")
                .replace(" => ", "  =>  "),
        ),
        (
            "line breaks",
            FLOW.replace(";\n", ";\n\n\n").replace("{\n", "{\n\n"),
        ),
    ];
    for (change, source) in unchanged {
        assert_eq!(
            flow_hash(&source),
            base,
            "changing {change} changed the hash:\n{source}"
        );
    }
}

#[test]
fn the_hash_follows_renamed_nodes_and_rewired_edges() {
    let base = flow_hash(FLOW);
    let changed = [
        ("a renamed task", FLOW.replace("manual", "manual_approval")),
        ("a renamed end", FLOW.replace("declined", "refused")),
        ("a rewired xor branch", FLOW.replace("else => pay", "else => manual")),
        ("a rewired task edge", FLOW.replace("steps::approve(&order) -> pay", "steps::approve(&order) -> done")),
        (
            "swapped match arms",
            FLOW.replace("Payment::Done => done", "Payment::Done => declined")
                .replace("Payment::Declined(_) => declined", "Payment::Declined(_) => done"),
        ),
        (
            "an xor branch turned into a task's edge",
            FLOW.replace(
                "xor approval {\n        order.amount > 1000 => manual,\n        else => pay,\n    }",
                "task approval = steps::route(&order) -> manual;",
            ),
        ),
    ];
    for (change, source) in changed {
        assert_ne!(source, FLOW, "the replacement for {change} did not apply");
        assert_ne!(
            flow_hash(&source),
            base,
            "changing {change} kept the hash:\n{source}"
        );
    }
}

/// A flow with a compensable task, a wait and two timers.
const PARKING: &str = "flow Order(order: Order) {
    start -> pay;
    task pay = steps::charge(&order) compensate steps::refund(&order) -> approval;
    wait approval: Approval => order.approval timeout 48h -> escalate -> cool_off;
    task escalate = steps::escalate(&order) -> approval;
    timer cool_off = 30m -> ship_day;
    timer ship_day = at(order.ship_after) -> done;
    end done;
}";

#[test]
fn the_hash_follows_compensation() {
    let with = flow_hash(PARKING);
    let without = flow_hash(&PARKING.replace(" compensate steps::refund(&order)", ""));
    assert_ne!(with, without, "losing `compensate` kept the hash");
    // And the other way round: a task gaining `compensate`.
    let gained = FLOW.replace(
        "steps::approve(&order) -> pay",
        "steps::approve(&order) compensate steps::disapprove(&order) -> pay",
    );
    assert_ne!(gained, FLOW);
    assert_ne!(
        flow_hash(&gained),
        flow_hash(FLOW),
        "gaining `compensate` kept the hash"
    );
    // What the compensation calls is not the shape.
    let other_call = PARKING.replace("steps::refund(&order)", "steps::credit(&order.payment)");
    assert_eq!(flow_hash(&other_call), with);
}

#[test]
fn the_hash_follows_payload_types_and_durations() {
    let base = flow_hash(PARKING);
    let changed = [
        (
            "a payload type",
            PARKING.replace(": Approval", ": Decision"),
        ),
        (
            "a generic payload type",
            PARKING.replace(": Approval", ": Option<Approval>"),
        ),
        ("a timeout", PARKING.replace("timeout 48h", "timeout 24h")),
        (
            "a dropped timeout",
            PARKING
                .replace("timeout 48h -> escalate ", "")
                .replace("task escalate = steps::escalate(&order) -> approval;", ""),
        ),
        ("a timer's delay", PARKING.replace("= 30m", "= 31m")),
        (
            "a delay turned into a deadline",
            PARKING.replace("= 30m", "= at(order.cool_until)"),
        ),
        (
            "a wait turned into a timer",
            PARKING
                .replace(
                    "wait approval: Approval => order.approval timeout 48h -> escalate",
                    "timer approval = 1h",
                )
                .replace("task escalate = steps::escalate(&order) -> approval;", ""),
        ),
    ];
    for (change, source) in changed {
        assert_ne!(
            source, PARKING,
            "the replacement for {change} did not apply"
        );
        assert_ne!(
            flow_hash(&source),
            base,
            "changing {change} kept the hash:\n{source}"
        );
    }
    let unchanged = [
        (
            "a deadline's expression",
            PARKING.replace("at(order.ship_after)", "at(order.ship_after + DAY)"),
        ),
        (
            "the same timeout in other units",
            PARKING.replace("timeout 48h", "timeout 2880m"),
        ),
        (
            "where the payload is stored",
            PARKING.replace("=> order.approval", "=> order.decision"),
        ),
        (
            "the payload's spacing",
            PARKING.replace(": Approval", ":   Approval"),
        ),
    ];
    for (change, source) in unchanged {
        assert_ne!(
            source, PARKING,
            "the replacement for {change} did not apply"
        );
        assert_eq!(
            flow_hash(&source),
            base,
            "changing {change} changed the hash:\n{source}"
        );
    }
}

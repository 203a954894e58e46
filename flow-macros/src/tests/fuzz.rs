//! Property: whatever tokens the macro is given, it returns either the
//! flow's items or `compile_error!`s (with the fallback items), and never
//! panics.
//!
//! Inputs are token soups built from the DSL's own fragments, the same soups
//! inside a flow's body, statement-shaped soups (a keyword, a soup, a `;`),
//! and a valid flow mutated by deleting, duplicating, swapping, replacing and
//! inserting tokens. The seed is fixed so a run is repeatable; set
//! `PROPTEST_RNG_SEED` and `PROPTEST_CASES` to explore further.

use super::{compile_errors, parse_file, run_pipeline};
use proc_macro2::TokenStream;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Pieces of the DSL and of the Rust that goes inside it.
const FRAGMENTS: &[&str] = &[
    // Keywords of the DSL and of its clauses.
    "flow",
    "start",
    "end",
    "task",
    "xor",
    "or",
    "and",
    "join",
    "match",
    "else",
    "if",
    "pub",
    "retry",
    "timeout",
    "on",
    "error",
    "compensate",
    "backoff",
    "fixed",
    "exponential",
    "jitter",
    "wait",
    "timer",
    "for",
    "user",
    "group",
    "at",
    // Names.
    "Order",
    "order",
    "a",
    "b",
    "done",
    "steps",
    "start_",
    "Start",
    "r#type",
    "café",
    "__flow_node",
    // Punctuation.
    "->",
    "=>",
    ";",
    ",",
    ":",
    "::",
    "=",
    ".",
    "&",
    "+",
    "!",
    "#",
    "?",
    "|",
    "<",
    ">",
    "*",
    "'a",
    "_",
    // Literals.
    "0",
    "3",
    "100ms",
    "5s",
    "0s",
    "48h",
    "\"text\"",
    "'c'",
    "true",
    // Expressions, patterns and whole pieces.
    "steps::a(&order)",
    "order.amount > 1000",
    "order.stock",
    "Some(x)",
    "Ok(_)",
    "|x| x",
    "/// doc\n",
    "#[doc = \"x\"]",
    "(order: Order)",
    "-> match { _ => done }",
    "{ else => done }",
    "user(order.owner.clone())",
    "group(\"manager\")",
    "at(order.deadline)",
    ": Approval",
    "timeout 48h -> done",
];

/// A valid flow, one token per whitespace-separated word, so mutations can
/// work on words and the result still lexes as the same tokens.
const VALID: &str = "flow Order ( order : Order ) { \
    start -> validate ; \
    task validate = steps :: validate ( & order ) -> check_stock ; \
    task check_stock = steps :: check_stock ( & order ) => order . stock -> match { \
        Stock :: Available => approval , \
        Stock :: OutOfStock ( _ ) => backorder , \
    } ; \
    xor approval { order . amount > 1000 => manual , else => pay , } \
    task manual = steps :: approve ( & order ) => order . approval -> pay ; \
    task pay = steps :: charge ( & order ) -> decide ; \
    wait decide : Approval => order . approval for user ( order . owner ) , group ( \"manager\" ) \
        timeout 48h -> remind -> cool_off ; \
    task remind = steps :: remind ( & order ) -> decide ; \
    timer cool_off = 30m -> ship_day ; \
    timer ship_day = at ( order . ship_after ) -> done ; \
    task backorder = steps :: backorder ( & order ) -> backordered ; \
    end done ; \
    end backordered ; \
}";

/// Balanced token soups: fragments and groups of soups.
fn soup() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(FRAGMENTS).prop_map(str::to_owned);
    leaf.prop_recursive(4, 64, 8, |inner| {
        (
            prop::sample::select(&[("{", "}"), ("(", ")"), ("[", "]"), ("", "")][..]),
            prop::collection::vec(inner, 0..8),
        )
            .prop_map(|((open, close), parts)| format!("{open} {} {close}", parts.join(" ")))
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(prop::sample::Index),
    Duplicate(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
    Replace(prop::sample::Index, &'static str),
    Insert(prop::sample::Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = || prop::sample::select(FRAGMENTS);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        any::<prop::sample::Index>().prop_map(Mutation::Duplicate),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<prop::sample::Index>(), fragment()).prop_map(|(at, f)| Mutation::Replace(at, f)),
        (any::<prop::sample::Index>(), fragment()).prop_map(|(at, f)| Mutation::Insert(at, f)),
    ]
}

/// `VALID` with the mutations applied, word by word.
fn mutated(mutations: &[Mutation]) -> String {
    let mut words: Vec<&str> = VALID.split_whitespace().collect();
    for mutation in mutations {
        if words.is_empty() {
            break;
        }
        match *mutation {
            Mutation::Delete(at) => {
                words.remove(at.index(words.len()));
            }
            Mutation::Duplicate(at) => {
                let at = at.index(words.len());
                words.insert(at, words[at]);
            }
            Mutation::Swap(a, b) => {
                let (a, b) = (a.index(words.len()), b.index(words.len()));
                words.swap(a, b);
            }
            Mutation::Replace(at, fragment) => {
                let at = at.index(words.len());
                words[at] = fragment;
            }
            Mutation::Insert(at, fragment) => {
                let at = at.index(words.len() + 1);
                words.insert(at, fragment);
            }
        }
    }
    words.join(" ")
}

/// Statement-shaped soups: a keyword, a soup, a `;`.
fn statements() -> impl Strategy<Value = String> {
    let keyword = prop::sample::select(
        &[
            "start",
            "end",
            "task",
            "xor",
            "or",
            "and",
            "join",
            "flow",
            "wait",
            "timer",
            "///doc\n task",
        ][..],
    );
    prop::collection::vec((keyword, soup()), 0..8).prop_map(|statements| {
        statements
            .iter()
            .map(|(keyword, soup)| format!("{keyword} {soup} ;"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        soup(),
        soup().prop_map(|body| format!("flow Order(order: Order) {{ {body} }}")),
        statements().prop_map(|body| format!("flow Order(order: Order) {{ {body} }}")),
        prop::collection::vec(mutation(), 1..5).prop_map(|mutations| mutated(&mutations)),
    ]
}

/// 256 cases from a fixed seed, unless `PROPTEST_CASES` or
/// `PROPTEST_RNG_SEED` say otherwise; no regression files in the source tree.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    // About one mutated flow in ten unbalances a delimiter and is rejected.
    config.max_global_rejects = config.max_global_rejects.max(config.cases);
    if let RngSeed::Random = config.rng_seed {
        config.rng_seed = RngSeed::Fixed(0x_f10f_10f1);
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_pipeline_never_panics(source in input()) {
        // Mutations may unbalance a delimiter; rustc would never hand the
        // macro such an input.
        let Ok(tokens) = source.parse::<TokenStream>() else {
            return Err(TestCaseError::reject("does not lex"));
        };
        let output = run_pipeline(tokens)
            .map_err(|panic| TestCaseError::fail(format!("the pipeline panicked: {panic}")))?;
        let file = parse_file(&output);
        let errors = compile_errors(&output);
        prop_assert!(
            !errors.is_empty() || implements_flow(&file),
            "neither errors nor the flow's items:\n{output}"
        );
    }
}

/// Does `file` hold `impl ::flow_runtime::Flow for ..` (inside `const _: () = { .. };`)?
fn implements_flow(file: &syn::File) -> bool {
    file.items.iter().any(|item| {
        let syn::Item::Const(constant) = item else {
            return false;
        };
        let syn::Expr::Block(block) = &*constant.expr else {
            return false;
        };
        block.block.stmts.iter().any(|stmt| {
            matches!(stmt, syn::Stmt::Item(syn::Item::Impl(implementation))
            if implementation.trait_.as_ref().is_some_and(|(_, path, _)| {
                path.segments.last().is_some_and(|segment| segment.ident == "Flow")
            }))
        })
    })
}

#[test]
fn the_valid_flow_of_the_mutations_expands() {
    let output = run_pipeline(VALID.parse().unwrap()).unwrap();
    assert!(implements_flow(&parse_file(&output)));
    let errors: Vec<String> = compile_errors(&output)
        .iter()
        .map(|error| error.describe())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
}

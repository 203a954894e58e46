//! Large flows: the expansion of a flow of thousands of nodes is one
//! function per node, and `Flow::step` only dispatches, so rustc's work on
//! it grows with the flow's size (see `benches/compile_time/`). The time the
//! macro itself takes is printed:
//!
//! ```text
//! cargo test -p flow-macros --lib tests::size -- --nocapture
//! ```

use super::{compile_errors, lex, run_pipeline};
use proc_macro2::{TokenStream, TokenTree};
use std::time::Instant;

/// `start`, `n` tasks each bumping `c.count`, `done`.
fn linear_flow(n: usize) -> String {
    let mut source = String::from("flow Large(c: Counters) {\n    start -> t0;\n");
    for i in 0..n {
        let next = if i + 1 < n {
            format!("t{}", i + 1)
        } else {
            "done".to_owned()
        };
        source.push_str(&format!(
            "    task t{i} = steps::bump(c.count) => c.count -> {next};\n"
        ));
    }
    source.push_str("    end done;\n}\n");
    source
}

/// How often `ident` occurs in `tokens`, at any depth.
fn count_ident(tokens: TokenStream, ident: &str) -> usize {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(found) if found == ident => 1,
            TokenTree::Group(group) => count_ident(group.stream(), ident),
            _ => 0,
        })
        .sum()
}

/// Every identifier starting with `prefix` in `tokens`, at any depth.
fn idents_with_prefix(tokens: TokenStream, prefix: &str, found: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) if ident.to_string().starts_with(prefix) => {
                found.push(ident.to_string());
            }
            TokenTree::Group(group) => idents_with_prefix(group.stream(), prefix, found),
            _ => {}
        }
    }
}

#[test]
fn a_flow_of_two_thousand_tasks_is_a_function_per_task() {
    let source = linear_flow(2000);
    let input = lex(&source);
    let started = Instant::now();
    let output = run_pipeline(input).expect("the pipeline does not panic");
    let elapsed = started.elapsed();
    println!("flow! on 2000 tasks: {:.3} s", elapsed.as_secs_f64());
    assert!(compile_errors(&output).is_empty(), "the flow is valid");

    let mut functions = Vec::new();
    idents_with_prefix(output.clone(), "__flow_node_", &mut functions);
    // Each task's function is defined once and called once, by `step`.
    assert_eq!(functions.len(), 2 * 2000);
    assert_eq!(
        functions
            .iter()
            .filter(|name| *name == "__flow_node_t1999")
            .count(),
        2
    );
    // Only the tasks' functions await, each its step (or the mock standing
    // in for it), and `run` the runtime: `step` is no coroutine.
    assert_eq!(count_ident(output.clone(), "await"), 2 * 2000 + 1);
    assert_eq!(count_ident(output, "async"), 2000 + 1);
}

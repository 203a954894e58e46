//! A corpus of malformed `flow!` inputs, one test each, named after the
//! mistake. For every input the pipeline must not panic, must emit at least
//! one `compile_error!`, must put every error on a real token (never on
//! `Span::call_site()`, which rustc shows as the whole macro call), and must
//! still emit valid Rust (the errors and the fallback skeleton).

use super::{compile_errors, lex, parse_file, run_pipeline};

/// Runs the pipeline on `source` and checks the four promises above.
fn assert_reported_on_real_tokens(source: &str) {
    let errors = assert_reported(source);
    let on_call_site: Vec<String> = errors
        .iter()
        .filter(|error| error.is_on_call_site())
        .map(|error| error.describe())
        .collect();
    assert!(
        on_call_site.is_empty(),
        "errors on the call site instead of a token: {on_call_site:#?}\ninput:\n{source}"
    );
}

/// No panic, at least one `compile_error!`, valid Rust; returns the errors.
fn assert_reported(source: &str) -> Vec<super::CompileError> {
    let output = run_pipeline(lex(source))
        .unwrap_or_else(|panic| panic!("the pipeline panicked: {panic}\ninput:\n{source}"));
    let errors = compile_errors(&output);
    assert!(
        !errors.is_empty(),
        "no `compile_error!` for a malformed input:\n{source}\noutput:\n{output}"
    );
    parse_file(&output);
    errors
}

/// A header and a body that is fine on its own, for inputs that break one statement.
fn flow_with(statements: &str) -> String {
    format!("flow Order(order: Order) {{\n    start -> first;\n{statements}\n    end done;\n}}")
}

macro_rules! malformed {
    ($($name:ident: $source:expr,)*) => {
        /// The names of the generated tests.
        const CORPUS: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            fn $name() {
                assert_reported_on_real_tokens(&$source);
            }
        )*
    };
}

// An empty input (or one that is only comments) has no token to point at:
// the call site, the whole `flow! {}`, is the only span there is.
#[test]
fn empty_input() {
    assert_reported("");
}

#[test]
fn only_comments() {
    assert_reported("// a flow will go here\n/* one day */");
}

#[test]
fn the_corpus_is_large_enough() {
    assert!(CORPUS.len() >= 60, "only {} malformed inputs", CORPUS.len());
}

malformed! {
    and_without_name: flow_with("    and -> a, b;"),
    and_without_edges: flow_with("    and split;"),
    and_with_trailing_comma: flow_with("    and split -> a, ;"),
    join_without_edge: flow_with("    join joined;"),
    join_with_clause: flow_with("    join joined -> done timeout 5s;"),
    or_without_braces: flow_with("    or split -> a, b;"),
    or_with_empty_body: flow_with("    or split {}"),
    sub_flow_without_call: flow_with("    flow child = ;"),
    sub_flow_with_two_arguments: flow_with("    flow child = Child(a, b) -> done;"),
    sub_flow_method_call: flow_with("    flow child = order.child() -> done;"),
    sub_flow_without_equals: flow_with("    flow child Child(order) -> done;"),
    sub_flow_with_value_type: flow_with("    flow first: u32 = Child(order) -> done;"),
    value_type_missing: flow_with("    task first: = steps::first() -> done;"),
    value_type_not_a_type: flow_with("    task first: 5 = steps::first() -> done;"),
    value_type_without_equals: flow_with("    task first: u32 steps::first() -> done;"),
    split_into_end: "flow F(o: O) { start -> s; and s -> done, other; end done; end other; }",
    join_alone: "flow F(o: O) { start -> j; join j -> done; end done; }",
    split_loop_to_itself: "flow F(o: O) { start -> s; and s -> s, j; join j -> done; end done; }",
    nested_join_shared: "flow F(o: O) { start -> s; and s -> t, j; and t -> a, j; task a = f() -> j; join j -> done; end done; }",
    // `wait` and `timer`.
    wait_without_name: flow_with("    wait : Approval -> done;"),
    wait_without_type: flow_with("    wait approve -> done;"),
    wait_colon_without_type: flow_with("    wait approve: -> done;"),
    wait_type_is_garbage: flow_with("    wait approve: + -> done;"),
    wait_store_without_place: flow_with("    wait approve: Approval => -> done;"),
    wait_store_into_a_call: flow_with("    wait approve: Approval => order.get() -> done;"),
    wait_for_without_who: flow_with("    wait approve: Approval for -> done;"),
    wait_for_unknown_who: flow_with("    wait approve: Approval for role(\"manager\") -> done;"),
    wait_for_user_without_parentheses: flow_with("    wait approve: Approval for user -> done;"),
    wait_for_empty_user: flow_with("    wait approve: Approval for user() -> done;"),
    wait_for_trailing_comma: flow_with("    wait approve: Approval for group(\"a\"), -> done;"),
    wait_timeout_without_route: flow_with("    wait approve: Approval timeout 48h;"),
    wait_timeout_without_duration: flow_with("    wait approve: Approval timeout -> late -> done; task late = f() -> done;"),
    wait_timeout_without_unit: flow_with("    wait approve: Approval timeout 48 -> late -> done; task late = f() -> done;"),
    wait_timeout_twice: flow_with("    wait approve: Approval timeout 1h -> done timeout 2h -> done -> done;"),
    wait_without_semicolon: "flow Order(order: Order) { start -> approve; wait approve: Approval -> done end done; }",
    wait_with_match_route: flow_with("    wait approve: Approval -> match { _ => done };"),
    timer_without_name: flow_with("    timer = 30m -> done;"),
    timer_without_equals: flow_with("    timer t 30m -> done;"),
    timer_without_time: flow_with("    timer t = -> done;"),
    timer_fractional: flow_with("    timer t = 1.5h -> done;"),
    timer_at_without_parentheses: flow_with("    timer t = at order.deadline -> done;"),
    timer_at_empty: flow_with("    timer t = at() -> done;"),
    timer_at_garbage: flow_with("    timer t = at(+) -> done;"),
    timer_is_an_expression: flow_with("    timer t = order.deadline -> done;"),
    timer_with_store: flow_with("    timer t = 5s => order.fired -> done;"),
    for_on_a_task: flow_with("    task first = steps::first(&order) for user(\"x\") -> done;"),
    for_on_an_end: "flow Order(order: Order) { start -> done; end done for group(\"x\"); }",

    // The header.
    flow_keyword_only: "flow",
    flow_without_context: "flow Order",
    flow_without_body: "flow Order(order: Order)",
    visibility_only: "pub",
    doc_comment_only: "/// An order process.",
    attribute_only: "#[derive(Debug)]",
    missing_flow_keyword: "Order(order: Order) { start -> done; end done; }",
    misspelt_flow_keyword: "flwo Order(order: Order) { start -> done; end done; }",
    raw_flow_keyword: "r#flow Order(order: Order) { start -> done; end done; }",
    flow_name_is_a_literal: "flow 42(order: Order) { start -> done; end done; }",
    flow_name_is_a_keyword: "flow fn(order: Order) { start -> done; end done; }",
    flow_with_generics: "flow Order<T>(order: T) { start -> done; end done; }",
    empty_context: "flow Order() { start -> done; end done; }",
    context_without_type: "flow Order(order) { start -> done; end done; }",
    context_without_colon: "flow Order(order Order) { start -> done; end done; }",
    context_type_missing: "flow Order(order:) { start -> done; end done; }",
    context_type_is_garbage: "flow Order(order: + +) { start -> done; end done; }",
    context_name_is_self: "flow Order(self: Order) { start -> done; end done; }",
    three_parameters: "flow Order(order: Order, step: &Step, user: User) { start -> done; end done; }",
    context_in_brackets: "flow Order[order: Order] { start -> done; end done; }",
    body_in_parentheses: "flow Order(order: Order) ( start -> done; end done; )",
    body_without_braces: "flow Order(order: Order) start -> done; end done;",
    tokens_after_the_body: "flow Order(order: Order) { start -> done; end done; } extra",
    semicolon_after_the_body: "flow Order(order: Order) { start -> done; end done; };",
    two_flows_in_one_call: "flow A(a: A) { start -> done; end done; } flow B(b: B) { start -> done; end done; }",
    bad_visibility: "pub(nowhere) flow Order(order: Order) { start -> done; end done; }",

    // Statements that do not start with a keyword.
    empty_body: "flow Order(order: Order) {}",
    misspelt_statement_keyword: flow_with("    tsak first = steps::first(&order) -> done;"),
    stray_semicolons: flow_with("    ;;; task first = steps::first(&order) -> done;"),
    stray_literal: flow_with("    42 task first = steps::first(&order) -> done;"),
    lone_arrow: flow_with("    -> first; task first = steps::first(&order) -> done;"),
    lone_fat_arrow: flow_with("    => first; task first = steps::first(&order) -> done;"),
    attribute_on_a_node: flow_with("    #[inline] task first = steps::first(&order) -> done;"),
    doc_comment_on_start: "flow Order(order: Order) { /// Begins.\n start -> done; end done; }",
    dangling_doc_comment: "flow Order(order: Order) { start -> done; end done; /// Nothing follows.\n }",

    // `start` and `end`.
    start_arrow_without_target: "flow Order(order: Order) { start -> ; end done; }",
    start_target_is_a_literal: "flow Order(order: Order) { start -> 1; end done; }",
    start_with_fat_arrow: "flow Order(order: Order) { start => done; end done; }",
    start_trailing_comma: "flow Order(order: Order) { start -> done, ; end done; }",
    last_statement_without_semicolon: "flow Order(order: Order) { start -> done; end done }",
    end_without_name: "flow Order(order: Order) { start -> done; end; end done; }",
    end_name_is_a_string: "flow Order(order: Order) { start -> done; end \"done\"; }",
    end_with_a_body: "flow Order(order: Order) { start -> done; end done { } }",
    end_keyword_last: "flow Order(order: Order) { start -> done; end done; end }",

    // `task`.
    task_without_name: flow_with("    task = steps::first(&order) -> done;"),
    task_name_is_a_literal: flow_with("    task 1st = steps::first(&order) -> done;"),
    task_without_equals: flow_with("    task first steps::first(&order) -> done;"),
    task_without_call: flow_with("    task first = -> done;"),
    task_call_is_an_operator: flow_with("    task first = + -> done;"),
    task_call_cut_short: flow_with("    task first = steps::first(&order) + -> done;"),
    task_call_is_two_expressions: flow_with("    task first = steps::first(&order) steps::again() -> done;"),
    task_call_is_a_lifetime: flow_with("    task first = 'first -> done;"),
    fat_arrow_without_place: flow_with("    task first = steps::first(&order) => -> done;"),
    fat_arrow_without_place_at_the_end: flow_with("    task first = steps::first(&order) => ;"),
    store_into_a_call: flow_with("    task first = steps::first(&order) => order.get() -> done;"),
    store_into_a_literal: flow_with("    task first = steps::first(&order) => 5 -> done;"),
    store_place_cut_short: flow_with("    task first = steps::first(&order) => order. -> done;"),
    double_arrow: flow_with("    task first = steps::first(&order) -> -> done;"),
    edge_list_trailing_comma: flow_with("    task first = steps::first(&order) -> done, ;"),
    edge_to_a_path: flow_with("    task first = steps::first(&order) -> steps::done;"),
    edge_to_a_string: flow_with("    task first = steps::first(&order) -> \"done\";"),

    // `-> match`.
    match_without_arms: flow_with("    task first = steps::first(&order) -> match {};"),
    match_without_braces: flow_with("    task first = steps::first(&order) -> match done;"),
    match_arm_without_target: flow_with("    task first = steps::first(&order) -> match { Ok(_) => };"),
    match_arm_without_arrow: flow_with("    task first = steps::first(&order) -> match { Ok(_) done };"),
    match_arms_without_comma: flow_with("    task first = steps::first(&order) -> match { A => done B => done };"),
    match_pattern_is_garbage: flow_with("    task first = steps::first(&order) -> match { + => done };"),
    match_guard_is_empty: flow_with("    task first = steps::first(&order) -> match { Some(n) if => done, _ => done };"),
    match_guard_cut_short: flow_with("    task first = steps::first(&order) -> match { Some(n) if n > => done, _ => done };"),
    match_arm_target_is_a_call: flow_with("    task first = steps::first(&order) -> match { _ => done() };"),

    // `xor`.
    xor_without_name: flow_with("    task first = steps::first(&order) -> gate; xor { else => done }"),
    xor_without_body: flow_with("    task first = steps::first(&order) -> gate; xor gate;"),
    xor_without_branches: flow_with("    task first = steps::first(&order) -> gate; xor gate {}"),
    xor_branch_without_arrow: flow_with("    task first = steps::first(&order) -> gate; xor gate { order.ok done, else => done }"),
    xor_branch_without_target: flow_with("    task first = steps::first(&order) -> gate; xor gate { order.ok => , else => done }"),
    xor_branch_without_condition: flow_with("    task first = steps::first(&order) -> gate; xor gate { => done, else => done }"),
    xor_condition_cut_short: flow_with("    task first = steps::first(&order) -> gate; xor gate { order.ok && => done, else => done }"),
    xor_garbage_inside: flow_with("    task first = steps::first(&order) -> gate; xor gate { ?? !! => done, else => done }"),
    xor_else_with_a_condition: flow_with("    task first = steps::first(&order) -> gate; xor gate { else order.ok => done }"),
    xor_double_comma: flow_with("    task first = steps::first(&order) -> gate; xor gate { order.ok => done,, else => done }"),
    xor_branches_in_parentheses: flow_with("    task first = steps::first(&order) -> gate; xor gate ( else => done )"),

    // Names the generated types cannot use.
    name_is_only_underscores: flow_with("    task first = steps::first(&order) -> __; task __ = steps::x() -> done;"),
    name_is_underscore_and_digit: flow_with("    task first = steps::first(&order) -> _1; task _1 = steps::x() -> done;"),
    name_becomes_the_keyword_self: flow_with("    task first = steps::first(&order) -> self_; task self_ = steps::x() -> done;"),
    unicode_names_left_undefined: "flow Auftrag(auftrag: Auftrag) { start -> prüfen; task prüfen = schritte::prüfen(&auftrag) -> 完成; }",
    unicode_names_that_collide: flow_with("    task first = steps::first(&order) -> café; task café = steps::x() -> Café; task Café = steps::y() -> done;"),
    unicode_in_a_broken_call: flow_with("    task first = steps::first(\"ünïcødé 🙂\") -> ;"),

    // Whole-graph mistakes (the input parses, the graph is wrong).
    no_start_no_end: "flow Order(order: Order) { task a = steps::a(&order) -> a; }",
    start_only: "flow Order(order: Order) { start -> done; }",
    duplicate_names: flow_with("    task first = steps::first(&order) -> done; task first = steps::first(&order) -> done;"),
    misspelt_target: flow_with("    task first = steps::first(&order) -> doen;"),
    loop_without_exit: flow_with("    task first = steps::first(&order) -> again; task again = steps::again(&order) -> first;"),
    every_statement_broken: flow_with("    task first = -> ; xor gate {} end; task = ; start;"),

    // Size and depth.
    deeply_nested_garbage: format!("flow Order(order: Order) {{ {}x{} }}", "{".repeat(300), "}".repeat(300)),
    deeply_nested_garbage_in_a_call: flow_with(&format!("    task first = steps::first({}order{}) steps::again() -> done;", "(".repeat(32), ")".repeat(32))),
    deeply_nested_garbage_in_a_condition: flow_with(&format!("    task first = steps::first(&order) -> gate; xor gate {{ {}?{} => done, else => done }}", "[".repeat(32), "]".repeat(32))),
    huge_flow_with_one_typo: huge_chain(2000, "dnoe"),
    huge_loop_without_exit: huge_chain(2000, "step_0"),
    huge_number_of_orphans: flow_with(&(0..500).map(|n| format!("    task orphan_{n} = steps::orphan(&order) -> done;\n")).collect::<String>()),
    huge_number_of_syntax_errors: flow_with(&"    task = ;\n".repeat(500)),
}

/// A chain `start -> step_0 -> .. -> step_{n-1} -> last`.
fn huge_chain(n: usize, last: &str) -> String {
    let mut source = String::from("flow Huge(c: C) {\n    start -> step_0;\n");
    for i in 0..n {
        let next = if i + 1 == n {
            last.to_owned()
        } else {
            format!("step_{}", i + 1)
        };
        source.push_str(&format!(
            "    task step_{i} = steps::step(&c, {i}) -> {next};\n"
        ));
    }
    source.push_str("    end done;\n}");
    source
}

/// A statement that does not parse is reported once: the nodes it names and
/// the nodes after it are not reported again as undefined or unreachable.
#[test]
fn a_statement_that_does_not_parse_is_reported_once() {
    let source = "flow Order(order: Order) {
        start -> validate;
        task validate = steps::validate(&order) => -> pay;
        task pay = steps::pay(&order) -> done;
        end done;
    }";
    let errors: Vec<String> = assert_reported(source)
        .iter()
        .map(|error| error.describe())
        .collect();
    assert_eq!(
        errors,
        ["3:49 `>`: expected a place in the context after `=>`, like `order.stock`"]
    );
}

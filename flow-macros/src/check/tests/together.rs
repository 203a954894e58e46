//! Every pass together, as the macro runs them.

use super::check;

#[test]
fn three_mistakes_are_three_errors_in_source_order() {
    let source = "flow Order(order: Order) {
            start -> validate;
            task orphan = steps::orphan(&order) -> done;
            task validate = steps::validate(&order) -> chek;
            xor check { order.ok => done }
            end done;
        }";
    assert_eq!(
        check(source),
        [
            "3:17 `orphan`: task `orphan` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
            "4:55 `chek`: no node named `chek` in flow `Order`; did you mean `check`?",
            "5:16 `check`: `xor` gateway `check` has no `else` branch; add `else => node` as its last branch for when no condition holds",
        ]
    );
}

#[test]
fn errors_at_the_same_token_keep_the_order_of_the_passes() {
    let source = "flow Empty(c: C) {}";
    assert_eq!(
        check(source),
        [
            "1:5 `Empty`: flow `Empty` has no `start`; add `start -> first_node;` to say where it begins",
            "1:5 `Empty`: flow `Empty` has no `end`; add an end node such as `end done;` and lead a path to it",
        ]
    );
}

#[test]
fn a_misspelt_target_is_reported_once() {
    // Without following the typo, `ship` and `done` would be unreachable
    // and `validate` a dead end.
    let source = "flow Order(order: Order) {
            start -> validate;
            task validate = steps::validate(&order) -> shpi;
            task ship = steps::ship(&order) -> done;
            end done;
        }";
    assert_eq!(
        check(source),
        ["3:55 `shpi`: no node named `shpi` in flow `Order`; did you mean `ship`?"]
    );
}

#[test]
fn a_second_start_is_only_told_to_go() {
    let source = "flow F(c: C) {
            start -> done;
            start;
            start -> done, done;
            end done;
        }";
    let extra =
        "a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway";
    assert_eq!(
        check(source),
        [
            format!("3:12 `start`: {extra}"),
            format!("4:12 `start`: {extra}")
        ]
    );
}

#[test]
fn an_edge_out_of_an_end_into_start_is_reported_once() {
    let source = "flow F(c: C) {
            start -> done;
            end done -> start;
        }";
    assert_eq!(
        check(source),
        [
            "3:24 `start`: end `done` cannot have an outgoing edge; reaching an `end` finishes the flow, remove `-> start`"
        ]
    );
}

#[test]
fn an_edge_back_into_start_is_not_also_a_cycle() {
    let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> start;
            end done;
        }";
    assert_eq!(
        check(source),
        [
            "3:37 `start`: `start` cannot be the target of an edge; to loop, lead back to the node after `start`",
            "4:16 `done`: end `done` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
        ]
    );
}

#[test]
fn unresolved_edges_inside_a_loop_do_not_make_a_bogus_cycle() {
    let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> b;
            task b = steps::b(&c) -> match {
                Retry::Yes => a,
                Retry::No => finished,
            };
            end done;
        }";
    assert_eq!(
        check(source),
        [
            "6:29 `finished`: no node named `finished` in flow `F`; define it, e.g. `task finished = ...;` or `end finished;`",
            "8:16 `done`: end `done` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
        ]
    );
}

//! The names pass: unique node names, every edge to a defined node.

use super::run;
use crate::check::names::{defined_targets, distinct_variants, unique_names};

#[test]
fn a_second_definition_is_reported_on_its_name() {
    let source = "flow F(c: C) {
            start -> pay;
            task pay = steps::pay(&c) -> done;
            end done;
            end pay;
            task done = steps::done(&c) -> pay;
        }";
    assert_eq!(
        run(unique_names, source),
        [
            "5:16 `pay`: the name `pay` is defined more than once; node names must be unique",
            "6:17 `done`: the name `done` is defined more than once; node names must be unique",
        ]
    );
}

#[test]
fn a_raw_identifier_names_the_same_node_as_the_plain_one() {
    let source = "flow F(c: C) {
            start -> r#ship;
            task r#ship = steps::ship(&c) -> done;
            task ship = steps::ship(&c) -> done;
            end done;
        }";
    assert_eq!(
        run(unique_names, source),
        ["4:17 `ship`: the name `ship` is defined more than once; node names must be unique"]
    );
}

#[test]
fn a_node_named_start_is_reported_whatever_comes_first() {
    let after = "flow F(c: C) {
            start -> a;
            task start = steps::a(&c) -> done;
            end done;
        }";
    assert_eq!(
        run(unique_names, after),
        ["3:17 `start`: `start` names the start node; give this node another name"]
    );
    let before = "flow F(c: C) {
            end start;
            start -> start;
        }";
    assert_eq!(
        run(unique_names, before),
        ["2:16 `start`: `start` names the start node; give this node another name"]
    );
}

#[test]
fn a_second_start_is_not_a_duplicate_name() {
    let source = "flow F(c: C) {
            start -> done;
            start -> done;
            end done;
        }";
    assert_eq!(run(unique_names, source), Vec::<String>::new());
}

#[test]
fn a_misspelt_target_is_reported_with_the_closest_name() {
    let source = "flow Order(order: Order) {
            start -> validate;
            task validate = steps::validate(&order) -> shpi;
            task ship = steps::ship(&order) -> shipped;
            xor gate {
                order.fast => shipped,
                else => shiped,
            }
            end shipped;
        }";
    assert_eq!(
        run(defined_targets, source),
        [
            "3:55 `shpi`: no node named `shpi` in flow `Order`; did you mean `ship`?",
            "7:24 `shiped`: no node named `shiped` in flow `Order`; did you mean `shipped`?",
        ]
    );
}

#[test]
fn an_unknown_target_is_reported_with_how_to_define_it() {
    let source = "flow Order(order: Order) {
            start -> validate;
            task validate = steps::validate(&order) -> match {
                Ok(_) => done,
                Err(_) => r#warehouse,
            };
            end done;
        }";
    assert_eq!(
        run(defined_targets, source),
        [
            "5:26 `r#warehouse`: no node named `warehouse` in flow `Order`; define it, e.g. `task warehouse = ...;` or `end warehouse;`"
        ]
    );
}

#[test]
fn a_misspelt_start_is_not_suggested_as_a_target() {
    // Following "did you mean `start`?" would only trade this error for
    // "`start` cannot be the target of an edge".
    let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> strat;
            end done;
        }";
    assert_eq!(
        run(defined_targets, source),
        [
            "3:37 `strat`: no node named `strat` in flow `F`; define it, e.g. `task strat = ...;` or `end strat;`"
        ]
    );
}

#[test]
fn names_that_become_the_same_variant_are_reported_on_the_second() {
    let source = "flow Order(order: Order) {
            start -> step_1;
            task step_1 = steps::a(&order) -> step1;
            task step1 = steps::b(&order) -> Start;
            task Start = steps::c(&order) -> done;
            end done;
            end Done;
        }";
    assert_eq!(
        run(distinct_variants, source),
        [
            "4:17 `step1`: nodes `step_1` and `step1` would both become the variant `Step1` of `OrderNode`; rename one of them",
            "5:17 `Start`: nodes `start` and `Start` would both become the variant `Start` of `OrderNode`; rename one of them",
            "7:16 `Done`: nodes `done` and `Done` would both become the variant `Done` of `OrderNode`; rename one of them",
        ]
    );
}

#[test]
fn a_duplicate_name_is_not_also_a_variant_collision() {
    let source = "flow F(c: C) {
            start -> done;
            end done;
            end done;
        }";
    assert_eq!(run(distinct_variants, source), Vec::<String>::new());
}

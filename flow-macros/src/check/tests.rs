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

mod start {
    use super::run;
    use crate::check::start::{exactly_one_start, one_edge_out_none_in};

    #[test]
    fn a_missing_start_is_reported_on_the_flow_name() {
        let source = "flow Order(order: Order) {
            task a = steps::a(&order) -> done;
            end done;
        }";
        assert_eq!(
            run(exactly_one_start, source),
            [
                "1:5 `Order`: flow `Order` has no `start`; add `start -> first_node;` to say where it begins"
            ]
        );
    }

    #[test]
    fn every_extra_start_is_reported_on_its_keyword() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> done;
            start -> a;
            end done;
            start -> done;
        }";
        assert_eq!(
            run(exactly_one_start, source),
            [
                "4:12 `start`: a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway",
                "6:12 `start`: a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway",
            ]
        );
    }

    #[test]
    fn a_start_without_an_edge_is_reported_on_the_keyword() {
        let source = "flow F(c: C) {
            start;
            end done;
        }";
        assert_eq!(
            run(one_edge_out_none_in, source),
            ["2:12 `start`: `start` has no outgoing edge; write `start -> first_node;`"]
        );
    }

    #[test]
    fn every_edge_after_the_first_out_of_start_is_reported_on_its_target() {
        let source = "flow F(c: C) {
            start -> a, b, done;
            task a = steps::a(&c) -> done;
            task b = steps::b(&c) -> done;
            end done;
        }";
        assert_eq!(
            run(one_edge_out_none_in, source),
            [
                "2:24 `b`: `start` has exactly one outgoing edge; to branch, lead it to an `xor` gateway",
                "2:27 `done`: `start` has exactly one outgoing edge; to branch, lead it to an `xor` gateway",
            ]
        );
    }

    #[test]
    fn an_edge_into_start_is_reported_on_the_target() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> again;
            xor again {
                c.retry => start,
                else => b,
            }
            task b = steps::b(&c) -> match { 0 => done, _ => start };
            end done;
        }";
        let into_start =
            "`start` cannot be the target of an edge; to loop, lead back to the node after `start`";
        assert_eq!(
            run(one_edge_out_none_in, source),
            [
                format!("5:27 `start`: {into_start}"),
                format!("8:61 `start`: {into_start}")
            ]
        );
    }
}

mod ends {
    use super::run;
    use crate::check::ends::{at_least_one_end, no_edge_out_of_an_end};

    #[test]
    fn a_missing_end_is_reported_on_the_flow_name() {
        let source = "flow Forever(c: C) {
            start -> a;
            task a = steps::a(&c) -> a;
        }";
        assert_eq!(
            run(at_least_one_end, source),
            [
                "1:5 `Forever`: flow `Forever` has no `end`; add an end node such as `end done;` and lead a path to it"
            ]
        );
    }

    #[test]
    fn every_edge_out_of_an_end_is_reported_on_its_target() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> done;
            end done -> a, other;
            end other;
        }";
        assert_eq!(
            run(no_edge_out_of_an_end, source),
            [
                "4:24 `a`: end `done` cannot have an outgoing edge; reaching an `end` finishes the flow, remove `-> a`",
                "4:27 `other`: end `done` cannot have an outgoing edge; reaching an `end` finishes the flow, remove `-> other`",
            ]
        );
    }
}

mod names {
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
}

mod successors {
    use super::run;
    use crate::check::successors::one_successor_per_task;

    #[test]
    fn a_task_without_a_successor_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c);
            end done;
        }";
        assert_eq!(
            run(one_successor_per_task, source),
            ["3:17 `a`: task `a` has no successor; add `-> next_node` before its `;`"]
        );
    }

    #[test]
    fn every_successor_after_the_first_is_reported_on_its_target() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> b, done, b;
            task b = steps::b(&c) -> done;
            end done;
        }";
        let too_many = "task `a` has more than one successor; it leads to exactly one node, to branch lead it to an `xor` gateway or an `and` split";
        assert_eq!(
            run(one_successor_per_task, source),
            [
                format!("3:40 `done`: {too_many}"),
                format!("3:46 `b`: {too_many}")
            ]
        );
    }

    #[test]
    fn a_match_route_may_lead_to_many_nodes() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> match {
                1 => b,
                n if n > 10 => done,
                _ => a,
            };
            task b = steps::b(&c) -> done;
            end done;
        }";
        assert_eq!(run(one_successor_per_task, source), Vec::<String>::new());
    }
}

mod gateways {
    use super::run;
    use crate::check::gateways::xor_has_else_last;

    #[test]
    fn an_xor_without_else_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate {
                c.small => done,
                c.large => done,
            }
            end done;
        }";
        assert_eq!(
            run(xor_has_else_last, source),
            [
                "3:16 `gate`: `xor` gateway `gate` has no `else` branch; add `else => node` as its last branch for when no condition holds"
            ]
        );
    }

    #[test]
    fn an_else_before_the_last_branch_is_reported_on_else() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate {
                c.small => done,
                else => done,
                c.large => done,
            }
            end done;
        }";
        assert_eq!(
            run(xor_has_else_last, source),
            [
                "5:16 `else`: `else` must be the last branch of `xor` gateway `gate`; the branches after it could never be taken"
            ]
        );
    }

    #[test]
    fn of_two_elses_the_first_is_reported() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate { else => done, else => done }
            end done;
        }";
        assert_eq!(
            run(xor_has_else_last, source),
            [
                "3:23 `else`: `else` must be the last branch of `xor` gateway `gate`; the branches after it could never be taken"
            ]
        );
    }

    #[test]
    fn an_xor_with_only_an_else_is_accepted() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate { else => done }
            end done;
        }";
        assert_eq!(run(xor_has_else_last, source), Vec::<String>::new());
    }
}

mod reachability {
    use super::{check, run};
    use crate::check::reachability::reachable_from_start;

    #[test]
    fn an_unreachable_node_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> done;
            task orphan = steps::a(&c) -> done;
            end done;
            end never;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "3:17 `orphan`: task `orphan` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
                "5:16 `never`: end `never` is unreachable: no path from `start` leads to it; add an edge to it or remove it",
            ]
        );
    }

    #[test]
    fn a_cut_off_region_is_reported_once_at_its_head() {
        let source = "flow F(c: C) {
            start -> done;
            task b = steps::b(&c) -> gate;
            xor gate { c.x => b, else => lost }
            task head = steps::a(&c) -> b;
            end done;
            end lost;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "5:17 `head`: task `head` is unreachable: no path from `start` leads to it (nor to the 3 nodes after it); add an edge to it or remove it"
            ]
        );
    }

    #[test]
    fn a_region_of_one_other_node_says_so() {
        let source = "flow F(c: C) {
            start -> done;
            task head = steps::a(&c) -> tail;
            task tail = steps::b(&c) -> done;
            end done;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "3:17 `head`: task `head` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it"
            ]
        );
    }

    #[test]
    fn a_cut_off_loop_is_reported_at_its_first_node_in_source_order() {
        let source = "flow F(c: C) {
            start -> done;
            task pong = steps::b(&c) -> ping;
            task ping = steps::a(&c) -> pong;
            end done;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "3:17 `pong`: task `pong` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it"
            ]
        );
    }

    #[test]
    fn each_cut_off_region_is_reported() {
        let source = "flow F(c: C) {
            start -> done;
            task one = steps::a(&c) -> two;
            task two = steps::a(&c) -> done;
            end done;
            xor three { c.x => four, else => three }
            task four = steps::a(&c) -> done;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "3:17 `one`: task `one` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it",
                "6:16 `three`: xor `three` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it",
            ]
        );
    }

    #[test]
    fn two_heads_into_one_region_are_both_reported() {
        let source = "flow F(c: C) {
            start -> done;
            task left = steps::a(&c) -> join;
            task right = steps::a(&c) -> join;
            task join = steps::a(&c) -> done;
            end done;
        }";
        assert_eq!(
            run(reachable_from_start, source),
            [
                "3:17 `left`: task `left` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it",
                "4:17 `right`: task `right` is unreachable: no path from `start` leads to it (nor to the node after it); add an edge to it or remove it",
            ]
        );
    }

    #[test]
    fn a_duplicate_definition_is_not_also_unreachable() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> done;
            task a = steps::b(&c) -> done;
            end done;
        }";
        assert_eq!(run(reachable_from_start, source), Vec::<String>::new());
    }

    #[test]
    fn a_misspelt_target_is_followed_to_the_node_it_means() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> shpi;
            task ship = steps::ship(&c) -> done;
            end done;
        }";
        assert_eq!(run(reachable_from_start, source), Vec::<String>::new());
        assert_eq!(
            check(source),
            ["3:37 `shpi`: no node named `shpi` in flow `F`; did you mean `ship`?"]
        );
    }

    #[test]
    fn what_only_a_second_start_reaches_is_not_also_unreachable() {
        // One root cause, one error: the second `start` is told to go.
        let source = "flow F(c: C) {
            start -> done;
            start -> other;
            end done;
            end other;
        }";
        assert_eq!(run(reachable_from_start, source), Vec::<String>::new());
        assert_eq!(
            check(source),
            [
                "3:12 `start`: a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway"
            ]
        );
    }
}

mod termination {
    use super::{check, run};
    use crate::check::termination::every_node_reaches_an_end;

    #[test]
    fn a_loop_without_a_way_out_is_named_in_the_error() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate { c.done => done, else => a }
            task a = steps::a(&c) -> b;
            task b = steps::b(&c) -> a;
            end done;
        }";
        assert_eq!(
            run(every_node_reaches_an_end, source),
            [
                "4:17 `a`: cycle `a -> b -> a` never reaches an `end`; give one of its nodes a path out, e.g. an `xor` branch to an `end`"
            ]
        );
    }

    #[test]
    fn a_task_leading_to_itself_is_a_cycle() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate { c.done => done, else => spin }
            task spin = steps::a(&c) -> spin;
            end done;
        }";
        assert_eq!(
            run(every_node_reaches_an_end, source),
            [
                "4:17 `spin`: cycle `spin -> spin` never reaches an `end`; give one of its nodes a path out, e.g. an `xor` branch to an `end`"
            ]
        );
    }

    #[test]
    fn a_trap_is_reported_once_at_its_first_node_not_at_the_way_in() {
        let source = "flow F(c: C) {
            start -> gate;
            xor gate { c.done => done, else => way_in }
            task way_in = steps::a(&c) -> into;
            task second = steps::b(&c) -> third;
            xor third { c.x => into, else => second }
            task into = steps::c(&c) -> second;
            end done;
        }";
        assert_eq!(
            run(every_node_reaches_an_end, source),
            [
                "5:17 `second`: cycle `second -> third -> second` never reaches an `end`; give one of its nodes a path out, e.g. an `xor` branch to an `end`"
            ]
        );
    }

    #[test]
    fn a_loop_with_a_way_out_is_accepted() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> retry;
            xor retry { c.failed => a, else => done }
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
    }

    #[test]
    fn a_task_without_a_successor_is_not_also_a_trap() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c);
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
    }

    #[test]
    fn a_misspelt_way_out_does_not_make_a_bogus_cycle() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> retry;
            xor retry { c.failed => a, else => dnoe }
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
        assert_eq!(
            check(source),
            ["4:47 `dnoe`: no node named `dnoe` in flow `F`; did you mean `done`?"]
        );
    }

    #[test]
    fn an_unknown_way_out_does_not_make_a_bogus_cycle() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> retry;
            xor retry { c.failed => a, c.give_up => done, else => nowhere_at_all }
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
        assert_eq!(
            check(source),
            [
                "4:66 `nowhere_at_all`: no node named `nowhere_at_all` in flow `F`; define it, e.g. `task nowhere_at_all = ...;` or `end nowhere_at_all;`"
            ]
        );
    }

    #[test]
    fn an_edge_back_into_start_is_reported_once_not_again_as_a_cycle() {
        let source = "flow F(c: C) {
            start -> a;
            task a = steps::a(&c) -> start;
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
    }
}

mod waits {
    use super::{check, run};
    use crate::check::names::defined_targets;
    use crate::check::soundness::regions_are_sound;
    use crate::check::successors::one_successor_per_task;
    use crate::check::termination::every_node_reaches_an_end;
    use crate::check::waits::{at_most_one_user, clauses_fit_the_node, durations_are_positive};

    #[test]
    fn a_zero_timeout_is_reported_on_the_duration() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 0s -> late -> done;
            task late = steps::late(&c) -> done;
            end done;
        }";
        assert_eq!(
            run(durations_are_positive, source),
            [
                "3:35 `0s`: a zero `timeout` takes the route to `late` before any signal can arrive; give a positive duration, like `timeout 48h`"
            ]
        );
    }

    #[test]
    fn a_zero_timer_is_reported_on_the_duration() {
        let source = "flow F(c: C) {
            start -> t;
            timer t = 0ms -> done;
            end done;
        }";
        assert_eq!(
            run(durations_are_positive, source),
            [
                "3:22 `0ms`: timer `t` waits for no time; give a positive duration, like `30m`, or remove the timer"
            ]
        );
    }

    #[test]
    fn a_wait_without_a_successor_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer;
            end done;
        }";
        assert_eq!(
            run(one_successor_per_task, source),
            [
                "3:17 `w`: wait `w` has no successor; add `-> next_node` before its `;`, where it goes on when its signal arrives"
            ]
        );
    }

    #[test]
    fn a_timeout_route_is_not_the_successor() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 1h -> late;
            task late = steps::late(&c) -> w;
            end done;
        }";
        // Reported once: not again as the cycle `w -> late -> w`.
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
        assert_eq!(
            run(one_successor_per_task, source),
            [
                "3:17 `w`: wait `w` has no successor; add `-> next_node` before its `;`, where it goes on when its signal arrives (the `timeout` route is only taken when none comes in time)"
            ]
        );
    }

    #[test]
    fn a_second_successor_of_a_wait_or_timer_is_reported_on_its_target() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 1h -> done -> t, done;
            timer t = 5s -> done, w;
            end done;
        }";
        assert_eq!(
            run(one_successor_per_task, source),
            [
                "3:52 `done`: wait `w` has more than one successor; it leads to exactly one node, to branch lead it to an `xor` gateway or an `and` split",
                "4:34 `w`: timer `t` has more than one successor; it leads to exactly one node, to branch lead it to an `xor` gateway or an `and` split",
            ]
        );
    }

    #[test]
    fn a_timer_without_a_successor_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> t;
            timer t = at(c.deadline);
            end done;
        }";
        assert_eq!(
            run(one_successor_per_task, source),
            [
                "3:18 `t`: timer `t` has no successor; add `-> next_node` before its `;`, where it goes on when it fires"
            ]
        );
    }

    #[test]
    fn a_misspelt_timeout_route_gets_a_suggestion() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 1h -> escalte -> done;
            task escalate = steps::escalate(&c) -> done;
            end done;
        }";
        assert_eq!(
            run(defined_targets, source),
            ["3:41 `escalte`: no node named `escalte` in flow `F`; did you mean `escalate`?"]
        );
        // The route it means is followed: `escalate` is not unreachable.
        assert_eq!(check(source).len(), 1);
    }

    #[test]
    fn a_node_reached_only_by_a_timeout_route_is_reachable() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 1h -> escalate -> done;
            task escalate = steps::escalate(&c) -> done;
            end done;
        }";
        assert_eq!(check(source), Vec::<String>::new());
    }

    #[test]
    fn task_clauses_on_a_wait_are_reported_on_their_keyword() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer retry 3 -> done on error -> done compensate steps::undo(&c);
            end done;
        }";
        assert_eq!(
            run(clauses_fit_the_node, source),
            [
                "3:27 `retry`: a `wait` takes no `retry`: it runs no step that could fail, be retried or be undone; remove the clause",
                "3:43 `on`: a `wait` takes no `on error`: it runs no step that could fail; to go elsewhere when no signal comes, use `timeout 48h -> node`",
                "3:60 `compensate`: a `wait` takes no `compensate`: it runs no step that could fail, be retried or be undone; remove the clause",
            ]
        );
    }

    #[test]
    fn a_misplaced_error_route_is_reported_once_and_followed() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer on error -> handle -> done;
            task handle = steps::handle(&c) -> done;
            end done;
        }";
        // `handle` is not also unreachable.
        assert_eq!(
            check(source),
            [
                "3:27 `on`: a `wait` takes no `on error`: it runs no step that could fail; to go elsewhere when no signal comes, use `timeout 48h -> node`"
            ]
        );
    }

    #[test]
    fn wait_clauses_and_task_clauses_on_a_timer_are_reported_on_their_keyword() {
        let source = "flow F(c: C) {
            start -> t;
            timer t = 5s for group(\"ops\") timeout 1s -> done retry 2;
            end done;
        }";
        assert_eq!(
            run(clauses_fit_the_node, source),
            [
                "3:25 `for`: a `timer` takes no `for`: only a `wait` names who may complete it; to let a person decide, use `wait decide: Decision for group(\"..\") -> next;`",
                "3:42 `timeout`: a `timer` takes no `timeout`: it fires at its own time; to wait for a signal with a deadline, use `wait NAME: Payload timeout 30m -> node`",
                "3:61 `retry`: a `timer` takes no `retry`: it runs no step that could fail, be retried or be undone; remove the clause",
            ]
        );
    }

    #[test]
    fn a_second_user_is_reported_on_its_keyword() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer for user(c.owner.clone()), group(\"a\"), group(\"b\"), user(\"bob\") -> done;
            end done;
        }";
        assert_eq!(
            run(at_most_one_user, source),
            [
                "3:78 `user`: `user(..)` is given twice for wait `w`; a wait has at most one user, let others complete it through a `group(..)`"
            ]
        );
    }

    #[test]
    fn waits_and_timers_inside_branches_are_accepted() {
        let source = "flow F(c: C) {
            start -> split;
            and split -> w, t;
            wait w: Answer => c.answer for group(c.team.clone()) timeout 1h -> reminded -> joined;
            task reminded = steps::remind(&c.team) -> w;
            timer t = 1s -> joined;
            join joined -> extras;
            or extras {
                c.gift => later,
                else => extras_done,
            }
            timer later = at(c.when) -> extras_done;
            join extras_done -> done;
            end done;
        }";
        assert_eq!(check(source), Vec::<String>::new());
    }

    #[test]
    fn a_wait_storing_where_another_branch_reads_is_reported_on_the_read() {
        let source = "flow F(c: C) {
            start -> split;
            and split -> approve, notify;
            wait approve: Answer => c.answer -> joined;
            task notify = steps::notify(&c.answer) -> joined;
            join joined -> done;
            end done;
        }";
        assert_eq!(
            run(regions_are_sound, source),
            [
                "5:41 `c`: `approve` stores into `c.answer` and `notify` reads `c.answer`, but they run at the same time in branches of parallel split `split`; let each branch write its own place and combine them after `join` `joined`"
            ]
        );
    }

    #[test]
    fn a_timer_deadline_read_where_another_branch_writes_is_reported() {
        let source = "flow F(c: C) {
            start -> split;
            and split -> plan, later;
            task plan = steps::plan() => c.when -> joined;
            timer later = at(c.when) -> joined;
            join joined -> done;
            end done;
        }";
        assert_eq!(
            run(regions_are_sound, source),
            [
                "5:29 `c`: `plan` stores into `c.when` and `later` reads `c.when`, but they run at the same time in branches of parallel split `split`; let each branch write its own place and combine them after `join` `joined`"
            ]
        );
    }

    #[test]
    fn a_wait_before_the_split_and_a_timer_after_the_join_are_accepted() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer -> split;
            and split -> a, b;
            task a = steps::a(&c) -> joined;
            task b = steps::b(&c) -> joined;
            join joined -> t;
            timer t = 1s -> done;
            end done;
        }";
        assert_eq!(check(source), Vec::<String>::new());
    }

    #[test]
    fn a_wait_in_a_loop_without_a_way_out_is_a_cycle() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer -> again;
            task again = steps::again(&c) -> w;
            end done;
        }";
        assert_eq!(
            run(every_node_reaches_an_end, source),
            [
                "3:17 `w`: cycle `w -> again -> w` never reaches an `end`; give one of its nodes a path out, e.g. an `xor` branch to an `end`"
            ]
        );
    }

    #[test]
    fn a_timeout_route_to_an_end_is_a_way_out() {
        let source = "flow F(c: C) {
            start -> w;
            wait w: Answer timeout 1h -> done -> again;
            task again = steps::again(&c) -> w;
            end done;
        }";
        assert_eq!(run(every_node_reaches_an_end, source), Vec::<String>::new());
    }

    #[test]
    fn an_unreachable_wait_is_reported_on_its_name() {
        let source = "flow F(c: C) {
            start -> done;
            wait w: Answer -> done;
            end done;
        }";
        assert_eq!(
            check(source),
            [
                "3:17 `w`: wait `w` is unreachable: no path from `start` leads to it; add an edge to it or remove it"
            ]
        );
    }
}

mod together {
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
        let extra = "a flow has exactly one `start`; remove this one or merge the paths with an `xor` gateway";
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
}

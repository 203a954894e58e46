//! The `start` pass: exactly one `start`, with one edge out and none in.

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

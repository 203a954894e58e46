//! The `end` pass: at least one `end`, and nothing out of an end.

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

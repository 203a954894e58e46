//! The reachability pass: every node reachable from `start`.

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

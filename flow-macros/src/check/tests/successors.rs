//! The successors pass: one way on out of every task.

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

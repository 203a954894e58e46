//! The termination pass: every node can reach an `end`.

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

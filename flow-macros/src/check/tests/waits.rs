//! Waits and timers: their durations, successors and clauses, and what
//! the other passes and region soundness make of them.

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

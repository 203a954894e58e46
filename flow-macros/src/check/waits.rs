//! Rules about the nodes that park an instance: `wait` and `timer`.

use crate::errors::Errors;
use crate::model::Model;
use crate::parse::{Statement, TimerWake};

/// A wait's `timeout` and a timer's delay are positive: a zero timeout
/// would never let a signal arrive, a zero timer is no timer.
pub fn durations_are_positive(model: &Model, errors: &mut Errors) {
    for node in &model.nodes {
        match node.stmt {
            Statement::Wait(wait) => {
                if let Some(timeout) = &wait.timeout
                    && timeout.after.millis == 0
                    && !timeout.after.malformed
                {
                    errors.push(
                        timeout.after.span,
                        format!(
                            "a zero `timeout` takes the route to `{}` before any signal can arrive; give a positive duration, like `timeout 48h`",
                            timeout.target
                        ),
                    );
                }
            }
            Statement::Timer(timer) => {
                if let TimerWake::After(delay) = &timer.wake
                    && delay.millis == 0
                    && !delay.malformed
                {
                    errors.push(
                        delay.span,
                        format!(
                            "timer `{}` waits for no time; give a positive duration, like `30m`, or remove the timer",
                            timer.name
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// A wait runs no step, so a task's clauses (`retry`, `backoff`, `on
/// error`, `compensate`) do not apply to it; a timer takes none of them,
/// nor a wait's `for` and `timeout`. Each is reported on its keyword.
pub fn clauses_fit_the_node(model: &Model, errors: &mut Errors) {
    for node in &model.nodes {
        let (keyword, misplaced) = match node.stmt {
            Statement::Wait(wait) => ("wait", &wait.misplaced),
            Statement::Timer(timer) => ("timer", &timer.misplaced),
            _ => continue,
        };
        for clause in misplaced {
            let written = if clause == "on" {
                "on error".to_owned()
            } else {
                clause.to_string()
            };
            let why = match (keyword, written.as_str()) {
                ("wait", "on error") => {
                    "it runs no step that could fail; to go elsewhere when no signal comes, use `timeout 48h -> node`"
                }
                ("wait", _) => {
                    "it runs no step that could fail, be retried or be undone; remove the clause"
                }
                (_, "for") => {
                    "only a `wait` names who may complete it; to let a person decide, use `wait decide: Decision for group(\"..\") -> next;`"
                }
                (_, "timeout") => {
                    "it fires at its own time; to wait for a signal with a deadline, use `wait NAME: Payload timeout 30m -> node`"
                }
                _ => "it runs no step that could fail, be retried or be undone; remove the clause",
            };
            errors.push(
                clause.span(),
                format!("a `{keyword}` takes no `{written}`: {why}"),
            );
        }
    }
}

/// A wait names at most one user (`for user(..)`); any number of groups.
pub fn at_most_one_user(model: &Model, errors: &mut Errors) {
    for node in &model.nodes {
        let Statement::Wait(wait) = node.stmt else {
            continue;
        };
        for extra in wait.assignees.iter().filter(|who| who.is_user).skip(1) {
            errors.push(
                extra.keyword.span(),
                format!(
                    "`user(..)` is given twice for wait `{}`; a wait has at most one user, let others complete it through a `group(..)`",
                    wait.name
                ),
            );
        }
    }
}

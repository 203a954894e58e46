//! The gateways pass: every `xor` has an `else`, as its last branch.

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

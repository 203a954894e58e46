//! Snapshots of what `flow!` writes, pretty-printed so a reviewer can read
//! the generated code in `src/tests/snapshots/`. Record new snapshots with
//! `INSTA_UPDATE=always cargo test -p flow-macros`, then read them.

use super::{compile_errors, lex, parse_file, run_pipeline};

/// The pipeline's output for `source`, as formatted Rust.
fn expand(source: &str) -> String {
    let output = run_pipeline(lex(source)).expect("the pipeline does not panic");
    prettyplease::unparse(&parse_file(&output))
}

/// Like [`expand`], for a flow that must pass every check.
fn expand_valid(source: &str) -> String {
    let output = run_pipeline(lex(source)).expect("the pipeline does not panic");
    let errors: Vec<String> = compile_errors(&output)
        .iter()
        .map(|error| error.describe())
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "the flow should be valid");
    prettyplease::unparse(&parse_file(&output))
}

#[test]
fn linear_flow() {
    insta::assert_snapshot!(expand_valid(
        "flow Signup(user: User) {
            start -> validate;
            task validate = steps::validate(&user) -> welcome;
            task welcome = steps::send_welcome(&user.email).await -> done;
            end done;
        }"
    ));
}

#[test]
fn flow_with_an_xor_and_a_loop() {
    insta::assert_snapshot!(expand_valid(
        "pub(crate) flow Delivery(parcel: Parcel) {
            start -> attempt;
            task attempt = steps::deliver(&parcel) => parcel.attempts -> retry;
            xor retry {
                parcel.delivered => delivered,
                parcel.attempts < 3 => attempt,
                else => returned,
            }
            end delivered;
            end returned;
        }"
    ));
}

#[test]
fn flow_with_match_routing_stores_and_docs() {
    insta::assert_snapshot!(expand_valid(
        "/// Order fulfilment: large orders need a manager's approval.
        pub flow OrderProcess(order: Order) {
            start -> validate;

            /// Rejects orders without items.
            task validate = steps::validate(&order) -> check_stock;

            task check_stock: Stock = steps::check_stock(&order.items) => order.stock -> match {
                Stock::Available => approval,
                Stock::OutOfStock(n) if n > 10 => backorder,
                Stock::OutOfStock(_) | Stock::Discontinued => cancelled,
            };

            /// Orders above 1000 need a manager.
            xor approval {
                order.amount > 1000 => manual_approval,
                else => pay,
            }

            task manual_approval = steps::approve(&order) => order.approval -> pay;
            task pay = steps::charge(&order) => order.payment -> fulfilled;
            task backorder = steps::backorder(&order) -> backordered;

            /// Paid and shipped.
            end fulfilled;
            /// Waiting for stock.
            end backordered;
            end cancelled;
        }"
    ));
}

#[test]
fn fallback_of_a_broken_flow() {
    // A syntax error (the `=>` without a place), a misspelt target and an
    // `xor` without `else`: three errors, then the skeleton with every node
    // that could be read.
    insta::assert_snapshot!(expand(
        "/// A broken flow.
        pub flow Broken(order: Order) {
            start -> validate;
            task validate = steps::validate(&order) => -> approval;
            xor approval { order.amount > 1000 => manual }
            task manual = steps::approve(&order) -> dnoe;
            /// Approved.
            end done;
        }"
    ));
}

#[test]
fn flow_with_parallel_and_inclusive_splits_and_a_sub_flow() {
    insta::assert_snapshot!(expand_valid(
        "flow Loan(loan: Loan) {
            start -> checks;
            and checks -> credit, extras;
            flow credit = CreditCheck(loan.applicant.clone()) => loan.credit -> checked;
            or extras {
                loan.amount > 1000 => fraud,
                else => extras_done,
            }
            task fraud = steps::fraud(&loan.applicant) => loan.fraud
                retry 2 on error => loan.problem -> extras_done
                -> extras_done;
            join extras_done -> checked;
            join checked -> done;
            end done;
        }"
    ));
}

#[test]
fn flow_with_waits_and_a_timer_inside_branches() {
    insta::assert_snapshot!(expand_valid(
        "flow Purchase(order: Order) {
            start -> approvals;
            and approvals -> hold, legal, cool_off;
            task hold: Hold = steps::hold(order.amount) => order.hold -> finance;
            wait finance: Approval => order.finance for group(\"finance\") -> approved;
            wait legal: Approval timeout 48h -> remind -> approved;
            task remind = steps::remind() -> legal;
            timer cool_off = at(order.not_before) -> approved;
            join approved -> done;
            end done;
        }"
    ));
}

#[test]
fn flow_with_a_wait_and_timers() {
    insta::assert_snapshot!(expand_valid(
        "pub flow Purchase(order: Order) {
            start -> manual_approval;
            /// A manager decides.
            wait manual_approval: Approval => order.approval
                for user(order.owner.clone()), group(\"manager\")
                timeout 48h -> escalate
                -> cool_off;
            task escalate = steps::notify_director(&order) -> manual_approval;
            timer cool_off = 30m -> ship_day;
            timer ship_day = at(order.ship_after) -> acknowledged;
            wait acknowledged: Ack -> done;
            end done;
        }"
    ));
}

#[test]
fn fallback_of_a_broken_flow_with_a_wait() {
    // A wait inside a parallel branch: the error, then the skeleton, whose
    // signal enum still has the wait's variant.
    insta::assert_snapshot!(expand(
        "flow Broken(order: Order) {
            start -> fulfil;
            and fulfil -> approve, ship;
            wait approve: Approval => order.approval -> fulfilled;
            task ship = steps::ship(&order) -> fulfilled;
            join fulfilled -> done;
            end done;
        }"
    ));
}

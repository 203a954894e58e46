//! `<Flow>Task`: one handle per task and sub-flow call, typed by what a
//! mock of it produces, in the expansion and in the fallback of a broken
//! flow alike.

use super::{compile_errors, lex, run_pipeline};

/// The output for `source`, as one line of tokens, and its errors.
fn expand(source: &str) -> (String, Vec<String>) {
    let output = run_pipeline(lex(source)).expect("the pipeline does not panic");
    let errors = compile_errors(&output)
        .iter()
        .map(|error| error.describe())
        .collect();
    (output.to_string(), errors)
}

const SHOP: &str = "flow Shop(order: Order) {
    start -> pay;
    task pay: Option<Receipt> = steps::charge(&order) => order.receipt -> check;
    flow check = Credit(order.applicant.clone()) -> ship;
    task ship = steps::ship(&order) -> done;
    end done;
}";

#[test]
fn each_task_gets_a_handle_typed_by_what_a_mock_produces() {
    let (output, errors) = expand(SHOP);
    assert_eq!(errors, Vec::<String>::new());
    assert!(output.contains("enum ShopTask { }"), "{output}");
    let handles = [
        "const fn pay () -> :: flow_runtime :: testing :: Task < Shop , Option < Receipt > >",
        "const fn check () -> :: flow_runtime :: testing :: SubFlowTask < Shop , Credit >",
        "const fn ship () -> :: flow_runtime :: testing :: UntypedTask < Shop >",
    ];
    for handle in handles {
        assert!(output.contains(handle), "no `{handle}` in:\n{output}");
    }
    assert!(
        !output.contains("fn done ()"),
        "an `end` is no task: {output}"
    );
}

#[test]
fn a_typed_task_plays_its_mock_at_the_written_type_and_checks_the_step() {
    let (output, _) = expand(SHOP);
    assert!(
        output.contains("play :: < Option < Receipt > > ()"),
        "{output}"
    );
    assert!(
        output.contains(
            "< _ as :: flow_runtime :: TaskValue < Option < Receipt > >> :: __task_value"
        ),
        "{output}"
    );
    assert!(output.contains("play_sub_flow ()"), "{output}");
}

#[test]
fn a_broken_flow_still_has_its_handles() {
    let broken = "flow Shop(order: Order) {
        start -> pay;
        task pay: Receipt = steps::charge(&order) -> shp;
        task ship = <garbage> -> done;
        end done;
    }";
    let (output, errors) = expand(broken);
    assert!(!errors.is_empty());
    assert!(
        output.contains("const fn pay () -> :: flow_runtime :: testing :: Task < Shop , Receipt >"),
        "{output}"
    );
    assert!(
        output.contains("const fn ship () -> :: flow_runtime :: testing :: UntypedTask < Shop >"),
        "a task that did not parse gets an untyped handle: {output}"
    );
}

#[test]
fn a_value_type_on_a_sub_flow_call_is_reported_on_the_type() {
    let (_, errors) = expand(
        "flow Shop(order: Order) {
            start -> check;
            flow check: Vec<u32> = Credit(order.applicant.clone()) -> done;
            end done;
        }",
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("3:24 `Vec<u32>`: a sub-flow call takes no value type"),
        "{errors:#?}"
    );
}

#[test]
fn a_colon_without_a_type_says_what_to_write() {
    let (_, errors) = expand(
        "flow Shop(order: Order) {
            start -> pay;
            task pay: = steps::charge(&order) -> done;
            end done;
        }",
    );
    assert_eq!(
        errors,
        [
            "3:20 `:`: expected the type of the step's value after `:`, like `task pay: Receipt = ..`"
        ]
    );
}

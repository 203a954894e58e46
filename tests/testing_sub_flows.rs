//! `flow_runtime::testing` on sub-flow calls: a call is mocked with the end
//! its child reaches and the child's final context, in a parallel branch or
//! retried, and the child's real steps never run.

use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;

#[derive(Debug, Clone, Default, PartialEq)]
struct Applicant {
    name: String,
    score: u32,
}

mod bureau {
    pub async fn score(_: &str) -> Result<u32, String> {
        panic!("the real credit bureau must not run in these tests")
    }
    pub async fn fraud_check(name: &str) -> Result<bool, String> {
        Ok(name == "mallory")
    }
    pub async fn answer(text: &'static str) -> Result<&'static str, String> {
        Ok(text)
    }
}

flow! {
    flow Credit(applicant: Applicant) {
        start -> score;
        task score: u32 = bureau::score(&applicant.name) => applicant.score -> rate;
        xor rate {
            applicant.score >= 500 => good,
            else => poor,
        }
        end good;
        end poor;
    }
}

#[derive(Debug, Default)]
struct Loan {
    applicant: Applicant,
    checked: Applicant,
    rechecked: Option<Applicant>,
    fraud: bool,
    answer: &'static str,
}

flow! {
    flow Lend(loan: Loan) {
        start -> checks;
        and checks -> credit, fraud;
        flow credit = Credit(loan.applicant.clone()) => loan.checked -> match {
            CreditEnd::Good => offer,
            CreditEnd::Poor => refuse,
        };
        task offer = bureau::answer("offer") => loan.answer -> checked;
        task refuse = bureau::answer("refuse") => loan.answer -> checked;
        task fraud: bool = bureau::fraud_check(&loan.applicant.name) => loan.fraud -> checked;
        join checked -> recheck;
        flow recheck = Credit(loan.checked.clone()) => loan.rechecked retry 1 -> done;
        end done;
    }
}

fn loan(name: &str) -> Loan {
    Loan {
        applicant: Applicant {
            name: name.into(),
            score: 0,
        },
        ..Loan::default()
    }
}

fn rated(name: &str, score: u32) -> Applicant {
    Applicant {
        name: name.into(),
        score,
    }
}

#[tokio::test(start_paused = true)]
async fn a_sub_flow_call_is_mocked_with_the_childs_end_and_context() {
    let run = FlowTest::<Lend>::new()
        .returns(LendTask::credit(), (CreditEnd::Good, rated("ada", 720)))
        .returns(LendTask::recheck(), (CreditEnd::Good, rated("ada", 730)))
        .run(loan("ada"))
        .await;
    run.assert_end(LendEnd::Done);
    let loan = run.context();
    assert_eq!(
        loan.checked,
        rated("ada", 720),
        "the mocked context is stored"
    );
    assert_eq!(loan.answer, "offer", "the parent routes on the mocked end");
    assert_eq!(loan.rechecked, Some(rated("ada", 730)));
    assert!(!loan.fraud, "the other branch ran its real step");
    assert_eq!(run.attempts(LendNode::Credit), 1);
}

#[tokio::test(start_paused = true)]
async fn a_mocked_sub_flow_that_fails_is_retried_like_the_child() {
    let run = FlowTest::<Lend>::new()
        .returns(LendTask::credit(), (CreditEnd::Poor, rated("al", 200)))
        .mock(LendTask::recheck(), |step| match step.attempt() {
            1 => Err(StepError::new("bureau unreachable")),
            _ => Ok((CreditEnd::Poor, rated("al", 210))),
        })
        .run(loan("al"))
        .await;
    run.assert_end(LendEnd::Done);
    assert_eq!(run.context().answer, "refuse");
    assert_eq!(run.context().rechecked, Some(rated("al", 210)));
    assert_eq!(run.attempts(LendNode::Recheck), 2);
}

#[tokio::test(start_paused = true)]
async fn a_sub_flow_call_in_a_branch_can_be_failed() {
    let run = FlowTest::<Lend>::new()
        .fail_permanently(LendTask::credit(), 1, "bureau closed")
        .run(loan("grace"))
        .await;
    run.assert_failed_at(LendNode::Credit);
    let failed = run.into_outcome().unwrap_failed();
    assert_eq!(failed.error.to_string(), "bureau closed");
}

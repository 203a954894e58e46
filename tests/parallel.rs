//! Parallel and inclusive splits at run time.

use flow_runtime::prelude::*;
use std::time::Duration;
use tokio::time::{Instant, sleep};

#[derive(Debug, Default)]
struct Loan {
    applicant: String,
    credit: u32,
    fraud: bool,
    documents: bool,
}

async fn slow<T>(seconds: u64, value: T) -> Result<T, std::convert::Infallible> {
    sleep(Duration::from_secs(seconds)).await;
    Ok(value)
}

flow! {
    flow Checks(loan: Loan) {
        start -> checks;
        and checks -> credit, fraud, documents;
        task credit = slow(1, loan.applicant.len() as u32) => loan.credit -> checked;
        task fraud = slow(2, loan.applicant.is_empty()) => loan.fraud -> checked;
        task documents = slow(3, true) => loan.documents -> checked;
        join checked -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn branches_run_concurrently() {
    let begun = Instant::now();
    let done = Checks::run(Loan { applicant: "ada".into(), ..Loan::default() })
        .await
        .unwrap();
    assert_eq!(begun.elapsed(), Duration::from_secs(3));
    assert_eq!(done.context.credit, 3);
    assert!(done.context.documents);
    println!("{}", done.path);
    println!("{}", done.journal);
}

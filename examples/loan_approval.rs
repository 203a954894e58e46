//! A loan application: the credit check (itself a flow), the fraud check and
//! the document check run at the same time, then a decision.
//!
//! ```text
//! cargo run --example loan_approval
//! ```
//!
//! The three checks take 300 ms, 200 ms and 100 ms; an application is decided
//! after about 300 ms, not 600 ms. The last application meets a fraud
//! service that fails after 400 ms: the instance fails, and the credit line
//! the credit branch held meanwhile is released (compensated).

use flow_runtime::prelude::*;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct Applicant {
    pub name: String,
    pub income: u32,
    pub score: u32,
}

#[derive(Debug, Default)]
pub struct Application {
    pub applicant: Applicant,
    pub amount: u32,
    pub documents: Vec<String>,
    /// The credit check's result: the applicant with a score.
    pub credit: Applicant,
    pub hold: Option<String>,
    pub cosigner: Option<String>,
    pub fraud: Option<Fraud>,
    pub documents_ok: bool,
    pub decision: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Fraud {
    Clear,
    Suspicious(String),
}

mod bureau {
    use super::Applicant;
    use std::time::Duration;

    #[derive(Debug, thiserror::Error)]
    #[error("the credit bureau has no file on {0}")]
    pub struct NoFile(pub String);

    pub async fn score(applicant: &Applicant) -> Result<u32, NoFile> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(applicant.income / 100)
    }
}

flow! {
    /// The credit bureau's process, run by `LoanApproval` as a sub-flow.
    pub flow CreditCheck(applicant: Applicant) {
        start -> score;
        task score = bureau::score(&applicant) => applicant.score -> rating;
        xor rating {
            applicant.score >= 500 => good,
            else => poor,
        }
        end good;
        end poor;
    }
}

mod checks {
    use super::{Applicant, Fraud};
    use flow_runtime::Permanent;
    use std::time::Duration;

    #[derive(Debug, thiserror::Error)]
    pub enum CheckError {
        #[error("the fraud service is down")]
        FraudServiceDown,
    }

    pub async fn hold_credit_line(applicant: &Applicant) -> Result<String, CheckError> {
        Ok(format!("hold-{}", applicant.name))
    }

    pub async fn release(hold: &Option<String>) -> Result<(), CheckError> {
        println!("    released {}", hold.as_deref().unwrap_or("nothing"));
        Ok(())
    }

    pub async fn find_cosigner(applicant: &Applicant) -> Result<String, CheckError> {
        Ok(format!("parent of {}", applicant.name))
    }

    pub async fn screen(applicant: &Applicant) -> Result<Fraud, Permanent<CheckError>> {
        if applicant.name == "mallory" {
            // The service answers late, and with an error.
            tokio::time::sleep(Duration::from_millis(400)).await;
            return Err(Permanent(CheckError::FraudServiceDown));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        match applicant.name.as_str() {
            "eve" => Ok(Fraud::Suspicious("known alias".into())),
            _ => Ok(Fraud::Clear),
        }
    }

    pub async fn verify(documents: &[String]) -> Result<bool, CheckError> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(documents.iter().any(|document| document == "payslip"))
    }

    pub async fn decide(verdict: &str) -> Result<String, CheckError> {
        Ok(verdict.to_owned())
    }
}

flow! {
    /// A loan application: three independent checks at once, then a decision.
    pub flow LoanApproval(app: Application) {
        start -> checks;

        /// Each branch borrows only the fields it names, so rustc proves
        /// that no two checks write the same field.
        and checks -> credit, fraud, documents;

        /// The bureau's own flow, on a copy of the applicant; its final
        /// context is stored, and its end decides the next step.
        flow credit = CreditCheck(app.applicant.clone()) => app.credit -> match {
            CreditCheckEnd::Good => hold,
            CreditCheckEnd::Poor => cosigner,
        };
        task hold = checks::hold_credit_line(&app.credit) => app.hold
            compensate checks::release(&app.hold)
            -> checked;
        task cosigner = checks::find_cosigner(&app.credit) => app.cosigner -> checked;

        task fraud = checks::screen(&app.applicant) => app.fraud timeout 2s -> checked;
        task documents = checks::verify(&app.documents) => app.documents_ok -> checked;

        join checked -> verdict;

        xor verdict {
            app.fraud != Some(Fraud::Clear) => reject,
            app.documents_ok && app.cosigner.is_none() => approve,
            else => refer,
        }
        task approve = checks::decide("approved") => app.decision -> approved;
        task refer = checks::decide("referred to an officer") => app.decision -> referred;
        task reject = checks::decide("rejected") => app.decision -> rejected;
        end approved;
        end referred;
        end rejected;
    }
}

fn application(name: &str, income: u32, documents: &[&str]) -> Application {
    Application {
        applicant: Applicant {
            name: name.into(),
            income,
            score: 0,
        },
        amount: 20_000,
        documents: documents.iter().map(|d| (*d).to_owned()).collect(),
        ..Application::default()
    }
}

#[tokio::main]
async fn main() {
    let applications = [
        application("ada", 90_000, &["payslip", "passport"]),
        application("bob", 30_000, &["payslip"]),
        application("eve", 80_000, &["payslip"]),
        application("mallory", 70_000, &["payslip"]),
    ];
    for app in applications {
        let name = app.applicant.name.clone();
        let began = Instant::now();
        let outcome = LoanApproval::run(app).await;
        let took = began.elapsed();
        println!("{name} ({} ms):", round_to_10ms(took));
        match outcome.into_result() {
            Ok(done) => {
                println!("  path:     {}", done.path);
                println!(
                    "  decision: {}",
                    done.context.decision.as_deref().unwrap_or("none")
                );
            }
            Err(stopped) => {
                println!("  path:     {}", stopped.path());
                println!("  {stopped}");
                println!("  journal:");
                for event in stopped.journal().events() {
                    println!("    {event}");
                }
            }
        }
    }
}

/// Milliseconds rounded to tens, so the output reads the same on every run.
fn round_to_10ms(duration: Duration) -> u128 {
    (duration.as_millis() + 5) / 10 * 10
}

//! Flows that call flows, for the engine's sub-flow tests: a loan whose
//! credit review waits for an underwriter, a child that sleeps, a child that
//! fails after a compensable step, and three levels of calls.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What the steps did, in order, by test case (each test uses its own).
static LOG: Mutex<BTreeMap<String, Vec<String>>> = Mutex::new(BTreeMap::new());

fn log(case: &str, what: &str) {
    LOG.lock()
        .unwrap()
        .entry(case.to_owned())
        .or_default()
        .push(what.to_owned());
}

/// The steps (and compensations) that ran for `case`, in order.
pub fn ran(case: &str) -> Vec<String> {
    LOG.lock().unwrap().get(case).cloned().unwrap_or_default()
}

/// How often `what` ran for `case`.
pub fn count(case: &str, what: &str) -> usize {
    ran(case).iter().filter(|done| *done == what).count()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    pub case: String,
    pub name: String,
    pub score: u32,
    pub approved: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dossier {
    pub applicant: Applicant,
    pub answered: Option<Applicant>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Loan {
    pub case: String,
    pub applicant: Applicant,
    pub reserved: bool,
    pub reviewed: Option<Applicant>,
    pub dossier: Option<Dossier>,
    pub offer: Option<String>,
    pub failure: Option<String>,
}

/// A loan for `name`, logged under `case`.
pub fn loan(case: &str, name: &str) -> Loan {
    Loan {
        case: case.to_owned(),
        applicant: Applicant {
            case: case.to_owned(),
            name: name.to_owned(),
            ..Applicant::default()
        },
        ..Loan::default()
    }
}

pub mod steps {
    use super::{Applicant, log};
    use flow_runtime::StepError;

    pub async fn score(applicant: &Applicant) -> Result<u32, StepError> {
        log(&applicant.case, "score");
        Ok(700)
    }
    pub async fn unscore(applicant: &Applicant) -> Result<(), StepError> {
        log(&applicant.case, "unscore");
        Ok(())
    }
    pub async fn reserve(case: &str) -> Result<bool, StepError> {
        log(case, "reserve");
        Ok(true)
    }
    pub async fn release(case: &str) -> Result<(), StepError> {
        log(case, "release");
        Ok(())
    }
    pub async fn offer(applicant: &Applicant) -> Result<String, StepError> {
        log(&applicant.case, "offer");
        Ok(format!("an offer for {}", applicant.name))
    }
    pub async fn bureau(applicant: &Applicant) -> Result<u32, StepError> {
        log(&applicant.case, "bureau");
        Err(StepError::permanent(format!(
            "no credit file for {}",
            applicant.name
        )))
    }
}

flow! {
    /// A credit review that waits for an underwriter's decision.
    pub flow Review(applicant: Applicant) {
        start -> score;
        task score = steps::score(&applicant) => applicant.score
            compensate steps::unscore(&applicant) -> decide;
        wait decide: bool => applicant.approved for group("underwriter") -> rate;
        xor rate {
            applicant.approved == Some(true) => good,
            else => poor,
        }
        end good;
        end poor;
    }
}

flow! {
    /// A loan: reserves the money, has the applicant reviewed, offers.
    pub flow Lend(loan: Loan) {
        start -> reserve;
        task reserve = steps::reserve(&loan.case) => loan.reserved
            compensate steps::release(&loan.case) -> review;
        flow review = Review(loan.applicant.clone()) => loan.reviewed -> match {
            ReviewEnd::Good => offer,
            ReviewEnd::Poor => refused,
        };
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
        end refused;
    }
}

flow! {
    /// A child that sleeps two minutes before it scores.
    pub flow CoolOff(applicant: Applicant) {
        start -> night;
        timer night = 2m -> score;
        task score = steps::score(&applicant) => applicant.score -> done;
        end done;
    }
}

flow! {
    pub flow Patient(loan: Loan) {
        start -> cool_off;
        flow cool_off = CoolOff(loan.applicant.clone()) => loan.reviewed -> offer;
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
    }
}

flow! {
    /// A child that scores (compensably), then fails for good.
    pub flow Bureau(applicant: Applicant) {
        start -> score;
        task score = steps::score(&applicant) => applicant.score
            compensate steps::unscore(&applicant) -> fetch;
        task fetch = steps::bureau(&applicant) => applicant.score -> done;
        end done;
    }
}

flow! {
    /// A parent whose child fails: it compensates what it did.
    pub flow Risky(loan: Loan) {
        start -> reserve;
        task reserve = steps::reserve(&loan.case) => loan.reserved
            compensate steps::release(&loan.case) -> check;
        flow check = Bureau(loan.applicant.clone()) => loan.reviewed -> offer;
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
    }
}

flow! {
    /// A parent that takes an error route when its child fails.
    pub flow Forgiving(loan: Loan) {
        start -> check;
        flow check = Bureau(loan.applicant.clone()) => loan.reviewed
            on error => loan.failure -> offer
            -> done;
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
    }
}

flow! {
    /// The grandchild: waits for a score from outside.
    pub flow Inquiry(applicant: Applicant) {
        start -> answer;
        wait answer: u32 => applicant.score -> done;
        end done;
    }
}

flow! {
    /// The child: asks the grandchild.
    pub flow Middle(dossier: Dossier) {
        start -> ask;
        flow ask = Inquiry(dossier.applicant.clone()) => dossier.answered -> done;
        end done;
    }
}

flow! {
    /// The parent of three levels.
    pub flow Top(loan: Loan) {
        start -> reserve;
        task reserve = steps::reserve(&loan.case) => loan.reserved
            compensate steps::release(&loan.case) -> file;
        flow file = Middle(Dossier { applicant: loan.applicant.clone(), answered: None })
            => loan.dossier -> offer;
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
    }
}

flow! {
    /// A parent that gives its child a minute, and a second try.
    pub flow Hasty(loan: Loan) {
        start -> review;
        flow review = Review(loan.applicant.clone()) => loan.reviewed timeout 1m retry 1
            -> match {
                ReviewEnd::Good => offer,
                ReviewEnd::Poor => refused,
            };
        task offer = steps::offer(&loan.applicant) => loan.offer -> done;
        end done;
        end refused;
    }
}

flow! {
    /// A child that only scores.
    pub flow Quick(applicant: Applicant) {
        start -> score;
        task score = steps::score(&applicant) => applicant.score -> done;
        end done;
    }
}

flow! {
    /// A sub-flow call inside a parallel branch: it runs inline.
    pub flow Both(loan: Loan) {
        start -> both;
        and both -> check, reserve;
        flow check = Quick(loan.applicant.clone()) => loan.reviewed -> joined;
        task reserve = steps::reserve(&loan.case) => loan.reserved -> joined;
        join joined -> done;
        end done;
    }
}

//! A saga: book a flight, a hotel and a car. The car rental keeps failing,
//! so after its retries the hotel and then the flight are cancelled, newest
//! first. The clock is tokio's paused clock, so the times printed are the
//! virtual instants the backoff policies produce.
//!
//! ```text
//! cargo run --example travel_booking
//! ```

use flow_runtime::prelude::*;

#[derive(Debug, Default)]
pub struct Trip {
    pub traveller: String,
    pub flight: Option<String>,
    pub hotel: Option<String>,
    pub car: Option<String>,
}

mod booking {
    use flow_runtime::{Step, StepError};

    #[derive(Debug, thiserror::Error)]
    #[error("no cars left at the airport")]
    pub struct NoCars;

    fn say(step: &Step, what: &str) {
        let now = tokio::time::Instant::now();
        println!(
            "  [{:>6?}] {what} (key {})",
            now.duration_since(crate::origin()),
            step.idempotency_key()
        );
    }

    pub async fn book_flight(step: &Step) -> Result<String, StepError> {
        say(step, "book flight");
        Ok("LH 454".into())
    }

    pub async fn book_hotel(step: &Step) -> Result<String, StepError> {
        say(step, "book hotel");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Ok("Hotel Adlon, 2 nights".into())
    }

    pub async fn book_car(step: &Step) -> Result<String, StepError> {
        say(step, &format!("book car, attempt {}", step.attempt()));
        Err(NoCars)?
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the hotel's line is busy")]
    pub struct Busy;

    /// The hotel's cancellation line is busy the first time.
    pub async fn cancel_hotel(step: &Step, what: &Option<String>) -> Result<(), StepError> {
        if step.attempt() == 1 {
            say(step, "cancel hotel: the line is busy");
            Err(Busy)?;
        }
        cancel(step, what).await
    }

    pub async fn cancel(step: &Step, what: &Option<String>) -> Result<(), StepError> {
        say(
            step,
            &format!("cancel {}", what.as_deref().unwrap_or("nothing")),
        );
        Ok(())
    }
}

flow! {
    /// Books a trip; undoes what was booked if any booking fails for good.
    pub flow TravelBooking(trip: Trip, step: &Step) {
        start -> flight;
        task flight = booking::book_flight(step) => trip.flight
            compensate booking::cancel(step, &trip.flight)
            -> hotel;
        task hotel = booking::book_hotel(step) => trip.hotel
            timeout 1s
            compensate booking::cancel_hotel(step, &trip.hotel) retry 3 backoff fixed(1s)
            -> car;
        task car = booking::book_car(step) => trip.car
            retry 3 backoff exponential(500ms, 2s)
            compensate booking::cancel(step, &trip.car)
            -> booked;
        end booked;
    }
}

static ORIGIN: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();

fn origin() -> tokio::time::Instant {
    *ORIGIN.get_or_init(tokio::time::Instant::now)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    origin();
    println!("booking a trip for Ada (virtual time):");
    let outcome = TravelBooking::run(Trip {
        traveller: "Ada".into(),
        ..Trip::default()
    })
    .await;

    println!("\njournal:");
    print!("{}", outcome.journal());
    match outcome {
        Outcome::Failed(failed) => {
            println!("\n{failed}");
            println!(
                "compensated, in order: {:?}",
                failed.compensation.compensated_names()
            );
            println!(
                "left as they were:     {:?}",
                failed.compensation.not_compensated_names()
            );
        }
        other => println!("\nunexpected: {other}"),
    }
}

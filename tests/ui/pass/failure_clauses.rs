// `retry`, `backoff`, `timeout`, `on error => place -> handler` and
// `compensate` on tasks, run under tokio's paused clock.
use flow_runtime::prelude::*;

#[derive(Default)]
struct Trip {
    busy_attempts: u32,
    attempts: u32,
    hotel: Option<String>,
    card_ok: bool,
    undone: Vec<String>,
    payment_error: Option<String>,
}

async fn reserve(attempts: &mut u32, busy_attempts: u32) -> Result<String, String> {
    *attempts += 1;
    if *attempts <= busy_attempts { Err(format!("busy ({attempts})")) } else { Ok("hotel-1".to_owned()) }
}

async fn cancel_hotel(undone: &mut Vec<String>) -> Result<(), String> {
    undone.push("hotel".to_owned());
    Ok(())
}

async fn pay(card_ok: bool) -> Result<(), String> {
    if card_ok { Ok(()) } else { Err("card declined".to_owned()) }
}

async fn fail(message: &str) -> Result<(), StepError> {
    Err(StepError::permanent(message.to_owned()))
}

flow! {
    flow Booking(trip: Trip) {
        start -> hotel;
        task hotel = reserve(&mut trip.attempts, trip.busy_attempts) => trip.hotel
            retry 2 backoff fixed(10ms)
            compensate cancel_hotel(&mut trip.undone)
            -> pay;
        task pay = pay(trip.card_ok) timeout 1s on error => trip.payment_error -> declined -> confirm;
        task confirm = fail("confirmation service down") -> booked;
        task declined = pay(true) -> refused;
        end booked;
        end refused;
    }
}

fn main() {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();

    // Two busy attempts are retried; the card works; `confirm` fails for
    // good, so the completed hotel reservation is compensated.
    let trip = Trip { busy_attempts: 2, card_ok: true, ..Trip::default() };
    let failed = runtime.block_on(Booking::run(trip)).unwrap_failed();
    assert_eq!(failed.node, BookingNode::Confirm);
    assert_eq!(failed.error.to_string(), "confirmation service down");
    assert_eq!(failed.context.attempts, 3);
    assert_eq!(failed.context.hotel.as_deref(), Some("hotel-1"));
    assert_eq!(failed.context.undone, ["hotel"]);
    assert_eq!(failed.compensation.compensated_names(), ["hotel"]);
    assert_eq!(failed.path.to_string(), "start -> hotel -> pay -> confirm");

    // A declined card follows the error route and stores the error.
    let trip = Trip { card_ok: false, ..Trip::default() };
    let done = runtime.block_on(Booking::run(trip)).unwrap();
    assert_eq!(done.end, BookingEnd::Refused);
    assert_eq!(done.context.payment_error.as_deref(), Some("card declined"));
    assert_eq!(done.path.to_string(), "start -> hotel -> pay -> declined -> refused");

    // Too many busy attempts: the hotel fails for good, nothing to undo.
    let trip = Trip { busy_attempts: 5, card_ok: true, ..Trip::default() };
    let failed = runtime.block_on(Booking::run(trip)).unwrap_failed();
    assert_eq!(failed.node, BookingNode::Hotel);
    assert_eq!(failed.error.to_string(), "busy (3)");
    assert_eq!(failed.context.attempts, 3);
    assert!(failed.context.undone.is_empty());
}

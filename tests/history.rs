//! History levels: what the journal keeps at `Full`, `Path` and `Off`, in
//! memory and on an engine, and that the level changes nothing of what
//! runs: routes, retries, compensation, waits, timers, recovery.

#[path = "support/engine.rs"]
mod support;

use flow_runtime::prelude::*;
use flow_runtime::{Engine, Event, History, Runner, Status};
use std::time::Duration;
use support::{Approval, Fulfilment, FulfilmentEnd, FulfilmentSignal, order};

const LEVELS: [History; 3] = [History::Full, History::Path, History::Off];

#[derive(Debug, Default, Clone, PartialEq)]
struct Parcel {
    weight: u32,
    label: String,
    /// How many of `label`'s attempts fail.
    jams: u32,
    tries: u32,
}

async fn weigh() -> Result<u32, StepError> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(12)
}

/// Fails while the printer jams.
async fn label(parcel: &mut Parcel) -> Result<String, StepError> {
    parcel.tries += 1;
    tokio::time::sleep(Duration::from_secs(2)).await;
    match parcel.tries <= parcel.jams {
        true => Err(StepError::new("printer jammed")),
        false => Ok(format!("{} kg", parcel.weight)),
    }
}

flow! {
    flow Shipping(parcel: Parcel) {
        start -> weigh;
        task weigh = weigh() => parcel.weight -> heavy;
        xor heavy {
            parcel.weight > 10 => label,
            else => light,
        }
        task label = label(&mut parcel) => parcel.label
            retry 1 backoff fixed(1s)
            -> done;
        end done;
        end light;
    }
}

#[tokio::test(start_paused = true)]
async fn each_level_keeps_what_it_says_and_runs_the_same() {
    let mut runs = Vec::new();
    for history in LEVELS {
        let done = Runner::new()
            .history(history)
            .run::<Shipping>(Parcel {
                jams: 1,
                ..Parcel::default()
            })
            .await
            .unwrap();
        runs.push(done);
    }
    let [full, path, off] = <[_; 3]>::try_from(runs).ok().unwrap();
    for done in [&full, &path, &off] {
        assert_eq!(done.end, ShippingEnd::Done);
        assert_eq!(done.context.label, "12 kg");
        assert_eq!(done.context.tries, 2, "the retry runs at every level");
    }
    assert_eq!(
        full.path.to_string(),
        "start -> weigh -> heavy -> label -> done"
    );
    // The same visits after the same times (the runs one after the other:
    // their wall-clock times differ).
    let timed = |entries: &[flow_runtime::Entry<ShippingNode>]| {
        entries
            .iter()
            .filter(|entry| matches!(entry.event, Event::Entered { .. }))
            .map(|entry| (entry.elapsed, entry.event.clone()))
            .collect::<Vec<_>>()
    };
    let entered = timed(full.journal.entries());
    assert_eq!(timed(path.journal.entries()), entered);
    assert_eq!(path.journal.len(), entered.len(), "nothing but the path");
    assert_eq!(path.path.names(), full.path.names());
    assert!(full.journal.len() > entered.len());
    assert!(off.journal.is_empty());
    assert!(off.path.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_full_journal_times_every_event_when_it_happened() {
    let done = Shipping::run(Parcel::default()).await.unwrap();
    let times: Vec<(u64, String)> = done
        .journal
        .entries()
        .iter()
        .map(|entry| (entry.elapsed.as_secs(), entry.event.to_string()))
        .collect();
    let at = |secs: u64, event: &str| (secs, event.to_owned());
    assert_eq!(
        times,
        [
            at(0, "enter start"),
            at(0, "enter weigh"),
            at(0, "weigh attempt 1"),
            at(5, "weigh attempt 1 succeeded"),
            at(5, "enter heavy"),
            at(5, "enter label"),
            at(5, "label attempt 1"),
            at(7, "label attempt 1 succeeded"),
            at(7, "enter done"),
            at(7, "completed at done"),
        ]
    );
}

#[derive(Debug, Default)]
struct Trip {
    booked: u32,
    undone: u32,
}

async fn book(trip: &mut Trip) -> Result<(), StepError> {
    trip.booked += 1;
    Ok(())
}

async fn cancel(trip: &mut Trip) -> Result<(), StepError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    trip.undone += 1;
    Ok(())
}

async fn pay() -> Result<(), StepError> {
    Err(StepError::permanent("card declined"))
}

flow! {
    flow Booking(trip: Trip) {
        start -> flight;
        task flight = book(&mut trip) compensate cancel(&mut trip) -> hotel;
        task hotel = book(&mut trip) compensate cancel(&mut trip) -> pay;
        task pay = pay() -> done;
        end done;
    }
}

#[tokio::test(start_paused = true)]
async fn compensation_runs_the_same_at_every_level() {
    for history in LEVELS {
        let failed = Runner::new()
            .history(history)
            .run::<Booking>(Trip::default())
            .await
            .unwrap_failed();
        assert_eq!(failed.node, BookingNode::Pay, "{history:?}");
        assert_eq!(failed.context.undone, 2, "{history:?}");
        assert_eq!(
            failed.compensation.compensated_names(),
            ["hotel", "flight"],
            "{history:?}"
        );
        let compensated = failed.journal.compensated();
        match history {
            History::Full => assert_eq!(compensated, [BookingNode::Hotel, BookingNode::Flight]),
            _ => assert!(compensated.is_empty(), "{history:?}"),
        }
    }
}

fn approve() -> FulfilmentSignal {
    FulfilmentSignal::Approval(Approval {
        approved: true,
        note: "fine".into(),
    })
}

#[tokio::test(start_paused = true)]
async fn an_engine_keeps_the_journal_its_level_says_and_runs_the_same() {
    for history in LEVELS {
        let engine = Engine::memory()
            .history(history)
            .register::<Fulfilment>()
            .start();
        let ledger = format!("history-{history:?}");
        let id = engine
            .start::<Fulfilment>(order(&ledger, 1500))
            .await
            .unwrap();
        assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);
        engine.signal(id, approve()).await.unwrap();
        // Approved, paid, an hour's timer, shipped.
        let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
        assert_eq!(done.end, FulfilmentEnd::Shipped, "{history:?}");
        assert!(done.context.shipped);
        let journal = engine.history::<Fulfilment>(id).await.unwrap();
        let entered = journal
            .events()
            .filter(|event| matches!(event, Event::Entered { .. }))
            .count();
        let progress = engine.progress::<Fulfilment>(id).await.unwrap();
        assert!(progress.finished);
        match history {
            History::Full => {
                assert_eq!(
                    done.path.to_string(),
                    "start -> size -> approval -> decided -> pay -> cool_off -> ship -> shipped"
                );
                assert!(journal.len() > entered);
                assert_eq!(progress.steps_done, 2);
            }
            History::Path => {
                assert_eq!(entered, 8);
                assert_eq!(journal.len(), entered, "nothing but the path");
                assert_eq!(progress.steps_done, 0, "no attempt is recorded");
            }
            _ => {
                assert!(journal.is_empty());
                assert!(done.path.is_empty());
            }
        }
        engine.shutdown().await;
    }
}

#[tokio::test]
async fn an_instance_without_history_survives_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flows.db");
    let engine = || {
        Engine::sqlite(&file)
            .unwrap()
            .history(History::Off)
            .register::<Fulfilment>()
            .start()
    };
    let first = engine();
    let id = first
        .start::<Fulfilment>(order("history-restart", 1500))
        .await
        .unwrap();
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Waiting);
    first.shutdown().await;
    drop(first);

    let second = engine();
    assert_eq!(second.status(id).await.unwrap(), Status::Waiting);
    second.signal(id, approve()).await.unwrap();
    // The cool-off timer is an hour: the instance sleeps, stored whole.
    assert_eq!(second.until_parked(id).await.unwrap(), Status::Sleeping);
    let state = second.list(flow_runtime::Filter::default()).await.unwrap();
    assert_eq!(state.len(), 1);
    assert!(second.history::<Fulfilment>(id).await.unwrap().is_empty());
    second.shutdown().await;
}

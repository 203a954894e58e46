//! Engines on PostgreSQL: one whose claim another worker took over while
//! its step ran abandons the instance, a client-only engine that starts
//! and signals for workers elsewhere, and the wake-up hint.

use super::pg::Schema;
use flow_runtime::prelude::*;
use flow_runtime::store::{Status, Store};
use flow_runtime::{Engine, Event};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub weighed: Option<u32>,
    pub label: Option<String>,
}

static RUNS: AtomicU32 = AtomicU32::new(0);

fn gate() -> &'static watch::Sender<bool> {
    static GATE: std::sync::OnceLock<watch::Sender<bool>> = std::sync::OnceLock::new();
    GATE.get_or_init(|| watch::channel(false).0)
}

/// Runs until the test opens the gate.
async fn weigh() -> Result<u32, StepError> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = gate().subscribe().wait_for(|open| *open).await;
    Ok(7)
}

flow! {
    pub flow Weighing(parcel: Parcel) {
        start -> weigh;
        task weigh = weigh() => parcel.weighed -> done;
        end done;
    }
}

flow! {
    pub flow Labelling(parcel: Parcel) {
        start -> label;
        wait label: String => parcel.label -> done;
        end done;
    }
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..1000 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("waited 10 s for {what}");
}

/// While the engine's step runs, another worker takes its claim over (as
/// one does once the engine was paused past its lease): the engine's commit
/// is refused, it abandons the instance without releasing the other's
/// claim, and it goes on taking work. Once the claim is free again it runs
/// the step again (at least once) and the journal records one completion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_whose_claim_was_taken_over_abandons_the_instance_and_goes_on() {
    let Some(schema) = Schema::new("abandon") else {
        return;
    };
    let store = schema.store().await;
    let engine = Engine::builder(store.clone())
        .register::<Weighing>()
        .register::<Labelling>()
        .poll_interval(Duration::from_millis(20))
        .start();
    let id = engine.start::<Weighing>(Parcel::default()).await.unwrap();
    until("the step to start", async || {
        RUNS.load(Ordering::SeqCst) == 1
    })
    .await;
    let before = store.load(id).await.unwrap().unwrap();
    let journal = store.journal(id).await.unwrap();
    schema
        .execute(&format!(
            "UPDATE instances SET owner = 'another worker' WHERE id = '{id}'"
        ))
        .await;

    gate().send_replace(true);
    until("the engine to give the instance up", async || {
        engine.is_idle()
    })
    .await;
    let after = store.load(id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version, "its commit was refused");
    assert_eq!(after.state, before.state);
    assert_eq!(store.journal(id).await.unwrap(), journal);
    let owner = schema
        .execute(&format!("SELECT owner FROM instances WHERE id = '{id}'"))
        .await;
    assert_eq!(
        owner[0].get::<_, Option<String>>(0).as_deref(),
        Some("another worker"),
        "the engine left the other worker's claim alone"
    );
    // It did not stop: it runs other instances.
    let other = engine.start::<Labelling>(Parcel::default()).await.unwrap();
    engine.until_parked(other).await.unwrap();
    engine
        .signal(other, LabellingSignal::Label("fragile".into()))
        .await
        .unwrap();
    assert!(
        engine
            .outcome::<Labelling>(other)
            .await
            .unwrap()
            .is_completed()
    );

    // The other worker dies; its claim is cleared: the engine runs the step
    // again and completes the instance, recording the step once.
    schema
        .execute(&format!(
            "UPDATE instances SET owner = NULL, claimed_until = NULL WHERE id = '{id}'"
        ))
        .await;
    let done = engine.outcome::<Weighing>(id).await.unwrap().unwrap();
    assert_eq!(done.context.weighed, Some(7));
    assert_eq!(RUNS.load(Ordering::SeqCst), 2, "the step ran again");
    let history = engine.history::<Weighing>(id).await.unwrap();
    let succeeded = history
        .events()
        .filter(|event| matches!(event, Event::Succeeded { .. }))
        .count();
    assert_eq!(succeeded, 1, "one completion recorded");
    engine.shutdown().await;
}

/// A process that runs no instance (an HTTP handler, say) starts one and
/// delivers its signal; a worker elsewhere runs it; the client sees the
/// outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_only_engine_starts_and_signals_for_a_worker_elsewhere() {
    let Some(schema) = Schema::new("client_only") else {
        return;
    };
    let client = Engine::builder(schema.store().await)
        .register::<Labelling>()
        .poll_interval(Duration::from_millis(20))
        .client_only()
        .start();
    let id = client.start::<Labelling>(Parcel::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(client.status(id).await.unwrap(), Status::Runnable);

    let worker = Engine::builder(schema.store().await)
        .register::<Labelling>()
        .poll_interval(Duration::from_millis(20))
        .start();
    until("the worker to park the instance", async || {
        client.status(id).await.unwrap() == Status::Waiting
    })
    .await;
    client
        .signal(id, LabellingSignal::Label("urgent".into()))
        .await
        .unwrap();
    let done = client.outcome::<Labelling>(id).await.unwrap().unwrap();
    assert_eq!(done.context.label.as_deref(), Some("urgent"));
    worker.shutdown().await;
    client.shutdown().await;
}

/// A worker that polls once an hour runs at once what a client-only engine
/// starts, signals and cancels: each woke it through the store's hint
/// (`NOTIFY`), not its poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wake_up_hint_wakes_an_idle_worker_that_polls_once_an_hour() {
    let Some(schema) = Schema::new("wake_hint") else {
        return;
    };
    let hour = Duration::from_secs(3600);
    let worker = Engine::builder(schema.store().await)
        .register::<Labelling>()
        .poll_interval(hour)
        .start();
    let client = Engine::builder(schema.store().await)
        .register::<Labelling>()
        .poll_interval(Duration::from_millis(20))
        .client_only()
        .start();
    // Let the worker go idle first: it sleeps for its poll.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let watchdog = Duration::from_secs(60);
    let run = async {
        let id = client.start::<Labelling>(Parcel::default()).await.unwrap();
        until("the worker to park the instance", async || {
            client.status(id).await.unwrap() == Status::Waiting
        })
        .await;
        client
            .signal(id, LabellingSignal::Label("now".into()))
            .await
            .unwrap();
        let done = client.outcome::<Labelling>(id).await.unwrap().unwrap();
        assert_eq!(done.context.label.as_deref(), Some("now"));

        let cancelled = client.start::<Labelling>(Parcel::default()).await.unwrap();
        until("the worker to park the second instance", async || {
            client.status(cancelled).await.unwrap() == Status::Waiting
        })
        .await;
        client.cancel(cancelled, "not needed", false).await.unwrap();
        until("the worker to cancel it", async || {
            client.status(cancelled).await.unwrap() == Status::Cancelled
        })
        .await;
    };
    tokio::time::timeout(watchdog, run)
        .await
        .expect("the worker woke only at its poll");
    worker.shutdown().await;
}

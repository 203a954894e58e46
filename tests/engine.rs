//! The engine on the memory store: starting, waiting, signalling, timers,
//! retries as timers, cancellation, the inbox, queries, and every bad input
//! as a typed error that changes nothing.

#[path = "support/engine.rs"]
mod support;

use flow_runtime::store::{MemoryStore, NewInstance, Store};
use flow_runtime::{
    Delivery, Engine, EngineError, Event, Filter, InstanceId, Outcome, Started, Status, User,
};
use std::time::Duration;
use support::*;

const HOUR: Duration = Duration::from_secs(3600);

fn engine(store: &MemoryStore) -> Engine {
    Engine::builder(store.clone())
        .register::<Fulfilment>()
        .start()
}

fn approve(note: &str) -> FulfilmentSignal {
    FulfilmentSignal::Approval(Approval {
        approved: true,
        note: note.to_owned(),
    })
}

/// The events of an instance's journal, printed.
async fn events(engine: &Engine, id: InstanceId) -> Vec<String> {
    let journal = engine.history::<Fulfilment>(id).await.unwrap();
    journal.events().map(|event| event.to_string()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_small_order_sleeps_through_its_timer_and_completes() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("small", 500))
        .await
        .unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Sleeping);
    let started = tokio::time::Instant::now();
    let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert!(started.elapsed() >= HOUR, "the timer never fires early");
    assert_eq!(done.end, FulfilmentEnd::Shipped);
    assert_eq!(done.context.payment.as_deref(), Some("payment-500"));
    assert!(done.context.shipped);
    assert_eq!(
        done.path.to_string(),
        "start -> size -> pay -> cool_off -> ship -> shipped"
    );
    assert_eq!(engine.status(id).await.unwrap(), Status::Completed);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_large_order_parks_in_the_inbox_until_a_manager_completes_it() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("large", 1500))
        .await
        .unwrap();
    assert_eq!(engine.until_parked(id).await.unwrap(), Status::Waiting);

    let alice = User::new("alice").in_group("manager");
    let tasks = engine.tasks(&alice).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (
            tasks[0].instance,
            tasks[0].wait.as_str(),
            tasks[0].flow.as_str()
        ),
        (id, "approval", "Fulfilment")
    );
    assert_eq!(tasks[0].groups, ["manager"]);
    assert!(engine.tasks(&User::new("bob")).await.unwrap().is_empty());

    let delivery = engine.complete(id, &alice, approve("ok")).await.unwrap();
    assert_eq!(delivery, Delivery::Accepted);
    let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert_eq!(done.end, FulfilmentEnd::Shipped);
    assert_eq!(done.context.approval.unwrap().note, "ok");
    let journal = events(&engine, id).await;
    assert!(
        journal.contains(&"approval completed by alice".to_owned()),
        "{journal:?}"
    );
    assert!(
        engine.tasks(&alice).await.unwrap().is_empty(),
        "the task is closed"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn parked_instances_hold_no_task() {
    let engine = engine(&MemoryStore::new());
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(
            engine
                .start::<Fulfilment>(order("parked", 5000))
                .await
                .unwrap(),
        );
    }
    for id in &ids {
        assert_eq!(engine.until_parked(*id).await.unwrap(), Status::Waiting);
    }
    // Only the engine's run loop is alive: no task per waiting instance.
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert!(alive <= 1, "{alive} tasks alive for 50 parked instances");
    let waiting = Filter {
        status: Some(Status::Waiting),
        ..Filter::default()
    };
    assert_eq!(engine.list(waiting).await.unwrap().len(), 50);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_signal_sent_before_the_wait_is_kept_and_consumed_there() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("early", 2000))
        .await
        .unwrap();
    // Sent at once, before the run loop took the instance to its wait.
    engine.signal(id, approve("early")).await.unwrap();
    let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert_eq!(done.context.approval.unwrap().note, "early");
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_duplicate_delivery_is_accepted_once() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("dedupe", 2000))
        .await
        .unwrap();
    engine.until_parked(id).await.unwrap();
    let first = engine
        .signal_once(id, "msg-1", approve("first"))
        .await
        .unwrap();
    let second = engine
        .signal_once(id, "msg-1", approve("second"))
        .await
        .unwrap();
    assert_eq!((first, second), (Delivery::Accepted, Delivery::Duplicate));
    let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert_eq!(done.context.approval.unwrap().note, "first");
    let signalled = done
        .journal
        .events()
        .filter(|event| matches!(event, Event::Signalled { .. }))
        .count();
    assert_eq!(signalled, 1);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bad_signals_are_typed_errors_that_change_nothing() {
    let engine = engine(&MemoryStore::new());
    let unknown: InstanceId = "00000000000000000000000000000042".parse().unwrap();
    assert_eq!(
        engine.signal(unknown, approve("x")).await.unwrap_err(),
        EngineError::UnknownInstance(unknown)
    );

    let waiting = engine
        .start::<Fulfilment>(order("bad", 2000))
        .await
        .unwrap();
    engine.until_parked(waiting).await.unwrap();
    let before = events(&engine, waiting).await;

    let wrong_type = engine
        .signal_json(
            waiting,
            "approval",
            serde_json::json!({ "approved": "yes" }),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong_type, EngineError::Signal(error) if error.is_bad_payload()),
        "{wrong_type}"
    );
    let unknown_wait = engine
        .signal_json(waiting, "payment", serde_json::json!(null))
        .await
        .unwrap_err();
    assert_eq!(
        unknown_wait.to_string(),
        "flow `Fulfilment` has no `wait payment`"
    );
    assert_eq!(events(&engine, waiting).await, before, "nothing recorded");
    assert_eq!(engine.status(waiting).await.unwrap(), Status::Waiting);

    // A small order never passes `approval`: a signal for it is refused.
    let small = engine.start::<Fulfilment>(order("bad", 10)).await.unwrap();
    engine.until_parked(small).await.unwrap();
    let unreachable = engine.signal(small, approve("late")).await.unwrap_err();
    assert_eq!(
        unreachable.to_string(),
        format!("instance {small} cannot reach `wait approval` from where it is (`cool_off`)")
    );

    // A finished instance takes no signal.
    engine.signal(waiting, approve("ok")).await.unwrap();
    engine
        .outcome::<Fulfilment>(waiting)
        .await
        .unwrap()
        .unwrap();
    let finished = engine.signal(waiting, approve("again")).await.unwrap_err();
    assert_eq!(
        finished,
        EngineError::Finished {
            id: waiting,
            status: Status::Completed
        }
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn only_the_named_users_complete_a_user_task() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("users", 3000))
        .await
        .unwrap();
    engine.until_parked(id).await.unwrap();
    let bob = User::new("bob").in_group("sales");
    let refused = engine.complete(id, &bob, approve("me")).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("`bob` may not complete `wait approval` of instance {id}")
    );
    assert_eq!(engine.status(id).await.unwrap(), Status::Waiting);
    assert!(
        engine
            .history::<Fulfilment>(id)
            .await
            .unwrap()
            .events()
            .all(|event| !matches!(event, Event::Signalled { .. }))
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_wait_times_out_along_its_route() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("timeout", 1500))
        .await
        .unwrap();
    engine.until_parked(id).await.unwrap();
    // Two timeouts of 48 h pass: `escalate` runs twice, then the manager answers.
    tokio::time::sleep(2 * 48 * HOUR + HOUR).await;
    engine.until_parked(id).await.unwrap();
    engine.signal(id, approve("finally")).await.unwrap();
    let done = engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert_eq!(done.context.escalated, 2);
    let timed_out = done
        .journal
        .events()
        .filter(|event| event.to_string() == "approval timed out; timeout -> escalate")
        .count();
    assert_eq!(timed_out, 2);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_retry_parks_the_instance_and_keeps_its_attempt_count_across_a_restart() {
    let store = MemoryStore::new();
    let ledger = ledger("retry");
    ledger
        .ship_failures
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let first = engine(&store);
    let id = first.start::<Fulfilment>(order("retry", 10)).await.unwrap();
    // The timer (1 h), then `ship` fails once and parks for its 10 min backoff.
    tokio::time::sleep(HOUR + Duration::from_secs(60)).await;
    assert_eq!(first.until_parked(id).await.unwrap(), Status::Sleeping);
    assert_eq!(ledger.count("ship"), 1);
    first.shutdown().await;

    // A new engine on the same store: the retry is neither early nor reset.
    let second = engine(&store);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        ledger.count("ship"),
        1,
        "no retry before its backoff passed"
    );
    let done = second.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert!(done.context.shipped);
    assert_eq!(
        ledger.count("ship"),
        3,
        "attempts 1 and 2 failed, 3 succeeded"
    );
    let attempts: Vec<String> = done
        .journal
        .events()
        .filter(|event| matches!(event, Event::Attempt { .. }))
        .map(|event| event.to_string())
        .collect();
    assert_eq!(
        attempts,
        [
            "pay attempt 1",
            "ship attempt 1",
            "ship attempt 2",
            "ship attempt 3"
        ]
    );
    second.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_waiting_or_sleeping_instance() {
    let engine = engine(&MemoryStore::new());
    let waiting = engine
        .start::<Fulfilment>(order("cancel", 1500))
        .await
        .unwrap();
    let sleeping = engine
        .start::<Fulfilment>(order("cancel", 15))
        .await
        .unwrap();
    engine.until_parked(waiting).await.unwrap();
    engine.until_parked(sleeping).await.unwrap();

    engine
        .cancel(waiting, "customer left", false)
        .await
        .unwrap();
    let cancelled = engine.outcome::<Fulfilment>(waiting).await.unwrap();
    let Outcome::Cancelled(cancelled) = cancelled else {
        panic!("expected a cancellation, got {cancelled}");
    };
    assert_eq!(cancelled.reason, "customer left");
    assert_eq!(cancelled.node, FulfilmentNode::Approval);

    // The sleeping one was paid: cancelling with compensation refunds it.
    engine.cancel(sleeping, "out of stock", true).await.unwrap();
    let cancelled = engine
        .outcome::<Fulfilment>(sleeping)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(cancelled.compensation.compensated_names(), ["pay"]);
    assert_eq!(ledger("cancel").count("pay"), 1);
    assert_eq!(
        ledger("cancel")
            .effects()
            .keys()
            .filter(|key| key.starts_with("refund:"))
            .count(),
        1
    );
    assert_eq!(
        engine.cancel(sleeping, "again", true).await.unwrap_err(),
        EngineError::Finished {
            id: sleeping,
            status: Status::Cancelled
        }
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn starting_the_same_business_key_twice_returns_the_first_instance() {
    let engine = engine(&MemoryStore::new());
    let first = engine
        .start_with_key::<Fulfilment>("order-7", order("key", 2000))
        .await
        .unwrap();
    let second = engine
        .start_with_key::<Fulfilment>("order-7", order("key", 9))
        .await
        .unwrap();
    let Started::New(id) = first else {
        panic!("the first start makes an instance")
    };
    assert_eq!(second, Started::Existing(id));
    let all = engine.list(Filter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].key.as_deref(), Some("order-7"));
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn history_and_progress_of_a_running_instance() {
    let engine = engine(&MemoryStore::new());
    let id = engine
        .start::<Fulfilment>(order("history", 100))
        .await
        .unwrap();
    engine.until_parked(id).await.unwrap();
    let progress = engine.progress::<Fulfilment>(id).await.unwrap();
    assert_eq!((progress.steps_done, progress.finished), (1, false));
    let journal = engine.history::<Fulfilment>(id).await.unwrap();
    let times: Vec<_> = journal.entries().iter().map(|entry| entry.at).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "in order");
    assert_eq!(
        journal.events().last().unwrap().to_string(),
        "sleeping at cool_off"
    );
    engine.outcome::<Fulfilment>(id).await.unwrap().unwrap();
    assert!(engine.progress::<Fulfilment>(id).await.unwrap().finished);
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_broken_instance_is_marked_and_the_others_go_on() {
    let store = MemoryStore::new();
    let broken = InstanceId::from_u128(7);
    store
        .create(NewInstance {
            id: broken,
            flow: "Fulfilment".into(),
            hash: <Fulfilment as flow_runtime::Flow>::GRAPH.hash(),
            key: None,
            state: b"{ not json".to_vec(),
            events: Vec::new(),
        })
        .await
        .unwrap();
    let engine = engine(&store);
    let fine = engine
        .start::<Fulfilment>(order("broken", 1))
        .await
        .unwrap();
    engine.outcome::<Fulfilment>(fine).await.unwrap().unwrap();
    assert_eq!(engine.status(broken).await.unwrap(), Status::Broken);
    let error = engine.outcome::<Fulfilment>(broken).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("its stored state does not decode"),
        "{error}"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_flow_that_is_not_registered_is_refused() {
    let engine = Engine::memory().start();
    let error = engine
        .start::<Fulfilment>(order("none", 1))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "flow `Fulfilment` is not registered with this engine: call `register::<Fulfilment>()` on its builder"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn crashing_after_every_commit_ends_the_same_way() {
    use flow_runtime::testing::CrashTest;
    for amount in [10, 5000] {
        let report = CrashTest::<Fulfilment>::new(move || {
            // `ship` fails once per run, so a retry is crashed through too.
            ledger("crash")
                .ship_failures
                .store(1, std::sync::atomic::Ordering::SeqCst);
            order("crash", amount)
        })
        .signals(|_| approve("crash"))
        .run()
        .await;
        report.assert_ok();
        assert!(report.crash_points() >= 6, "{}", report.crash_points());
    }
}

mod slow {
    use flow_runtime::prelude::*;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Per pool (one per test): running now, most at once, dropped or done.
    static POOLS: Mutex<Option<HashMap<String, [usize; 3]>>> = Mutex::new(None);

    fn update(pool: &str, change: impl FnOnce(&mut [usize; 3])) -> [usize; 3] {
        let mut pools = POOLS.lock().unwrap();
        let counts = pools
            .get_or_insert_with(HashMap::new)
            .entry(pool.to_owned())
            .or_default();
        change(counts);
        *counts
    }

    /// Most steps of `pool` that ran at once, and how many ended (dropped
    /// or done).
    pub fn counts(pool: &str) -> (usize, usize) {
        let [_, most, ended] = update(pool, |_| {});
        (most, ended)
    }

    struct Running(String);
    impl Drop for Running {
        fn drop(&mut self) {
            update(&self.0, |c| {
                c[0] -= 1;
                c[2] += 1;
            });
        }
    }

    #[derive(serde::Serialize, serde::Deserialize, Default)]
    pub struct Job {
        pub pool: String,
        pub seconds: u64,
        pub done: bool,
    }

    pub async fn work(pool: &str, seconds: u64) -> Result<bool, StepError> {
        update(pool, |c| {
            c[0] += 1;
            c[1] = c[1].max(c[0]);
        });
        let _running = Running(pool.to_owned());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        Ok(true)
    }

    pub fn job(pool: &str, seconds: u64) -> Job {
        Job {
            pool: pool.to_owned(),
            seconds,
            done: false,
        }
    }

    flow! {
        pub flow Slow(job: Job) {
            start -> work;
            task work = work(&job.pool, job.seconds) => job.done -> done;
            end done;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn at_most_the_concurrency_limit_runs_at_once() {
    let engine = Engine::memory()
        .register::<slow::Slow>()
        .concurrency(2)
        .start();
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(
            engine
                .start::<slow::Slow>(slow::job("limit", 10))
                .await
                .unwrap(),
        );
    }
    let started = tokio::time::Instant::now();
    for id in ids {
        assert!(
            engine
                .outcome::<slow::Slow>(id)
                .await
                .unwrap()
                .unwrap()
                .context
                .done
        );
    }
    assert_eq!(slow::counts("limit"), (2, 6));
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "three rounds of two"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_running_instance_drops_its_step() {
    let engine = Engine::memory().register::<slow::Slow>().start();
    let long = engine
        .start::<slow::Slow>(slow::job("cancel", 3600))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(slow::counts("cancel"), (1, 0), "the step runs");
    let asked = tokio::time::Instant::now();
    engine.cancel(long, "not needed", false).await.unwrap();
    let cancelled = engine
        .outcome::<slow::Slow>(long)
        .await
        .unwrap()
        .unwrap_cancelled();
    assert_eq!(cancelled.node, slow::SlowNode::Work);
    assert_eq!(
        slow::counts("cancel"),
        (1, 1),
        "the step's future was dropped"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(60),
        "without waiting for the hour"
    );
    engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_commits_the_running_transition_and_another_engine_resumes() {
    let store = MemoryStore::new();
    let engine = Engine::builder(store.clone())
        .register::<slow::Slow>()
        .start();
    let id = engine
        .start::<slow::Slow>(slow::job("shutdown", 5))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Returns once `work` finished and its transition is committed.
    engine.shutdown().await;
    let stored = store.load(id).await.unwrap().unwrap();
    assert_eq!(
        stored.status,
        Status::Runnable,
        "stopped between transitions"
    );
    let journal = engine.history::<slow::Slow>(id).await.unwrap();
    assert_eq!(
        journal.events().last().unwrap().to_string(),
        "work attempt 1 succeeded"
    );

    let next = Engine::builder(store).register::<slow::Slow>().start();
    let done = next.outcome::<slow::Slow>(id).await.unwrap().unwrap();
    assert_eq!(done.path.to_string(), "start -> work -> done");
    assert_eq!(slow::counts("shutdown"), (1, 1), "`work` ran once");
    next.shutdown().await;
}

mod versions {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Go;

    #[derive(serde::Serialize, serde::Deserialize, Default)]
    pub struct Ticket {
        pub checked: bool,
    }

    pub async fn check() -> Result<bool, flow_runtime::StepError> {
        Ok(true)
    }

    pub mod v1 {
        use super::*;
        use flow_runtime::prelude::*;
        flow! {
            pub flow Ticketing(ticket: Ticket) {
                start -> go;
                wait go: Go -> done;
                end done;
            }
        }
    }

    pub mod v2 {
        use super::*;
        use flow_runtime::prelude::*;
        flow! {
            pub flow Ticketing(ticket: Ticket) {
                start -> go;
                wait go: Go -> check;
                task check = check() => ticket.checked -> done;
                end done;
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn an_instance_stored_by_another_definition_is_left_untouched_as_broken() {
    use versions::{Go, Ticket, v1, v2};
    let store = MemoryStore::new();
    let old = Engine::builder(store.clone())
        .register::<v1::Ticketing>()
        .start();
    let id = old.start::<v1::Ticketing>(Ticket::default()).await.unwrap();
    old.until_parked(id).await.unwrap();
    old.shutdown().await;
    let stored_before = store.load(id).await.unwrap().unwrap();

    let new = Engine::builder(store.clone())
        .register::<v2::Ticketing>()
        .start();
    // The signal is refused: the instance cannot run here.
    let refused = new
        .signal(id, v2::TicketingSignal::Go(Go))
        .await
        .unwrap_err();
    let error = new.outcome::<v2::Ticketing>(id).await.unwrap_err();
    assert_eq!(refused, error);
    let (old_hash, new_hash) = (
        <v1::Ticketing as flow_runtime::Flow>::GRAPH.hash(),
        <v2::Ticketing as flow_runtime::Flow>::GRAPH.hash(),
    );
    let flow_runtime::EngineError::Broken { reason, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        reason.starts_with(&format!(
            "instance {id} of `Ticketing` was stored under graph hash {old_hash:016x}, which no definition here has (the current definition is `engine::versions::v2::Ticketing`, graph hash {new_hash:016x})"
        )),
        "{reason}"
    );
    let stored = store.load(id).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Broken);
    assert_eq!(stored.state, stored_before.state, "its state is untouched");
    assert_eq!(stored.version, stored_before.version);
    // Others of the new definition run.
    let fresh = new.start::<v2::Ticketing>(Ticket::default()).await.unwrap();
    new.signal(fresh, v2::TicketingSignal::Go(Go))
        .await
        .unwrap();
    assert!(
        new.outcome::<v2::Ticketing>(fresh)
            .await
            .unwrap()
            .unwrap()
            .context
            .checked
    );
    new.shutdown().await;
}

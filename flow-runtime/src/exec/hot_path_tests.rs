//! What the in-memory sequential path costs, counted: clock reads and
//! locks per node, at each history level (`benches/hot_path.rs` times it).

use crate::clock::reads;
use crate::exec::scope::locks;
use crate::prelude::*;
use crate::{History, Observation, Observer, Runner};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Counter {
    n: u32,
}

async fn bump(n: u32) -> Result<u32, Infallible> {
    Ok(n + 1)
}

flow! {
    flow Two(counter: Counter) {
        start -> s1;
        task s1 = bump(counter.n) => counter.n -> s2;
        task s2 = bump(counter.n) => counter.n -> done;
        end done;
    }
}

flow! {
    flow Ten(counter: Counter) {
        start -> s1;
        task s1 = bump(counter.n) => counter.n -> s2;
        task s2 = bump(counter.n) => counter.n -> s3;
        task s3 = bump(counter.n) => counter.n -> s4;
        task s4 = bump(counter.n) => counter.n -> s5;
        task s5 = bump(counter.n) => counter.n -> s6;
        task s6 = bump(counter.n) => counter.n -> s7;
        task s7 = bump(counter.n) => counter.n -> s8;
        task s8 = bump(counter.n) => counter.n -> s9;
        task s9 = bump(counter.n) => counter.n -> s10;
        task s10 = bump(counter.n) => counter.n -> even;
        xor even {
            counter.n.is_multiple_of(2) => done,
            else => odd,
        }
        end done;
        end odd;
    }
}

/// Clock reads and record locks of one run of `F`, on this thread.
fn costs<F: Flow<Context = Counter>>(runner: &Runner) -> (u64, u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let before = (reads::so_far(), locks::so_far());
    let outcome = runtime.block_on(runner.run::<F>(Counter::default()));
    let after = (reads::so_far(), locks::so_far());
    assert!(outcome.is_completed());
    (after.0 - before.0, after.1 - before.1)
}

/// The clock reads the eight tasks and one gateway `Ten` has more than
/// `Two` cost, and the locks both runs took.
fn compare(history: History) -> (u64, u64) {
    let runner = Runner::new().history(history);
    let (two_reads, two_locks) = costs::<Two>(&runner);
    let (ten_reads, ten_locks) = costs::<Ten>(&runner);
    (ten_reads - two_reads, ten_locks + two_locks)
}

#[test]
fn with_full_history_a_task_reads_the_clock_once_and_a_gateway_never() {
    let (reads, _) = compare(History::Full);
    assert_eq!(reads, 8, "8 more tasks and one more gateway");
}

#[test]
fn with_path_history_a_task_reads_the_clock_once() {
    let (reads, _) = compare(History::Path);
    assert_eq!(reads, 8);
}

#[test]
fn with_history_off_no_node_reads_the_clock() {
    let (reads, _) = compare(History::Off);
    assert_eq!(reads, 0);
}

#[test]
fn the_sequential_path_takes_no_lock() {
    for history in [History::Full, History::Path, History::Off] {
        let (_, locks) = compare(history);
        assert_eq!(locks, 0, "{history:?}");
    }
}

#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Observer for Seen {
    fn observe(&self, observation: &Observation<'_>) {
        let event = format!("{:?}", observation.event);
        self.0.lock().unwrap().push(event);
    }
}

#[test]
fn observers_see_every_event_at_every_level() {
    let mut seen_at = Vec::new();
    for history in [History::Full, History::Path, History::Off] {
        let seen = Arc::new(Seen::default());
        let runner = Runner::new().history(history).observe(seen.clone());
        costs::<Two>(&runner);
        let events = seen.0.lock().unwrap().clone();
        seen_at.push(events);
    }
    // start, s1 (entered, attempt, succeeded), s2 (the same), done, completed.
    assert_eq!(seen_at[0].len(), 9, "{:?}", seen_at[0]);
    assert_eq!(seen_at[0], seen_at[1]);
    assert_eq!(seen_at[0], seen_at[2]);
}

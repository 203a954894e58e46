//! The workloads on cano 0.15: an FSM whose states are an enum, a task
//! registered per state, the instance's context a resource the tasks look up
//! by key (`Resources::get`). Everything it can express: all four.
//!
//! A workflow holds its resources, so a run with a fresh context needs a
//! workflow of its own. Two forms are measured for the chain: the workflow
//! built once and orchestrated again and again, its counter reset between
//! runs (only correct for runs one after the other, as in workloads 1 to 3),
//! and the workflow built per run (what the 10k concurrent instances do).

use crate::measure::{batch, concurrent};
use crate::steps::{CHAIN, FAN_SUM, Refused, SAGA, add, fetch, infallible, refuse, undo, work};
use cano::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// The states of all three workflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum State {
    Step(u32),
    Split,
    Done,
}

/// A context: counters the tasks read and write through their resource.
#[derive(Clone, Default)]
struct Tally(Arc<[AtomicU32; 4]>);

#[resource]
impl Resource for Tally {}

impl Tally {
    fn get(&self, slot: usize) -> u32 {
        self.0[slot].load(Relaxed)
    }

    fn reset(&self) {
        self.0.iter().for_each(|slot| slot.store(0, Relaxed));
    }
}

const CTX: &str = "ctx";

/// A chain step: adds to the counter, then goes to `Step(n + 1)` or `Done`.
struct Add {
    n: u32,
}

#[task(state = State)]
impl Add {
    async fn run(&self, res: &Resources) -> Result<TaskResult<State>, CanoError> {
        let tally = res.get::<Tally, _>(CTX)?;
        let mut counter = tally.get(0);
        infallible(add(&mut counter).await);
        tally.0[0].store(counter, Relaxed);
        let next = if self.n == CHAIN {
            State::Done
        } else {
            State::Step(self.n + 1)
        };
        Ok(TaskResult::Single(next))
    }
}

fn chain_workflow(tally: Tally) -> Workflow<State> {
    let mut workflow = Workflow::new(Resources::new().insert(CTX, tally));
    for n in 1..=CHAIN {
        workflow = workflow.register(State::Step(n), Add { n });
    }
    workflow.add_exit_state(State::Done)
}

/// Workload 1, the workflow built once: seconds per chain run.
pub async fn chain() -> f64 {
    let tally = Tally::default();
    let workflow = chain_workflow(tally.clone());
    batch(|| async {
        tally.reset();
        let end = workflow.orchestrate(State::Step(1), CancellationToken::disabled());
        assert_eq!(end.await.expect("the chain completes"), State::Done);
        assert_eq!(tally.get(0), CHAIN);
    })
    .await
}

/// One chain instance with a workflow of its own: answers the counter.
async fn chain_instance() -> u32 {
    let tally = Tally::default();
    let workflow = chain_workflow(tally.clone());
    let end = workflow.orchestrate(State::Step(1), CancellationToken::disabled());
    assert_eq!(end.await.expect("the chain completes"), State::Done);
    tally.get(0)
}

/// Workload 1, the workflow built per run: seconds per chain run.
pub async fn chain_built_per_run() -> f64 {
    batch(|| async { assert_eq!(chain_instance().await, CHAIN) }).await
}

/// Workload 4: seconds per completed chain instance, 10k at once, each with
/// its workflow.
pub async fn concurrent_chain() -> f64 {
    concurrent(|| async { assert_eq!(chain_instance().await, CHAIN) }).await
}

/// The task names: cano keys the compensators by name, one per state.
const NAMES: [&str; SAGA as usize] = ["s1", "s2", "s3", "s4", "s5"];

/// A compensable saga step: `work(n)`, compensated by `undo` on slot 0.
struct Work {
    n: u32,
}

#[saga::task(state = State)]
impl Work {
    type Output = u32;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(NAMES[self.n as usize - 1])
    }

    async fn run(&self, _res: &Resources) -> Result<(TaskResult<State>, u32), CanoError> {
        let value = work(self.n).await.map_err(refused)?;
        Ok((TaskResult::Single(State::Step(self.n + 1)), value))
    }

    async fn compensate(&self, res: &Resources, _value: u32) -> Result<(), CanoError> {
        let tally = res.get::<Tally, _>(CTX)?;
        let mut undone = tally.get(0);
        undo(&mut undone).await.map_err(refused)?;
        tally.0[0].store(undone, Relaxed);
        Ok(())
    }
}

/// The saga's failing step; without retries, like flow's default.
struct Refuse;

#[task(state = State)]
impl Refuse {
    fn config(&self) -> TaskConfig {
        TaskConfig::minimal()
    }

    async fn run_bare(&self) -> Result<TaskResult<State>, CanoError> {
        refuse(SAGA + 1).await.map_err(refused)?;
        Ok(TaskResult::Single(State::Done))
    }
}

fn refused(error: Refused) -> CanoError {
    CanoError::task_execution(error.to_string())
}

/// Workload 2, the workflow built once: seconds per saga run.
pub async fn saga() -> f64 {
    let tally = Tally::default();
    let mut workflow = Workflow::new(Resources::new().insert(CTX, tally.clone()));
    for n in 1..=SAGA {
        workflow = workflow.register_with_compensation(State::Step(n), Work { n });
    }
    let workflow = workflow
        .register(State::Step(SAGA + 1), Refuse)
        .add_exit_state(State::Done);
    batch(|| async {
        tally.reset();
        let end = workflow.orchestrate(State::Step(1), CancellationToken::disabled());
        let error = end.await.expect_err("the saga fails");
        assert!(error.to_string().contains("step 6 failed"), "{error}");
        assert_eq!(tally.get(0), SAGA);
    })
    .await
}

/// A fan-out branch: `fetch(n)` into slot `n - 1`.
#[derive(Clone)]
struct Fetch {
    n: u32,
}

#[task(state = State)]
impl Fetch {
    async fn run(&self, res: &Resources) -> Result<TaskResult<State>, CanoError> {
        let value = infallible(fetch(self.n).await);
        let tally = res.get::<Tally, _>(CTX)?;
        tally.0[self.n as usize - 1].store(value, Relaxed);
        Ok(TaskResult::Single(State::Done))
    }
}

/// Workload 3, the workflow built once: seconds per fan-out run. cano runs
/// a split's tasks as tasks of a `JoinSet`.
pub async fn fan_out() -> f64 {
    let tally = Tally::default();
    let branches: Vec<Fetch> = (1..=4).map(|n| Fetch { n }).collect();
    let workflow = Workflow::new(Resources::new().insert(CTX, tally.clone()))
        .register_split(
            State::Split,
            branches,
            JoinConfig::new(JoinStrategy::All, State::Done),
        )
        .add_exit_state(State::Done);
    batch(|| async {
        tally.reset();
        let end = workflow.orchestrate(State::Split, CancellationToken::disabled());
        assert_eq!(end.await.expect("the fan-out completes"), State::Done);
        assert_eq!((0..4).map(|slot| tally.get(slot)).sum::<u32>(), FAN_SUM);
    })
    .await
}

//! The workloads on steno 0.4: a saga is a DAG of actions (each with an
//! undo), run by a saga execution coordinator (SEC), itself a tokio task the
//! sagas talk to over channels, with an in-memory saga store (which keeps
//! nothing) and a `slog` logger that discards. One SEC per figure, so the
//! sagas it keeps after they finish (it keeps every one) come only from
//! that figure.
//!
//! The context is the saga's user data (`ActionContext::user_data`); the
//! actions' outputs, which steno serialises as JSON values in its log, are
//! what they answer. Everything it can express: all four.

use crate::measure::{batch, concurrent};
use crate::steps::{CHAIN, FAN_SUM, SAGA, add, fetch, infallible, refuse, undo, work};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use steno::{
    Action, ActionContext, ActionError, ActionFunc, ActionRegistry, DagBuilder, Node, SagaDag,
    SagaId, SagaName, SagaResult, SagaType, SecClient, UndoResult, new_action_noop_undo,
};

/// The sagas' type parameters.
#[derive(Debug)]
struct Peers;

/// A saga's context: a counter (the chain's, or the saga's compensations).
#[derive(Debug, Default)]
struct Tally {
    count: AtomicU32,
}

impl SagaType for Peers {
    type ExecContextType = Tally;
}

/// The registry's actions and a DAG, built once per figure.
struct Definition {
    registry: Arc<ActionRegistry<Peers>>,
    dag: Arc<SagaDag>,
}

impl Definition {
    fn new(
        name: &str,
        actions: Vec<Arc<dyn Action<Peers>>>,
        build: impl FnOnce(&mut DagBuilder),
    ) -> Self {
        let mut registry = ActionRegistry::new();
        actions
            .into_iter()
            .for_each(|action| registry.register(action));
        let mut builder = DagBuilder::new(SagaName::new(name));
        build(&mut builder);
        let dag = builder.build().expect("a valid saga DAG");
        Self {
            registry: Arc::new(registry),
            dag: Arc::new(SagaDag::new(dag, serde_json::Value::Null)),
        }
    }

    /// Creates, starts and awaits one saga with a fresh context: answers its
    /// result and context.
    async fn run(&self, sec: &SecClient) -> (SagaResult, Arc<Tally>) {
        let tally = Arc::new(Tally::default());
        let id = SagaId(uuid::Uuid::new_v4());
        let done = sec
            .saga_create(id, tally.clone(), self.dag.clone(), self.registry.clone())
            .await
            .expect("the SEC creates the saga");
        sec.saga_start(id).await.expect("the SEC starts the saga");
        (done.await, tally)
    }
}

fn new_sec() -> SecClient {
    let log = slog::Logger::root(slog::Discard, slog::o!());
    steno::sec(log, Arc::new(steno::InMemorySecStore::new()))
}

/// A chain step: adds to the context's counter, answers it.
async fn add_action(ctx: ActionContext<Peers>) -> Result<u32, ActionError> {
    let tally = &ctx.user_data().count;
    let mut counter = tally.load(Relaxed);
    infallible(add(&mut counter).await);
    tally.store(counter, Relaxed);
    Ok(counter)
}

const NODES: [&str; CHAIN as usize] = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"];

fn chain_definition() -> Definition {
    let action = new_action_noop_undo("add", add_action);
    Definition::new("chain", vec![action.clone()], |builder| {
        for node in NODES {
            builder.append(Node::action(node, node, action.as_ref()));
        }
    })
}

/// One chain saga: answers the counter.
async fn chain_once(definition: &Definition, sec: &SecClient) -> u32 {
    let (result, tally) = definition.run(sec).await;
    let last = result
        .kind
        .expect("the chain completes")
        .lookup_node_output::<u32>("s10");
    assert_eq!(last.expect("s10 answered"), tally.count.load(Relaxed));
    tally.count.load(Relaxed)
}

/// Workload 1: seconds per chain run.
pub async fn chain() -> f64 {
    let (definition, sec) = (chain_definition(), new_sec());
    let seconds = batch(|| async { assert_eq!(chain_once(&definition, &sec).await, CHAIN) }).await;
    sec.shutdown().await;
    seconds
}

/// Workload 4: seconds per completed chain instance, 10k at once, all on
/// one SEC.
pub async fn concurrent_chain() -> f64 {
    let shared = Arc::new((chain_definition(), new_sec()));
    let seconds = concurrent(|| {
        let shared = shared.clone();
        async move { assert_eq!(chain_once(&shared.0, &shared.1).await, CHAIN) }
    })
    .await;
    if let Ok((_, sec)) = Arc::try_unwrap(shared) {
        sec.shutdown().await;
    }
    seconds
}

/// A compensable saga step: `work(N)`.
async fn work_action<const N: u32>(_ctx: ActionContext<Peers>) -> Result<u32, ActionError> {
    work(N)
        .await
        .map_err(|error| ActionError::action_failed(error.to_string()))
}

/// The saga's failing step.
async fn refuse_action(_ctx: ActionContext<Peers>) -> Result<u32, ActionError> {
    refuse(SAGA + 1)
        .await
        .map_err(|error| ActionError::action_failed(error.to_string()))
}

/// A compensation: counts itself in the context.
async fn undo_action(ctx: ActionContext<Peers>) -> UndoResult {
    let tally = &ctx.user_data().count;
    let mut undone = tally.load(Relaxed);
    undo(&mut undone).await?;
    tally.store(undone, Relaxed);
    Ok(())
}

/// Workload 2: seconds per saga run.
pub async fn saga() -> f64 {
    let actions = vec![
        ActionFunc::new_action("work1", work_action::<1>, undo_action),
        ActionFunc::new_action("work2", work_action::<2>, undo_action),
        ActionFunc::new_action("work3", work_action::<3>, undo_action),
        ActionFunc::new_action("work4", work_action::<4>, undo_action),
        ActionFunc::new_action("work5", work_action::<5>, undo_action),
        new_action_noop_undo("refuse", refuse_action),
    ];
    const _: () = assert!(SAGA == 5);
    let definition = Definition::new("saga", actions.clone(), |builder| {
        for (node, action) in NODES.iter().zip(&actions) {
            builder.append(Node::action(*node, *node, action.as_ref()));
        }
    });
    let sec = new_sec();
    let seconds = batch(|| async {
        let (result, tally) = definition.run(&sec).await;
        let failed = result.kind.expect_err("the saga fails");
        assert_eq!(failed.error_node_name.as_ref(), "s6");
        assert!(failed.undo_failure.is_none());
        assert_eq!(tally.count.load(Relaxed), SAGA);
    })
    .await;
    sec.shutdown().await;
    seconds
}

/// A fan-out branch: `fetch(N)`.
async fn fetch_action<const N: u32>(_ctx: ActionContext<Peers>) -> Result<u32, ActionError> {
    Ok(infallible(fetch(N).await))
}

/// The fan-out's join: a saga ends in one node, which sums the branches'
/// outputs.
async fn join_action(ctx: ActionContext<Peers>) -> Result<u32, ActionError> {
    let mut sum = 0;
    for node in BRANCH_NODES {
        sum += ctx.lookup::<u32>(node)?;
    }
    Ok(sum)
}

const BRANCH_NODES: [&str; 4] = ["a", "b", "c", "d"];

/// Workload 3: seconds per fan-out run; the four branches are one
/// `append_parallel`, then the join node.
pub async fn fan_out() -> f64 {
    let actions = vec![
        new_action_noop_undo("fetch1", fetch_action::<1>),
        new_action_noop_undo("fetch2", fetch_action::<2>),
        new_action_noop_undo("fetch3", fetch_action::<3>),
        new_action_noop_undo("fetch4", fetch_action::<4>),
        new_action_noop_undo("join", join_action),
    ];
    let definition = Definition::new("fan-out", actions.clone(), |builder| {
        let branches = BRANCH_NODES.iter().zip(&actions);
        let nodes = branches.map(|(node, action)| Node::action(*node, *node, action.as_ref()));
        builder.append_parallel(nodes.collect());
        builder.append(Node::action("joined", "joined", actions[4].as_ref()));
    });
    let sec = new_sec();
    let seconds = batch(|| async {
        let (result, _) = definition.run(&sec).await;
        let done = result.kind.expect("the fan-out completes");
        let sum = done.lookup_node_output::<u32>("joined");
        assert_eq!(sum.expect("the join answered"), FAN_SUM);
    })
    .await;
    sec.shutdown().await;
    seconds
}

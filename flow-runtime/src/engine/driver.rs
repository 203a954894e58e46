//! Running one stored instance: decode its state, run transitions, commit
//! each, and stop where it parks. A parked instance holds no task.

use super::registry::Durable;
use super::{CommitPoint, Inner, children};
use crate::clock;
use crate::exec::{Hooks, Machine, Position};
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::journal::{Entry, Event};
use crate::outcome::Cause;
use crate::signal::Signal;
use crate::state::InstanceState;
use crate::store::{Commit, OpenWait, Status, StoreError, StoredInstance};
use std::sync::Arc;
use tracing::Instrument;

/// Runs a claimed instance until it parks, finishes, or the engine stops.
/// The instance is stored under `F`'s hash, or was just migrated to it from
/// the hash `migrated`.
pub(crate) async fn drive<F: Durable>(
    inner: Arc<Inner>,
    stored: StoredInstance,
    migrated: Option<u64>,
) {
    let id = stored.id;
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %id);
    async {
        if let Err(error) = run::<F>(&inner, stored, migrated).await {
            tracing::error!(%error, "instance stopped running");
        }
        inner.not_running(id);
        if !inner.has_crashed() {
            let _ = inner.store.release(id).await;
        }
        inner.driver_stopped();
    }
    .instrument(span)
    .await;
}

async fn run<F: Durable>(
    inner: &Arc<Inner>,
    stored: StoredInstance,
    migrated: Option<u64>,
) -> Result<(), StoreError> {
    let id = stored.id;
    let state: InstanceState<F> = match serde_json::from_slice(&stored.state) {
        Ok(state) => state,
        Err(error) => {
            let reason = format!(
                "instance {id} of `{}`: its stored state does not decode: {error}",
                stored.flow
            );
            return super::resolve::mark_broken(inner, id, reason).await;
        }
    };
    let hooks = Hooks::observed_by(inner.observers.clone())
        .keeping(inner.history)
        .with_sub_flows(inner.clone())
        .durable();
    let mut machine = state.into_machine(hooks);
    let mut version = stored.version;
    let mut recorded = 0;
    let mut cancel = inner.running(id);
    if let Some(from) = migrated {
        // The migrated state, committed under `F`'s hash before it runs on.
        let to = F::GRAPH.hash();
        machine.scope.record_here(Event::Migrated { from, to });
        let commit = prepare(&machine, version, &mut recorded, None)?;
        send(inner, commit, &mut version).await?;
    }
    if let Some(request) = stored.cancel {
        machine.cancel(request.reason, request.compensate);
        children::before_commit(inner, &mut machine).await?;
        let commit = prepare(&machine, version, &mut recorded, None)?;
        send(inner, commit, &mut version).await?;
    }

    let mut cancel_seen = false;
    loop {
        if machine.must_tell_parent() && !inner.has_crashed() {
            // Its finished state is committed (the instance stays runnable
            // until the parent knows): tell the parent, then commit the
            // final status.
            if let Some(parent) = machine.parent() {
                children::tell_parent(inner, id, &parent).await?;
            }
            machine.told_parent();
            let commit = prepare(&machine, version, &mut recorded, None)?;
            send(inner, commit, &mut version).await?;
        }
        if machine.at.is_finished() {
            inner.finished(id);
            return Ok(());
        }
        let waits = machine.open_waits();
        let taken = match (waits.is_empty(), machine.awaited_child()) {
            (false, _) => take_signal::<F>(inner, &mut machine, &waits).await?,
            (true, Some((call, child))) => {
                children::take_end::<F>(inner, &mut machine, call, child).await?
            }
            (true, None) => Taken::None,
        };
        let consumed = match taken {
            Taken::Signal(seq) => Some(seq),
            Taken::None => None,
            Taken::Broken(reason) => return inner.store.mark_broken(id, reason).await,
        };
        let parked = match &machine.at {
            Position::Waiting { .. }
            | Position::Sleeping { .. }
            | Position::Retry { .. }
            | Position::SubFlow { .. }
            | Position::Compensating { retry: Some(_), .. } => true,
            Position::Region(region) => !region.resumes(),
            _ => false,
        };
        if consumed.is_none() && parked && !machine.wake() {
            return Ok(()); // parked; the last commit stored it so
        }
        // Runnable now: a node to enter, a due retry, a compensation.
        if machine.at.is_compensating() || cancel_seen {
            advance_renewing(inner, id, &mut machine).await;
        } else {
            tokio::select! {
                biased;
                request = cancel.wait_for(Option::is_some) => {
                    cancel_seen = true;
                    if let Ok(request) = request
                        && let Some(request) = request.clone()
                    {
                        machine.cancel(request.reason, request.compensate);
                    }
                }
                () = advance_renewing(inner, id, &mut machine) => {}
            }
        }
        // A child the transition started is stored before the parent's
        // commit; a crash between the two (simulated right after) finds it.
        children::before_commit(inner, &mut machine).await?;
        if inner.has_crashed() {
            return Ok(()); // a simulated crash: this transition is lost
        }
        let commit = prepare(&machine, version, &mut recorded, consumed)?;
        send(inner, commit, &mut version).await?;
        // After a simulated crash the next transition still runs, up to its
        // commit (see above): the one a dying process had under way.
        if inner.is_stopping() && !inner.has_crashed() {
            return Ok(());
        }
    }
}

/// Runs the machine's next transition, renewing the instance's claim every
/// third of the lease while it runs, so that no other engine claims an
/// instance whose step takes longer than the lease.
async fn advance_renewing<F: Durable>(inner: &Inner, id: InstanceId, machine: &mut Machine<F>) {
    let renew = async {
        let every = inner.lease / 3;
        loop {
            tokio::time::sleep(every).await;
            if let Err(error) = inner.store.renew(id, clock::now(), inner.lease).await {
                tracing::warn!(%error, "renewing the claim failed; another engine may take the instance");
            }
        }
    };
    // The last transition's commit was awaited since the clock was read.
    machine.stale();
    tokio::select! {
        _ = machine.advance() => {}
        () = renew => {}
    }
}

/// What a parked instance found: the signal its next transition consumes,
/// nothing, or why it is broken.
pub(super) enum Taken {
    Signal(u64),
    None,
    Broken(String),
}

/// Delivers the oldest stored signal for one of `waits`, if there is one.
async fn take_signal<F: Durable>(
    inner: &Inner,
    machine: &mut Machine<F>,
    waits: &[F::Node],
) -> Result<Taken, StoreError> {
    let signals = inner.store.signals(machine.instance()).await?;
    let Some(signal) = signals
        .into_iter()
        .find(|signal| waits.iter().any(|wait| signal.wait == wait.name()))
    else {
        return Ok(Taken::None);
    };
    let decoded = serde_json::from_slice(&signal.payload)
        .map_err(|error| error.to_string())
        .and_then(|json| F::Signal::from_json(&signal.wait, json).map_err(|e| e.to_string()));
    match decoded {
        Ok(decoded) => match machine.deliver(decoded, signal.by) {
            Ok(()) => Ok(Taken::Signal(signal.seq)),
            Err(_) => Ok(Taken::None),
        },
        Err(reason) => Ok(Taken::Broken(format!(
            "signal {} for `wait {}` does not decode: {reason}",
            signal.seq, signal.wait
        ))),
    }
}

/// The commit of the machine's state and of the events it recorded since
/// the last commit. Built apart from sending it, so the machine (and its
/// context, which need not be `Sync`) is not borrowed across an `.await`.
fn prepare<F: Durable>(
    machine: &Machine<F>,
    version: u64,
    recorded: &mut usize,
    consumed: Option<u64>,
) -> Result<Commit, StoreError> {
    let id = machine.instance();
    let state = machine.encode().map_err(|error| {
        StoreError::Backend(format!("the state of {id} does not encode: {error}"))
    })?;
    let events = {
        let records = machine.scope.lock();
        let new = records.journal.since(*recorded);
        *recorded += new.len();
        new.iter()
            .map(encode_entry::<F>)
            .collect::<Result<Vec<_>, _>>()
    }
    .map_err(|error| StoreError::Backend(format!("an event of {id} does not encode: {error}")))?;
    Ok(Commit {
        id,
        version,
        hash: F::GRAPH.hash(),
        status: status_of(machine),
        state,
        wake_at: machine.wake_at(),
        waits: open_waits(&machine.at),
        events,
        consumed,
    })
}

async fn send(inner: &Inner, commit: Commit, version: &mut u64) -> Result<(), StoreError> {
    inner.at_commit_point(CommitPoint::Before, &commit);
    // Kept for the crash hook only; no copy otherwise.
    let sent = inner.has_crash_hook().then(|| commit.clone());
    match inner.store.commit(vec![commit]).await {
        Ok(()) => {
            if let Some(sent) = &sent {
                inner.at_commit_point(CommitPoint::After, sent);
            }
            *version += 1;
            inner.committed();
            Ok(())
        }
        Err(error @ (StoreError::Conflict { .. } | StoreError::LeaseLost { .. })) => {
            tracing::warn!(%error, "another worker moved the instance on; abandoning it");
            Err(error)
        }
        Err(error) => {
            inner.stop_after(&error);
            Err(error)
        }
    }
}

fn encode_entry<F: Flow>(entry: &Entry<F::Node>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(entry)
}

/// The store's status for where the machine is. A finished sub-flow
/// instance stays runnable until it has told its parent.
pub(crate) fn status_of<F: Flow>(machine: &Machine<F>) -> Status {
    if machine.must_tell_parent() {
        return Status::Runnable;
    }
    match &machine.at {
        Position::Compensating { retry: Some(_), .. }
        | Position::Retry { .. }
        | Position::Sleeping { .. } => Status::Sleeping,
        Position::Enter(_) | Position::Compensating { .. } => Status::Runnable,
        Position::Waiting { .. } | Position::SubFlow { .. } => Status::Waiting,
        Position::Region(region) if region.resumes() => Status::Runnable,
        Position::Region(region) if region.is_waiting() => Status::Waiting,
        Position::Region(region) if region.wake_at().is_some() => Status::Sleeping,
        Position::Region(_) => Status::Runnable,
        Position::Completed { .. } => Status::Completed,
        Position::Stopped { .. } if machine.compensation.failed.is_some() => {
            Status::CompensationFailed
        }
        Position::Stopped {
            cause: Cause::Cancelled { .. },
            ..
        } => Status::Cancelled,
        Position::Stopped { .. } => Status::Failed,
    }
}

/// The waits the store lists for where the machine is: one at a `wait`,
/// one per waiting branch inside a parallel region.
pub(crate) fn open_waits<N: NodeId, E>(at: &Position<N, E>) -> Vec<OpenWait> {
    match at {
        Position::Waiting {
            node,
            since,
            assignee,
            groups,
            ..
        } => vec![OpenWait {
            wait: node.name().to_owned(),
            assignee: assignee.clone(),
            groups: groups.clone(),
            since: *since,
        }],
        // The call's name, naming nobody (so in no inbox): the child's
        // notice is a signal for it, which wakes the parent.
        Position::SubFlow { node, since, .. } => vec![OpenWait {
            wait: node.name().to_owned(),
            assignee: None,
            groups: Vec::new(),
            since: *since,
        }],
        Position::Region(region) if !region.resumes() => region
            .open_user_tasks()
            .map(|(node, assignee, groups, since)| OpenWait {
                wait: node.name().to_owned(),
                assignee: assignee.map(str::to_owned),
                groups: groups.to_vec(),
                since,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::store::{MemoryStore, Store};
    use crate::{CommitPoint, Engine};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    async fn pay() -> Result<u32, StepError> {
        Ok(7)
    }

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    pub struct Order {
        paid: u32,
    }

    flow! {
        pub flow Hooked(order: Order) {
            start -> pay;
            task pay = pay() => order.paid -> done;
            end done;
        }
    }

    static SLOW_RUNS: AtomicU32 = AtomicU32::new(0);

    async fn slow() -> Result<u32, StepError> {
        SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(1)
    }

    flow! {
        pub flow Slow(order: Order) {
            start -> slow;
            task slow = slow() => order.paid -> done;
            end done;
        }
    }

    /// A claim's lease runs out while the engine still runs the instance's
    /// transition: the engine's next claim returns it again. Regression: a
    /// second driver was started for it, whose cancellation channel replaced
    /// the first one's; the first took the dropped channel for a
    /// cancellation, dropped its step and committed, so the second's commit
    /// conflicted, and so on: the step ran again and again (153 times in 5 s)
    /// and the instance never finished.
    #[tokio::test(start_paused = true)]
    async fn a_transition_longer_than_the_lease_runs_once_and_finishes() {
        let store = MemoryStore::new();
        let engine = Engine::builder(store.clone())
            .register::<Slow>()
            .lease(Duration::from_millis(100))
            .poll_interval(Duration::from_millis(10))
            .start();
        let id = engine.start::<Slow>(Order::default()).await.unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(60), engine.outcome::<Slow>(id))
            .await
            .expect("the instance finishes")
            .unwrap();
        assert_eq!(outcome.unwrap().context.paid, 1);
        assert_eq!(SLOW_RUNS.load(Ordering::SeqCst), 1, "the step ran once");
        let journal = engine.history::<Slow>(id).await.unwrap();
        let attempts = journal
            .events()
            .filter(|event| matches!(event, crate::Event::Attempt { .. }))
            .count();
        assert_eq!(attempts, 1);
        engine.shutdown().await;
    }

    static SHARED_RUNS: AtomicU32 = AtomicU32::new(0);

    async fn shared_slow() -> Result<u32, StepError> {
        SHARED_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(1)
    }

    flow! {
        pub flow SharedSlow(order: Order) {
            start -> slow;
            task slow = shared_slow() => order.paid -> done;
            end done;
        }
    }

    /// Two engines share a store; one runs a step three times as long as
    /// the lease. It renews its claim while the step runs, so the other
    /// engine, polling every 10 ms, never takes the instance: the step runs
    /// once. Without the renewal the second engine runs it again.
    #[tokio::test(start_paused = true)]
    async fn a_step_longer_than_the_lease_keeps_its_claim_from_another_engine() {
        let store = MemoryStore::new();
        let engine = |store: &MemoryStore, poll: u64| {
            Engine::builder(store.clone())
                .register::<SharedSlow>()
                .lease(Duration::from_millis(100))
                .poll_interval(Duration::from_millis(poll))
                .start()
        };
        // The first engine's run loop does not look for work again while
        // its step runs (its own claim would renew the lease too).
        let first = engine(&store, 10_000);
        let id = first.start::<SharedSlow>(Order::default()).await.unwrap();
        while SHARED_RUNS.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let second = engine(&store, 10);
        let outcome =
            tokio::time::timeout(Duration::from_secs(60), first.outcome::<SharedSlow>(id))
                .await
                .expect("the instance finishes")
                .unwrap();
        assert_eq!(outcome.unwrap().context.paid, 1);
        assert_eq!(SHARED_RUNS.load(Ordering::SeqCst), 1, "the step ran once");
        first.shutdown().await;
        second.shutdown().await;
    }

    /// The crash hook sees every commit twice: before it is sent, and once
    /// the store has it, in that order, with the version it follows.
    #[tokio::test]
    async fn the_crash_hook_sees_each_commit_before_and_after_the_store() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let store = MemoryStore::new();
        let engine = Engine::builder(store.clone())
            .register::<Hooked>()
            .crash_hook(move |point, commit| {
                log.lock()
                    .unwrap()
                    .push((point, commit.version, commit.status));
            })
            .start();
        let id = engine.start::<Hooked>(Order::default()).await.unwrap();
        let done = engine.outcome::<Hooked>(id).await.unwrap().unwrap();
        assert_eq!(done.context.paid, 7);
        engine.shutdown().await;

        let version = store.load(id).await.unwrap().unwrap().version;
        let seen = seen.lock().unwrap().clone();
        assert!(version >= 2, "a task and an end: {version} commits");
        let expected: Vec<_> = (0..version)
            .flat_map(|v| [(CommitPoint::Before, v), (CommitPoint::After, v)])
            .collect();
        let points: Vec<_> = seen.iter().map(|(point, v, _)| (*point, *v)).collect();
        assert_eq!(points, expected);
        let last = seen.last().unwrap();
        assert_eq!(last.2, crate::Status::Completed);
    }
}

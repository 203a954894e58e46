//! The writer: one thread owns the writing connection. Callers send it
//! logical operations over a channel; it takes every operation queued,
//! applies them in one physical transaction (one savepoint each, so a
//! refused operation leaves the others be) and answers each caller after the
//! single `COMMIT`: one fsync for many callers (group commit).

use super::sql::{Fail, backend};
use crate::store::StoreError;
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use tokio::sync::oneshot;

/// At most this many operations share one transaction, so that one commit
/// does not make a burst of callers wait for all of them.
const MAX_BATCH: usize = 1024;

/// One logical operation and the caller waiting for its answer.
pub(super) trait Job: Send {
    /// Runs the operation on the connection, inside its savepoint.
    fn apply(&mut self, conn: &Connection) -> Applied;

    /// Answers the caller. `failure` is set when the transaction did not
    /// commit: whatever the operation did is gone.
    fn answer(self: Box<Self>, failure: Option<StoreError>);
}

/// How an operation ended inside its savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// Its changes stay.
    Done,
    /// It refused (an unknown instance, a conflict, ...) or SQLite failed
    /// it: its savepoint is rolled back.
    Failed,
}

/// A typed [`Job`]: an operation and the oneshot that takes its result.
/// The operation may run more than once: when SQLite rolls a whole
/// transaction back, the writer runs the batch's other operations again.
pub(super) struct Request<T, F> {
    op: F,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Request<T, F> {
    pub(super) fn new(op: F, reply: oneshot::Sender<Result<T, StoreError>>) -> Self {
        Request {
            op,
            result: None,
            reply,
        }
    }
}

impl<T, F> Job for Request<T, F>
where
    T: Send,
    F: Fn(&Connection) -> Result<T, Fail> + Send,
{
    fn apply(&mut self, conn: &Connection) -> Applied {
        let result = (self.op)(conn).map_err(Fail::into_store);
        let applied = if result.is_ok() {
            Applied::Done
        } else {
            Applied::Failed
        };
        self.result = Some(result);
        applied
    }

    fn answer(self: Box<Self>, failure: Option<StoreError>) {
        let result = match (self.result, failure) {
            // Its own refusal stands whether or not the others committed.
            (Some(Err(refused)), _) => Err(refused),
            (_, Some(failure)) => Err(failure),
            (Some(done), None) => done,
            (None, None) => Err(backend("the operation was not run")),
        };
        // The caller may have stopped waiting; nothing to do then.
        let _ = self.reply.send(result);
    }
}

/// What the writer has committed so far.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub(super) transactions: AtomicU64,
    pub(super) operations: AtomicU64,
}

/// Runs until every sender is gone, then closes the connection.
pub(super) fn run(conn: Connection, jobs: mpsc::Receiver<Box<dyn Job>>, counts: Arc<Counts>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        apply(&conn, batch, &counts);
    }
}

/// Applies a batch in one transaction, counts it if it committed, then
/// answers every job (in that order, so a caller that has its answer sees
/// its write counted).
fn apply(conn: &Connection, mut batch: Vec<Box<dyn Job>>, counts: &Counts) {
    // Jobs still in the batch: one whose error made SQLite roll back the
    // whole transaction (disk full, I/O) leaves it with that error, and the
    // others run again in a new one, so it fails no one else.
    let mut live = vec![true; batch.len()];
    let failure = loop {
        match attempt(conn, &mut batch, &live) {
            Attempt::Committed => break None,
            Attempt::Lost(culprit) => live[culprit] = false,
            Attempt::Failed(error) => {
                if !conn.is_autocommit() {
                    // If even this fails, the connection rolls back when it
                    // next begins; the callers already get the error.
                    let _ = conn.execute_batch("ROLLBACK");
                }
                break Some(error);
            }
        }
    };
    if failure.is_none() {
        counts.transactions.fetch_add(1, Ordering::Relaxed);
        counts
            .operations
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    for job in batch {
        job.answer(failure.clone());
    }
}

/// How one try at a batch's transaction ended.
enum Attempt {
    Committed,
    /// SQLite rolled the transaction back when this job failed.
    Lost(usize),
    /// SQLite failed outside any job (begin, savepoint, commit).
    Failed(StoreError),
}

fn attempt(conn: &Connection, batch: &mut [Box<dyn Job>], live: &[bool]) -> Attempt {
    let sql = |statement: &str| conn.execute_batch(statement).map_err(backend);
    // Run once per operation: prepared once per connection.
    let cached = |statement: &str| {
        conn.prepare_cached(statement)
            .and_then(|mut prepared| prepared.execute([]))
            .map(drop)
            .map_err(backend)
    };
    if let Err(error) = sql("BEGIN IMMEDIATE") {
        return Attempt::Failed(error);
    }
    let jobs = batch
        .iter_mut()
        .enumerate()
        .filter(|(index, _)| live[*index]);
    for (index, job) in jobs {
        if let Err(error) = cached("SAVEPOINT op") {
            return Attempt::Failed(error);
        }
        let ended = match job.apply(conn) {
            Applied::Done => cached("RELEASE op"),
            Applied::Failed if conn.is_autocommit() => return Attempt::Lost(index),
            Applied::Failed => cached("ROLLBACK TO op").and_then(|()| cached("RELEASE op")),
        };
        if let Err(error) = ended {
            return Attempt::Failed(error);
        }
    }
    match sql("COMMIT") {
        Ok(()) => Attempt::Committed,
        Err(error) => Attempt::Failed(error),
    }
}

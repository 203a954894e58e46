//! The writer: one thread owns the writing connection. Callers send it
//! logical operations over a channel; it takes every operation queued,
//! applies them in one physical transaction (one savepoint each, so a
//! refused operation leaves the others be) and answers each caller after the
//! single `COMMIT`: one fsync for many callers (group commit).

use super::sql::{Fail, backend};
use crate::store::StoreError;
use rusqlite::Connection;
use std::sync::mpsc;
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

/// A typed [`Job`]: a closure and the oneshot that takes its result.
pub(super) struct Request<T, F> {
    op: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Request<T, F> {
    pub(super) fn new(op: F, reply: oneshot::Sender<Result<T, StoreError>>) -> Self {
        Request {
            op: Some(op),
            result: None,
            reply,
        }
    }
}

impl<T, F> Job for Request<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, Fail> + Send,
{
    fn apply(&mut self, conn: &Connection) -> Applied {
        let Some(op) = self.op.take() else {
            return Applied::Failed;
        };
        let result = op(conn).map_err(Fail::into_store);
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

/// Runs until every sender is gone, then closes the connection.
pub(super) fn run(conn: Connection, jobs: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        apply(&conn, batch);
    }
}

/// Applies a batch in one transaction and answers every job.
fn apply(conn: &Connection, mut batch: Vec<Box<dyn Job>>) {
    let failure = match transaction(conn, &mut batch) {
        Ok(()) => None,
        Err(error) => {
            if !conn.is_autocommit() {
                // If even this fails, the connection rolls back when it
                // next begins; the callers already get the error.
                let _ = conn.execute_batch("ROLLBACK");
            }
            Some(error)
        }
    };
    for job in batch {
        job.answer(failure.clone());
    }
}

fn transaction(conn: &Connection, batch: &mut [Box<dyn Job>]) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
    for job in batch.iter_mut() {
        conn.execute_batch("SAVEPOINT op").map_err(backend)?;
        match job.apply(conn) {
            Applied::Done => conn.execute_batch("RELEASE op").map_err(backend)?,
            Applied::Failed => {
                // Some errors (disk full, I/O) make SQLite roll back the
                // whole transaction: then the batch is lost.
                if conn.is_autocommit() {
                    return Err(backend("SQLite rolled the transaction back after an error"));
                }
                conn.execute_batch("ROLLBACK TO op; RELEASE op")
                    .map_err(backend)?;
            }
        }
    }
    conn.execute_batch("COMMIT").map_err(backend)
}

//! Group commit: one task per store takes every commit queued by the
//! engine's drivers and applies them in one transaction, its statements
//! pipelined (sent without waiting for each answer), so many transitions
//! share one round trip and one WAL flush.
//!
//! A commit is one fenced statement (`sql::COMMIT`): refused, it changes
//! nothing, so the others of the transaction need no savepoint. A request
//! of several commits (all or none) runs in a transaction of its own. When
//! PostgreSQL fails the group's transaction (a deadlock, say), each request
//! runs again alone, so one request's failure is no one else's.

use super::rows::{WaitColumns, backend, id_text, optional_time};
use super::sql;
use crate::store::{Commit, Status, StoreError};
use deadpool_postgres::{Object, Pool};
use futures::future::join_all;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

/// At most this many requests share one transaction.
const MAX_BATCH: usize = 512;

/// How often a request that lost a deadlock (or a serialization failure)
/// is tried again, alone, before its caller gets the error.
const RETRIES: usize = 3;

/// A caller's commits and where to answer.
pub(super) struct Request {
    pub(super) commits: Vec<Commit>,
    pub(super) reply: oneshot::Sender<Result<(), StoreError>>,
}

/// What the writer has committed so far.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub(super) transactions: AtomicU64,
    pub(super) operations: AtomicU64,
}

/// Runs until every sender is gone.
pub(super) async fn run(
    pool: Pool,
    owner: Arc<str>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    counts: Arc<Counts>,
) {
    while let Some(first) = requests.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let (singles, others): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|r| r.commits.len() == 1);
        let mut client = match pool.get().await {
            Ok(client) => client,
            Err(error) => {
                let error = backend(error);
                for request in singles.into_iter().chain(others) {
                    let _ = request.reply.send(Err(error.clone()));
                }
                continue;
            }
        };
        let group = Group {
            client: &mut client,
            owner: &owner,
            counts: &counts,
        };
        group.singles(singles).await;
        for request in others {
            let result = group.alone_retried(&request.commits).await;
            let _ = request.reply.send(result);
        }
    }
}

struct Group<'a> {
    client: &'a mut Object,
    owner: &'a str,
    counts: &'a Counts,
}

/// A commit's statement parameters, owned.
struct Params {
    id: String,
    version: i64,
    status: &'static str,
    state: Vec<u8>,
    wake_at: Option<i64>,
    waits: WaitColumns,
    finished: bool,
    hash: i64,
    events: Vec<Vec<u8>>,
    consumed: Option<i64>,
    parks: bool,
}

impl Params {
    fn of(commit: &Commit) -> Result<Self, StoreError> {
        Ok(Params {
            id: id_text(commit.id),
            version: commit.version.cast_signed(),
            status: commit.status.as_str(),
            state: commit.state.clone(),
            wake_at: optional_time(commit.wake_at)?,
            waits: WaitColumns::of(&commit.waits)?,
            finished: commit.status.is_finished(),
            hash: commit.hash.cast_signed(),
            events: commit.events.clone(),
            consumed: commit.consumed.map(u64::cast_signed),
            parks: matches!(commit.status, Status::Waiting | Status::Sleeping),
        })
    }

    fn refs<'a>(&'a self, owner: &'a &'a str) -> [&'a (dyn ToSql + Sync); 12] {
        [
            &self.id,
            &self.version,
            &self.status,
            &self.state,
            &self.wake_at,
            &self.waits.json,
            &self.waits.names,
            &self.finished,
            &self.hash,
            &self.events,
            &self.consumed,
            owner,
        ]
    }
}

/// Whether PostgreSQL failed a transaction that can simply run again.
fn transient(error: &tokio_postgres::Error) -> bool {
    matches!(
        error.code(),
        Some(&SqlState::T_R_DEADLOCK_DETECTED | &SqlState::T_R_SERIALIZATION_FAILURE)
    )
}

impl Group<'_> {
    /// Single-commit requests, in one pipelined transaction.
    async fn singles(&self, requests: Vec<Request>) {
        if requests.is_empty() {
            return;
        }
        let mut ready = Vec::new();
        for request in requests {
            match Params::of(&request.commits[0]) {
                Ok(params) => ready.push((request, params)),
                Err(error) => {
                    let _ = request.reply.send(Err(error));
                }
            }
        }
        let params: Vec<&Params> = ready.iter().map(|(_, params)| params).collect();
        match self.pipelined(&params).await {
            Ok(applied) => {
                self.counted(ready.len());
                for ((request, _), applied) in ready.into_iter().zip(applied) {
                    let result = match applied {
                        true => Ok(()),
                        false => Err(self.refusal(&request.commits[0]).await),
                    };
                    let _ = request.reply.send(result);
                }
            }
            Err(error) => {
                tracing::debug!(%error, "a group commit failed; its commits run again one by one");
                for (request, _) in ready {
                    let result = self.alone_retried(&request.commits).await;
                    let _ = request.reply.send(result);
                }
            }
        }
    }

    /// `BEGIN`, every commit, the settling of the parked ones and `COMMIT`,
    /// sent at once: PostgreSQL runs the whole transaction without waiting
    /// for this process, so a worker stopped (or slow) in the middle holds
    /// no row lock that would stall the others. A statement that fails
    /// aborts the transaction, and its `COMMIT` then rolls it back. Which
    /// commits applied (a refused one changed nothing).
    async fn pipelined(&self, params: &[&Params]) -> Result<Vec<bool>, tokio_postgres::Error> {
        let client = &**self.client;
        let commit = self.client.prepare_cached(sql::COMMIT).await?;
        let settle = self.client.prepare_cached(sql::SETTLE).await?;
        let owner = self.owner;
        let parked: Vec<&str> = params
            .iter()
            .filter(|params| params.parks)
            .map(|params| params.id.as_str())
            .collect();
        let refs: Vec<_> = params.iter().map(|params| params.refs(&owner)).collect();
        let statements = refs.iter().map(|refs| client.query_one(&commit, refs));
        let parked: [&(dyn ToSql + Sync); 1] = [&parked];
        // `join!` polls in order, and each future sends its request when
        // first polled: PostgreSQL gets them in this order.
        let (begun, applied, settled, committed) = futures::join!(
            client.batch_execute("BEGIN"),
            join_all(statements),
            client.execute(&settle, &parked),
            client.batch_execute("COMMIT"),
        );
        begun?;
        let applied = applied
            .into_iter()
            .map(|row| row.map(|row| row.get::<_, i64>(0) == 1))
            .collect::<Result<Vec<_>, _>>()?;
        settled?;
        committed?;
        Ok(applied)
    }

    /// A request alone in its transaction, tried again after a deadlock.
    async fn alone_retried(&self, commits: &[Commit]) -> Result<(), StoreError> {
        if commits.is_empty() {
            return Ok(());
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match self.alone(commits).await {
                Err(Failure::Postgres(error)) if transient(&error) && tries < RETRIES => {}
                Err(Failure::Postgres(error)) => return Err(backend(error)),
                Err(Failure::Store(error)) => return Err(error),
                Ok(()) => {
                    self.counted(1);
                    return Ok(());
                }
            }
        }
    }

    /// Every commit in order in one transaction, or none. One commit is
    /// pipelined as the group is; several (a request the engine does not
    /// make) go one by one, and the first refused one rolls the
    /// transaction back.
    async fn alone(&self, commits: &[Commit]) -> Result<(), Failure> {
        let params = commits
            .iter()
            .map(Params::of)
            .collect::<Result<Vec<_>, _>>()?;
        if let [one] = params.as_slice() {
            return match self.pipelined(&[one]).await?.as_slice() {
                [true] => Ok(()),
                _ => Err(Failure::Store(self.refusal(&commits[0]).await)),
            };
        }
        let client = &**self.client;
        let statement = self.client.prepare_cached(sql::COMMIT).await?;
        let settle = self.client.prepare_cached(sql::SETTLE).await?;
        client.batch_execute("BEGIN").await?;
        let owner = self.owner;
        for (commit, params) in commits.iter().zip(&params) {
            let applied = client.query_one(&statement, &params.refs(&owner)).await;
            let refused = match applied {
                Ok(row) if row.get::<_, i64>(0) == 1 => continue,
                Ok(_) => Failure::Store(self.refusal(commit).await),
                Err(error) => Failure::Postgres(error),
            };
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(refused);
        }
        let parked: Vec<&str> = params
            .iter()
            .filter(|params| params.parks)
            .map(|params| params.id.as_str())
            .collect();
        if let Err(error) = client.execute(&settle, &[&parked]).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(error.into());
        }
        client.batch_execute("COMMIT").await?;
        Ok(())
    }

    /// Why `commit` changed nothing: its instance is unknown, at another
    /// version, or claimed by another store.
    async fn refusal(&self, commit: &Commit) -> StoreError {
        let row = match self
            .client
            .query_opt(sql::FENCE, &[&id_text(commit.id)])
            .await
        {
            Ok(row) => row,
            Err(error) => return backend(error),
        };
        let Some(row) = row else {
            return StoreError::UnknownInstance(commit.id);
        };
        let actual = row.get::<_, i64>(0).cast_unsigned();
        if actual != commit.version {
            return StoreError::Conflict {
                id: commit.id,
                expected: commit.version,
                actual,
            };
        }
        StoreError::LeaseLost { id: commit.id }
    }

    fn counted(&self, operations: usize) {
        self.counts.transactions.fetch_add(1, Ordering::Relaxed);
        self.counts
            .operations
            .fetch_add(operations as u64, Ordering::Relaxed);
    }
}

/// Why a request alone failed.
enum Failure {
    Store(StoreError),
    Postgres(tokio_postgres::Error),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure::Store(error)
    }
}

impl From<tokio_postgres::Error> for Failure {
    fn from(error: tokio_postgres::Error) -> Self {
        Failure::Postgres(error)
    }
}

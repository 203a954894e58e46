//! The PostgreSQL store: many worker processes, on many machines, share
//! one database.

mod listen;
mod ops;
mod options;
mod rows;
mod schema;
mod sql;
mod writer;

use super::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, Store, StoreError,
    StoredInstance, StoredSignal, Summary, WriteStats,
};
use crate::id::InstanceId;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures::future::{BoxFuture, FutureExt};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, mpsc, oneshot};
use writer::{Counts, Request};

pub use options::{OpenError, PostgresOptions};

/// A [`Store`] in a PostgreSQL database (with the `postgres` feature).
///
/// Cheap to clone; clones share one pool of connections, one writer and
/// one **owner token**. Open one store per worker process: the token names
/// the worker in the claims it takes.
///
/// # Claims, leases and fencing
///
/// [`claim`](Store::claim) takes runnable and due instances in creation
/// order with `FOR UPDATE SKIP LOCKED` (two workers claiming at once get
/// different instances, and neither waits for the other) and stores the
/// claim in the row: this store's token and the lease's end. While the
/// lease runs no other store claims the instance; the engine renews it
/// while a transition runs. A worker that dies leaves its claims to the
/// others when their leases end.
///
/// Every [`commit`](Store::commit) is fenced: it applies only if the
/// instance is still at the version the worker read *and* no other store
/// holds its claim. A worker that was paused (a long GC pause, a stopped
/// VM, `SIGSTOP`) past its lease, whose instance another worker claimed
/// meanwhile, has its late commit refused with [`StoreError::LeaseLost`]
/// (or [`StoreError::Conflict`] once the other worker committed), and the
/// engine abandons the instance: one transition per version survives,
/// whichever clock is off. Leases only decide when an instance may be
/// taken over; correctness does not depend on the workers' clocks.
///
/// # Writes
///
/// Commits go to one task per store, which applies every commit queued at
/// that moment in one transaction, its statements pipelined (group
/// commit): many drivers share one round trip and one WAL flush. A commit
/// is answered once PostgreSQL committed it. Every other call is one
/// statement on a connection of the pool. The isolation level is
/// PostgreSQL's default, `READ COMMITTED`; each write locks the rows it
/// changes, and no lock is held across a round trip (the group's
/// `BEGIN` ... `COMMIT` is sent at once), so a worker that stops in the
/// middle of a call does not stall the others.
///
/// # Wake-ups
///
/// An idle engine polls for work every poll interval, with jitter. A
/// signal, start or cancellation sent through any store on the schema also
/// sends a `NOTIFY`, which every store `LISTEN`s for on a connection of its
/// own ([`Store::wake_hint`]): an idle worker wakes at once. The hint is
/// never needed for correctness; without it (a listener that lost its
/// connection reconnects) work waits for the next poll.
///
/// # Schema
///
/// The store lives in one PostgreSQL schema (`flow` by default,
/// [`PostgresOptions::schema`]), created at
/// [`connect`](PostgresStore::connect) and migrated to this build's schema
/// version, under an advisory lock so that workers starting at once do not
/// race. A schema written by a newer version is refused, as is a schema
/// holding other tables.
///
/// ```no_run
/// use flow_runtime::store::{Filter, PostgresStore, Store};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://flow:secret@localhost/flow").await?;
/// let waiting = store.list(Filter::default()).await?;
/// # let _ = waiting;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    owner: Arc<str>,
    schema: String,
    writer: mpsc::UnboundedSender<Request>,
    counts: Arc<Counts>,
    /// Notified when another store signalled, started or cancelled an
    /// instance (`LISTEN` on the schema's channel).
    hint: Arc<Notify>,
}

impl PostgresStore {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` string, as libpq reads them) with the default options,
    /// and brings the schema `flow` up to date.
    ///
    /// # Errors
    ///
    /// [`OpenError`]: a bad URL, a server that cannot be reached or refuses
    /// the login, a schema that is not a flow store or is newer than this
    /// build's.
    ///
    /// ```no_run
    /// use flow_runtime::store::PostgresStore;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::store::PostgresOpenError> {
    /// let store = PostgresStore::connect("host=localhost user=flow dbname=flow").await?;
    /// # drop(store);
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// As [`connect`](PostgresStore::connect), with `options`.
    ///
    /// # Errors
    ///
    /// As [`connect`](PostgresStore::connect), and
    /// [`OpenError::SchemaName`] for a schema name the store does not
    /// accept.
    ///
    /// ```no_run
    /// use flow_runtime::store::{PostgresOptions, PostgresStore};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::store::PostgresOpenError> {
    /// let options = PostgresOptions { schema: "billing".into(), ..PostgresOptions::default() };
    /// let store = PostgresStore::connect_with("postgres://localhost/app", options).await?;
    /// # drop(store);
    /// # Ok(()) }
    /// ```
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, OpenError> {
        if !schema::valid_schema(&options.schema) {
            return Err(OpenError::SchemaName {
                schema: options.schema,
            });
        }
        let mut config: tokio_postgres::Config = url.parse().map_err(|error| OpenError::Url {
            message: format!("{error}"),
        })?;
        // Every connection finds the store's tables first, and nothing else.
        let mut settings = config.get_options().unwrap_or_default().to_owned();
        settings.push_str(&format!(" -c search_path={}", options.schema));
        config.options(settings.trim());
        if config.get_application_name().is_none() {
            config.application_name("flow");
        }
        let listener = config.clone();
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(2))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.connect_timeout))
            .create_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|error| OpenError::postgres("building the pool", &error))?;
        let mut client = pool
            .get()
            .await
            .map_err(|error| OpenError::postgres("connecting", &error))?;
        schema::migrate(&mut client, &options.schema).await?;
        drop(client);

        let owner: Arc<str> = Arc::from(format!("{}", InstanceId::next()));
        let counts = Arc::new(Counts::default());
        let (sender, requests) = mpsc::unbounded_channel();
        tokio::spawn(writer::run(
            pool.clone(),
            Arc::clone(&owner),
            requests,
            Arc::clone(&counts),
        ));
        let hint = Arc::new(Notify::new());
        let listening = listen::spawn(listener, options.schema.clone(), &hint);
        // From here on no notification is missed, unless the listener's
        // connection drops; if it cannot connect, the engine polls.
        if tokio::time::timeout(options.connect_timeout, listening)
            .await
            .is_err()
        {
            tracing::warn!("the wake-up listener did not connect in time; idle workers poll");
        }
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool,
                owner,
                schema: options.schema,
                writer: sender,
                counts,
                hint,
            }),
        })
    }

    /// The token this store claims instances under: unique to it (and its
    /// clones) among every store ever opened.
    ///
    /// ```no_run
    /// # use flow_runtime::store::PostgresStore;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::store::PostgresOpenError> {
    /// let one = PostgresStore::connect("postgres://localhost/app").await?;
    /// let two = PostgresStore::connect("postgres://localhost/app").await?;
    /// assert_ne!(one.owner(), two.owner());
    /// assert_eq!(one.owner(), one.clone().owner());
    /// # Ok(()) }
    /// ```
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The schema the store is in.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// What this store's writer has committed since it connected: how many
    /// transactions, carrying how many commit requests. Their ratio is the
    /// group commit's batch size.
    ///
    /// ```no_run
    /// # use flow_runtime::store::PostgresStore;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::store::PostgresOpenError> {
    /// let store = PostgresStore::connect("postgres://localhost/app").await?;
    /// let stats = store.write_stats();
    /// assert!(stats.operations >= stats.transactions);
    /// # Ok(()) }
    /// ```
    pub fn write_stats(&self) -> WriteStats {
        WriteStats {
            transactions: self.inner.counts.transactions.load(Ordering::Relaxed),
            operations: self.inner.counts.operations.load(Ordering::Relaxed),
        }
    }

    fn pool(&self) -> &Pool {
        &self.inner.pool
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.inner.schema)
            .field("owner", &self.inner.owner)
            .finish_non_exhaustive()
    }
}

impl Store for PostgresStore {
    fn create(&self, instance: NewInstance) -> BoxFuture<'_, Result<Created, StoreError>> {
        async move { ops::create(self.pool(), &self.inner.schema, &instance).await }.boxed()
    }

    fn load(&self, id: InstanceId) -> BoxFuture<'_, Result<Option<StoredInstance>, StoreError>> {
        ops::load(self.pool(), id).boxed()
    }

    fn commit(&self, commits: Vec<Commit>) -> BoxFuture<'_, Result<(), StoreError>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.inner.writer.send(Request { commits, reply });
        async move {
            let stopped = || StoreError::Backend("the PostgreSQL writer has stopped".to_owned());
            sent.map_err(|_| stopped())?;
            answer.await.unwrap_or_else(|_| Err(stopped()))
        }
        .boxed()
    }

    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Vec<StoredInstance>, StoreError>> {
        ops::claim(self.pool(), &self.inner.owner, now, limit, lease).boxed()
    }

    fn release(&self, id: InstanceId) -> BoxFuture<'_, Result<(), StoreError>> {
        ops::release(self.pool(), &self.inner.owner, id).boxed()
    }

    fn renew(
        &self,
        id: InstanceId,
        now: SystemTime,
        lease: Duration,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        ops::renew(self.pool(), &self.inner.owner, id, now, lease).boxed()
    }

    fn next_wake(&self) -> BoxFuture<'_, Result<Option<SystemTime>, StoreError>> {
        ops::next_wake(self.pool()).boxed()
    }

    fn signal(
        &self,
        id: InstanceId,
        signal: NewSignal,
    ) -> BoxFuture<'_, Result<Delivery, StoreError>> {
        let received_at = crate::clock::now();
        async move {
            let channel = &self.inner.schema;
            ops::signal(self.pool(), channel, id, &signal, received_at).await
        }
        .boxed()
    }

    fn signals(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<StoredSignal>, StoreError>> {
        ops::signals(self.pool(), id).boxed()
    }

    fn cancel(
        &self,
        id: InstanceId,
        request: CancelRequest,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        async move { ops::cancel(self.pool(), &self.inner.schema, id, &request).await }.boxed()
    }

    fn mark_broken(&self, id: InstanceId, reason: String) -> BoxFuture<'_, Result<(), StoreError>> {
        async move { ops::mark_broken(self.pool(), id, &reason).await }.boxed()
    }

    fn journal(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<Vec<u8>>, StoreError>> {
        ops::journal(self.pool(), id).boxed()
    }

    fn list(&self, filter: Filter) -> BoxFuture<'_, Result<Vec<Summary>, StoreError>> {
        async move { ops::list(self.pool(), &filter).await }.boxed()
    }

    fn wake_hint(&self) -> Option<Arc<Notify>> {
        Some(Arc::clone(&self.inner.hint))
    }
}

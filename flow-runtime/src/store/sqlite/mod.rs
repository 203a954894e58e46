//! The SQLite store: one file, WAL, one writer thread that commits the
//! operations of all callers together (group commit).

mod schema;
mod sql;
#[cfg(test)]
mod tests;
mod writer;

use super::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, Store, StoreError,
    StoredInstance, StoredSignal, Summary, WriteStats,
};
use crate::id::InstanceId;
use futures::future::{BoxFuture, FutureExt};
use rusqlite::Connection;
use sql::Fail;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};
use tokio::sync::oneshot;
use writer::{Counts, Job, Request};

/// A [`Store`] in one SQLite file (with the `sqlite` feature, on by default).
///
/// Cheap to clone; clones share the same writer and readers.
///
/// # Writes
///
/// One thread owns the writing connection. Every writing call (`create`,
/// `commit`, `claim`, `release`, `signal`, `cancel`, `mark_broken`) is sent
/// to it as one logical operation; it applies every operation queued at that
/// moment in one transaction, each under its own savepoint so that a refused
/// one (a [`Conflict`](StoreError::Conflict), an unknown instance) changes
/// nothing and leaves the others be, and answers each caller after the one
/// `COMMIT`. Many concurrent callers thus share one fsync. A write is
/// answered only once it is committed; if SQLite fails (I/O, disk full) the
/// caller gets [`StoreError::Backend`] and nothing of the operation applies.
/// When such an error makes SQLite roll back the whole transaction, the
/// writer applies the batch's other operations again in a new one, so one
/// caller's failure is no one else's.
///
/// # Reads
///
/// `load`, `signals`, `journal`, `list` and `next_wake` run on reader
/// connections (WAL lets them read while the writer writes), on tokio's
/// blocking pool so they neither block the runtime nor queue behind the
/// writer's fsync. A read sees every write answered before it started.
///
/// # Durability
///
/// [`Synchronous::Full`] (the default) syncs the log at every commit: an
/// answered write survives a crash of the process and a loss of power.
/// [`Synchronous::Normal`] syncs only at checkpoints: an answered write
/// survives a crash of the process (`kill -9`), but a loss of power may
/// roll back the last commits (the file stays consistent).
///
/// # Sharing a file
///
/// Two stores may open the same file, in one process or several on one
/// machine (not over a network file system, which WAL does not support).
/// SQLite's locking serializes their writers, every write is one
/// transaction, every commit is fenced by the instance's version, and a
/// claim's lease is stored in the file, so two engines on one file never
/// both run an instance's transition nor overwrite each other's commit. A
/// writer that waits longer than [`SqliteOptions::busy_timeout`] for the
/// other gets [`StoreError::Backend`].
///
/// ```
/// use flow_runtime::store::{Filter, SqliteOptions, SqliteStore, Store, Synchronous};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("flows.db");
///
/// // Survives a loss of power: the default.
/// let store = SqliteStore::open(&path).unwrap();
/// assert!(store.list(Filter::default()).await.unwrap().is_empty());
///
/// // A second store on the same file shares it.
/// let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
/// let other = SqliteStore::open_with(&path, options).unwrap();
/// assert!(other.list(Filter::default()).await.unwrap().is_empty());
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// `None` only while dropping, so the writer sees the channel close.
    writer: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
    readers: Arc<Readers>,
    counts: Arc<Counts>,
}

/// How a [`SqliteStore`] opens its file.
///
/// ```
/// use flow_runtime::store::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
/// assert_eq!(SqliteOptions::default().synchronous, Synchronous::Full);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// When commits reach the disk.
    pub synchronous: Synchronous,
    /// How long a connection waits for another one's lock (another store
    /// on the same file) before it fails. 5 s by default.
    pub busy_timeout: Duration,
    /// A cap on the file's size in bytes: a write that would grow it past
    /// the cap fails with [`StoreError::Backend`], as on a full disk.
    /// None by default.
    pub max_size: Option<u64>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            max_size: None,
        }
    }
}

/// When SQLite syncs commits to the disk (its `synchronous` setting, in WAL
/// mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Synchronous {
    /// Syncs the log at every commit: an answered write survives a loss of
    /// power.
    #[default]
    Full,
    /// Syncs at checkpoints only: an answered write survives a crash of
    /// the process, not a loss of power. Faster.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// Why [`SqliteStore::open`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// SQLite could not open or set up the file.
    #[error("cannot open the store `{}`: {message}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        message: String,
    },
    /// The file's schema is newer than this build of `flow-runtime` knows:
    /// it was written by a newer version. Nothing was changed.
    #[error(
        "the store `{}` has schema version {found}, newer than the {supported} this build reads: \
         open it with a newer flow-runtime",
        path.display()
    )]
    FutureSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build reads.
        supported: i64,
    },
    /// The file is a SQLite database of something else. Nothing was
    /// changed.
    #[error("`{}` is a SQLite database but not a flow store", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
    },
}

impl OpenError {
    fn sqlite(path: &Path, error: rusqlite::Error) -> Self {
        OpenError::Sqlite {
            path: path.to_owned(),
            message: error.to_string(),
        }
    }
}

impl From<OpenError> for StoreError {
    fn from(error: OpenError) -> Self {
        StoreError::Backend(error.to_string())
    }
}

impl SqliteStore {
    /// Opens the store in the file at `path`, creating it if needed, with
    /// [`Synchronous::Full`].
    ///
    /// # Errors
    ///
    /// [`OpenError`]: SQLite failed, or the file is not a flow store, or its
    /// schema is newer than this build's.
    ///
    /// ```
    /// use flow_runtime::store::SqliteStore;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = SqliteStore::open(dir.path().join("flows.db")).unwrap();
    /// # drop(store);
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens the store in the file at `path` with `options`.
    ///
    /// # Errors
    ///
    /// As [`open`](SqliteStore::open).
    ///
    /// ```
    /// use flow_runtime::store::{SqliteOptions, SqliteStore, Synchronous};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
    /// let store = SqliteStore::open_with(dir.path().join("flows.db"), options).unwrap();
    /// # drop(store);
    /// ```
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, OpenError> {
        let path = path.as_ref().to_owned();
        let conn = schema::open_writer(&path, &options)?;
        let (sender, jobs) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let written = Arc::clone(&counts);
        let thread = std::thread::Builder::new()
            .name("flow-sqlite-writer".to_owned())
            .spawn(move || writer::run(conn, jobs, written))
            .map_err(|error| OpenError::Sqlite {
                path: path.clone(),
                message: format!("cannot start the writer thread: {error}"),
            })?;
        let readers = Arc::new(Readers {
            path: path.clone(),
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
        });
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Some(sender),
                thread: Some(thread),
                readers,
                counts,
            }),
        })
    }

    /// The file the store is in.
    ///
    /// ```
    /// use flow_runtime::store::SqliteStore;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("flows.db");
    /// assert_eq!(SqliteStore::open(&path).unwrap().path(), path);
    /// ```
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// What this store's writer has committed since it opened: how many
    /// physical transactions, carrying how many logical operations (each
    /// writing call is one). Their ratio is the group commit's batch size.
    ///
    /// ```
    /// use flow_runtime::store::{NewInstance, SqliteStore, Store};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = SqliteStore::open(dir.path().join("flows.db")).unwrap();
    /// let before = store.write_stats();
    /// store.create(NewInstance {
    ///     id: flow_runtime::InstanceId::from_u128(1),
    ///     flow: "Order".into(),
    ///     hash: 1,
    ///     key: None,
    ///     state: b"{}".to_vec(),
    ///     events: Vec::new(),
    /// }).await.unwrap();
    /// let after = store.write_stats();
    /// assert_eq!(after.transactions - before.transactions, 1);
    /// assert_eq!(after.operations - before.operations, 1);
    /// # }
    /// ```
    pub fn write_stats(&self) -> WriteStats {
        WriteStats {
            transactions: self.inner.counts.transactions.load(Ordering::Relaxed),
            operations: self.inner.counts.operations.load(Ordering::Relaxed),
        }
    }

    /// Sends `op` to the writer; the future answers after its commit.
    fn write<T, F>(&self, op: F) -> BoxFuture<'static, Result<T, StoreError>>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T, Fail> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Request::new(op, reply));
        let sent = self.inner.writer.as_ref().map(|writer| writer.send(job));
        async move {
            if !matches!(sent, Some(Ok(()))) {
                return Err(stopped());
            }
            answer.await.unwrap_or_else(|_| Err(stopped()))
        }
        .boxed()
    }

    /// Runs `op` on a reader, on tokio's blocking pool.
    fn read<T, F>(&self, op: F) -> BoxFuture<'static, Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Fail> + Send + 'static,
    {
        let readers = Arc::clone(&self.inner.readers);
        async move {
            // At most READERS reads at once, so that every read finds an
            // open connection (with its prepared statements) to reuse:
            // opening one per read cost more than the reads themselves.
            let permit = Arc::clone(&readers.permits)
                .acquire_owned()
                .await
                .map_err(sql::backend)?;
            let result = tokio::task::spawn_blocking(move || readers.read(op))
                .await
                .unwrap_or_else(|error| Err(sql::backend(error)));
            drop(permit);
            result
        }
        .boxed()
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the SQLite writer has stopped".to_owned())
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel ends the writer after the batch it is
        // applying; waiting for it closes the file before a reopen.
        drop(self.writer.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Reader connections, opened on demand and kept for the next read.
struct Readers {
    path: PathBuf,
    options: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
    /// One per reader that may run at once.
    permits: Arc<tokio::sync::Semaphore>,
}

/// At most this many reads run at once, each on its own connection; the
/// connections stay open for the next reads.
const READERS: usize = 8;

impl Readers {
    fn read<T>(&self, op: impl FnOnce(&Connection) -> Result<T, Fail>) -> Result<T, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => schema::open_reader(&self.path, &self.options).map_err(sql::backend)?,
        };
        // One read transaction, so a read of several statements sees one
        // snapshot.
        let result = conn
            .execute_batch("BEGIN")
            .map_err(Fail::from)
            .and_then(|()| op(&conn));
        let ended = if conn.is_autocommit() {
            Ok(())
        } else {
            conn.execute_batch("COMMIT")
        };
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if ended.is_ok() && idle.len() < READERS {
            idle.push(conn);
        }
        result.map_err(Fail::into_store)
    }
}

impl Store for SqliteStore {
    fn create(&self, instance: NewInstance) -> BoxFuture<'_, Result<Created, StoreError>> {
        self.write(move |conn| sql::create(conn, &instance))
    }

    fn load(&self, id: InstanceId) -> BoxFuture<'_, Result<Option<StoredInstance>, StoreError>> {
        self.read(move |conn| sql::load(conn, id))
    }

    fn commit(&self, commits: Vec<Commit>) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |conn| sql::commit(conn, &commits))
    }

    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Vec<StoredInstance>, StoreError>> {
        self.write(move |conn| sql::claim(conn, now, limit, lease))
    }

    fn release(&self, id: InstanceId) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |conn| sql::release(conn, id))
    }

    fn renew(
        &self,
        id: InstanceId,
        now: SystemTime,
        lease: Duration,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |conn| sql::renew(conn, id, now, lease))
    }

    fn next_wake(&self) -> BoxFuture<'_, Result<Option<SystemTime>, StoreError>> {
        self.read(sql::next_wake)
    }

    fn signal(
        &self,
        id: InstanceId,
        signal: NewSignal,
    ) -> BoxFuture<'_, Result<Delivery, StoreError>> {
        let received_at = crate::clock::now();
        self.write(move |conn| sql::signal(conn, id, &signal, received_at))
    }

    fn signals(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<StoredSignal>, StoreError>> {
        self.read(move |conn| sql::signals(conn, id))
    }

    fn cancel(
        &self,
        id: InstanceId,
        request: CancelRequest,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |conn| sql::cancel(conn, id, &request))
    }

    fn mark_broken(&self, id: InstanceId, reason: String) -> BoxFuture<'_, Result<(), StoreError>> {
        self.write(move |conn| sql::mark_broken(conn, id, &reason))
    }

    fn journal(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<Vec<u8>>, StoreError>> {
        self.read(move |conn| sql::journal(conn, id))
    }

    fn list(&self, filter: Filter) -> BoxFuture<'_, Result<Vec<Summary>, StoreError>> {
        self.read(move |conn| sql::list(conn, filter))
    }
}

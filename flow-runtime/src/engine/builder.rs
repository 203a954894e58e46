//! Building an engine: its store, its flows, its limits and, for crash
//! tests, where it stops.

use super::versions::Flows;
use super::{Engine, Inner, children, run_loop};
use crate::history::History;
use crate::observe::Observer;
use crate::store::{Commit, MemoryStore, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Configures an [`Engine`]: the store, the flows, the limits.
pub struct EngineBuilder {
    store: Arc<dyn Store>,
    pub(super) flows: Flows,
    concurrency: usize,
    lease: Duration,
    poll: Duration,
    observers: Vec<Arc<dyn Observer>>,
    history: History,
    crash_after: Option<usize>,
    crash_hook: Option<CrashHook>,
    client_only: bool,
}

/// Crash testing: where a commit stands when the engine calls the hook set
/// by [`EngineBuilder::crash_hook`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitPoint {
    /// The commit is about to be sent to the store: nothing of it is
    /// durable yet.
    Before,
    /// The store answered that the commit is durable; the engine has not
    /// acted on it yet (no next transition, no release, no notification).
    After,
}

/// Crash testing: the hook of [`EngineBuilder::crash_hook`].
pub(super) type CrashHook = Arc<dyn Fn(CommitPoint, &Commit) + Send + Sync>;

impl Engine {
    /// An engine over `store`: register flows, then [`start`](EngineBuilder::start) it.
    pub fn builder(store: impl Store) -> EngineBuilder {
        EngineBuilder {
            store: Arc::new(store),
            flows: Flows::default(),
            concurrency: 64,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            observers: Vec::new(),
            history: History::Full,
            crash_after: None,
            crash_hook: None,
            client_only: false,
        }
    }

    /// An engine over a new [`MemoryStore`]: for tests and short-lived
    /// engines; everything is gone when the process ends.
    pub fn memory() -> EngineBuilder {
        Self::builder(MemoryStore::new())
    }

    /// An engine over the SQLite file at `path`, created if it does not
    /// exist: the embedded durable default. Every committed transition
    /// survives a crash of the process and, with the default
    /// [`Synchronous::Full`](crate::store::Synchronous), a loss of power.
    /// See [`SqliteStore`](crate::store::SqliteStore) for what is stored
    /// and how, and [`sqlite_with`](Engine::sqlite_with) to choose the
    /// options.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{Engine, Status};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// pub struct Ticket { pub answer: Option<String> }
    ///
    /// flow! {
    ///     pub flow Support(ticket: Ticket) {
    ///         start -> reply;
    ///         wait reply: String => ticket.answer -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let file = dir.path().join("flows.db");
    ///
    /// // One process starts an instance, which parks at its wait...
    /// let engine = Engine::sqlite(&file)?.register::<Support>().start();
    /// let id = engine.start::<Support>(Ticket::default()).await?;
    /// engine.until_parked(id).await?;
    /// engine.shutdown().await;
    /// drop(engine);
    ///
    /// // ...and the next one finds it in the file where it stopped.
    /// let engine = Engine::sqlite(&file)?.register::<Support>().start();
    /// assert_eq!(engine.status(id).await?, Status::Waiting);
    /// engine.signal(id, SupportSignal::Reply("fixed".into())).await?;
    /// let done = engine.outcome::<Support>(id).await?.unwrap();
    /// assert_eq!(done.context.answer.as_deref(), Some("fixed"));
    /// engine.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpenError`](crate::store::OpenError) if the file cannot be opened
    /// or set up, holds another kind of database, or was written by a newer
    /// version of `flow-runtime`. Nothing in the file is changed then.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(
        path: impl AsRef<std::path::Path>,
    ) -> Result<EngineBuilder, crate::store::OpenError> {
        Self::sqlite_with(path, crate::store::SqliteOptions::default())
    }

    /// As [`sqlite`](Engine::sqlite), with the store's options: when
    /// commits reach the disk, how long to wait for another process's lock.
    ///
    /// ```
    /// use flow_runtime::Engine;
    /// use flow_runtime::store::{SqliteOptions, Synchronous};
    ///
    /// # fn main() -> Result<(), flow_runtime::store::OpenError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let file = dir.path().join("flows.db");
    /// // Survives `kill -9`, not a loss of power; faster.
    /// let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
    /// let builder = Engine::sqlite_with(&file, options)?;
    /// # drop(builder);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`sqlite`](Engine::sqlite).
    #[cfg(feature = "sqlite")]
    pub fn sqlite_with(
        path: impl AsRef<std::path::Path>,
        options: crate::store::SqliteOptions,
    ) -> Result<EngineBuilder, crate::store::OpenError> {
        let store = crate::store::SqliteStore::open_with(path.as_ref(), options)?;
        Ok(Self::builder(store))
    }
}

impl EngineBuilder {
    /// At most `limit` instances run transitions at once (default 64);
    /// parked instances do not count.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// How long a claim on an instance lasts (default 30 s). An engine
    /// that dies holding claims leaves those instances to others after it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How often, at most, the run loop looks for work that no notification
    /// announced (another process's signal, say); default 1 s. Right after
    /// work it looks sooner, from an eighth of the interval, doubling while
    /// it finds nothing; each delay is jittered (three quarters to all of
    /// it) so that workers sharing a store do not poll in step.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// This engine runs no instance: it starts, signals, cancels and
    /// queries them (and awaits their outcomes, looking at the store every
    /// poll interval) for the workers that share its store to run. For a
    /// process that is no worker, such as an HTTP handler delivering
    /// approvals beside a pool of workers on PostgreSQL.
    ///
    /// ```
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::{Engine, Status};
    /// use flow_runtime::store::MemoryStore;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// pub struct Ticket {}
    ///
    /// flow! {
    ///     pub flow Note(ticket: Ticket) {
    ///         start -> done;
    ///         end done;
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), flow_runtime::EngineError> {
    /// let store = MemoryStore::new();
    /// let client = Engine::builder(store.clone()).register::<Note>().client_only().start();
    /// let id = client.start::<Note>(Ticket {}).await?;
    /// tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    /// assert_eq!(client.status(id).await?, Status::Runnable, "nobody ran it");
    ///
    /// let worker = Engine::builder(store).register::<Note>().start();
    /// assert!(worker.outcome::<Note>(id).await?.is_completed());
    /// worker.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn client_only(mut self) -> Self {
        self.client_only = true;
        self
    }

    /// Shows every event of every instance to `observer`.
    pub fn observe(mut self, observer: impl Observer) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// How much of their history the instances this engine runs keep in
    /// the store: [`History::Full`] unless told. At [`History::Off`] no
    /// journal row is written, and [`Engine::history`] and
    /// [`Engine::progress`] have nothing to show; the instances run, park
    /// and recover the same (see [`History`]).
    ///
    /// ```
    /// use flow_runtime::{Engine, History};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = Engine::memory().history(History::Path).start();
    /// # engine.shutdown().await;
    /// # }
    /// ```
    pub fn history(mut self, history: History) -> Self {
        self.history = history;
        self
    }

    /// Crash testing: once the engine has made `commits` commits it
    /// behaves as a process that died: it claims nothing more, and each
    /// running driver runs the transition under way (its steps, and the
    /// writes that come before a commit, such as storing a sub-flow's
    /// child) up to its commit, which is lost.
    #[doc(hidden)]
    pub fn crash_after(mut self, commits: usize) -> Self {
        self.crash_after = Some(commits);
        self
    }

    /// Crash testing: `hook` is called right before every commit is sent
    /// to the store ([`CommitPoint::Before`]) and right after the store
    /// answered it durable, before the engine acts on it
    /// ([`CommitPoint::After`]). Hidden: it exists so that the kill test
    /// (`tests/kill/`) can SIGKILL its own process at exactly these points,
    /// and log what the store acknowledged. It must not block for long: it
    /// runs on the driver's task.
    #[doc(hidden)]
    pub fn crash_hook(
        mut self,
        hook: impl Fn(CommitPoint, &Commit) + Send + Sync + 'static,
    ) -> Self {
        self.crash_hook = Some(Arc::new(hook));
        self
    }

    /// Starts the engine's run loop on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime; if a registered migration leads to a graph
    /// hash under which nothing is registered, or migrations go round in a
    /// circle; if a registered flow calls a sub-flow whose definition is
    /// not registered (the message names the call and what to register).
    pub fn start(self) -> Engine {
        self.flows.check();
        children::check_registered(&self.flows);
        let inner = Arc::new(Inner {
            store: self.store,
            flows: self.flows,
            observers: self.observers,
            history: self.history,
            concurrency: self.concurrency,
            lease: self.lease,
            poll: self.poll,
            work: Notify::new(),
            awaited: Mutex::new(HashMap::new()),
            parked: Notify::new(),
            running: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            failure: Mutex::new(None),
            commits: AtomicUsize::new(0),
            crash_after: self.crash_after,
            crash_hook: self.crash_hook,
        });
        let run_loop = (!self.client_only).then(|| tokio::spawn(run_loop::run_loop(inner.clone())));
        Engine {
            inner,
            run_loop: Arc::new(Mutex::new(run_loop)),
        }
    }
}

//! The refusal log: a worker's store, wrapped, writes down every commit the
//! store refused because another worker had moved the instance on or taken
//! it over (`rejected-007.log`, one `write(2)` per line):
//!
//! `rejected <id> <version> lease_lost|conflict <unix ms>`
//!
//! A worker that was not stopped past its lease should have none; the
//! stopped one's late commits are refused this way after its SIGCONT.

use flow_runtime::InstanceId;
use flow_runtime::store::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, PostgresStore, Store,
    StoreError, StoredInstance, StoredSignal, Summary,
};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The refusal log of worker run `run`.
pub fn path(dir: &Path, run: u32) -> PathBuf {
    dir.join(format!("rejected-{run:03}.log"))
}

/// A [`PostgresStore`] that logs the commits it refused.
#[derive(Clone)]
pub struct Logged {
    inner: PostgresStore,
    log: Arc<Mutex<File>>,
}

impl Logged {
    pub fn new(inner: PostgresStore, path: &Path) -> std::io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(Logged {
            inner,
            log: Arc::new(Mutex::new(file)),
        })
    }

    fn refused(&self, commit_id: InstanceId, version: u64, kind: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        let line = format!("rejected {commit_id} {version} {kind} {now}\n");
        let mut file = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = file.write_all(line.as_bytes()) {
            crate::child::fatal(&format!("cannot write the refusal log: {error}"));
        }
    }
}

impl Store for Logged {
    fn commit(&self, commits: Vec<Commit>) -> BoxFuture<'_, Result<(), StoreError>> {
        let first = commits.first().map(|commit| (commit.id, commit.version));
        async move {
            let result = self.inner.commit(commits).await;
            if let (Err(error), Some((id, version))) = (&result, first) {
                match error {
                    StoreError::LeaseLost { .. } => self.refused(id, version, "lease_lost"),
                    StoreError::Conflict { .. } => self.refused(id, version, "conflict"),
                    _ => {}
                }
            }
            result
        }
        .boxed()
    }

    fn create(&self, instance: NewInstance) -> BoxFuture<'_, Result<Created, StoreError>> {
        self.inner.create(instance)
    }

    fn load(&self, id: InstanceId) -> BoxFuture<'_, Result<Option<StoredInstance>, StoreError>> {
        self.inner.load(id)
    }

    fn claim(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> BoxFuture<'_, Result<Vec<StoredInstance>, StoreError>> {
        self.inner.claim(now, limit, lease)
    }

    fn release(&self, id: InstanceId) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.release(id)
    }

    fn renew(
        &self,
        id: InstanceId,
        now: SystemTime,
        lease: Duration,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.renew(id, now, lease)
    }

    fn next_wake(&self) -> BoxFuture<'_, Result<Option<SystemTime>, StoreError>> {
        self.inner.next_wake()
    }

    fn signal(
        &self,
        id: InstanceId,
        signal: NewSignal,
    ) -> BoxFuture<'_, Result<Delivery, StoreError>> {
        self.inner.signal(id, signal)
    }

    fn signals(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<StoredSignal>, StoreError>> {
        self.inner.signals(id)
    }

    fn cancel(
        &self,
        id: InstanceId,
        request: CancelRequest,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.cancel(id, request)
    }

    fn mark_broken(&self, id: InstanceId, reason: String) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.mark_broken(id, reason)
    }

    fn journal(&self, id: InstanceId) -> BoxFuture<'_, Result<Vec<Vec<u8>>, StoreError>> {
        self.inner.journal(id)
    }

    fn list(&self, filter: Filter) -> BoxFuture<'_, Result<Vec<Summary>, StoreError>> {
        self.inner.list(filter)
    }

    fn wake_hint(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.inner.wake_hint()
    }
}

/// One refusal, as the parent reads it back.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub id: InstanceId,
    pub version: u64,
    pub kind: String,
    /// When, in milliseconds since the Unix epoch.
    pub at: u128,
}

/// The refusals of one run's log. A last line cut short by a kill is
/// dropped; any other line that does not parse is an error.
pub fn read(path: &Path) -> Result<Vec<Refusal>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|line| {
            parse(line).ok_or_else(|| format!("{}: `{line}` is not a refusal", path.display()))
        })
        .collect()
}

fn parse(line: &str) -> Option<Refusal> {
    match line.split(' ').collect::<Vec<_>>().as_slice() {
        ["rejected", id, version, kind, at] => Some(Refusal {
            id: id.parse().ok()?,
            version: version.parse().ok()?,
            kind: (*kind).to_owned(),
            at: at.parse().ok()?,
        }),
        _ => None,
    }
}

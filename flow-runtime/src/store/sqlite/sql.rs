//! Each store operation as SQL over one connection. The writer runs the
//! writing ones inside its transaction (one savepoint each); readers run the
//! others inside a read transaction. Semantics follow the memory store's.

use crate::id::InstanceId;
use crate::store::{
    CancelRequest, Commit, Created, Delivery, Filter, NewInstance, NewSignal, OpenWait, Status,
    StoreError, StoredInstance, StoredSignal, Summary,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why an operation stopped: the store's answer (nothing of the operation
/// applies), or SQLite failed (the transaction may be gone).
#[derive(Debug)]
pub(super) enum Fail {
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<StoreError> for Fail {
    fn from(error: StoreError) -> Self {
        Fail::Store(error)
    }
}

impl From<rusqlite::Error> for Fail {
    fn from(error: rusqlite::Error) -> Self {
        Fail::Sql(error)
    }
}

impl Fail {
    pub(super) fn into_store(self) -> StoreError {
        match self {
            Fail::Store(error) => error,
            Fail::Sql(error) => backend(error),
        }
    }
}

pub(super) fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

type Sql<T> = Result<T, Fail>;

// ---- encodings ----

/// Nanoseconds since the Unix epoch (negative before it).
pub(super) fn time(at: SystemTime) -> Sql<i64> {
    let nanos = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()),
        Err(before) => i64::try_from(before.duration().as_nanos()).map(|nanos| -nanos),
    };
    nanos.map_err(|_| Fail::Store(backend(format!("{at:?} is out of the store's range"))))
}

pub(super) fn from_time(nanos: i64) -> SystemTime {
    let magnitude = Duration::from_nanos(nanos.unsigned_abs());
    if nanos >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

fn optional_time(at: Option<SystemTime>) -> Sql<Option<i64>> {
    at.map(time).transpose()
}

fn id_text(id: InstanceId) -> String {
    id.to_string()
}

fn corrupt(what: impl std::fmt::Display) -> Fail {
    Fail::Store(backend(format!("a stored row does not decode: {what}")))
}

fn read_id(row: &Row<'_>, column: usize) -> Sql<InstanceId> {
    let text: String = row.get(column)?;
    text.parse().map_err(|_| corrupt(format!("id `{text}`")))
}

fn read_status(row: &Row<'_>, column: usize) -> Sql<Status> {
    let name: String = row.get(column)?;
    Status::from_name(&name).ok_or_else(|| corrupt(format!("status `{name}`")))
}

/// The open waits of `id`, in the order its last commit listed them.
fn read_waits(conn: &Connection, id: &str) -> Sql<Vec<OpenWait>> {
    let mut statement = conn.prepare_cached(
        "SELECT wait, assignee, groups_json, since FROM waits
         WHERE instance = ?1 ORDER BY position",
    )?;
    let mut rows = statement.query([id])?;
    let mut waits = Vec::new();
    while let Some(row) = rows.next()? {
        waits.push(read_wait(row, 0)?);
    }
    Ok(waits)
}

/// The columns of an [`OpenWait`], from `column` on: name, assignee,
/// groups, since.
fn read_wait(row: &Row<'_>, column: usize) -> Sql<OpenWait> {
    let groups: String = row.get(column + 2)?;
    Ok(OpenWait {
        wait: row.get(column)?,
        assignee: row.get(column + 1)?,
        groups: serde_json::from_str(&groups).map_err(corrupt)?,
        since: from_time(row.get(column + 3)?),
    })
}

/// Replaces the open waits of `id` with `waits`.
fn write_waits(conn: &Connection, id: &str, waits: &[OpenWait]) -> Sql<()> {
    conn.prepare_cached("DELETE FROM waits WHERE instance = ?1")?
        .execute([id])?;
    if waits.is_empty() {
        return Ok(());
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO waits (instance, position, wait, assignee, groups_json, since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, open) in (0_i64..).zip(waits) {
        let groups = serde_json::to_string(&open.groups).map_err(backend)?;
        insert.execute(params![
            id,
            position,
            open.wait,
            open.assignee,
            groups,
            time(open.since)?
        ])?;
    }
    Ok(())
}

const INSTANCE: &str = "id, flow, hash, business_key, status, version, state, wake_at, \
     cancel_reason, cancel_compensate, broken";

/// An instance's row, without its waits (see [`read_waits`]).
fn read_instance(row: &Row<'_>) -> Sql<StoredInstance> {
    let reason: Option<String> = row.get(8)?;
    Ok(StoredInstance {
        id: read_id(row, 0)?,
        flow: row.get(1)?,
        hash: row.get::<_, i64>(2)?.cast_unsigned(),
        key: row.get(3)?,
        status: read_status(row, 4)?,
        version: row.get::<_, i64>(5)?.cast_unsigned(),
        state: row.get(6)?,
        wake_at: row.get::<_, Option<i64>>(7)?.map(from_time),
        waits: Vec::new(),
        cancel: match reason {
            Some(reason) => Some(CancelRequest {
                reason,
                compensate: row.get::<_, Option<bool>>(9)?.unwrap_or_default(),
            }),
            None => None,
        },
        broken: row.get(10)?,
    })
}

// ---- shared steps ----

fn status_of(conn: &Connection, id: InstanceId) -> Sql<Status> {
    let found = conn
        .prepare_cached("SELECT status FROM instances WHERE id = ?1")?
        .query_row([id_text(id)], |row| row.get::<_, String>(0))
        .optional()?;
    let name = found.ok_or(StoreError::UnknownInstance(id))?;
    Status::from_name(&name).ok_or_else(|| corrupt(format!("status `{name}`")))
}

fn exists(conn: &Connection, id: InstanceId) -> Sql<()> {
    status_of(conn, id).map(drop)
}

fn append(conn: &Connection, id: &str, events: &[Vec<u8>]) -> Sql<()> {
    if events.is_empty() {
        return Ok(());
    }
    // One seek to the end of the instance's journal in the primary key.
    let last: Option<i64> = conn
        .prepare_cached("SELECT seq FROM journal WHERE instance = ?1 ORDER BY seq DESC LIMIT 1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let next = last.map_or(0, |seq| seq + 1);
    let mut insert =
        conn.prepare_cached("INSERT INTO journal (instance, seq, event) VALUES (?1, ?2, ?3)")?;
    for (seq, event) in (next..).zip(events) {
        insert.execute(params![id, seq, event])?;
    }
    Ok(())
}

/// A parked instance becomes runnable when something it waits for is
/// already here: a signal for one of its waits, or a cancellation.
fn settle(conn: &Connection, id: &str) -> Sql<()> {
    conn.prepare_cached(
        "UPDATE instances SET status = 'runnable'
         WHERE id = ?1 AND status IN ('waiting', 'sleeping')
           AND (cancel_reason IS NOT NULL
                OR EXISTS (SELECT 1 FROM signals JOIN waits
                             ON waits.instance = signals.instance AND waits.wait = signals.wait
                           WHERE signals.instance = ?1))",
    )?
    .execute([id])?;
    Ok(())
}

// ---- writes ----

pub(super) fn create(conn: &Connection, new: &NewInstance) -> Sql<Created> {
    if let Some(key) = &new.key {
        let existing = conn
            .prepare_cached("SELECT id FROM instances WHERE flow = ?1 AND business_key = ?2")?
            .query_row(params![new.flow, key], |row| row.get::<_, String>(0))
            .optional()?;
        if let Some(text) = existing {
            let id = text.parse().map_err(|_| corrupt(format!("id `{text}`")))?;
            return Ok(Created::Existing(id));
        }
    }
    match status_of(conn, new.id) {
        Ok(_) => return Ok(Created::Existing(new.id)),
        Err(Fail::Store(StoreError::UnknownInstance(_))) => {}
        Err(other) => return Err(other),
    }
    let id = id_text(new.id);
    conn.prepare_cached(
        "INSERT INTO instances (id, created, flow, hash, business_key, status, version, state)
         VALUES (?1, (SELECT coalesce(max(created), 0) + 1 FROM instances), ?2, ?3, ?4,
                 'runnable', 0, ?5)",
    )?
    .execute(params![
        id,
        new.flow,
        new.hash.cast_signed(),
        new.key,
        new.state
    ])?;
    append(conn, &id, &new.events)?;
    Ok(Created::New(new.id))
}

pub(super) fn commit(conn: &Connection, commits: &[Commit]) -> Sql<()> {
    for commit in commits {
        let id = id_text(commit.id);
        let changed = conn
            .prepare_cached(
                "UPDATE instances SET status = ?3, version = version + 1, state = ?4,
                    wake_at = ?5,
                    cancel_reason = CASE WHEN ?6 THEN NULL ELSE cancel_reason END,
                    cancel_compensate = CASE WHEN ?6 THEN NULL ELSE cancel_compensate END,
                    hash = ?7, broken = NULL
                 WHERE id = ?1 AND version = ?2",
            )?
            .execute(params![
                id,
                commit.version.cast_signed(),
                commit.status.as_str(),
                commit.state,
                optional_time(commit.wake_at)?,
                commit.status.is_finished(),
                commit.hash.cast_signed(),
            ])?;
        if changed == 0 {
            let actual = conn
                .prepare_cached("SELECT version FROM instances WHERE id = ?1")?
                .query_row([&id], |row| row.get::<_, i64>(0))
                .optional()?
                .ok_or(StoreError::UnknownInstance(commit.id))?;
            return Err(Fail::Store(StoreError::Conflict {
                id: commit.id,
                expected: commit.version,
                actual: actual.cast_unsigned(),
            }));
        }
        write_waits(conn, &id, &commit.waits)?;
        append(conn, &id, &commit.events)?;
        if let Some(seq) = commit.consumed {
            conn.prepare_cached("DELETE FROM signals WHERE seq = ?1 AND instance = ?2")?
                .execute(params![seq.cast_signed(), id])?;
        }
        if matches!(commit.status, Status::Waiting | Status::Sleeping) {
            settle(conn, &id)?;
        }
    }
    Ok(())
}

pub(super) fn claim(
    conn: &Connection,
    now: SystemTime,
    limit: usize,
    lease: Duration,
) -> Sql<Vec<StoredInstance>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let until = now
        .checked_add(lease)
        .ok_or_else(|| backend(format!("a lease of {lease:?} is out of range")))?;
    let (now, until) = (time(now)?, time(until)?);
    let count = i64::try_from(limit).unwrap_or(i64::MAX);
    // Two index walks, each in creation order, merged: runnable ones, and
    // parked ones whose wake-up time has passed.
    let runnable = format!(
        "SELECT {INSTANCE}, created, rowid FROM instances
         WHERE status = 'runnable' AND (claimed_until IS NULL OR claimed_until <= ?1)
         ORDER BY created LIMIT ?2"
    );
    let due = format!(
        "SELECT {INSTANCE}, created, rowid FROM instances
         WHERE status IN ('waiting', 'sleeping') AND wake_at <= ?1
           AND (claimed_until IS NULL OR claimed_until <= ?1)
         ORDER BY created LIMIT ?2"
    );
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for query in [runnable, due] {
        let mut statement = conn.prepare_cached(&query)?;
        let mut rows = statement.query(params![now, count])?;
        while let Some(row) = rows.next()? {
            match read_instance(row).and_then(|instance| Ok((row.get::<_, i64>(11)?, instance))) {
                Ok(claimed) => found.push(claimed),
                Err(error) => unreadable.push((row.get::<_, i64>(12)?, error.into_store())),
            }
        }
    }
    // A row that does not read fails no other claim: it is marked broken,
    // with why, and left out (its id may be what does not read: by rowid).
    let mut broken = conn.prepare_cached(
        "UPDATE instances SET status = 'broken', broken = ?2, claimed_until = NULL
         WHERE rowid = ?1",
    )?;
    for (rowid, error) in unreadable {
        tracing::error!(rowid, %error, "an instance's row does not read; marked broken");
        broken.execute(params![rowid, error.to_string()])?;
    }
    found.sort_by_key(|(created, _)| *created);
    found.truncate(limit);
    let mut lease = conn.prepare_cached("UPDATE instances SET claimed_until = ?2 WHERE id = ?1")?;
    for (_, instance) in &mut found {
        let id = id_text(instance.id);
        lease.execute(params![id, until])?;
        instance.waits = read_waits(conn, &id)?;
    }
    Ok(found.into_iter().map(|(_, instance)| instance).collect())
}

pub(super) fn renew(
    conn: &Connection,
    id: InstanceId,
    now: SystemTime,
    lease: Duration,
) -> Sql<()> {
    let until = now
        .checked_add(lease)
        .ok_or_else(|| backend(format!("a lease of {lease:?} is out of range")))?;
    let changed = conn
        .prepare_cached(
            "UPDATE instances SET claimed_until = max(coalesce(claimed_until, 0), ?2) WHERE id = ?1",
        )?
        .execute(params![id_text(id), time(until)?])?;
    if changed == 0 {
        return Err(StoreError::UnknownInstance(id).into());
    }
    Ok(())
}

pub(super) fn release(conn: &Connection, id: InstanceId) -> Sql<()> {
    let changed = conn
        .prepare_cached("UPDATE instances SET claimed_until = NULL WHERE id = ?1")?
        .execute([id_text(id)])?;
    if changed == 0 {
        return Err(StoreError::UnknownInstance(id).into());
    }
    Ok(())
}

pub(super) fn signal(
    conn: &Connection,
    id: InstanceId,
    signal: &NewSignal,
    received_at: SystemTime,
) -> Sql<Delivery> {
    if status_of(conn, id)?.is_finished() {
        return Err(StoreError::Finished(id).into());
    }
    let text = id_text(id);
    if let Some(key) = &signal.dedupe {
        let inserted = conn
            .prepare_cached("INSERT OR IGNORE INTO dedupe (instance, key) VALUES (?1, ?2)")?
            .execute(params![text, key])?;
        if inserted == 0 {
            return Ok(Delivery::Duplicate);
        }
    }
    conn.prepare_cached(
        "INSERT INTO signals (instance, wait, payload, by_user, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        text,
        signal.wait,
        signal.payload,
        signal.by,
        time(received_at)?
    ])?;
    settle(conn, &text)?;
    Ok(Delivery::Accepted)
}

pub(super) fn cancel(conn: &Connection, id: InstanceId, request: &CancelRequest) -> Sql<()> {
    if status_of(conn, id)?.is_finished() {
        return Err(StoreError::Finished(id).into());
    }
    let text = id_text(id);
    conn.prepare_cached(
        "UPDATE instances SET cancel_reason = ?2, cancel_compensate = ?3
         WHERE id = ?1 AND cancel_reason IS NULL",
    )?
    .execute(params![text, request.reason, request.compensate])?;
    settle(conn, &text)
}

pub(super) fn mark_broken(conn: &Connection, id: InstanceId, reason: &str) -> Sql<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE instances SET status = 'broken', broken = ?2, claimed_until = NULL
             WHERE id = ?1",
        )?
        .execute(params![id_text(id), reason])?;
    if changed == 0 {
        return Err(StoreError::UnknownInstance(id).into());
    }
    Ok(())
}

// ---- reads ----

pub(super) fn load(conn: &Connection, id: InstanceId) -> Sql<Option<StoredInstance>> {
    let query = format!("SELECT {INSTANCE} FROM instances WHERE id = ?1");
    let mut statement = conn.prepare_cached(&query)?;
    let text = id_text(id);
    let mut rows = statement.query([&text])?;
    let Some(mut instance) = rows.next()?.map(read_instance).transpose()? else {
        return Ok(None);
    };
    instance.waits = read_waits(conn, &text)?;
    Ok(Some(instance))
}

pub(super) fn next_wake(conn: &Connection) -> Sql<Option<SystemTime>> {
    let next: Option<i64> = conn
        .prepare_cached(
            "SELECT min(CASE WHEN claimed_until > wake_at THEN claimed_until ELSE wake_at END)
             FROM instances
             WHERE status IN ('waiting', 'sleeping') AND wake_at IS NOT NULL",
        )?
        .query_row([], |row| row.get(0))?;
    Ok(next.map(from_time))
}

pub(super) fn signals(conn: &Connection, id: InstanceId) -> Sql<Vec<StoredSignal>> {
    exists(conn, id)?;
    let mut statement = conn.prepare_cached(
        "SELECT seq, wait, payload, by_user, received_at FROM signals
         WHERE instance = ?1 ORDER BY seq",
    )?;
    let mut rows = statement.query([id_text(id)])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(StoredSignal {
            seq: row.get::<_, i64>(0)?.cast_unsigned(),
            wait: row.get(1)?,
            payload: row.get(2)?,
            by: row.get(3)?,
            received_at: from_time(row.get(4)?),
        });
    }
    Ok(found)
}

pub(super) fn journal(conn: &Connection, id: InstanceId) -> Sql<Vec<Vec<u8>>> {
    exists(conn, id)?;
    let mut statement =
        conn.prepare_cached("SELECT event FROM journal WHERE instance = ?1 ORDER BY seq")?;
    let events = statement
        .query_map([id_text(id)], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(events)
}

pub(super) fn list(conn: &Connection, filter: Filter) -> Sql<Vec<Summary>> {
    let condition = match (&filter.flow, filter.status) {
        (Some(_), Some(_)) => "WHERE flow = ?1 AND status = ?2",
        (Some(_), None) => "WHERE flow = ?1 AND ?2 IS NULL",
        (None, Some(_)) => "WHERE ?1 IS NULL AND status = ?2",
        (None, None) => "WHERE ?1 IS NULL AND ?2 IS NULL",
    };
    let status = filter.status.map(Status::as_str);
    // The open waits of the selected instances, in one walk.
    let waits = format!(
        "SELECT waits.instance, waits.wait, waits.assignee, waits.groups_json, waits.since
         FROM waits JOIN instances ON instances.id = waits.instance
         {condition} ORDER BY waits.instance, waits.position"
    );
    let mut open: HashMap<String, Vec<OpenWait>> = HashMap::new();
    let mut statement = conn.prepare_cached(&waits)?;
    let mut rows = statement.query(params![filter.flow, status])?;
    while let Some(row) = rows.next()? {
        let instance: String = row.get(0)?;
        open.entry(instance).or_default().push(read_wait(row, 1)?);
    }
    let query = format!(
        "SELECT id, flow, status, business_key, broken
         FROM instances {condition} ORDER BY created"
    );
    let mut statement = conn.prepare_cached(&query)?;
    let mut rows = statement.query(params![filter.flow, status])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        found.push(Summary {
            id: read_id(row, 0)?,
            flow: row.get(1)?,
            status: read_status(row, 2)?,
            key: row.get(3)?,
            waits: open.remove(&text).unwrap_or_default(),
            broken: row.get(4)?,
        });
    }
    Ok(found)
}

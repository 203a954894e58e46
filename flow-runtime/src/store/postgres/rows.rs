//! How the store's values are spelled in PostgreSQL, and read back: times as
//! nanoseconds, ids as hexadecimal text, rows as [`StoredInstance`]s.

use crate::id::InstanceId;
use crate::store::{CancelRequest, OpenWait, Status, StoreError, StoredInstance, Summary};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_postgres::Row;

/// A PostgreSQL error as the store reports it.
pub(super) fn backend(error: impl std::error::Error) -> StoreError {
    StoreError::Backend(format!("PostgreSQL: {}", describe(&error)))
}

/// An error and its sources: tokio-postgres says only `db error`, and what
/// the server said is its source.
pub(super) fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// Nanoseconds since the Unix epoch (negative before it).
pub(super) fn time(at: SystemTime) -> Result<i64, StoreError> {
    let nanos = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()),
        Err(before) => i64::try_from(before.duration().as_nanos()).map(|nanos| -nanos),
    };
    nanos.map_err(|_| StoreError::Backend(format!("{at:?} is out of the store's range")))
}

pub(super) fn from_time(nanos: i64) -> SystemTime {
    let magnitude = Duration::from_nanos(nanos.unsigned_abs());
    if nanos >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

/// `now + lease`, as stored.
pub(super) fn lease_end(now: SystemTime, lease: Duration) -> Result<i64, StoreError> {
    let until = now
        .checked_add(lease)
        .ok_or_else(|| StoreError::Backend(format!("a lease of {lease:?} is out of range")))?;
    time(until)
}

pub(super) fn optional_time(at: Option<SystemTime>) -> Result<Option<i64>, StoreError> {
    at.map(time).transpose()
}

pub(super) fn id_text(id: InstanceId) -> String {
    id.to_string()
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("a stored row does not decode: {what}"))
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    column: usize,
) -> Result<T, StoreError> {
    row.try_get(column).map_err(corrupt)
}

pub(super) fn read_id(row: &Row, column: usize) -> Result<InstanceId, StoreError> {
    let text: String = get(row, column)?;
    text.parse().map_err(|_| corrupt(format!("id `{text}`")))
}

fn read_status(row: &Row, column: usize) -> Result<Status, StoreError> {
    let name: String = get(row, column)?;
    Status::from_name(&name).ok_or_else(|| corrupt(format!("status `{name}`")))
}

/// An [`OpenWait`] as the `waits` column's JSON spells it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredWait {
    wait: String,
    assignee: Option<String>,
    groups: Vec<String>,
    /// Nanoseconds since the Unix epoch.
    since: i64,
}

/// The open waits in the `waits` column (JSON, in the commit's order).
fn read_waits(row: &Row, column: usize) -> Result<Vec<OpenWait>, StoreError> {
    let Some(text) = get::<Option<String>>(row, column)? else {
        return Ok(Vec::new());
    };
    let stored: Vec<StoredWait> = serde_json::from_str(&text).map_err(corrupt)?;
    Ok(stored
        .into_iter()
        .map(|wait| OpenWait {
            wait: wait.wait,
            assignee: wait.assignee,
            groups: wait.groups,
            since: from_time(wait.since),
        })
        .collect())
}

/// The columns [`read_instance`] reads, in order.
pub(super) const INSTANCE: &str = "id, flow, hash, business_key, status, version, state, wake_at, \
     waits, cancel_reason, cancel_compensate, broken";

/// The column after [`INSTANCE`]'s.
pub(super) const AFTER_INSTANCE: usize = 12;

pub(super) fn read_instance(row: &Row) -> Result<StoredInstance, StoreError> {
    let reason: Option<String> = get(row, 9)?;
    Ok(StoredInstance {
        id: read_id(row, 0)?,
        flow: get(row, 1)?,
        hash: get::<i64>(row, 2)?.cast_unsigned(),
        key: get(row, 3)?,
        status: read_status(row, 4)?,
        version: get::<i64>(row, 5)?.cast_unsigned(),
        state: get(row, 6)?,
        wake_at: get::<Option<i64>>(row, 7)?.map(from_time),
        waits: read_waits(row, 8)?,
        cancel: match reason {
            Some(reason) => Some(CancelRequest {
                reason,
                compensate: get::<Option<bool>>(row, 10)?.unwrap_or_default(),
            }),
            None => None,
        },
        broken: get(row, 11)?,
    })
}

/// The columns [`read_summary`] reads, in order.
pub(super) const SUMMARY: &str = "id, flow, status, business_key, waits, broken";

pub(super) fn read_summary(row: &Row) -> Result<Summary, StoreError> {
    Ok(Summary {
        id: read_id(row, 0)?,
        flow: get(row, 1)?,
        status: read_status(row, 2)?,
        key: get(row, 3)?,
        waits: read_waits(row, 4)?,
        broken: get(row, 5)?,
    })
}

/// Open waits as their two columns: the JSON of every wait, and their
/// names (which a signal is matched against).
pub(super) struct WaitColumns {
    pub(super) json: Option<String>,
    pub(super) names: Vec<String>,
}

impl WaitColumns {
    pub(super) fn of(waits: &[OpenWait]) -> Result<Self, StoreError> {
        if waits.is_empty() {
            return Ok(WaitColumns {
                json: None,
                names: Vec::new(),
            });
        }
        let stored = waits
            .iter()
            .map(|wait| {
                Ok(StoredWait {
                    wait: wait.wait.clone(),
                    assignee: wait.assignee.clone(),
                    groups: wait.groups.clone(),
                    since: time(wait.since)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(WaitColumns {
            json: Some(serde_json::to_string(&stored).map_err(backend)?),
            names: waits.iter().map(|wait| wait.wait.clone()).collect(),
        })
    }
}

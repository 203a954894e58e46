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

/// The columns of an [`OpenWait`], from `column` on: name, assignee,
/// groups, since.
fn read_wait(row: &Row, column: usize) -> Result<Option<OpenWait>, StoreError> {
    let Some(wait) = get::<Option<String>>(row, column)? else {
        return Ok(None);
    };
    let groups: String = get(row, column + 2)?;
    Ok(Some(OpenWait {
        wait,
        assignee: get(row, column + 1)?,
        groups: serde_json::from_str(&groups).map_err(corrupt)?,
        since: from_time(get(row, column + 3)?),
    }))
}

/// The columns [`read_instance`] reads, in order.
pub(super) const INSTANCE: &str = "id, flow, hash, business_key, status, version, state, wake_at, \
     wait_name, wait_assignee, wait_groups, wait_since, cancel_reason, cancel_compensate, broken";

pub(super) fn read_instance(row: &Row) -> Result<StoredInstance, StoreError> {
    let reason: Option<String> = get(row, 12)?;
    Ok(StoredInstance {
        id: read_id(row, 0)?,
        flow: get(row, 1)?,
        hash: get::<i64>(row, 2)?.cast_unsigned(),
        key: get(row, 3)?,
        status: read_status(row, 4)?,
        version: get::<i64>(row, 5)?.cast_unsigned(),
        state: get(row, 6)?,
        wake_at: get::<Option<i64>>(row, 7)?.map(from_time),
        wait: read_wait(row, 8)?,
        cancel: match reason {
            Some(reason) => Some(CancelRequest {
                reason,
                compensate: get::<Option<bool>>(row, 13)?.unwrap_or_default(),
            }),
            None => None,
        },
        broken: get(row, 14)?,
    })
}

/// The columns [`read_summary`] reads, in order.
pub(super) const SUMMARY: &str = "id, flow, status, business_key, wait_name, wait_assignee, \
     wait_groups, wait_since, broken";

pub(super) fn read_summary(row: &Row) -> Result<Summary, StoreError> {
    Ok(Summary {
        id: read_id(row, 0)?,
        flow: get(row, 1)?,
        status: read_status(row, 2)?,
        key: get(row, 3)?,
        wait: read_wait(row, 4)?,
        broken: get(row, 8)?,
    })
}

/// An [`OpenWait`] as its four columns.
pub(super) struct WaitColumns {
    pub(super) name: Option<String>,
    pub(super) assignee: Option<String>,
    pub(super) groups: Option<String>,
    pub(super) since: Option<i64>,
}

impl WaitColumns {
    pub(super) fn of(wait: Option<&OpenWait>) -> Result<Self, StoreError> {
        Ok(match wait {
            Some(open) => WaitColumns {
                name: Some(open.wait.clone()),
                assignee: open.assignee.clone(),
                groups: Some(serde_json::to_string(&open.groups).map_err(backend)?),
                since: Some(time(open.since)?),
            },
            None => WaitColumns {
                name: None,
                assignee: None,
                groups: None,
                since: None,
            },
        })
    }
}

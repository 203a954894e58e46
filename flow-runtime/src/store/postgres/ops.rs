//! Every operation but `commit` (see the writer): each a statement or a
//! short transaction on a connection of the pool. Semantics follow the
//! memory store's.

use super::rows::{
    AFTER_INSTANCE, backend, from_time, id_text, lease_end, read_id, read_instance, read_summary,
    time,
};
use super::sql;
use crate::id::InstanceId;
use crate::store::{
    CancelRequest, Created, Delivery, Filter, NewInstance, NewSignal, Status, StoreError,
    StoredInstance, StoredSignal, Summary,
};
use deadpool_postgres::{Object, Pool};
use std::time::{Duration, SystemTime};

type Result<T> = std::result::Result<T, StoreError>;

pub(super) async fn client(pool: &Pool) -> Result<Object> {
    pool.get().await.map_err(backend)
}

/// The status of `id`; [`StoreError::UnknownInstance`] if there is none.
async fn status_of(client: &Object, id: InstanceId) -> Result<Status> {
    let statement = client.prepare_cached(sql::STATUS).await.map_err(backend)?;
    let row = client
        .query_opt(&statement, &[&id_text(id)])
        .await
        .map_err(backend)?
        .ok_or(StoreError::UnknownInstance(id))?;
    let name: String = row.get(0);
    Status::from_name(&name).ok_or_else(|| {
        StoreError::Backend(format!("a stored row does not decode: status `{name}`"))
    })
}

pub(super) async fn create(pool: &Pool, channel: &str, new: &NewInstance) -> Result<Created> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::CREATE).await.map_err(backend)?;
    let id = id_text(new.id);
    let inserted: i64 = client
        .query_one(
            &statement,
            &[
                &id,
                &new.flow,
                &new.hash.cast_signed(),
                &new.key,
                &new.state,
                &new.events,
                &channel,
            ],
        )
        .await
        .map_err(backend)?
        .get(0);
    if inserted == 1 {
        return Ok(Created::New(new.id));
    }
    // The key or the id is taken: the key's holder first, as the memory
    // store answers.
    if let Some(key) = &new.key {
        let by_key = client.prepare_cached(sql::BY_KEY).await.map_err(backend)?;
        if let Some(row) = client
            .query_opt(&by_key, &[&new.flow, key])
            .await
            .map_err(backend)?
        {
            return Ok(Created::Existing(read_id(&row, 0)?));
        }
    }
    Ok(Created::Existing(new.id))
}

pub(super) async fn load(pool: &Pool, id: InstanceId) -> Result<Option<StoredInstance>> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(&sql::load()).await.map_err(backend)?;
    let row = client
        .query_opt(&statement, &[&id_text(id)])
        .await
        .map_err(backend)?;
    row.as_ref().map(read_instance).transpose()
}

pub(super) async fn claim(
    pool: &Pool,
    owner: &str,
    now: SystemTime,
    limit: usize,
    lease: Duration,
) -> Result<Vec<StoredInstance>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let until = lease_end(now, lease)?;
    let now = time(now)?;
    let count = i64::try_from(limit).unwrap_or(i64::MAX);
    let client = client(pool).await?;
    let statement = client
        .prepare_cached(&sql::claim())
        .await
        .map_err(backend)?;
    let rows = client
        .query(&statement, &[&now, &count, &owner, &until])
        .await
        .map_err(backend)?;
    let mut claimed = rows
        .iter()
        .map(|row| Ok((row.get::<_, i64>(AFTER_INSTANCE), read_instance(row)?)))
        .collect::<Result<Vec<_>>>()?;
    claimed.sort_by_key(|(created, _)| *created);
    Ok(claimed.into_iter().map(|(_, stored)| stored).collect())
}

pub(super) async fn release(pool: &Pool, owner: &str, id: InstanceId) -> Result<()> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::RELEASE).await.map_err(backend)?;
    let exists: bool = client
        .query_one(&statement, &[&id_text(id), &owner])
        .await
        .map_err(backend)?
        .get(0);
    if exists {
        Ok(())
    } else {
        Err(StoreError::UnknownInstance(id))
    }
}

pub(super) async fn renew(
    pool: &Pool,
    owner: &str,
    id: InstanceId,
    now: SystemTime,
    lease: Duration,
) -> Result<()> {
    let until = lease_end(now, lease)?;
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::RENEW).await.map_err(backend)?;
    let changed = client
        .execute(&statement, &[&id_text(id), &until, &owner])
        .await
        .map_err(backend)?;
    if changed == 1 {
        return Ok(());
    }
    // Unknown, or another store claimed it after this one's lease ran out.
    status_of(&client, id).await?;
    Err(StoreError::LeaseLost { id })
}

pub(super) async fn next_wake(pool: &Pool) -> Result<Option<SystemTime>> {
    let client = client(pool).await?;
    let statement = client
        .prepare_cached(sql::NEXT_WAKE)
        .await
        .map_err(backend)?;
    let next: Option<i64> = client
        .query_one(&statement, &[])
        .await
        .map_err(backend)?
        .get(0);
    Ok(next.map(from_time))
}

pub(super) async fn signal(
    pool: &Pool,
    channel: &str,
    id: InstanceId,
    signal: &NewSignal,
    received_at: SystemTime,
) -> Result<Delivery> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::SIGNAL).await.map_err(backend)?;
    let row = client
        .query_one(
            &statement,
            &[
                &id_text(id),
                &signal.wait,
                &signal.payload,
                &signal.by,
                &time(received_at)?,
                &signal.dedupe,
                &channel,
            ],
        )
        .await
        .map_err(backend)?;
    let status: Option<String> = row.get(0);
    let stored: bool = row.get(1);
    match status.as_deref().map(Status::from_name) {
        None => Err(StoreError::UnknownInstance(id)),
        Some(Some(status)) if status.is_finished() => Err(StoreError::Finished(id)),
        Some(_) if stored => Ok(Delivery::Accepted),
        Some(_) => Ok(Delivery::Duplicate),
    }
}

pub(super) async fn signals(pool: &Pool, id: InstanceId) -> Result<Vec<StoredSignal>> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::SIGNALS).await.map_err(backend)?;
    let rows = client
        .query(&statement, &[&id_text(id)])
        .await
        .map_err(backend)?;
    if rows.is_empty() {
        status_of(&client, id).await?;
    }
    Ok(rows
        .iter()
        .map(|row| StoredSignal {
            seq: row.get::<_, i64>(0).cast_unsigned(),
            wait: row.get(1),
            payload: row.get(2),
            by: row.get(3),
            received_at: from_time(row.get(4)),
        })
        .collect())
}

pub(super) async fn cancel(
    pool: &Pool,
    channel: &str,
    id: InstanceId,
    request: &CancelRequest,
) -> Result<()> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::CANCEL).await.map_err(backend)?;
    let changed = client
        .execute(
            &statement,
            &[&id_text(id), &request.reason, &request.compensate, &channel],
        )
        .await
        .map_err(backend)?;
    if changed == 1 {
        return Ok(());
    }
    status_of(&client, id).await?;
    Err(StoreError::Finished(id))
}

pub(super) async fn mark_broken(pool: &Pool, id: InstanceId, reason: &str) -> Result<()> {
    let client = client(pool).await?;
    let statement = client
        .prepare_cached(sql::MARK_BROKEN)
        .await
        .map_err(backend)?;
    let changed = client
        .execute(&statement, &[&id_text(id), &reason])
        .await
        .map_err(backend)?;
    if changed == 0 {
        return Err(StoreError::UnknownInstance(id));
    }
    Ok(())
}

pub(super) async fn journal(pool: &Pool, id: InstanceId) -> Result<Vec<Vec<u8>>> {
    let client = client(pool).await?;
    let statement = client.prepare_cached(sql::JOURNAL).await.map_err(backend)?;
    let rows = client
        .query(&statement, &[&id_text(id)])
        .await
        .map_err(backend)?;
    if rows.is_empty() {
        status_of(&client, id).await?;
    }
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

pub(super) async fn list(pool: &Pool, filter: &Filter) -> Result<Vec<Summary>> {
    let client = client(pool).await?;
    let query = sql::list(filter.flow.is_some(), filter.status.is_some());
    let statement = client.prepare_cached(&query).await.map_err(backend)?;
    let status = filter.status.map(Status::as_str);
    let rows = match (&filter.flow, status) {
        (Some(flow), Some(status)) => client.query(&statement, &[flow, &status]).await,
        (Some(flow), None) => client.query(&statement, &[flow]).await,
        (None, Some(status)) => client.query(&statement, &[&status]).await,
        (None, None) => client.query(&statement, &[]).await,
    }
    .map_err(backend)?;
    rows.iter().map(read_summary).collect()
}

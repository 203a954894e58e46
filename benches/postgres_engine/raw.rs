//! The server's own ceiling, in the same run: what plain batched
//! statements achieve on 4 connections at once, with no engine around them.

use super::{Admin, Error};
use futures::future::join_all;
use std::time::Instant;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

/// Rows per statement (and fenced updates per transaction).
const BATCH: usize = 64;
/// Connections at once.
const CONNECTIONS: usize = 4;
/// Bytes of a row's state: about a stored instance's.
const STATE: usize = 300;

async fn connections(url: &str, schema: &str) -> Result<Vec<Client>, Error> {
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path = {schema}"))
            .await?;
        clients.push(client);
    }
    Ok(clients)
}

/// Inserts `rows` rows, then claims them all, then commits a fenced update
/// of each: rows per second of each.
pub async fn ceiling(admin: &Admin, rows: usize) -> Result<(), Error> {
    let schema = admin.fresh("bench_raw").await?;
    admin
        .client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {schema}.raw (
                 id TEXT COLLATE \"C\" PRIMARY KEY,
                 created BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                 status TEXT NOT NULL,
                 version BIGINT NOT NULL,
                 state BYTEA NOT NULL,
                 owner TEXT,
                 claimed_until BIGINT
             ) WITH (fillfactor = 80);
             CREATE INDEX raw_runnable ON {schema}.raw (created) WHERE status = 'runnable';
             CREATE TABLE {schema}.raw_journal (
                 instance TEXT COLLATE \"C\" NOT NULL REFERENCES {schema}.raw (id),
                 seq INTEGER NOT NULL,
                 event BYTEA NOT NULL,
                 PRIMARY KEY (instance, seq)
             );"
        ))
        .await?;
    let clients = connections(&admin.url, &schema).await?;
    let per = rows.div_ceil(CONNECTIONS);

    let started = Instant::now();
    join_all(clients.iter().enumerate().map(|(c, client)| async move {
        let insert = client
            .prepare(
                "INSERT INTO raw (id, status, version, state)
                 SELECT id, 'runnable', 0, $2 FROM unnest($1::text[]) AS id",
            )
            .await?;
        let state = vec![7u8; STATE];
        for start in (0..per).step_by(BATCH) {
            let ids: Vec<String> = (start..(start + BATCH).min(per))
                .map(|n| format!("{c:02}{n:030}"))
                .collect();
            client.execute(&insert, &[&ids, &state]).await?;
        }
        Ok::<_, tokio_postgres::Error>(())
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    let total = per * CONNECTIONS;
    report("batched inserts", total, started);

    let started = Instant::now();
    let claimed: Vec<Vec<String>> = join_all(clients.iter().map(|client| async move {
        let claim = client
            .prepare(
                "WITH picked AS (
                     SELECT id AS picked_id FROM raw
                     WHERE status = 'runnable' AND (claimed_until IS NULL OR claimed_until <= 0)
                     ORDER BY created LIMIT $1 FOR UPDATE SKIP LOCKED)
                 UPDATE raw SET owner = 'bench', claimed_until = 1
                 FROM picked WHERE raw.id = picked.picked_id
                 RETURNING id, state",
            )
            .await?;
        let mut mine = Vec::new();
        loop {
            let rows = client.query(&claim, &[&(BATCH as i64)]).await?;
            if rows.is_empty() {
                return Ok::<_, tokio_postgres::Error>(mine);
            }
            mine.extend(rows.iter().map(|row| row.get::<_, String>(0)));
        }
    }))
    .await
    .into_iter()
    .collect::<Result<_, _>>()?;
    report("batched claims (FOR UPDATE SKIP LOCKED)", total, started);

    let started = Instant::now();
    join_all(
        clients
            .iter()
            .zip(&claimed)
            .map(|(client, ids)| async move {
                let update = client
                    .prepare(
                        "WITH updated AS (
                     UPDATE raw SET status = 'sleeping', version = version + 1, state = $2
                     WHERE id = $1 AND version = 0 AND (owner IS NULL OR owner = 'bench')
                     RETURNING id)
                 INSERT INTO raw_journal (instance, seq, event) SELECT id, 0, $3 FROM updated",
                    )
                    .await?;
                let (state, event) = (vec![8u8; STATE], vec![9u8; 120]);
                for batch in ids.chunks(BATCH) {
                    let params: Vec<[&(dyn ToSql + Sync); 3]> = batch
                        .iter()
                        .map(|id| [id as _, &state as _, &event as _])
                        .collect();
                    let statements = params.iter().map(|params| client.execute(&update, params));
                    let (begun, done) =
                        futures::join!(client.batch_execute("BEGIN"), join_all(statements));
                    begun?;
                    for done in done {
                        done?;
                    }
                    client.batch_execute("COMMIT").await?;
                }
                Ok::<_, tokio_postgres::Error>(())
            }),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    report(
        "batched fenced commits (update + journal row, 64 a transaction, pipelined)",
        total,
        started,
    );
    drop(clients);
    admin.drop_schema(&schema).await
}

fn report(what: &str, rows: usize, started: Instant) {
    let elapsed = started.elapsed();
    println!(
        "raw ceiling, {what}, {CONNECTIONS} connections: {rows} rows in {:.2} s: {:.0} rows/s",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64()
    );
}

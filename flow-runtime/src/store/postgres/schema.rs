//! The schema, its versions, and bringing a database's schema up to date.
//!
//! A store lives in one PostgreSQL schema (`flow` by default); its table
//! `flow_store` holds one row naming the application and the schema
//! version. [`MIGRATIONS`]`[n]` takes a schema from version `n` to `n + 1`.
//! Opening takes a transaction-scoped advisory lock (so workers starting
//! at once migrate one after the other), creates the schema if needed, runs
//! the missing migrations and commits; it refuses a schema whose version is
//! newer than the last one known here, and a schema that holds tables but
//! is no flow store.

use super::OpenError;
use deadpool_postgres::Object;

/// What `flow_store.application` says.
const APPLICATION: &str = "flow";

/// Each entry takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build writes.
pub(super) const VERSION: i32 = MIGRATIONS.len() as i32;

/// Version 1.
///
/// Times are nanoseconds since the Unix epoch in a `BIGINT` (a
/// `timestamptz` keeps microseconds only: a wake-up time would read back
/// changed). Ids are the 32 hexadecimal digits of an `InstanceId`, compared
/// bytewise (`COLLATE "C"`). `hash` holds the u64's bits as an i64.
/// `owner` and `claimed_until` are the claim: the token of the store that
/// claimed the instance and its lease; `waits` holds the open waits (one,
/// or one per waiting branch of a parallel region) as JSON and
/// `wait_names` their names, which signals are matched against; `journal_len` counts the journal's
/// events, so a commit numbers its events without reading the journal.
/// The instances table leaves room in each page (`fillfactor`): a commit
/// rewrites the row, and an update that fits in its page is cheaper.
const V1: &str = "
CREATE TABLE flow_store (
    singleton   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    application TEXT NOT NULL,
    version     INTEGER NOT NULL
);

CREATE TABLE instances (
    id                TEXT COLLATE \"C\" PRIMARY KEY,
    created           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    flow              TEXT NOT NULL,
    hash              BIGINT NOT NULL,
    business_key      TEXT,
    status            TEXT NOT NULL,
    version           BIGINT NOT NULL,
    state             BYTEA NOT NULL,
    wake_at           BIGINT,
    waits             TEXT,                      -- JSON: the open waits, in order
    wait_names        TEXT[] NOT NULL DEFAULT '{}', -- their names, for signals
    cancel_reason     TEXT,
    cancel_compensate BOOLEAN,
    broken            TEXT,
    owner             TEXT,
    claimed_until     BIGINT,
    journal_len       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (flow, business_key)
) WITH (fillfactor = 80);
-- claim: runnable ones in creation order
CREATE INDEX instances_runnable ON instances (created) WHERE status = 'runnable';
-- claim (due parked ones), next_wake
CREATE INDEX instances_due ON instances (wake_at) WHERE status IN ('waiting', 'sleeping');
-- list by status, the inbox
CREATE INDEX instances_by_status ON instances (status, created);
-- list by flow (and status)
CREATE INDEX instances_by_flow ON instances (flow, status, created);

-- append-only
CREATE TABLE journal (
    instance TEXT COLLATE \"C\" NOT NULL REFERENCES instances (id),
    seq      INTEGER NOT NULL,
    event    BYTEA NOT NULL,
    PRIMARY KEY (instance, seq)
);

CREATE TABLE signals (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance    TEXT COLLATE \"C\" NOT NULL REFERENCES instances (id),
    wait        TEXT NOT NULL,
    payload     BYTEA NOT NULL,
    by_user     TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX signals_by_instance ON signals (instance, wait);

CREATE TABLE dedupe (
    instance TEXT COLLATE \"C\" NOT NULL REFERENCES instances (id),
    key      TEXT NOT NULL,
    PRIMARY KEY (instance, key)
);
";

/// Whether `name` can name the store's schema: lowercase ASCII letters,
/// digits and `_`, not starting with a digit, at most 63 bytes (so it needs
/// no quoting anywhere).
pub(super) fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The advisory lock that serializes openers of one schema.
fn lock_key(schema: &str) -> i64 {
    // FNV-1a: stable across builds, so every worker takes the same lock.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"flow-store:".iter().chain(schema.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash.cast_signed()
}

/// Brings the schema `schema` to [`VERSION`], creating it if needed.
pub(super) async fn migrate(client: &mut Object, schema: &str) -> Result<(), OpenError> {
    let sql = |error: tokio_postgres::Error| OpenError::postgres("setting up the schema", &error);
    let tx = client.transaction().await.map_err(sql)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key(schema)])
        .await
        .map_err(sql)?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .await
        .map_err(sql)?;
    let found = version(&tx, schema).await?;
    if found > VERSION {
        return Err(OpenError::FutureSchema {
            schema: schema.to_owned(),
            found,
            supported: VERSION,
        });
    }
    let from = usize::try_from(found).unwrap_or_default();
    for migration in &MIGRATIONS[from..] {
        tx.batch_execute(migration).await.map_err(sql)?;
    }
    if found < VERSION {
        tx.execute(
            "INSERT INTO flow_store (application, version) VALUES ($1, $2)
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
            &[&APPLICATION, &VERSION],
        )
        .await
        .map_err(sql)?;
    }
    tx.commit().await.map_err(sql)
}

/// The schema's version: 0 when it is empty; an error when it holds
/// something else than a flow store.
async fn version(tx: &deadpool_postgres::Transaction<'_>, schema: &str) -> Result<i32, OpenError> {
    let sql = |error: tokio_postgres::Error| OpenError::postgres("reading the schema", &error);
    let tables: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1",
            &[&schema],
        )
        .await
        .map_err(sql)?
        .get(0);
    if tables == 0 {
        return Ok(0);
    }
    let marked: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables
             WHERE schemaname = $1 AND tablename = 'flow_store'",
            &[&schema],
        )
        .await
        .map_err(sql)?
        .get(0);
    let foreign = || OpenError::Foreign {
        schema: schema.to_owned(),
    };
    if marked == 0 {
        return Err(foreign());
    }
    let row = tx
        .query_opt("SELECT application, version FROM flow_store", &[])
        .await
        .map_err(sql)?
        .ok_or_else(foreign)?;
    let application: String = row.get(0);
    if application != APPLICATION {
        return Err(foreign());
    }
    Ok(row.get(1))
}

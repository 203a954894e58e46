//! A PostgreSQL server for the tests, when there is one: `FLOW_POSTGRES_URL`
//! (or `DATABASE_URL`) names it; `.ci/setup-postgres` installs and starts
//! one and prints its URL. Each test gets a schema of its own, dropped when
//! it ends, so tests running at once never see each other's rows.
//!
//! Without a server a test prints `SKIPPED: ...` and passes, unless
//! `FLOW_REQUIRE_POSTGRES=1` (as `.ci/run` sets it): then it fails.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::store::{PostgresOptions, PostgresStore};
use std::sync::atomic::{AtomicU32, Ordering};

/// The server's URL.
pub const URL_VAR: &str = "FLOW_POSTGRES_URL";
/// The server's URL, if [`URL_VAR`] is not set.
pub const FALLBACK_VAR: &str = "DATABASE_URL";
/// Set to `1` to make a missing server a failure instead of a skip.
pub const REQUIRE_VAR: &str = "FLOW_REQUIRE_POSTGRES";

/// The server's URL, or `None` after printing why the test is skipped.
///
/// # Panics
///
/// Without a server when [`REQUIRE_VAR`] is `1`.
pub fn url(test: &str) -> Option<String> {
    let found = [URL_VAR, FALLBACK_VAR]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|url| !url.is_empty()));
    if found.is_none() {
        let why = format!(
            "no PostgreSQL server: install postgresql (Debian: `apt-get install postgresql`, or run \
             .ci/setup-postgres) and set {URL_VAR} to its URL"
        );
        if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
            panic!("{test}: {REQUIRE_VAR}=1 but {why}");
        }
        eprintln!("SKIPPED: {test}: {why}");
    }
    found
}

/// A schema of its own for one test, dropped (with everything in it) when
/// this drops.
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    /// A new, empty schema named after `test`; `None` (skipped) without a
    /// server.
    pub fn new(test: &str) -> Option<Schema> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let url = url(test)?;
        let short: String = test
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(|c| c.to_ascii_lowercase())
            .take(40)
            .collect();
        let name = format!(
            "t{}_{}_{short}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let schema = Schema { url, name };
        // A schema of that name left by a killed run of the same pid.
        schema.drop_now();
        Some(schema)
    }

    /// The store's options for this schema.
    pub fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: self.name.clone(),
            ..PostgresOptions::default()
        }
    }

    /// A store in this schema (one more worker on it, with its own owner
    /// token).
    pub async fn store(&self) -> PostgresStore {
        PostgresStore::connect_with(&self.url, self.options())
            .await
            .unwrap_or_else(|error| panic!("{URL_VAR}={}: {error}", self.url))
    }

    /// Runs SQL on the server in this schema, outside any store (to look
    /// at or tamper with the tables, as an operator would): the rows of one
    /// statement, none of several (`;`-separated).
    pub async fn execute(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|error| panic!("{URL_VAR}={}: {error}", self.url));
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path = {}", self.name))
            .await
            .unwrap();
        // Several statements go as one simple query; one returns its rows.
        let rows = if sql.contains(';') {
            client.batch_execute(sql).await.map(|()| Vec::new())
        } else {
            client.query(sql, &[]).await
        }
        .unwrap_or_else(|error| panic!("`{sql}`: {error:?}"));
        drop(client);
        let _ = driver.await;
        rows
    }

    fn drop_now(&self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Its own thread and runtime: a test's runtime may be gone, or be
        // the one this runs on.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
                let driver = tokio::spawn(connection);
                let dropped = client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .await;
                drop(client);
                let _ = driver.await;
                dropped
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!(
                "{URL_VAR}={}: dropping schema {}: {error}",
                self.url, self.name
            ),
            Err(_) => panic!("dropping schema {} panicked", self.name),
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.drop_now();
        }
    }
}

//! How a [`PostgresStore`](super::PostgresStore) connects, and why it may
//! not.

use crate::store::StoreError;
use std::time::Duration;

/// How a [`PostgresStore`](super::PostgresStore) connects.
///
/// ```
/// use flow_runtime::store::PostgresOptions;
///
/// let options = PostgresOptions { schema: "orders".into(), ..PostgresOptions::default() };
/// assert_eq!(PostgresOptions::default().schema, "flow");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema that holds the store's tables: lowercase letters, digits
    /// and `_`. `flow` by default. Two stores in different schemas of one
    /// database are independent.
    pub schema: String,
    /// At most this many connections per store (default 8): the writer
    /// uses one, claims, signals and reads the others.
    pub pool_size: usize,
    /// How long to wait for a connection, new or from the pool, before a
    /// call fails with [`StoreError::Backend`] (default 10 s).
    pub connect_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "flow".to_owned(),
            pool_size: 8,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why [`PostgresStore::connect`](super::PostgresStore::connect) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The connection string does not parse.
    #[error("the PostgreSQL connection string is not valid: {message}")]
    Url {
        /// What the parser said.
        message: String,
    },
    /// The schema's name is not one the store accepts.
    #[error(
        "`{schema}` cannot name the store's schema: use 1 to 63 lowercase ASCII letters, digits \
         and `_`, not starting with a digit"
    )]
    SchemaName {
        /// The name.
        schema: String,
    },
    /// PostgreSQL could not be reached, or refused what the store asked.
    #[error("PostgreSQL failed while {doing}: {message}")]
    Postgres {
        /// What the store was doing.
        doing: String,
        /// PostgreSQL's message.
        message: String,
    },
    /// The schema was written by a newer version of `flow-runtime`.
    /// Nothing was changed.
    #[error(
        "the store in schema `{schema}` has schema version {found}, newer than the {supported} \
         this build reads: connect with a newer flow-runtime"
    )]
    FutureSchema {
        /// The schema.
        schema: String,
        /// Its version.
        found: i32,
        /// The newest version this build reads.
        supported: i32,
    },
    /// The schema holds tables, but not a flow store's. Nothing was
    /// changed.
    #[error("schema `{schema}` holds tables but is not a flow store")]
    Foreign {
        /// The schema.
        schema: String,
    },
}

impl OpenError {
    pub(super) fn postgres(doing: &str, error: &dyn std::error::Error) -> Self {
        OpenError::Postgres {
            doing: doing.to_owned(),
            message: super::rows::describe(error),
        }
    }
}

impl From<OpenError> for StoreError {
    fn from(error: OpenError) -> Self {
        StoreError::Backend(error.to_string())
    }
}

//! Opening an engine on PostgreSQL (with the `postgres` feature).

use super::{Engine, EngineBuilder};
use crate::store::{PostgresOpenError, PostgresOptions, PostgresStore};

impl Engine {
    /// An engine over the PostgreSQL database at `url` (a `postgres://` URL
    /// or a libpq `key=value` string), its schema `flow` created or
    /// migrated: many worker processes, on many machines, share one
    /// database. Each transition is one fenced commit; instances are
    /// claimed under a lease, so a worker that dies leaves its instances to
    /// the others, and one that was paused past its lease cannot commit
    /// over the worker that took its instance over. See
    /// [`PostgresStore`](crate::store::PostgresStore), and
    /// [`postgres_with`](Engine::postgres_with) to choose the schema and the
    /// pool's size.
    ///
    /// ```no_run
    /// use flow_runtime::prelude::*;
    /// use flow_runtime::Engine;
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
    /// let url = std::env::var("DATABASE_URL")?;
    /// // A worker: claims and runs instances (as many processes as needed).
    /// let worker = Engine::postgres(&url).await?.register::<Support>().start();
    /// // Anyone else (an HTTP handler, say) starts, signals and queries.
    /// let client = Engine::postgres(&url).await?.register::<Support>().client_only().start();
    /// let id = client.start::<Support>(Ticket::default()).await?;
    /// client.signal(id, SupportSignal::Reply("fixed".into())).await?;
    /// let done = client.outcome::<Support>(id).await?.unwrap();
    /// assert_eq!(done.context.answer.as_deref(), Some("fixed"));
    /// worker.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`PostgresOpenError`](PostgresOpenError) if the URL
    /// does not parse, the server cannot be reached or refuses the login,
    /// or the schema holds something else or was written by a newer
    /// version of `flow-runtime`. Nothing is changed then.
    pub async fn postgres(url: &str) -> Result<EngineBuilder, PostgresOpenError> {
        Self::postgres_with(url, PostgresOptions::default()).await
    }

    /// As [`postgres`](Engine::postgres), with the store's options: the
    /// schema, the pool's size, the connection timeout.
    ///
    /// ```no_run
    /// use flow_runtime::Engine;
    /// use flow_runtime::store::PostgresOptions;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), flow_runtime::store::PostgresOpenError> {
    /// let options = PostgresOptions { schema: "billing".into(), ..PostgresOptions::default() };
    /// let builder = Engine::postgres_with("postgres://localhost/app", options).await?;
    /// # drop(builder);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`postgres`](Engine::postgres).
    pub async fn postgres_with(
        url: &str,
        options: PostgresOptions,
    ) -> Result<EngineBuilder, PostgresOpenError> {
        let store = PostgresStore::connect_with(url, options).await?;
        Ok(Self::builder(store))
    }
}

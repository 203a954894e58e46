//! The wake-up hint: `LISTEN` on a connection of its own, so that a
//! signal, a start or a cancellation from another process wakes an idle
//! engine at once instead of at its next poll. Only a hint: a notification
//! lost while the connection is down delays work by one poll at most, and
//! the listener reconnects by itself.

use futures::StreamExt;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_postgres::{AsyncMessage, Config, NoTls};

/// How long the listener waits before it connects again after a failure,
/// and how often it looks whether its store is gone.
const PAUSE: Duration = Duration::from_secs(1);

/// Listens on `channel` for as long as `hint` lives, notifying it at each
/// notification. The receiver answers once the first `LISTEN` is in place
/// (or never, if the listener cannot connect).
pub(super) fn spawn(config: Config, channel: String, hint: &Arc<Notify>) -> oneshot::Receiver<()> {
    let (listening, ready) = oneshot::channel();
    tokio::spawn(run(config, channel, Arc::downgrade(hint), listening));
    ready
}

async fn run(config: Config, channel: String, hint: Weak<Notify>, listening: oneshot::Sender<()>) {
    let mut listening = Some(listening);
    while hint.strong_count() > 0 {
        let (client, mut connection) = match config.connect(NoTls).await {
            Ok(connected) => connected,
            Err(error) => {
                tracing::debug!(%error, "the wake-up listener cannot connect; polling only");
                tokio::time::sleep(PAUSE).await;
                continue;
            }
        };
        let (heard, mut notifications) = mpsc::unbounded_channel();
        let messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        let driver = tokio::spawn(messages.for_each(move |message| {
            if let Ok(AsyncMessage::Notification(_)) = message {
                let _ = heard.send(());
            }
            futures::future::ready(())
        }));
        if client
            .batch_execute(&format!("LISTEN {channel}"))
            .await
            .is_ok()
        {
            if let Some(listening) = listening.take() {
                let _ = listening.send(());
            }
            loop {
                tokio::select! {
                    heard = notifications.recv() => match (heard, hint.upgrade()) {
                        (Some(()), Some(hint)) => hint.notify_one(),
                        _ => break, // the connection or the store is gone
                    },
                    () = tokio::time::sleep(PAUSE) => {
                        if hint.strong_count() == 0 {
                            break;
                        }
                    }
                }
            }
        }
        drop(client);
        driver.abort();
        tokio::time::sleep(PAUSE.min(Duration::from_millis(100))).await;
    }
}

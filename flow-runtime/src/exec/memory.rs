//! The in-memory driver: one instance on the current task, nothing stored.
//! Where the machine parks it sleeps (a retry's backoff, a timer) or waits
//! for a signal from the instance's handle, in place. Signals that arrive
//! while a parallel region runs go to the instance's mailbox, where the
//! waits inside its branches take them.

use super::branch::Mailbox;
use super::{Advanced, Hooks, Machine};
use crate::clock;
use crate::flow::{Flow, NodeId};
use crate::id::InstanceId;
use crate::instance::{CancelRequest, Instance, SignalRequest};
use crate::observe::ProgressTracker;
use crate::outcome::Outcome;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

/// Runs one instance of `F` in memory, from `start` to an end, a failure or
/// a failed compensation. This is what the generated `run` function calls.
///
/// An instance run this way has no handle, so nothing can signal it: a
/// `wait` without a timeout waits forever. Use [`start`] (and
/// [`Instance::signal`], which also reaches the waits inside parallel
/// branches) or an [`Engine`](crate::Engine) for flows that wait.
///
/// ```
/// use flow_runtime::prelude::*;
///
/// struct Greeting { name: String, text: String }
///
/// async fn greet(name: &str) -> Result<String, std::convert::Infallible> {
///     Ok(format!("hello, {name}"))
/// }
///
/// flow! {
///     flow Greet(greeting: Greeting) {
///         start -> greet;
///         task greet = greet(&greeting.name) => greeting.text -> done;
///         end done;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let greeting = Greeting { name: "Ada".into(), text: String::new() };
/// let done = flow_runtime::run::<Greet>(greeting).await.unwrap();
/// assert_eq!(done.context.text, "hello, Ada");
/// assert_eq!(done.end, GreetEnd::Done);
/// # }
/// ```
pub async fn run<F: Flow>(context: F::Context) -> Outcome<F> {
    run_with::<F>(context, Hooks::default()).await
}

pub(crate) async fn run_with<F: Flow>(context: F::Context, hooks: Hooks<F>) -> Outcome<F> {
    let instance = InstanceId::next();
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %instance);
    drive::<F>(Machine::new(instance, context, hooks), None)
        .instrument(span)
        .await
}

/// Starts one instance of `F` on the current tokio runtime and returns its
/// handle, to signal it, cancel it or wait for its outcome. This is what
/// the generated `start` function calls. See [`Instance`].
///
/// # Panics
///
/// Outside a tokio runtime.
pub fn start<F: Flow>(context: F::Context) -> Instance<F> {
    start_with::<F>(context, Hooks::default())
}

pub(crate) fn start_with<F: Flow>(context: F::Context, mut hooks: Hooks<F>) -> Instance<F> {
    let (cancel_sender, cancel) = watch::channel(None);
    let (signal_sender, signals) = mpsc::unbounded_channel();
    let instance = InstanceId::next();
    let progress = Arc::new(ProgressTracker::for_instance(instance));
    hooks.observers.push(progress.clone());
    let mailbox = Arc::new(Mailbox::default());
    hooks.mailbox = Some(mailbox.clone());
    let span = tracing::info_span!("flow", flow = F::GRAPH.name(), instance = %instance);
    let machine = Machine::new(instance, context, hooks);
    let inputs = Inputs {
        cancel: Some(cancel),
        signals,
        mailbox,
    };
    let task = tokio::spawn(drive::<F>(machine, Some(inputs)).instrument(span));
    Instance::new(instance, cancel_sender, signal_sender, task, progress)
}

/// What a started instance can be told from outside.
pub(crate) struct Inputs<F: Flow> {
    /// Taken once a cancellation was carried out: the first one wins.
    cancel: Option<watch::Receiver<Option<CancelRequest>>>,
    signals: mpsc::UnboundedReceiver<SignalRequest<F>>,
    /// Signals that came before the instance reached their wait, oldest
    /// first; shared with the waits inside parallel branches.
    mailbox: Arc<Mailbox<F>>,
}

/// Runs the machine to its end. Without inputs (`run`) nothing can cancel
/// or signal the instance, and the loop is the plain fast path.
pub(crate) async fn drive<F: Flow>(
    mut machine: Machine<F>,
    mut inputs: Option<Inputs<F>>,
) -> Outcome<F> {
    loop {
        let advanced = match inputs.as_mut() {
            None => machine.advance().await,
            // Compensation is not interrupted by a cancellation.
            Some(_) if machine.at.is_compensating() => machine.advance().await,
            Some(inputs) => match advance_listening(&mut machine, inputs).await {
                Ok(advanced) => advanced,
                Err(request) => {
                    machine.cancel(request.reason, request.compensate);
                    inputs.cancel = None;
                    continue;
                }
            },
        };
        match advanced {
            Advanced::Moved => {}
            Advanced::Finished => return machine.into_outcome(),
            Advanced::Parked => park(&mut machine, inputs.as_mut()).await,
        }
    }
}

/// Runs the machine's next transition while listening to the handle: a
/// signal goes to the mailbox (a wait inside a running branch may take it
/// at once), a cancellation drops the transition and is handed back.
async fn advance_listening<F: Flow>(
    machine: &mut Machine<F>,
    inputs: &mut Inputs<F>,
) -> Result<Advanced, CancelRequest> {
    let advance = machine.advance();
    tokio::pin!(advance);
    loop {
        tokio::select! {
            biased;
            request = cancelled(&mut inputs.cancel) => return Err(request),
            Some(request) = inputs.signals.recv() => inputs.mailbox.put(request),
            advanced = &mut advance => return Ok(advanced),
        }
    }
}

/// Waits in place until the parked machine can move: its time comes, a
/// signal for its wait arrives, or it is cancelled.
async fn park<F: Flow>(machine: &mut Machine<F>, inputs: Option<&mut Inputs<F>>) {
    let Some(inputs) = inputs else {
        // Nothing can signal an instance run with `run`.
        match machine.wake_at() {
            Some(at) => clock::sleep_until(at).await,
            None => std::future::pending().await,
        }
        machine.wake();
        return;
    };
    if let Some(wait) = machine.waiting_at()
        && let Some(request) = inputs.mailbox.take(wait.name())
    {
        deliver(machine, inputs, request);
        return;
    }
    let wake_at = machine.wake_at();
    tokio::select! {
        biased;
        request = cancelled(&mut inputs.cancel) => {
            machine.cancel(request.reason, request.compensate);
            inputs.cancel = None;
        }
        Some(request) = inputs.signals.recv() => deliver(machine, inputs, request),
        () = async {
            match wake_at {
                Some(at) => clock::sleep_until(at).await,
                None => std::future::pending().await,
            }
        } => {
            machine.wake();
        }
    }
}

/// Delivers a signal if the machine waits for it, else keeps it for later.
fn deliver<F: Flow>(machine: &mut Machine<F>, inputs: &mut Inputs<F>, request: SignalRequest<F>) {
    let SignalRequest { signal, by } = request;
    if let Err(signal) = machine.deliver(signal, by.clone()) {
        inputs.mailbox.put(SignalRequest { signal, by });
    }
}

/// Resolves when cancellation is requested; never if the handle is gone
/// or a cancellation was already carried out.
async fn cancelled(cancel: &mut Option<watch::Receiver<Option<CancelRequest>>>) -> CancelRequest {
    let Some(cancel) = cancel else {
        return std::future::pending().await;
    };
    let request = match cancel.wait_for(Option::is_some).await {
        Ok(request) => request.clone(),
        Err(_) => None,
    };
    match request {
        Some(request) => request,
        None => std::future::pending().await,
    }
}

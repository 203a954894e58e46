//! The workloads on statig 0.4 (`async` feature): a hierarchical state
//! machine, driven by events; its shared storage is the context. A state
//! machine has one active state and no notion of a step, a failure or an
//! undo, so the program drives it with a `Next` event until it reaches its
//! final state, and the saga is transitions written by hand (forward states,
//! then compensating states). Measured: the chain and the saga.
//!
//! The fan-out: "—", a state machine is in one state at a time; running
//! four branches at once would be a `tokio::join!` outside it.
//!
//! The 10k concurrent chains: "—", `tokio::spawn` needs a `Send` future and
//! rustc cannot prove statig's generated handler futures `Send` for every
//! lifetime of the event reference ("implementation of `Send` is not
//! general enough", rust-lang/rust#100013), not even when coerced to
//! `Box<dyn Future + Send>`.

use crate::measure::batch;
use crate::steps::{CHAIN, SAGA};

/// The one event: do the current state's work.
pub struct Next;

mod chain {
    use super::Next;
    use crate::steps::{CHAIN, add, infallible};
    use statig::prelude::*;

    /// The chain: its shared storage is the counter.
    #[derive(Default)]
    pub struct Chain {
        pub counter: u32,
    }

    #[state_machine(initial = "State::step(1)")]
    impl Chain {
        /// Step `n`: adds to the counter, then on to the next step.
        #[state]
        async fn step(&mut self, n: &mut u32, event: &Next) -> Outcome<State> {
            let Next = event;
            infallible(add(&mut self.counter).await);
            if *n == CHAIN {
                Transition(State::done())
            } else {
                Transition(State::step(*n + 1))
            }
        }

        /// The end.
        #[state]
        async fn done(event: &Next) -> Outcome<State> {
            let Next = event;
            Handled
        }
    }

    /// One chain instance: answers the counter.
    pub async fn once() -> u32 {
        let mut machine = Chain::default().state_machine();
        while !matches!(machine.state(), State::Done {}) {
            machine.handle(&Next).await;
        }
        machine.inner().counter
    }
}

mod saga {
    use super::Next;
    use crate::steps::{Refused, SAGA, refuse, undo, work};
    use statig::prelude::*;

    /// The saga: its shared storage is the ledger.
    #[derive(Default)]
    pub struct Saga {
        pub undone: u32,
        pub error: Option<Refused>,
    }

    #[state_machine(initial = "State::forward(1)")]
    impl Saga {
        /// Step `n`: on success to step `n + 1`, on failure to undo the
        /// `n - 1` steps completed.
        #[state]
        async fn forward(&mut self, n: &mut u32, event: &Next) -> Outcome<State> {
            let Next = event;
            let result = if *n > SAGA {
                refuse(*n).await
            } else {
                work(*n).await
            };
            match result {
                Ok(_) => Transition(State::forward(*n + 1)),
                Err(error) => {
                    self.error = Some(error);
                    Transition(State::compensate(*n - 1))
                }
            }
        }

        /// Undoes step `k`, then step `k - 1`, down to step 1.
        #[state]
        async fn compensate(&mut self, k: &mut u32, event: &Next) -> Outcome<State> {
            let Next = event;
            undo(&mut self.undone).await.expect("undo succeeds");
            if *k == 1 {
                Transition(State::failed())
            } else {
                Transition(State::compensate(*k - 1))
            }
        }

        /// The end after a failure.
        #[state]
        async fn failed(event: &Next) -> Outcome<State> {
            let Next = event;
            Handled
        }
    }

    /// One saga instance: answers the error and how many steps were undone.
    pub async fn once() -> (Option<Refused>, u32) {
        let mut machine = Saga::default().state_machine();
        while !matches!(machine.state(), State::Failed {}) {
            machine.handle(&Next).await;
        }
        (machine.inner().error, machine.inner().undone)
    }
}

/// Workload 1: seconds per chain run.
pub async fn chain() -> f64 {
    batch(|| async { assert_eq!(chain::once().await, CHAIN) }).await
}

/// Workload 2: seconds per saga run.
pub async fn saga() -> f64 {
    batch(|| async {
        let (error, undone) = saga::once().await;
        assert_eq!(
            (error, undone),
            (Some(crate::steps::Refused(SAGA + 1)), SAGA)
        );
    })
    .await
}

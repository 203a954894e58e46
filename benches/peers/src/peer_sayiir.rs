//! The workloads on sayiir 1.0: a workflow built once with `WorkflowBuilder`
//! (`then` for a step, `branches` + `join` for a fan-out), run in process.
//! A step's context is its input, the previous step's output, which sayiir
//! encodes between steps (here with its `RkyvCodec`, the default binary
//! codec).
//!
//! Each run calls `execute_continuation_async` on the workflow's
//! continuation, as `InProcessRunner::run` does, but keeps the output bytes
//! (the runner answers only `WorkflowStatus::Completed`), so the result can
//! be decoded and checked.
//!
//! The saga: "—", sayiir has no compensation (no undo step, no rollback); a
//! failed task fails the workflow and nothing more.

use crate::measure::{batch, concurrent};
use crate::steps::{CHAIN, FAN_SUM, add, fetch, infallible};
use sayiir_core::task::BranchOutputs;
use sayiir_runtime::execute_continuation_async;
use sayiir_runtime::prelude::*;
use std::sync::Arc;

/// A chain step on sayiir's terms: the counter in, the counter out.
async fn add_step(mut counter: u32) -> Result<u32, BoxError> {
    infallible(add(&mut counter).await);
    Ok(counter)
}

fn context(name: &str) -> WorkflowContext<RkyvCodec, ()> {
    WorkflowContext::new(name, Arc::new(RkyvCodec), Arc::new(()))
}

fn chain_workflow() -> Workflow<RkyvCodec, u32, ()> {
    let mut builder = WorkflowBuilder::new(context("chain")).then("s1", add_step);
    for n in 2..=CHAIN {
        builder = builder.then(&format!("s{n}"), add_step);
    }
    builder.build().expect("the chain is a valid workflow")
}

/// Runs `workflow` on `input` in process and decodes its output.
async fn run(workflow: &Workflow<RkyvCodec, u32, ()>, input: u32) -> u32 {
    let codec = &workflow.context().codec;
    let input = codec.encode(&input).expect("a u32 encodes");
    let output = execute_continuation_async(workflow.continuation(), input, codec.as_ref())
        .await
        .expect("the workflow completes");
    codec.decode(output).expect("the output is a u32")
}

/// Workload 1: seconds per chain run.
pub async fn chain() -> f64 {
    let workflow = chain_workflow();
    batch(|| async { assert_eq!(run(&workflow, 0).await, CHAIN) }).await
}

/// Workload 4: seconds per completed chain instance, 10k at once, all of
/// one workflow.
pub async fn concurrent_chain() -> f64 {
    let workflow = Arc::new(chain_workflow());
    concurrent(|| {
        let workflow = workflow.clone();
        async move { assert_eq!(run(&workflow, 0).await, CHAIN) }
    })
    .await
}

/// Workload 3: seconds per fan-out run. sayiir spawns a top-level fork's
/// branches as tokio tasks.
pub async fn fan_out() -> f64 {
    let branch = |n: u32| move |_input: u32| async move { Ok(infallible(fetch(n).await)) };
    let workflow = WorkflowBuilder::new(context("fan-out"))
        .branches(|b| {
            b.add("a", branch(1));
            b.add("b", branch(2));
            b.add("c", branch(3));
            b.add("d", branch(4));
        })
        .join("joined", |outputs: BranchOutputs<RkyvCodec>| async move {
            let mut sum = 0;
            for id in ["a", "b", "c", "d"] {
                sum += outputs.get_by_id::<u32>(id)?;
            }
            Ok(sum)
        })
        .build()
        .expect("the fan-out is a valid workflow");
    batch(|| async { assert_eq!(run(&workflow, 0).await, FAN_SUM) }).await
}

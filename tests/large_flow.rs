//! A flow of 1000 nodes compiles and runs (issue #11): `flow!` generates one
//! function per node, so its compile time grows with the flow's size, not
//! with its square. A regression shows as a slow build of this test (minutes
//! instead of seconds), then as a wrong count here.
//!
//! `large_flow/linear_1000.rs` is generated: `start`, 1000 tasks `t0` ..
//! `t999` each bumping `c.count`, and `done`. Regenerate it with
//!
//! ```text
//! benches/compile_time/compile_time.py --emit-flow tests/large_flow/linear_1000.rs linear 1000
//! ```

include!("large_flow/linear_1000.rs");

#[tokio::test]
async fn a_thousand_tasks_run_in_order() {
    let completed = Linear1000::run(Counters::default()).await.unwrap();
    assert_eq!(completed.end, Linear1000End::Done);
    assert_eq!(completed.context.count, 1000);
    let names = completed.path.names();
    assert_eq!(names.len(), 1002, "start, the 1000 tasks and the end");
    assert_eq!(names[0], "start");
    assert_eq!(names[1], "t0");
    assert_eq!(names[500], "t499");
    assert_eq!(names[1000], "t999");
    assert_eq!(names[1001], "done");
}

#[tokio::test]
async fn a_scripted_failure_reaches_the_last_task() {
    // The test harness intercepts every task of a large flow, the last too:
    // the instance fails there, after 999 bumps.
    let run = flow_runtime::testing::FlowTest::<Linear1000>::new()
        .fail(Linear1000Task::t999(), 1, "the last one fails")
        .run(Counters::default())
        .await;
    run.assert_failed_at(Linear1000Node::T999);
    assert_eq!(run.context().count, 999);
    assert_eq!(run.attempts(Linear1000Node::T999), 1);
}

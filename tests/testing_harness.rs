//! `flow_runtime::testing`: each harness feature against a flow whose real
//! steps would fail the test if they ran where a mock stands.

use flow_runtime::prelude::*;
use flow_runtime::testing::FlowTest;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
enum Stock {
    Available,
    Out(u32),
}

#[derive(Debug, Default)]
struct Order {
    amount: u32,
    stock: Option<Stock>,
    payment: Option<String>,
    problem: Option<String>,
    shipped: bool,
    invoiced: bool,
}

mod real {
    use super::Stock;

    pub async fn check_stock(_: u32) -> Result<Stock, String> {
        panic!("the real stock check must not run in these tests")
    }
    pub async fn charge(_: u32) -> Result<String, String> {
        panic!("the real payment must not run in these tests")
    }
    pub async fn refund(_: &Option<String>) -> Result<(), String> {
        Ok(())
    }
    pub async fn ship() -> Result<bool, String> {
        Ok(true)
    }
    pub async fn invoice() -> Result<bool, String> {
        Ok(true)
    }
    pub async fn wait_for_carrier() -> Result<bool, String> {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        Ok(true)
    }
}

flow! {
    flow Shop(order: Order) {
        start -> stock;
        task stock: Stock = real::check_stock(order.amount) => order.stock -> match {
            Stock::Available => pay,
            Stock::Out(_) => sold_out,
        };
        task pay: String = real::charge(order.amount) => order.payment
            retry 2 backoff fixed(1s)
            on error => order.problem -> declined
            compensate real::refund(&order.payment)
            -> fulfil;
        and fulfil -> ship, invoice;
        task ship = real::wait_for_carrier() => order.shipped timeout 5s retry 1 -> fulfilled;
        task invoice: bool = real::invoice() => order.invoiced -> fulfilled;
        join fulfilled -> done;
        task declined = real::ship() -> refused;
        end done;
        end sold_out;
        end refused;
    }
}

use ShopNode::*;

fn paid() -> FlowTest<Shop> {
    FlowTest::<Shop>::new()
        .returns(ShopTask::stock(), Stock::Available)
        .returns(ShopTask::pay(), "payment-7".to_owned())
}

#[tokio::test(start_paused = true)]
async fn a_mocked_value_is_stored_and_routed_like_the_steps_own() {
    let run = FlowTest::<Shop>::new()
        .returns(ShopTask::stock(), Stock::Out(3))
        .run(Order::default())
        .await;
    run.assert_path([Start, Stock, SoldOut])
        .assert_end(ShopEnd::SoldOut);
    assert_eq!(run.context().stock, Some(Stock::Out(3)));

    let run = paid().run(Order::default()).await;
    run.assert_path([Start, Stock, Pay, Fulfil, Ship, Invoice, Fulfilled, Done])
        .assert_end(ShopEnd::Done);
    assert_eq!(run.context().payment.as_deref(), Some("payment-7"));
    assert!(run.context().shipped && run.context().invoiced);
}

#[tokio::test(start_paused = true)]
async fn a_mock_sees_each_attempt_and_can_fail_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let attempts = seen.clone();
    let run = FlowTest::<Shop>::new()
        .returns(ShopTask::stock(), Stock::Available)
        .mock(ShopTask::pay(), move |step| {
            attempts.lock().unwrap().push(step.attempt());
            match step.attempt() {
                1 | 2 => Err(StepError::new("card reader busy")),
                _ => Ok(format!("paid on attempt {}", step.attempt())),
            }
        })
        .run(Order::default())
        .await;
    run.assert_end(ShopEnd::Done);
    assert_eq!(*seen.lock().unwrap(), [1, 2, 3]);
    assert_eq!(run.context().payment.as_deref(), Some("paid on attempt 3"));
    // Two backoffs of 1 s, then the 1 s carrier: virtual time, no real wait.
    assert_eq!(run.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn an_injected_failure_at_a_chosen_attempt_is_retried() {
    let run = paid()
        .fail(ShopTask::pay(), 1, "gateway timeout")
        .run(Order::default())
        .await;
    run.assert_end(ShopEnd::Done);
    assert_eq!(run.attempts(Pay), 2);
    assert_eq!(run.context().payment.as_deref(), Some("payment-7"));
}

#[tokio::test(start_paused = true)]
async fn failures_on_every_attempt_take_the_error_route() {
    let run = paid()
        .fail(ShopTask::pay(), 1, "declined")
        .fail(ShopTask::pay(), 2, "declined")
        .fail(ShopTask::pay(), 3, "declined for good")
        .run(Order::default())
        .await;
    run.assert_path([Start, Stock, Pay, Declined, Refused]);
    assert_eq!(run.context().problem.as_deref(), Some("declined for good"));
    assert_eq!(run.attempts(Pay), 3);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_injected_failure_is_not_retried() {
    let run = paid()
        .fail_permanently(ShopTask::pay(), 1, "card stolen")
        .run(Order::default())
        .await;
    run.assert_path([Start, Stock, Pay, Declined, Refused]);
    assert_eq!(run.attempts(Pay), 1);
}

#[tokio::test(start_paused = true)]
async fn an_injected_timeout_fires_the_tasks_own_timeout() {
    let run = paid()
        .time_out(ShopTask::ship(), 1)
        .run(Order::default())
        .await;
    run.assert_end(ShopEnd::Done);
    assert_eq!(run.attempts(Ship), 2);
    // The first attempt hangs until `timeout 5s`, the retry takes 1 s.
    assert_eq!(run.elapsed(), Duration::from_secs(6));
    let timed_out = run.journal().to_string();
    assert!(
        timed_out.contains("ship attempt 1 failed: timed out after 5s"),
        "{timed_out}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_injected_panic_fails_the_instance_and_compensates() {
    let run = paid()
        .panic(ShopTask::invoice(), 1, "invoice template missing")
        .run(Order::default())
        .await;
    run.assert_failed_at(Invoice).assert_compensated([Pay]);
    let failed = run.into_outcome().unwrap_failed();
    assert!(failed.error.is_panic());
    assert_eq!(
        failed.error.panic_message(),
        Some("invoice template missing")
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_in_a_parallel_branch_is_mocked_in_its_branch() {
    let run = paid()
        .returns(ShopTask::invoice(), false)
        .run(Order::default())
        .await;
    run.assert_end(ShopEnd::Done);
    assert!(run.context().shipped, "the other branch ran its real step");
    assert!(!run.context().invoiced, "the mocked value was stored");
    assert_eq!(run.attempts(Invoice), 1);
}

#[tokio::test(start_paused = true)]
async fn a_task_without_a_written_value_type_can_still_be_failed() {
    // `declined` writes no value type: it cannot be mocked, but failed.
    let run = paid()
        .fail_permanently(ShopTask::pay(), 1, "card stolen")
        .fail(ShopTask::declined(), 1, "mail server down")
        .run(Order::default())
        .await;
    run.assert_path([Start, Stock, Pay, Declined])
        .assert_failed_at(Declined);
}

#[tokio::test(start_paused = true)]
async fn a_handle_made_by_hand_around_another_type_fails_its_step_naming_both_types() {
    // Only `flow!` makes handles, typed by the task; the doc-hidden
    // constructor lets a test forge one, which the runtime still catches.
    let forged = flow_runtime::testing::Task::<Shop, &'static str>::__new(ShopNode::Stock);
    let run = FlowTest::<Shop>::new()
        .returns(forged, "available")
        .run(Order::default())
        .await;
    run.assert_failed_at(Stock);
    let failed = run.into_outcome().unwrap_failed();
    assert_eq!(
        failed.error.panic_message(),
        Some("the mock returns `&str`, but the step's value is `testing_harness::Stock`")
    );
}

#[test]
#[should_panic(expected = "task `pay` has no `timeout`")]
fn a_task_without_a_timeout_cannot_time_out() {
    let _ = FlowTest::<Shop>::new().time_out(ShopTask::pay(), 1);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "the path differs from the expected one\n      \
                           expected  actual\n    \
                           0 start     start\n    \
                           1 stock     stock\n\
                           >   2 pay       sold_out\n")]
async fn a_wrong_path_is_shown_side_by_side() {
    let run = FlowTest::<Shop>::new()
        .returns(ShopTask::stock(), Stock::Out(1))
        .run(Order::default())
        .await;
    run.assert_path([Start, Stock, Pay]);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "expected the instance to end at `done`, but it ended at `sold_out`")]
async fn a_wrong_end_names_both_ends() {
    let run = FlowTest::<Shop>::new()
        .returns(ShopTask::stock(), Stock::Out(1))
        .run(Order::default())
        .await;
    run.assert_end(ShopEnd::Done);
}

#[tokio::test(start_paused = true)]
async fn virtual_time_moves_a_started_instance_on() {
    let instance = paid().start(Order::default());
    tokio::time::advance(Duration::from_millis(500)).await;
    tokio::task::yield_now().await;
    let progress = instance.progress();
    assert_eq!(
        progress.running,
        ["ship"],
        "invoice is done, ship waits for the carrier"
    );
    assert_eq!(progress.steps_done, 3);
    tokio::time::advance(Duration::from_secs(1)).await;
    let done = instance.outcome().await.unwrap();
    assert!(done.context.shipped);
}

#[test]
#[should_panic(expected = "attempt 0 of `pay` never happens: attempts count from 1")]
fn an_injection_at_attempt_zero_is_rejected() {
    let _ = FlowTest::<Shop>::new().fail(ShopTask::pay(), 0, "declined");
}

#[test]
#[should_panic(
    expected = "attempt 4 of `pay` never happens: it is attempted at most 3 times (`retry 2`)"
)]
fn an_injection_beyond_the_retries_is_rejected() {
    let _ = FlowTest::<Shop>::new().fail(ShopTask::pay(), 4, "declined");
}

#[tokio::test(start_paused = true)]
#[should_panic(
    expected = "the test injected what the flow never reached: a failure at attempt 2 of `pay`"
)]
async fn an_injection_never_consumed_fails_the_test() {
    // The first attempt succeeds, so the second never happens.
    let _ = paid()
        .fail(ShopTask::pay(), 2, "declined")
        .run(Order {
            amount: 5,
            ..Order::default()
        })
        .await;
}

#[derive(Debug, Default)]
struct Request {
    approval: Option<Approved>,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Approved {
    by: String,
}

flow! {
    flow Approval(request: Request) {
        start -> decide;
        wait decide: Approved => request.approval timeout 1h -> expired -> done;
        end done;
        end expired;
    }
}

#[tokio::test(start_paused = true)]
async fn a_queued_signal_is_delivered_at_its_wait() {
    use ApprovalNode::*;
    let run = FlowTest::<Approval>::new()
        .signal(ApprovalSignal::Decide(Approved { by: "ada".into() }))
        .run(Request::default())
        .await;
    run.assert_path([Start, Decide, Done])
        .assert_end(ApprovalEnd::Done);
    assert_eq!(run.context().approval.as_ref().unwrap().by, "ada");
}

#[tokio::test(start_paused = true)]
async fn without_a_signal_the_wait_times_out() {
    use ApprovalNode::*;
    let run = FlowTest::<Approval>::new().run(Request::default()).await;
    run.assert_path([Start, Decide, Expired])
        .assert_end(ApprovalEnd::Expired);
    assert_eq!(run.elapsed(), Duration::from_secs(3600));
}

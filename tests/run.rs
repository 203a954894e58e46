//! Running flows in memory: ends, paths, timestamps, failures, loops,
//! routing on typed results.

use flow_runtime::prelude::*;
use std::time::Duration;

#[derive(Debug, Default)]
struct Order {
    amount: u32,
    items: Vec<&'static str>,
    checked: Option<bool>,
    total: u32,
    rounds: u32,
    seen_iterations: Vec<u32>,
    keys: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("order of {0} is over the limit")]
struct OverLimit(u32);

async fn check(order: &Order) -> Result<bool, OverLimit> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    if order.amount > 10_000 {
        Err(OverLimit(order.amount))
    } else {
        Ok(order.amount > 100)
    }
}

async fn add_up(items: &[&str]) -> Result<u32, OverLimit> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(items.len() as u32 * 10)
}

flow! {
    /// Checks an order, then totals large ones.
    flow Checkout(order: Order) {
        start -> check;
        task check = check(&order) => order.checked -> size;
        xor size {
            order.amount > 100 => add_up,
            else => small,
        }
        task add_up = add_up(&order.items) => order.total -> large;
        end small;
        end large;
    }
}

#[tokio::test(start_paused = true)]
async fn runs_to_the_end_its_conditions_choose() {
    let done = Checkout::run(Order {
        amount: 500,
        items: vec!["a", "b"],
        ..Order::default()
    })
    .await
    .unwrap();
    assert_eq!(done.end, CheckoutEnd::Large);
    assert_eq!(done.end.name(), "large");
    assert_eq!(done.context.checked, Some(true));
    assert_eq!(done.context.total, 20);
    assert_eq!(
        done.path.names(),
        ["start", "check", "size", "add_up", "large"]
    );

    let done = Checkout::run(Order {
        amount: 50,
        ..Order::default()
    })
    .await
    .unwrap();
    assert_eq!(done.end, CheckoutEnd::Small);
    assert_eq!(done.path.to_string(), "start -> check -> size -> small");
    assert_eq!(done.context.total, 0, "the branch not taken did not run");
}

#[tokio::test(start_paused = true)]
async fn path_timestamps_follow_tokio_time() {
    let done = Checkout::run(Order {
        amount: 500,
        ..Order::default()
    })
    .await
    .unwrap();
    let elapsed: Vec<Duration> = done
        .path
        .visits()
        .iter()
        .map(|visit| visit.elapsed)
        .collect();
    let secs = Duration::from_secs;
    // check sleeps 1s, add_up 2s: a node is entered when the one before it finishes.
    assert_eq!(elapsed, [secs(0), secs(0), secs(1), secs(1), secs(3)]);
    let walls: Vec<_> = done.path.visits().iter().map(|visit| visit.at).collect();
    assert!(walls.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test(start_paused = true)]
async fn a_failed_step_stops_the_instance_and_names_the_node() {
    let failed = Checkout::run(Order {
        amount: 20_000,
        ..Order::default()
    })
    .await
    .unwrap_failed();
    assert_eq!(failed.node, CheckoutNode::Check);
    assert_eq!(
        failed.error.downcast_ref::<OverLimit>(),
        Some(&OverLimit(20_000))
    );
    assert_eq!(failed.path.names(), ["start", "check"]);
    assert_eq!(failed.context.checked, None, "nothing was stored");
    assert_eq!(
        failed.to_string(),
        format!(
            "flow `Checkout` instance {} failed at `check`: order of 20000 is over the limit",
            failed.instance
        )
    );
}

async fn count_round(rounds: u32) -> Result<u32, std::convert::Infallible> {
    Ok(rounds + 1)
}

async fn remember(
    order: &mut Order,
    iteration: u32,
    key: String,
) -> Result<(), std::convert::Infallible> {
    order.seen_iterations.push(iteration);
    order.keys.push(key);
    Ok(())
}

flow! {
    /// Loops three times through `round` before finishing.
    flow Rounds(order: Order, step: &Step) {
        start -> round;
        task round = count_round(order.rounds) => order.rounds -> note;
        task note = remember(order, step.iteration(), step.idempotency_key()) -> again;
        xor again {
            order.rounds < 3 => round,
            else => done,
        }
        end done;
    }
}

#[tokio::test]
async fn loops_revisit_nodes_and_count_iterations() {
    let done = Rounds::run(Order::default()).await.unwrap();
    assert_eq!(done.context.rounds, 3);
    assert_eq!(done.context.seen_iterations, [1, 2, 3]);
    let instance = done.instance;
    assert_eq!(
        done.context.keys,
        [1, 2, 3].map(|iteration| format!("Rounds/{instance}/note/{iteration}")),
        "one idempotency key per visit"
    );
    assert_eq!(
        done.path.to_string(),
        "start -> round -> note -> again -> round -> note -> again -> round -> note -> again -> done"
    );
}

#[derive(Debug, Clone, PartialEq)]
enum Stock {
    Available(u32),
    Out,
}

async fn stock_of(amount: u32) -> Result<Stock, std::convert::Infallible> {
    Ok(if amount == 0 {
        Stock::Out
    } else {
        Stock::Available(amount)
    })
}

#[derive(Debug, Default)]
struct Request {
    amount: u32,
    stock: Option<Stock>,
}

flow! {
    flow Reserve(request: Request) {
        start -> stock;
        task stock = stock_of(request.amount) => request.stock -> match {
            Stock::Available(n) if *n > 100 => bulk,
            Stock::Available(_) => reserved,
            Stock::Out => out,
        };
        end bulk;
        end reserved;
        end out;
    }
}

#[tokio::test]
async fn match_routes_on_the_typed_result_and_stores_it() {
    for (amount, end) in [
        (500, ReserveEnd::Bulk),
        (5, ReserveEnd::Reserved),
        (0, ReserveEnd::Out),
    ] {
        let done = Reserve::run(Request {
            amount,
            stock: None,
        })
        .await
        .unwrap();
        assert_eq!(done.end, end, "amount {amount}");
        assert!(
            done.context.stock.is_some(),
            "the matched value is stored too"
        );
    }
}

#[tokio::test]
async fn instances_get_distinct_ids() {
    let a = Reserve::run(Request::default()).await.unwrap();
    let b = Reserve::run(Request::default()).await.unwrap();
    assert_ne!(a.instance, b.instance);
}

#[test]
fn the_graph_describes_the_flow() {
    let graph = Checkout::GRAPH;
    assert_eq!(graph.name(), "Checkout");
    assert_eq!(graph.doc(), "Checks an order, then totals large ones.");
    let nodes: Vec<_> = graph.nodes().iter().map(|n| (n.name(), n.kind())).collect();
    use flow_runtime::NodeKind::*;
    assert_eq!(
        nodes,
        [
            ("start", Start),
            ("check", Task),
            ("size", Xor),
            ("add_up", Task),
            ("small", End),
            ("large", End)
        ]
    );
    let check_line = graph.nodes()[1].line();
    assert_eq!(
        graph.nodes()[2].line(),
        check_line + 1,
        "lines are the source lines"
    );
    let edges: Vec<_> = graph
        .edges()
        .iter()
        .map(|e| (e.from(), e.to(), e.label()))
        .collect();
    use flow_runtime::EdgeLabel::*;
    assert_eq!(
        edges,
        [
            (0, 1, Next),
            (1, 2, Next),
            (2, 3, When("order.amount > 100")),
            (2, 4, Else),
            (3, 5, Next)
        ]
    );
    assert_ne!(graph.hash(), Rounds::GRAPH.hash());
    assert_eq!(CheckoutNode::from_index(3), Some(CheckoutNode::AddUp));
    assert_eq!(CheckoutNode::AddUp.index(), 3);
    assert_eq!(CheckoutNode::AddUp.name(), "add_up");
    assert_eq!(CheckoutNode::from_index(6), None);
}

#[test]
fn node_and_end_enums_serialize_as_their_variant_names() {
    // A durable store persists where an instance is; serde must round-trip it.
    fn assert_serde<T: serde::Serialize + serde::de::DeserializeOwned>() {}
    assert_serde::<CheckoutNode>();
    assert_serde::<CheckoutEnd>();
}

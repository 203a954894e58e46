//! One flow written twice: with `flow!`, and by hand against the runtime's
//! `Flow` trait. Both run on the same runtime and take the same path; the
//! hand-written one shows what the macro writes (and what it checks for you).
//!
//! ```text
//! cargo run --example hand_written
//! ```

use flow_runtime::prelude::flow;
use flow_runtime::{
    EdgeInfo, EdgeLabel, EndId, Flow, Graph, NodeId, NodeInfo, NodeKind, Scope, Step, StepError,
    Transition,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub struct Order {
    pub amount: u32,
    pub receipt: Option<String>,
}

async fn charge(order: &Order) -> Result<String, StepError> {
    Ok(format!("charged {}", order.amount))
}

// With the macro: eight lines, checked at compile time.
flow! {
    pub flow WithMacro(order: Order) {
        start -> size;
        xor size {
            order.amount > 0 => pay,
            else => nothing_to_pay,
        }
        task pay = charge(&order) => order.receipt -> paid;
        end paid;
        end nothing_to_pay;
    }
}

// By hand: the same flow against the `Flow` trait.
pub struct ByHand;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ByHandNode {
    Start,
    Size,
    Pay,
    Paid,
    NothingToPay,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ByHandEnd {
    Paid,
    NothingToPay,
}

const NODES: [ByHandNode; 5] = [
    ByHandNode::Start,
    ByHandNode::Size,
    ByHandNode::Pay,
    ByHandNode::Paid,
    ByHandNode::NothingToPay,
];
const NAMES: [&str; 5] = ["start", "size", "pay", "paid", "nothing_to_pay"];

impl NodeId for ByHandNode {
    fn index(self) -> usize {
        self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        NODES.get(index).copied()
    }
    fn name(self) -> &'static str {
        NAMES[self as usize]
    }
}

impl EndId for ByHandEnd {
    fn name(self) -> &'static str {
        match self {
            ByHandEnd::Paid => "paid",
            ByHandEnd::NothingToPay => "nothing_to_pay",
        }
    }
}

impl Flow for ByHand {
    type Context = Order;
    type Node = ByHandNode;
    type End = ByHandEnd;
    type Signal = flow_runtime::NoSignal<Self>;

    // What `flow!` derives from the definition; by hand, nothing checks that
    // it matches `step` below.
    const GRAPH: &'static Graph = &Graph::new(
        "ByHand",
        "",
        &[
            NodeInfo::new("start", NodeKind::Start, 0, ""),
            NodeInfo::new("size", NodeKind::Xor, 0, ""),
            NodeInfo::new("pay", NodeKind::Task, 0, ""),
            NodeInfo::new("paid", NodeKind::End, 0, ""),
            NodeInfo::new("nothing_to_pay", NodeKind::End, 0, ""),
        ],
        &[
            EdgeInfo::new(0, 1, EdgeLabel::Next),
            EdgeInfo::new(1, 2, EdgeLabel::When("order.amount > 0")),
            EdgeInfo::new(1, 4, EdgeLabel::Else),
            EdgeInfo::new(2, 3, EdgeLabel::Next),
        ],
        0,
    );
    const START: ByHandNode = ByHandNode::Start;

    async fn step<'a>(
        node: ByHandNode,
        order: &'a mut Order,
        _step: &'a Step,
        _scope: &'a Scope<Self>,
    ) -> Transition<Self> {
        match node {
            ByHandNode::Start => Transition::Next(ByHandNode::Size),
            ByHandNode::Size if order.amount > 0 => Transition::Next(ByHandNode::Pay),
            ByHandNode::Size => Transition::Next(ByHandNode::NothingToPay),
            ByHandNode::Pay => match charge(order).await {
                Ok(receipt) => {
                    order.receipt = Some(receipt);
                    Transition::Next(ByHandNode::Paid)
                }
                Err(error) => Transition::Fail(error),
            },
            ByHandNode::Paid => Transition::End(ByHandEnd::Paid),
            ByHandNode::NothingToPay => Transition::End(ByHandEnd::NothingToPay),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    for amount in [0, 250] {
        let with_macro = WithMacro::run(Order {
            amount,
            receipt: None,
        })
        .await
        .unwrap();
        let by_hand = flow_runtime::run::<ByHand>(Order {
            amount,
            receipt: None,
        })
        .await
        .unwrap();
        println!("amount {amount}:");
        println!(
            "  flow!:   {} ({:?})",
            with_macro.path, with_macro.context.receipt
        );
        println!(
            "  by hand: {} ({:?})",
            by_hand.path, by_hand.context.receipt
        );
        assert_eq!(with_macro.path.names(), by_hand.path.names());
    }
}

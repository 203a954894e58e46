//! A graph with the node kinds `flow!` cannot produce yet (`and`, `or`,
//! `join`, a sub-flow), written by hand, with names and conditions that need
//! escaping: a raw identifier, the Mermaid keyword `end`, and conditions with
//! quotes, braces, pipes, `#`, `&` and comparisons.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::{EdgeInfo, EdgeLabel, Graph, NodeInfo, NodeKind, Policy};

/// Packs and bills at once, adds the extras that apply, then delivers.
pub static FULFILMENT: Graph = Graph::new(
    "Fulfilment",
    "Packs and bills at once, adds the extras that apply, then delivers.",
    &[
        NodeInfo::new("start", NodeKind::Start, 0, ""),
        NodeInfo::new("split", NodeKind::And, 0, ""),
        NodeInfo::new("pack", NodeKind::Task, 0, ""),
        NodeInfo::new("bill", NodeKind::Task, 0, "").with_compensation(Policy::new()),
        NodeInfo::new("packed_and_billed", NodeKind::Join, 0, ""),
        NodeInfo::new("extras", NodeKind::Or, 0, ""),
        NodeInfo::new("gift_wrap", NodeKind::Task, 0, ""),
        NodeInfo::new("r#match", NodeKind::Task, 0, "Matches an insurance policy."),
        NodeInfo::new("extras_done", NodeKind::Join, 0, ""),
        NodeInfo::new("deliver", NodeKind::SubFlow, 0, ""),
        NodeInfo::new("end", NodeKind::End, 0, ""),
    ],
    &[
        EdgeInfo::new(0, 1, EdgeLabel::Next),
        EdgeInfo::new(1, 2, EdgeLabel::Branch),
        EdgeInfo::new(1, 3, EdgeLabel::Branch),
        EdgeInfo::new(2, 4, EdgeLabel::Next),
        EdgeInfo::new(3, 4, EdgeLabel::Next),
        EdgeInfo::new(4, 5, EdgeLabel::Next),
        EdgeInfo::new(
            5,
            6,
            EdgeLabel::When(r##"order.gift && order.note != "" && order.tag == "#1""##),
        ),
        EdgeInfo::new(
            5,
            7,
            EdgeLabel::When(
                "matches!(order.kind, Kind::Fragile { value } | Kind::Art { value } if value > 100)",
            ),
        ),
        EdgeInfo::new(5, 8, EdgeLabel::Else),
        EdgeInfo::new(6, 8, EdgeLabel::Next),
        EdgeInfo::new(7, 8, EdgeLabel::Next),
        EdgeInfo::new(8, 9, EdgeLabel::Next),
        EdgeInfo::new(9, 10, EdgeLabel::Next),
    ],
    0,
);

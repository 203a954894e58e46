//! The flow's Mermaid drawing, for its rustdoc. It is drawn by
//! `flow-diagram` from the same nodes, kinds, labels and compensations that
//! `Flow::GRAPH` holds, so it is the drawing `flow_runtime::diagram::mermaid`
//! makes of the graph at run time (a test in `tests/diagram.rs` checks it).

use super::graph::{arm_text, source_text, wait_time};
use crate::model::{EdgeKind, Model, NodeKind, name_key};
use crate::parse::Statement;
use flow_diagram::{Diagram, Edge, Kind, Label, Node};

pub fn mermaid(model: &Model) -> String {
    let names: Vec<String> = model.nodes.iter().map(|node| name_key(node.name)).collect();
    let labels: Vec<Option<String>> = model
        .edges
        .iter()
        .map(|edge| match edge.kind {
            EdgeKind::When(condition) => Some(source_text(condition)),
            EdgeKind::Arm(arm) => Some(arm_text(arm)),
            EdgeKind::Timeout => wait_time(model.nodes[edge.from].stmt),
            _ => None,
        })
        .collect();
    // What the graph's `NodeInfo` holds: a wait's payload, a timer's time.
    let details: Vec<Option<String>> = model
        .nodes
        .iter()
        .map(|node| match node.stmt {
            Statement::Wait(wait) => Some(source_text(&wait.payload)),
            Statement::Timer(_) => wait_time(node.stmt),
            _ => None,
        })
        .collect();
    let nodes = model
        .nodes
        .iter()
        .zip(&names)
        .zip(&details)
        .map(|((node, name), detail)| {
            let mut drawn = Node::new(name, kind(node.kind));
            if let Some(detail) = detail {
                drawn = drawn.with_detail(detail);
            }
            match node.stmt {
                Statement::Task(task) if task.clauses.compensate.is_some() => drawn.compensable(),
                _ => drawn,
            }
        });
    let edges = model.edges.iter().zip(&labels).filter_map(|(edge, text)| {
        let text = text.as_deref().unwrap_or_default();
        let label = match edge.kind {
            EdgeKind::Next => Label::Next,
            EdgeKind::Branch => Label::Branch,
            EdgeKind::When(_) => Label::When(text),
            EdgeKind::Else => Label::Else,
            EdgeKind::Arm(_) => Label::Match(text),
            EdgeKind::OnError => Label::OnError,
            EdgeKind::Timeout => Label::Timeout(text),
        };
        Some(Edge::new(edge.from, edge.to?, label))
    });
    let name = model.def.name.to_string();
    Diagram::new(&name, nodes.collect(), edges.collect()).mermaid()
}

fn kind(kind: NodeKind) -> Kind {
    match kind {
        NodeKind::Start => Kind::Start,
        NodeKind::End => Kind::End,
        NodeKind::Task => Kind::Task,
        NodeKind::SubFlow => Kind::SubFlow,
        NodeKind::Xor => Kind::Xor,
        NodeKind::Or => Kind::Or,
        NodeKind::And => Kind::And,
        NodeKind::Join => Kind::Join,
        NodeKind::Wait => Kind::Wait,
        NodeKind::Timer => Kind::Timer,
    }
}

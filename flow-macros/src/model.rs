//! The resolved graph: nodes by index in source order, edges with their
//! targets looked up. Nothing here reports errors; an edge whose target does
//! not exist simply has `to: None`, and `check::names` reports it.

use crate::parse::{Condition, FlowDef, MatchArm, Route, Statement};
use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::{Expr, Ident};

pub struct Model<'a> {
    pub def: &'a FlowDef,
    /// One node per statement, in source order.
    pub nodes: Vec<Node<'a>>,
    /// Every edge, in source order.
    pub edges: Vec<Edge<'a>>,
    /// Node name to the index of its first definition.
    pub by_name: BTreeMap<String, usize>,
}

pub struct Node<'a> {
    pub name: &'a Ident,
    pub kind: NodeKind,
    pub stmt: &'a Statement,
    /// Indices into [`Model::edges`] of the edges leaving this node.
    pub out: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NodeKind {
    Start,
    End,
    Task,
    /// `flow NAME = Other(..)`: a task that runs another flow.
    SubFlow,
    Xor,
    /// `or`: an inclusive split.
    Or,
    /// `and`: a parallel split.
    And,
    Join,
    /// `wait`: parks until a signal arrives (or its timeout).
    Wait,
    /// `timer`: parks until a time.
    Timer,
}

impl NodeKind {
    /// The keyword that introduces the node, for messages.
    pub fn keyword(self) -> &'static str {
        match self {
            NodeKind::Start => "start",
            NodeKind::End => "end",
            NodeKind::Task => "task",
            NodeKind::SubFlow => "flow",
            NodeKind::Xor => "xor",
            NodeKind::Or => "or",
            NodeKind::And => "and",
            NodeKind::Join => "join",
            NodeKind::Wait => "wait",
            NodeKind::Timer => "timer",
        }
    }

    /// Does the node run a call (a step or a sub-flow)?
    pub fn is_task(self) -> bool {
        matches!(self, NodeKind::Task | NodeKind::SubFlow)
    }

    /// Does the node park the instance (a `wait` or a `timer`)?
    pub fn parks(self) -> bool {
        matches!(self, NodeKind::Wait | NodeKind::Timer)
    }

    /// Does the node go on along exactly one plain edge (`-> next`), or a
    /// task's `-> match`?
    pub fn has_one_successor(self) -> bool {
        self.is_task() || self.parks() || self == NodeKind::Join
    }

    /// Does the node open a region of concurrent branches?
    pub fn is_split(self) -> bool {
        matches!(self, NodeKind::And | NodeKind::Or)
    }
}

pub struct Edge<'a> {
    pub from: usize,
    /// The target as written.
    pub target: &'a Ident,
    /// The node it names, if one exists.
    pub to: Option<usize>,
    /// For a target that does not exist: the defined node with the closest
    /// name, if one is close enough to be a typo. Graph checks follow it, so
    /// a typo does not also make its intended target look unreachable.
    pub suggestion: Option<usize>,
    pub kind: EdgeKind<'a>,
}

/// Why an edge is taken.
#[derive(Clone, Copy)]
pub enum EdgeKind<'a> {
    /// `-> next`
    Next,
    /// A branch of an `and` split.
    Branch,
    /// An `xor` or `or` branch with its condition.
    When(&'a Expr),
    /// An `xor`'s or `or`'s `else` branch.
    Else,
    /// An arm of a task's `-> match { ... }`.
    Arm(&'a MatchArm),
    /// A task's `on error -> handler` route.
    OnError,
    /// A wait's `timeout 48h -> escalate` route.
    Timeout,
}

impl EdgeKind<'_> {
    /// A short name of the kind, for the shape hash.
    pub fn keyword(self) -> &'static str {
        match self {
            EdgeKind::Next => "next",
            EdgeKind::Branch => "branch",
            EdgeKind::When(_) => "when",
            EdgeKind::Else => "else",
            EdgeKind::Arm(_) => "arm",
            EdgeKind::OnError => "error",
            EdgeKind::Timeout => "timeout",
        }
    }
}

impl<'a> Model<'a> {
    pub fn build(def: &'a FlowDef) -> Self {
        let mut by_name = BTreeMap::new();
        let nodes: Vec<Node> = def
            .statements
            .iter()
            .enumerate()
            .map(|(index, stmt)| {
                by_name.entry(name_key(stmt.name())).or_insert(index);
                Node {
                    name: stmt.name(),
                    kind: kind_of(stmt),
                    stmt,
                    out: Vec::new(),
                }
            })
            .collect();
        let mut model = Model {
            def,
            nodes,
            edges: Vec::new(),
            by_name,
        };
        for (from, stmt) in def.statements.iter().enumerate() {
            for (target, kind) in written_edges(stmt) {
                let to = model.by_name.get(&name_key(target)).copied();
                let suggestion = match to {
                    Some(_) => None,
                    None if model.is_broken(target) => None,
                    None => model
                        .closest_name(&name_key(target))
                        .map(|name| model.by_name[name]),
                };
                model.nodes[from].out.push(model.edges.len());
                model.edges.push(Edge {
                    from,
                    target,
                    to,
                    kind,
                    suggestion,
                });
            }
        }
        model
    }

    /// The edges leaving `node`, in source order.
    pub fn out_edges(&self, node: usize) -> impl Iterator<Item = &Edge<'a>> {
        self.nodes[node].out.iter().map(|&edge| &self.edges[edge])
    }

    /// The nodes `node` leads to: resolved edges, and misspelt ones to the
    /// node they were most likely meant for.
    pub fn successors(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.out_edges(node)
            .filter_map(|edge| edge.to.or(edge.suggestion))
    }

    /// The defined name closest to `wanted`, if it is close enough to be a typo.
    pub fn closest_name(&self, wanted: &str) -> Option<&str> {
        self.by_name
            .keys()
            .map(|name| (strsim::normalized_damerau_levenshtein(wanted, name), name))
            .filter(|(similarity, _)| *similarity >= 0.6)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, name)| name.as_str())
    }

    /// Does `node` have an edge whose target does not exist? Graph checks
    /// give such a node the benefit of the doubt, so one misspelt name is
    /// reported once, not again as a dead end.
    pub fn has_unresolved_edge(&self, node: usize) -> bool {
        self.out_edges(node).any(|edge| edge.to.is_none())
    }

    /// Does `node` lack the plain successor it needs (`-> next`, or a
    /// task's `-> match`)? `successors` reports it; other passes treat the
    /// node as able to finish, so the mistake is reported once.
    pub fn lacks_successor(&self, node: usize) -> bool {
        self.nodes[node].kind.has_one_successor()
            && !self
                .out_edges(node)
                .any(|edge| matches!(edge.kind, EdgeKind::Next | EdgeKind::Arm(_)))
    }

    /// The node a plain `-> next` edge out of `node` leads to: the first
    /// one, resolved.
    pub fn next_of(&self, node: usize) -> Option<usize> {
        self.out_edges(node)
            .find(|edge| matches!(edge.kind, EdgeKind::Next))
            .and_then(|edge| edge.to)
    }

    /// Is `name` the name of a statement that failed to parse? Edges to it
    /// are not reported again.
    pub fn is_broken(&self, name: &Ident) -> bool {
        let key = name_key(name);
        self.def
            .broken
            .iter()
            .any(|broken| name_key(&broken.name) == key)
    }

    /// Did any statement fail to parse? Whole-graph checks (reachability,
    /// termination) are then skipped: the edges of the broken statements are
    /// unknown, so their verdicts would be guesses.
    pub fn is_incomplete(&self) -> bool {
        !self.def.broken.is_empty()
    }

    /// The span that stands for the whole flow: its name.
    pub fn flow_span(&self) -> Span {
        self.def.name.span()
    }
}

/// Node names compare without a raw prefix: `r#type` and `type` are one name.
pub fn name_key(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
}

fn kind_of(stmt: &Statement) -> NodeKind {
    match stmt {
        Statement::Start(_) => NodeKind::Start,
        Statement::End(_) => NodeKind::End,
        Statement::Task(task) if task.sub_flow.is_some() => NodeKind::SubFlow,
        Statement::Task(_) => NodeKind::Task,
        Statement::Xor(_) => NodeKind::Xor,
        Statement::Or(_) => NodeKind::Or,
        Statement::And(_) => NodeKind::And,
        Statement::Join(_) => NodeKind::Join,
        Statement::Wait(_) => NodeKind::Wait,
        Statement::Timer(_) => NodeKind::Timer,
    }
}

fn written_edges(stmt: &Statement) -> Vec<(&Ident, EdgeKind<'_>)> {
    fn plain(edges: &[Ident]) -> Vec<(&Ident, EdgeKind<'_>)> {
        edges
            .iter()
            .map(|target| (target, EdgeKind::Next))
            .collect()
    }
    match stmt {
        Statement::Start(start) => plain(&start.edges),
        Statement::End(end) | Statement::Join(end) => plain(&end.edges),
        Statement::And(split) => split
            .edges
            .iter()
            .map(|target| (target, EdgeKind::Branch))
            .collect(),
        Statement::Task(task) => {
            let mut edges = match &task.route {
                Route::Edges(edges) => plain(edges),
                Route::Match { arms, .. } => arms
                    .iter()
                    .map(|arm| (&arm.target, EdgeKind::Arm(arm)))
                    .collect(),
            };
            if let Some(on_error) = &task.clauses.on_error {
                edges.push((&on_error.target, EdgeKind::OnError));
            }
            edges
        }
        Statement::Wait(wait) => {
            let mut edges = plain(&wait.edges);
            if let Some(timeout) = &wait.timeout {
                edges.push((&timeout.target, EdgeKind::Timeout));
            }
            // Reported as misplaced; followed so its target is not also
            // unreachable.
            edges.extend(
                wait.misplaced_routes
                    .iter()
                    .map(|target| (target, EdgeKind::OnError)),
            );
            edges
        }
        Statement::Timer(timer) => plain(&timer.edges),
        Statement::Xor(gateway) | Statement::Or(gateway) => gateway
            .branches
            .iter()
            .map(|branch| {
                let kind = match &branch.condition {
                    Condition::When(condition) => EdgeKind::When(condition),
                    Condition::Else(_) => EdgeKind::Else,
                };
                (&branch.target, kind)
            })
            .collect(),
    }
}

/// The enum variant a node becomes: `check_stock` becomes `CheckStock`.
/// Some names make no valid variant (`__`, `_1`, `self_`); see
/// [`variant_problem`]. They are reported, and get a `Node` prefix here so
/// that the fallback output stays valid Rust.
pub fn variant_name(ident: &Ident) -> String {
    let camel = camel_case(ident);
    match variant_problem(ident) {
        Some(_) => format!("Node{camel}"),
        None => camel,
    }
}

/// Why a node's name makes no valid enum variant, if it does not.
pub fn variant_problem(ident: &Ident) -> Option<&'static str> {
    let camel = camel_case(ident);
    if camel.is_empty() {
        Some("it has no letters or digits besides underscores")
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        Some("it would start with a digit")
    } else if camel == "Self" {
        Some("`Self` is a keyword")
    } else {
        None
    }
}

fn camel_case(ident: &Ident) -> String {
    name_key(ident)
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

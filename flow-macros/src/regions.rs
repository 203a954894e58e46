//! Parallel regions: which `join` closes each `and` / `or` split, and which
//! nodes each of its branches runs.
//!
//! A region is sound (workflow-net soundness, DESIGN §3) when every branch of
//! the split ends at one and the same `join`, no two branches share a node,
//! nothing enters a branch except through its split, and no branch reaches an
//! `end` or its own split on the way. Then the join receives exactly one
//! token per started branch, and generated code can run each branch as its
//! own future and wait for all of them at the join.
//!
//! The analysis is structural: a split nested in a branch is analysed first,
//! and the outer branch steps from the nested split straight to the nested
//! join. [`analyse`] returns the regions it could prove sound and, for the
//! others, one error on the offending node naming the path that breaks it.

use crate::model::{Edge, Model, NodeKind};
use proc_macro2::Span;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One sound split-join region.
pub struct Region {
    pub join: usize,
    /// One per edge out of the split, in source order.
    pub branches: Vec<Branch>,
}

/// One branch of a region.
pub struct Branch {
    /// The node the split's edge leads to (the join itself for an empty branch).
    pub head: usize,
    /// The nodes the branch runs, in discovery order: tasks, gateways,
    /// nested splits and their joins; not the nodes inside nested regions,
    /// and not the region's own join.
    pub nodes: Vec<usize>,
}

/// The result of [`analyse`].
#[derive(Default)]
pub struct Regions {
    /// Sound regions by split.
    pub by_split: BTreeMap<usize, Region>,
    pub errors: Vec<(Span, String)>,
}

impl Regions {
    /// The nodes run by some branch (directly or inside a nested region):
    /// everything the instance's main loop does not visit itself.
    pub fn branch_nodes(&self) -> BTreeSet<usize> {
        self.by_split
            .values()
            .flat_map(|region| region.branches.iter())
            .flat_map(|branch| branch.nodes.iter().copied())
            .collect()
    }
}

/// Finds the region of every split, or why it has none.
pub fn analyse(model: &Model) -> Regions {
    let mut analysis = Analysis {
        model,
        done: BTreeMap::new(),
        in_progress: BTreeSet::new(),
        closed_by: BTreeMap::new(),
        touched_joins: BTreeSet::new(),
        regions: Regions::default(),
    };
    if model.is_incomplete() {
        return analysis.regions; // a statement did not parse: its edges are unknown
    }
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind.is_split() {
            analysis.region(index);
        }
    }
    analysis.orphan_joins();
    analysis.regions
}

struct Analysis<'m, 'a> {
    model: &'m Model<'a>,
    /// Splits analysed so far: `true` if sound.
    done: BTreeMap<usize, bool>,
    in_progress: BTreeSet<usize>,
    /// Join to the split it closes.
    closed_by: BTreeMap<usize, usize>,
    /// Joins some branch reached, sound or not: not reported as orphans.
    touched_joins: BTreeSet<usize>,
    regions: Regions,
}

/// What exploring one branch found.
struct Explored {
    nodes: Vec<usize>,
    /// Each join reached, with the path to it.
    joins: Vec<(usize, Vec<usize>)>,
    /// The node each node was first reached from, for paths.
    parent: BTreeMap<usize, usize>,
    sound: bool,
    /// Errors of this branch alone (an `end` or the split reached before a
    /// `join`), reported only when no node merges branches: a merge is the
    /// root cause of both, and is reported instead.
    pending: Vec<(Span, String)>,
}

impl Analysis<'_, '_> {
    fn error(&mut self, span: Span, message: String) {
        self.regions.errors.push((span, message));
    }

    fn name(&self, node: usize) -> String {
        self.model.nodes[node].name.to_string()
    }

    fn path_text(&self, path: &[usize]) -> String {
        let names: Vec<String> = path.iter().map(|&n| self.name(n)).collect();
        format!("`{}`", names.join(" -> "))
    }

    fn split_kind(&self, split: usize) -> &'static str {
        match self.model.nodes[split].kind {
            NodeKind::And => "parallel split",
            _ => "inclusive split",
        }
    }

    /// Analyses `split` once; `true` if its region is sound.
    fn region(&mut self, split: usize) -> bool {
        if let Some(&sound) = self.done.get(&split) {
            return sound;
        }
        if !self.in_progress.insert(split) {
            return false; // reached from its own branch; reported there
        }
        let sound = self.analyse_split(split);
        self.in_progress.remove(&split);
        self.done.insert(split, sound);
        sound
    }

    fn analyse_split(&mut self, split: usize) -> bool {
        let model = self.model;
        let heads: Vec<&Edge> = model.out_edges(split).collect();
        // A branch listed twice is reported as such, not as a merge.
        let shape_ok = self.split_has_branches(split, &heads);
        let mut sound = shape_ok;
        let mut explored = Vec::new();
        for edge in &heads {
            let Some(head) = edge.to.or(edge.suggestion) else {
                sound = false;
                continue;
            };
            let branch = self.explore(split, head, edge);
            sound &= branch.sound;
            explored.push((head, branch));
        }
        // Branches that merge at a node that is not a `join` and then run
        // on to an `end` (or back to the split) break both rules; the merge
        // is the cause, so it alone is reported.
        if shape_ok && !self.branches_disjoint(split, &explored) {
            return false;
        }
        // Two branches reaching the same `end` report the same edge once.
        let mut reported = BTreeSet::new();
        for (_, branch) in &mut explored {
            for (span, message) in std::mem::take(&mut branch.pending) {
                if reported.insert(message.clone()) {
                    self.error(span, message);
                }
            }
        }
        if !sound {
            return false;
        }
        let Some(join) = self.one_join(split, &explored) else {
            return false;
        };
        // A join some other split also reaches has a predecessor outside
        // this region, so it is reported just below.
        if !self.entered_only_through_split(split, join, &explored) {
            return false;
        }
        self.closed_by.insert(join, split);
        let branches = explored
            .into_iter()
            .map(|(head, branch)| Branch {
                head,
                nodes: branch.nodes,
            })
            .collect();
        self.regions
            .by_split
            .insert(split, Region { join, branches });
        true
    }

    /// At least two branches, none listed twice.
    fn split_has_branches(&mut self, split: usize, heads: &[&Edge]) -> bool {
        let mut sound = true;
        if heads.len() < 2 {
            self.error(
                self.model.nodes[split].name.span(),
                format!(
                    "{} `{}` has {} branch; a split needs two or more branches, for one use a plain edge",
                    self.split_kind(split),
                    self.name(split),
                    heads.len()
                ),
            );
            sound = false;
        }
        let mut seen = BTreeSet::new();
        for edge in heads {
            if let Some(to) = edge.to
                && !seen.insert(to)
            {
                self.error(
                    edge.target.span(),
                    format!(
                        "`{}` is already a branch of `{}`; each branch is started once",
                        edge.target,
                        self.name(split)
                    ),
                );
                sound = false;
            }
        }
        sound
    }

    /// Walks one branch from `head` up to the join(s) it reaches.
    fn explore(&mut self, split: usize, head: usize, edge: &Edge) -> Explored {
        let model = self.model;
        let mut branch = Explored {
            nodes: Vec::new(),
            joins: Vec::new(),
            parent: BTreeMap::from([(head, split)]),
            sound: true,
            pending: Vec::new(),
        };
        let mut queue = VecDeque::from([(head, edge.target.span())]);
        while let Some((node, arrived_by)) = queue.pop_front() {
            let path = || path_to(&branch.parent, split, node);
            if node == split {
                let path = self.path_text(&path());
                branch.pending.push((
                    arrived_by,
                    format!(
                        "a branch of {} `{}` leads back to `{}` before reaching a `join`: {path}; lead every branch to the split's `join`",
                        self.split_kind(split),
                        self.name(split),
                        self.name(split)
                    ),
                ));
                branch.sound = false;
                continue;
            }
            // The node whose edges the branch goes on along.
            let from = match model.nodes[node].kind {
                NodeKind::Join => {
                    self.touched_joins.insert(node);
                    branch.joins.push((node, path()));
                    continue;
                }
                NodeKind::End => {
                    let path = self.path_text(&path());
                    branch.pending.push((
                        arrived_by,
                        format!(
                            "a branch of {} `{}` reaches `end {}` before its `join`: {path}; the other branches would be left running, so lead it to the split's `join`",
                            self.split_kind(split),
                            self.name(split),
                            self.name(node)
                        ),
                    ));
                    branch.sound = false;
                    continue;
                }
                kind if kind.is_split() => {
                    branch.nodes.push(node);
                    if !self.region(node) {
                        branch.sound = false;
                        continue;
                    }
                    // Step over the nested region to its join.
                    let join = self.regions.by_split[&node].join;
                    branch.nodes.push(join);
                    branch.parent.entry(join).or_insert(node);
                    join
                }
                _ => {
                    branch.nodes.push(node);
                    node
                }
            };
            for edge in model.out_edges(from) {
                let Some(to) = edge.to.or(edge.suggestion) else {
                    continue;
                };
                if branch.parent.contains_key(&to) {
                    continue; // already on its way
                }
                branch.parent.insert(to, from);
                queue.push_back((to, edge.target.span()));
            }
        }
        branch
    }

    /// Every branch ends at the same single join; its index.
    fn one_join(&mut self, split: usize, explored: &[(usize, Explored)]) -> Option<usize> {
        let mut first: Option<&(usize, Vec<usize>)> = None;
        for (_, branch) in explored {
            for reached in &branch.joins {
                match first {
                    None => first = Some(reached),
                    Some(seen) if seen.0 == reached.0 => {}
                    Some(seen) => {
                        let message = format!(
                            "the branches of {} `{}` do not meet at one `join`: {} but {}; lead every branch to the same `join`",
                            self.split_kind(split),
                            self.name(split),
                            self.path_text(&seen.1),
                            self.path_text(&reached.1),
                        );
                        self.error(self.model.nodes[split].name.span(), message);
                        return None;
                    }
                }
            }
        }
        // A branch without any join loops forever; `termination` reports it.
        first.map(|(join, _)| *join)
    }

    /// No node is run by two branches: only a `join` may merge them.
    fn branches_disjoint(&mut self, split: usize, explored: &[(usize, Explored)]) -> bool {
        let mut owner: BTreeMap<usize, usize> = BTreeMap::new();
        for (index, (_, branch)) in explored.iter().enumerate() {
            for &node in &branch.nodes {
                let Some(&other) = owner.get(&node) else {
                    owner.insert(node, index);
                    continue;
                };
                let first = path_to(&explored[other].1.parent, split, node);
                let second = path_to(&branch.parent, split, node);
                let message = format!(
                    "`{}` is reached by two branches of {} `{}`, {} and {}, but is not a `join`: it would run once per branch; merge parallel branches with the split's `join`",
                    self.name(node),
                    self.split_kind(split),
                    self.name(split),
                    self.path_text(&first),
                    self.path_text(&second),
                );
                self.error(self.model.nodes[node].name.span(), message);
                return false;
            }
        }
        true
    }

    /// Nothing leads into a branch, or into the join, except from inside the
    /// region: otherwise the join would wait forever for branches that were
    /// never started.
    fn entered_only_through_split(
        &mut self,
        split: usize,
        join: usize,
        explored: &[(usize, Explored)],
    ) -> bool {
        let model = self.model;
        let mut inside: BTreeSet<usize> = BTreeSet::from([split]);
        for (_, branch) in explored {
            for &node in &branch.nodes {
                inside.insert(node);
                self.add_interior(node, &mut inside);
            }
        }
        let entered: Vec<usize> = explored
            .iter()
            .flat_map(|(_, branch)| branch.nodes.iter().copied())
            .chain([join])
            .collect();
        for edge in &model.edges {
            let Some(to) = edge.to.or(edge.suggestion) else {
                continue;
            };
            if !entered.contains(&to) || inside.contains(&edge.from) {
                continue;
            }
            let mut path =
                shortest_path(model, edge.from, split).unwrap_or_else(|| vec![edge.from]);
            path.push(to);
            let message = format!(
                "`join` `{}` could wait forever: {} reaches {} without passing its split `{}`, so the other branches would never arrive; lead into the branches only through `{}`",
                self.name(join),
                self.path_text(&path),
                if to == join {
                    "it".to_owned()
                } else {
                    format!("`{}`, a node of one of its branches,", self.name(to))
                },
                self.name(split),
                self.name(split),
            );
            self.error(model.nodes[join].name.span(), message);
            return false;
        }
        true
    }

    /// Adds the nodes inside the region `node` opens, if it is a split.
    fn add_interior(&self, node: usize, inside: &mut BTreeSet<usize>) {
        let Some(region) = self.regions.by_split.get(&node) else {
            return;
        };
        for branch in &region.branches {
            for &inner in &branch.nodes {
                if inside.insert(inner) {
                    self.add_interior(inner, inside);
                }
            }
        }
    }

    /// A join no sound split closes: an `xor`'s branches meeting at a `join`.
    fn orphan_joins(&mut self) {
        let model = self.model;
        let Some(start) = model.nodes.iter().position(|n| n.kind == NodeKind::Start) else {
            return;
        };
        for (index, node) in model.nodes.iter().enumerate() {
            if node.kind != NodeKind::Join
                || self.closed_by.contains_key(&index)
                || self.touched_joins.contains(&index)
            {
                continue;
            }
            let Some(path) = shortest_path_from(model, start, index, None) else {
                continue; // unreachable: reported by `reachability`
            };
            let message = format!(
                "`join` `{}` closes no `and` or `or` split, so it would wait for branches that were never started: {}; open the branches with a split, or lead them on without a `join`",
                node.name,
                self.path_text(&path),
            );
            self.error(node.name.span(), message);
        }
    }
}

/// The path from `split` to `node` through a branch's parent links.
fn path_to(parent: &BTreeMap<usize, usize>, split: usize, node: usize) -> Vec<usize> {
    let mut path = vec![node];
    let mut at = node;
    while let Some(&before) = parent.get(&at) {
        path.push(before);
        if before == split || path.len() > parent.len() + 1 {
            break;
        }
        at = before;
    }
    path.reverse();
    path
}

/// The shortest path from `start` to `to` that does not pass `avoid`.
fn shortest_path(model: &Model, to: usize, avoid: usize) -> Option<Vec<usize>> {
    let start = model.nodes.iter().position(|n| n.kind == NodeKind::Start)?;
    shortest_path_from(model, start, to, Some(avoid))
}

fn shortest_path_from(
    model: &Model,
    from: usize,
    to: usize,
    avoid: Option<usize>,
) -> Option<Vec<usize>> {
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(node) = queue.pop_front() {
        if node == to {
            let mut path = vec![to];
            let mut at = to;
            while let Some(&before) = parent.get(&at) {
                path.push(before);
                at = before;
            }
            path.reverse();
            return Some(path);
        }
        for next in model.successors(node) {
            if Some(next) == avoid || !seen.insert(next) {
                continue;
            }
            parent.insert(next, node);
            queue.push_back(next);
        }
    }
    None
}

//! Why an instance cannot run here, in words: the hashes, where the
//! instance is, and what changed between the definitions, as far as it is
//! known.

use super::registry::Registered;
use super::versions::{Migration, Version, Versions};
use crate::graph::{Graph, NodeKind};
use crate::store::StoredInstance;
use std::fmt::Write;

/// Why `stored` runs on no definition registered here: `versions` are its
/// flow's definitions.
pub(crate) fn no_definition(stored: &StoredInstance, versions: &Versions) -> String {
    let mut text = format!(
        "instance {} of `{}` was stored under graph hash {:016x}, which no definition here has",
        stored.id, stored.flow, stored.hash
    );
    let current = versions
        .current
        .and_then(|hash| match versions.by_hash.get(&hash) {
            Some(Version::Runs(def)) => Some(*def),
            _ => None,
        });
    let _ = write!(text, " ({})", registered(versions));
    match current {
        Some(current) => text.push_str(&compare(&stored.state, current)),
        None => text.push_str("; no definition of the flow is current here"),
    }
    text.push_str(
        ": keep the definition that stored it beside the new one (`register_old`) or register \
         a migration from it (`migrate`), then repair the instance (`Engine::repair`)",
    );
    text
}

/// Why migrating `stored` with `migration` failed, with what differs
/// between the two definitions.
pub(crate) fn migration_failed(
    stored: &StoredInstance,
    migration: &Migration,
    error: &str,
) -> String {
    let (old, new) = (migration.old, migration.new);
    format!(
        "migrating instance {} of `{}` from `{}` (graph hash {:016x}) to `{}` (graph hash \
         {:016x}) failed: {error}; {}: the instance is left as it was; fix the migration, then \
         repair the instance (`Engine::repair`)",
        stored.id,
        stored.flow,
        old.type_name,
        old.hash(),
        new.type_name,
        new.hash(),
        changes(old.graph, new.graph)
    )
}

/// What is registered for a flow, for a message.
fn registered(versions: &Versions) -> String {
    let mut all = Vec::new();
    for (hash, version) in &versions.by_hash {
        all.push(match version {
            Version::Runs(def) if versions.current == Some(*hash) => {
                format!(
                    "the current definition is `{}`, graph hash {hash:016x}",
                    def.type_name
                )
            }
            Version::Runs(def) => {
                format!(
                    "the old definition `{}` has graph hash {hash:016x}",
                    def.type_name
                )
            }
            Version::Migrates(migration) => format!(
                "a migration from `{}` reads graph hash {hash:016x}",
                migration.old.type_name
            ),
        });
    }
    all.join("; ")
}

/// Where the stored instance is, compared with `current`, and how many
/// nodes the definition that stored it had.
fn compare(state: &[u8], current: Registered) -> String {
    let value: serde_json::Value = match serde_json::from_slice(state) {
        Ok(value) => value,
        Err(error) => return format!("; its stored state does not decode either: {error}"),
    };
    let mut text = String::new();
    if let Some((doing, ident, kind)) = value.get("position").and_then(position) {
        let _ = write!(text, "; it {doing} ");
        match (current.node_of)(ident) {
            Some(index) => {
                let node = current.graph.nodes()[index];
                let fits = kind.is_none_or(|kind| {
                    kind == node.kind() || (kind.is_task() && node.kind().is_task())
                });
                let keyword = kind.map_or(String::new(), |kind| format!("{} ", kind.keyword()));
                let _ = write!(
                    text,
                    "`{keyword}{}`, which the current definition ",
                    node.name()
                );
                if fits {
                    text.push_str("has too");
                } else {
                    let _ = write!(text, "has as a `{}`", node.kind().keyword());
                }
            }
            None => {
                let keyword = kind.map_or(String::new(), |kind| format!("{} ", kind.keyword()));
                let _ = write!(
                    text,
                    "`{keyword}{}`, which the current definition does not have",
                    snake(ident)
                );
            }
        }
    }
    let completed = value.get("saga").and_then(|saga| saga.as_array());
    let missing: Vec<String> = completed
        .into_iter()
        .flatten()
        .filter_map(|done| done.get("node")?.as_str())
        .filter(|ident| (current.node_of)(ident).is_none())
        .map(|ident| format!("`{}`", snake(ident)))
        .collect();
    if !missing.is_empty() {
        let _ = write!(
            text,
            "; it completed {}, which the current definition does not have",
            missing.join(", ")
        );
    }
    if let Some(visits) = value.get("visits").and_then(|visits| visits.as_array()) {
        let _ = write!(
            text,
            "; the definition that stored it had {} nodes, the current one has {}",
            visits.len(),
            current.graph.nodes().len()
        );
    }
    text
}

/// What a stored position says: what the instance does there, the stored
/// form of its node, and the kind that node must be to go on there.
fn position(position: &serde_json::Value) -> Option<(&'static str, &str, Option<NodeKind>)> {
    let (variant, inner) = position.as_object()?.iter().next()?;
    let field = |name: &str| inner.get(name).and_then(|node| node.as_str());
    Some(match variant.as_str() {
        "Enter" => ("is about to enter", inner.as_str()?, None),
        "Retry" => ("is to retry", field("node")?, Some(NodeKind::Task)),
        "Waiting" => ("is parked at", field("node")?, Some(NodeKind::Wait)),
        "Sleeping" => ("is parked at", field("node")?, Some(NodeKind::Timer)),
        "SubFlow" => (
            "waits for its sub-flow at",
            field("node")?,
            Some(NodeKind::SubFlow),
        ),
        "Compensating" => ("is compensating, stopped at", field("at")?, None),
        _ => return None,
    })
}

/// The nodes `new` adds, removes and changes the kind of, against `old`.
pub(crate) fn changes(old: &Graph, new: &Graph) -> String {
    let names = |graph: &Graph| {
        graph
            .nodes()
            .iter()
            .map(|node| node.name())
            .collect::<Vec<_>>()
    };
    let (before, after) = (names(old), names(new));
    let quote = |all: Vec<&str>| {
        let all: Vec<String> = all.into_iter().map(|name| format!("`{name}`")).collect();
        if all.is_empty() {
            "nothing".to_owned()
        } else {
            all.join(", ")
        }
    };
    let added = after
        .iter()
        .copied()
        .filter(|name| !before.contains(name))
        .collect();
    let removed = before
        .iter()
        .copied()
        .filter(|name| !after.contains(name))
        .collect();
    let mut text = format!(
        "the new definition adds {} and removes {}",
        quote(added),
        quote(removed)
    );
    for node in old.nodes() {
        if let Some(index) = new.index_of(node.name()) {
            let kind = new.nodes()[index].kind();
            if kind != node.kind() {
                let _ = write!(
                    text,
                    "; `{}` was a `{}` and is a `{}`",
                    node.name(),
                    node.kind().keyword(),
                    kind.keyword()
                );
            }
        }
    }
    text
}

/// A node's name from its stored form, for a node no registered definition
/// has: `CoolOff` is `cool_off`.
fn snake(ident: &str) -> String {
    let mut name = String::with_capacity(ident.len() + 4);
    for (index, c) in ident.chars().enumerate() {
        if c.is_uppercase() {
            if index > 0 {
                name.push('_');
            }
            name.extend(c.to_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::snake;

    #[test]
    fn a_stored_node_reads_back_as_its_name() {
        assert_eq!(snake("CoolOff"), "cool_off");
        assert_eq!(snake("Go"), "go");
        assert_eq!(snake("Step2"), "step2");
    }
}

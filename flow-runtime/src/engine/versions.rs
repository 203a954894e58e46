//! The definitions an engine runs, by flow name and graph hash: each
//! flow's current definition (new instances start on it), the old ones kept
//! beside it for the instances they stored, and the migrations that move a
//! stored instance from one hash to another.

use super::registry::{Durable, Registered};
use crate::attempt::panic_message;
use crate::migrate::MigrationError;
use crate::state::InstanceState;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Every registered definition of every flow.
#[derive(Default)]
pub(crate) struct Flows {
    by_name: HashMap<&'static str, Versions>,
}

/// The definitions of one flow.
#[derive(Default)]
pub(crate) struct Versions {
    /// The hash of the current definition.
    pub(crate) current: Option<u64>,
    pub(crate) by_hash: BTreeMap<u64, Version>,
}

/// What the engine does with an instance stored under one hash.
#[derive(Clone)]
pub(crate) enum Version {
    /// Runs it on this definition: the current one, or an old one kept.
    Runs(Registered),
    /// Migrates it to another hash first.
    Migrates(Migration),
}

/// A migration from one definition of a flow to another.
#[derive(Clone)]
pub(crate) struct Migration {
    /// The definition it migrates from: it reads the stored state.
    pub(crate) old: Registered,
    /// The definition it migrates to.
    pub(crate) new: Registered,
    apply: Arc<ErasedMigration>,
}

/// Stored state of a migration's old definition to stored state of its new
/// one, or why not.
type ErasedMigration = dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync;

impl Migration {
    pub(crate) fn apply(&self, state: &[u8]) -> Result<Vec<u8>, String> {
        (self.apply)(state)
    }
}

/// How an engine gets an instance stored under some hash running.
#[derive(Clone)]
pub(crate) struct Plan {
    /// The migrations to apply, in order (none if it runs as stored).
    pub(crate) migrations: Vec<Migration>,
    /// The definition it then runs on.
    pub(crate) target: Registered,
}

impl Flows {
    /// Registers `F` as its flow's current definition.
    pub(crate) fn register_current<F: Durable>(&mut self) {
        let def = Registered::of::<F>();
        let versions = self.by_name.entry(def.graph.name()).or_default();
        if versions.current != Some(def.hash()) && versions.by_hash.contains_key(&def.hash()) {
            panic!(
                "`{}` is registered both as the current definition of flow `{}` and as an old \
                 one (or a migration's source): register it once",
                def.type_name,
                def.graph.name()
            );
        }
        if let Some(current) = versions.current
            && current != def.hash()
        {
            let Some(Version::Runs(other)) = versions.by_hash.get(&current) else {
                unreachable!("the current hash always has its definition")
            };
            panic!(
                "flow `{name}` has two current definitions, `{other}` (graph hash {current:016x}) \
                 and `{this}` (graph hash {hash:016x}): register the new one with `register` and \
                 keep the old one for its stored instances with `register_old`",
                name = def.graph.name(),
                other = other.type_name,
                this = def.type_name,
                hash = def.hash(),
            );
        }
        versions.add(Version::Runs(def), "the current definition");
        versions.current = Some(def.hash());
    }

    /// Registers `F` as an old definition: it runs the instances stored
    /// under its hash; none starts on it.
    pub(crate) fn register_old<F: Durable>(&mut self) {
        let def = Registered::of::<F>();
        let versions = self.by_name.entry(def.graph.name()).or_default();
        if versions.current == Some(def.hash()) {
            panic!(
                "`{}` is registered both as the current definition of flow `{}` and as an old \
                 one: register it once",
                def.type_name,
                def.graph.name()
            );
        }
        versions.add(Version::Runs(def), "an old definition");
    }

    /// Registers a migration from `Old`'s hash to `New`'s.
    pub(crate) fn register_migration<Old: Durable, New: Durable>(
        &mut self,
        migrate: impl Fn(InstanceState<Old>) -> Result<InstanceState<New>, MigrationError>
        + Send
        + Sync
        + 'static,
    ) {
        let (old, new) = (Registered::of::<Old>(), Registered::of::<New>());
        if old.graph.name() != new.graph.name() {
            panic!(
                "a migration from `{}` to `{}` changes the flow's name (`{}` to `{}`): a migration \
                 moves instances between definitions of one flow",
                old.type_name,
                new.type_name,
                old.graph.name(),
                new.graph.name()
            );
        }
        if old.hash() == new.hash() {
            panic!(
                "a migration from `{}` to `{}` joins two definitions with one graph hash \
                 ({:016x}): their instances need no migration",
                old.type_name,
                new.type_name,
                old.hash()
            );
        }
        let apply = move |state: &[u8]| -> Result<Vec<u8>, String> {
            let stored: InstanceState<Old> = serde_json::from_slice(state).map_err(|error| {
                format!(
                    "its stored state does not decode as `{}`: {error}",
                    old.type_name
                )
            })?;
            let id = stored.id;
            let migrated = catch_unwind(AssertUnwindSafe(|| migrate(stored)))
                .map_err(|panic| format!("the migration panicked: {}", panic_message(&*panic)))?
                .map_err(|error| format!("the migration failed: {error}"))?;
            if migrated.id != id {
                return Err(format!(
                    "the migration changed the instance's id to {}",
                    migrated.id
                ));
            }
            serde_json::to_vec(&migrated)
                .map_err(|error| format!("the migrated state does not encode: {error}"))
        };
        let migration = Migration {
            old,
            new,
            apply: Arc::new(apply),
        };
        let versions = self.by_name.entry(old.graph.name()).or_default();
        versions.add(Version::Migrates(migration), "a migration source");
    }

    /// Checks that every migration leads, directly or through others, to a
    /// definition that runs: the engine could not run what it migrates
    /// otherwise.
    ///
    /// # Panics
    ///
    /// When one does not.
    pub(crate) fn check(&self) {
        for versions in self.by_name.values() {
            for hash in versions.by_hash.keys() {
                if let Some(Err(problem)) = versions.plan(*hash) {
                    panic!("{problem}");
                }
            }
        }
    }

    /// Every definition that runs instances: current and old ones.
    pub(crate) fn running(&self) -> impl Iterator<Item = &Registered> {
        let mut all: Vec<&Registered> = self
            .by_name
            .values()
            .flat_map(|versions| versions.by_hash.values())
            .filter_map(|version| match version {
                Version::Runs(def) => Some(def),
                Version::Migrates(_) => None,
            })
            .collect();
        // In a stable order, so a panic names the same problem every time.
        all.sort_by_key(|def| (def.graph.name(), def.hash()));
        all.into_iter()
    }

    /// The definition that reads instances of `name` stored under `hash`:
    /// the one that runs them, or the source of the migration that moves
    /// them on.
    pub(crate) fn reading(&self, name: &str, hash: u64) -> Option<Registered> {
        match self.by_name.get(name)?.by_hash.get(&hash)? {
            Version::Runs(def) => Some(*def),
            Version::Migrates(migration) => Some(migration.old),
        }
    }

    /// The definitions of the flow `name`, if it has any.
    pub(crate) fn get(&self, name: &str) -> Option<&Versions> {
        self.by_name.get(name)
    }

    /// The current definition of the flow `name`.
    pub(crate) fn current(&self, name: &str) -> Option<Registered> {
        let versions = self.by_name.get(name)?;
        match versions.by_hash.get(&versions.current?)? {
            Version::Runs(def) => Some(*def),
            Version::Migrates(_) => None,
        }
    }
}

impl Versions {
    fn add(&mut self, version: Version, role: &str) {
        let (hash, new_name) = match &version {
            Version::Runs(def) => (def.hash(), def.type_name),
            Version::Migrates(migration) => (migration.old.hash(), migration.old.type_name),
        };
        let Some(existing) = self.by_hash.get(&hash) else {
            self.by_hash.insert(hash, version);
            return;
        };
        let same = matches!(
            (existing, &version),
            (Version::Runs(a), Version::Runs(b)) if a.type_name == b.type_name
        );
        if same {
            return; // the same definition registered twice: nothing new
        }
        let what = match existing {
            Version::Runs(def) => format!("`{}` runs them", def.type_name),
            Version::Migrates(migration) => format!(
                "a migration from `{}` to `{}` moves them",
                migration.old.type_name, migration.new.type_name
            ),
        };
        panic!(
            "`{new_name}` is registered as {role} for the instances stored under graph hash \
             {hash:016x}, but {what}: an instance runs on one definition or migrates, not both"
        );
    }

    /// How an instance stored under `hash` runs here, or why it cannot;
    /// `None` if nothing is registered under `hash`.
    pub(crate) fn plan(&self, hash: u64) -> Option<Result<Plan, String>> {
        let mut migrations: Vec<Migration> = Vec::new();
        let mut at = hash;
        loop {
            match self.by_hash.get(&at) {
                Some(Version::Runs(target)) => {
                    return Some(Ok(Plan {
                        migrations,
                        target: *target,
                    }));
                }
                Some(Version::Migrates(migration)) => {
                    if migrations
                        .iter()
                        .any(|seen| seen.old.hash() == migration.new.hash())
                    {
                        return Some(Err(format!(
                            "the migrations from graph hash {hash:016x} go round in a circle \
                             (back to `{}`): register the definition they should end at",
                            migration.new.type_name
                        )));
                    }
                    at = migration.new.hash();
                    migrations.push(migration.clone());
                }
                None if migrations.is_empty() => return None,
                None => {
                    let last = &migrations[migrations.len() - 1];
                    return Some(Err(format!(
                        "the migration from `{}` leads to `{}` (graph hash {at:016x}), which is \
                         not registered: register it (`register` or `register_old`) or a \
                         migration from it",
                        last.old.type_name, last.new.type_name
                    )));
                }
            }
        }
    }
}

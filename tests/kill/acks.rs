//! The ack logs: what a child was told is durable, written down before it
//! acts on it. One file per child run (`acks-007.log`), one line per ack,
//! each line one `write(2)`; a kill can only cut a run's last line short,
//! and a line without its newline is not an ack.
//!
//! - `start <n> <id>`: `start_with_key` returned the instance's id;
//! - `signal <id> <visit>`: `signal_once` returned `Accepted` for the
//!   decision at that visit of the wait;
//! - `commit <id> <version> <events> <digest>`: the store answered a commit
//!   that took the instance to `version` with `events` journal events whose
//!   [`digest`] is `digest`;
//! - `crash <point>`: the child is about to SIGKILL itself at a named point.

use crate::plan::Point;
use flow_runtime::InstanceId;
use flow_runtime::store::Commit;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

static LOG: OnceLock<Mutex<File>> = OnceLock::new();

/// The ack log of child run `run`.
pub fn path(dir: &Path, run: u32) -> PathBuf {
    dir.join(format!("acks-{run:03}.log"))
}

/// Opens this child's ack log.
pub fn install(path: &Path) -> std::io::Result<()> {
    let file = File::options().create(true).append(true).open(path)?;
    if LOG.set(Mutex::new(file)).is_err() {
        crate::child::fatal("the ack log was opened twice");
    }
    Ok(())
}

fn write(line: String) {
    let Some(log) = LOG.get() else {
        crate::child::fatal("an ack before the ack log was opened");
    };
    let mut file = log.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(error) = file.write_all(line.as_bytes()) {
        crate::child::fatal(&format!("cannot write the ack log: {error}"));
    }
}

pub fn started(n: u32, id: InstanceId) {
    write(format!("start {n} {id}\n"));
}

pub fn signalled(id: InstanceId, visit: u32) {
    write(format!("signal {id} {visit}\n"));
}

/// A commit the store answered: the instance is now at `version + 1`.
pub fn committed(commit: &Commit) {
    write(format!(
        "commit {} {} {} {:016x}\n",
        commit.id,
        commit.version + 1,
        commit.events.len(),
        digest(&commit.events)
    ));
}

pub fn crash(point: Point) {
    write(format!("crash {}\n", point.name()));
}

/// A digest of a run of journal events (64-bit FNV-1a over each event's
/// length and bytes): stable, so the parent recomputes it from the store.
pub fn digest(events: &[Vec<u8>]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for event in events {
        for byte in (event.len() as u64).to_le_bytes().iter().chain(event) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// One ack, as the parent reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    Start {
        n: u32,
        id: InstanceId,
    },
    Signal {
        id: InstanceId,
        visit: u32,
    },
    Commit {
        id: InstanceId,
        version: u64,
        events: usize,
        digest: u64,
    },
    Crash {
        point: String,
    },
}

/// The acks of one run's log, in order. A last line cut short by the kill
/// is dropped; any other line that does not parse is an error.
pub fn read(path: &Path) -> Result<Vec<Ack>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    complete
        .lines()
        .enumerate()
        .map(|(index, line)| {
            parse(line).ok_or_else(|| {
                format!(
                    "{} line {}: `{line}` is not an ack",
                    path.display(),
                    index + 1
                )
            })
        })
        .collect()
}

fn parse(line: &str) -> Option<Ack> {
    let words: Vec<&str> = line.split(' ').collect();
    Some(match words.as_slice() {
        ["start", n, id] => Ack::Start {
            n: n.parse().ok()?,
            id: id.parse().ok()?,
        },
        ["signal", id, visit] => Ack::Signal {
            id: id.parse().ok()?,
            visit: visit.parse().ok()?,
        },
        ["commit", id, version, events, digest] => Ack::Commit {
            id: id.parse().ok()?,
            version: version.parse().ok()?,
            events: events.parse().ok()?,
            digest: u64::from_str_radix(digest, 16).ok()?,
        },
        ["crash", point] => Ack::Crash {
            point: (*point).to_owned(),
        },
        _ => return None,
    })
}

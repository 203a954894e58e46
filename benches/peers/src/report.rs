//! The workloads' rows, their figures and the markdown table.

use crate::Measure;
use crate::steps::CHAIN;

/// What a row is compared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The hand-written floor of the workload.
    Floor,
    /// `flow` itself.
    Flow,
    /// A peer crate.
    Peer,
}

/// How a workload's figures are shown.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    /// A chain's time per run divided by its steps.
    NsPerStep,
    /// Time per run.
    UsPerRun,
    /// Completed instances per second (the measure answers seconds per
    /// instance).
    InstancesPerSec,
}

/// A row's content.
pub enum Cell {
    /// Measured by this function.
    Measure(Measure),
    /// The library cannot express the workload; the text says why (shown
    /// under the table).
    Cannot(&'static str),
    /// Not measured for another reason; the text is shown in the row. Only
    /// a build without the `steno` feature has such rows.
    #[cfg_attr(feature = "steno", expect(dead_code))]
    Missing(&'static str),
}

/// One row: an implementation of a workload and its figures per pass.
pub struct Entry {
    name: &'static str,
    role: Role,
    cell: Cell,
    /// Seconds per repetition (per instance for [`Unit::InstancesPerSec`]).
    passes: [Option<f64>; 2],
}

impl Entry {
    /// A row not measured yet.
    pub fn new(name: &'static str, role: Role, cell: Cell) -> Self {
        Self {
            name,
            role,
            cell,
            passes: [None; 2],
        }
    }

    /// The better of the two passes.
    fn best(&self) -> Option<f64> {
        self.passes.iter().flatten().copied().reduce(f64::min)
    }
}

/// A workload and its rows.
pub struct Workload {
    /// The workload's name in the table (with its unit).
    pub name: &'static str,
    /// What the workload is, printed with the figures as they come.
    pub title: &'static str,
    pub unit: Unit,
    /// Run on the 2-worker multi-thread runtime instead of the current-thread
    /// one.
    pub multi_thread: bool,
    pub entries: Vec<Entry>,
}

impl Workload {
    /// Measures every row once for `pass` with `run` (which blocks on the
    /// workload's runtime) and prints each figure as it comes.
    pub fn measure(&mut self, pass: usize, mut run: impl FnMut(Measure) -> f64) {
        println!("-- {}", self.title);
        let unit = self.unit;
        for entry in &mut self.entries {
            if let Cell::Measure(measure) = entry.cell {
                let seconds = run(measure);
                entry.passes[pass] = Some(seconds);
                println!("   {:<40} {}", entry.name, show(unit, seconds));
            }
        }
    }

    /// A figure in the workload's unit.
    fn show(&self, seconds: f64) -> String {
        show(self.unit, seconds)
    }

    /// The ratio of `seconds` to `reference` as a cost: 2.0x is twice the
    /// time (half the throughput).
    fn ratio(seconds: f64, reference: Option<f64>) -> String {
        match reference {
            Some(reference) => match seconds / reference {
                ratio if ratio < 0.1 => format!("{ratio:.3}x"),
                ratio if ratio < 1.0 => format!("{ratio:.2}x"),
                ratio => format!("{ratio:.1}x"),
            },
            None => "—".to_owned(),
        }
    }
}

/// Prints one markdown table for all workloads, then what the dashes mean.
pub fn print_table(workloads: &[Workload]) {
    println!("| workload | implementation | pass 1 | pass 2 | vs hand-written | vs fastest peer |");
    println!("|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for workload in workloads {
        let floor = workload
            .entries
            .iter()
            .filter(|entry| entry.role == Role::Floor)
            .find_map(Entry::best);
        let fastest_peer = workload
            .entries
            .iter()
            .filter(|entry| entry.role == Role::Peer)
            .filter_map(Entry::best)
            .reduce(f64::min);
        for entry in &workload.entries {
            let (pass_1, pass_2, vs_floor, vs_peer) = match (&entry.cell, entry.best()) {
                (Cell::Measure(_), Some(best)) => {
                    let show = |pass: Option<f64>| pass.map_or("—".into(), |s| workload.show(s));
                    (
                        show(entry.passes[0]),
                        show(entry.passes[1]),
                        Workload::ratio(best, floor),
                        Workload::ratio(best, fastest_peer),
                    )
                }
                (Cell::Cannot(why), _) => {
                    notes.push(format!("{}, {}: {why}", entry.name, workload.name));
                    let dash = || "—".to_owned();
                    (dash(), dash(), dash(), dash())
                }
                (Cell::Missing(text), _) => {
                    (text.to_string(), text.to_string(), "—".into(), "—".into())
                }
                (Cell::Measure(_), None) => unreachable!("every row is measured before the table"),
            };
            println!(
                "| {} | {} | {pass_1} | {pass_2} | {vs_floor} | {vs_peer} |",
                workload.name, entry.name
            );
        }
    }
    if !notes.is_empty() {
        println!();
        for note in notes {
            println!("- — {note}");
        }
    }
}

/// A figure (seconds per repetition, or per instance) in `unit`.
fn show(unit: Unit, seconds: f64) -> String {
    match unit {
        Unit::NsPerStep => {
            let ns = seconds * 1e9 / f64::from(CHAIN);
            if ns < 100.0 {
                format!("{ns:.1} ns/step")
            } else {
                format!("{ns:.0} ns/step")
            }
        }
        Unit::UsPerRun => format!("{:.2} µs/run", seconds * 1e6),
        Unit::InstancesPerSec => format!("{:.0} k/s", 1e-3 / seconds),
    }
}

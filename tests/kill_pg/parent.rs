//! The parent: keeps three workers running on one schema, SIGKILLs random
//! ones at random moments and restarts them, SIGSTOPs a busy one past its
//! lease and SIGCONTs it, then lets three last workers finish every order
//! and checks the store, the acks, the ledgers and the refusal logs.

use crate::child::{APPROVE_ALL, DIR, INSTANCES, LEASE, SCHEMA, WORKER, WORKERS};
use crate::plan::{self, Plan, Point};
use crate::{CHILD, NAME, acks, pg, rejects, verify};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Orders in all.
pub const ORDERS: u32 = 510;
/// Worker processes at once.
const COUNT: u32 = 3;
/// Random SIGKILLs of a live worker, and at least this many before the
/// workers finish every order.
const RANDOM_KILLS: usize = 12;
const MIN_KILLS: usize = 8;
/// Between two kills.
const KILL_EVERY_MS: (u64, u64) = (100, 600);
/// Every this many restarts, the restarted worker gets a named crash point.
const NAMED_EVERY: usize = 3;
/// A stopped worker stays stopped this long: past its lease, so the others
/// take its instances over.
const STOP_FOR: Duration = Duration::from_millis(LEASE.as_millis() as u64 * 5 / 2);
/// Stops at most, until one of them gets a late commit refused.
const MAX_STOPS: usize = 6;
/// How long `pack` takes in the workers: long enough that a busy worker
/// stopped at a random moment is likely inside one.
const PACK_MS: &str = "FLOW_KILL_PACK_MS";
/// How long the last workers may take to finish every order.
const FINAL_DEADLINE: Duration = Duration::from_secs(300);

/// One SIGSTOP: the run stopped, and when it was continued (milliseconds
/// since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct Stop {
    pub run: u32,
    pub continued: u128,
}

/// What the parent did.
#[derive(Debug, Default)]
pub struct Kills {
    /// Worker runs, the last ones included.
    pub runs: u32,
    /// Random SIGKILLs that hit a live worker.
    pub random: usize,
    /// Named crash points given to restarted workers, and those reached.
    pub named: Vec<Plan>,
    pub named_reached: usize,
    pub stops: Vec<Stop>,
}

struct Worker {
    index: u32,
    run: u32,
    child: Option<Child>,
}

struct Parent {
    dir: PathBuf,
    schema: String,
    random: Random,
    kills: Kills,
    workers: Vec<Worker>,
    restarts: usize,
}

pub fn main() -> ExitCode {
    let clock = Instant::now();
    let Some(schema) = pg::Schema::new(NAME) else {
        return ExitCode::SUCCESS;
    };
    let seed = match std::env::var("FLOW_KILL_SEED") {
        Ok(seed) => match seed.parse() {
            Ok(seed) => seed,
            Err(_) => {
                eprintln!("kill test: FLOW_KILL_SEED=`{seed}` is not a number");
                return ExitCode::FAILURE;
            }
        },
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |since| since.as_nanos() as u64),
    };
    println!("postgres kill test: seed {seed} (FLOW_KILL_SEED={seed} replays these choices)");
    let dir = match tempfile::Builder::new()
        .prefix("kill-pg-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
    {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("kill test: no directory for the logs: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut parent = Parent {
        dir: dir.path().to_owned(),
        schema: schema.name.clone(),
        random: Random(seed),
        kills: Kills::default(),
        workers: Vec::new(),
        restarts: 0,
    };
    let outcome = parent
        .drive()
        .and_then(|()| verify::all(&schema, &parent.dir, ORDERS, &parent.kills));
    parent.end_all();
    match outcome {
        Ok(report) => {
            let kills = &parent.kills;
            println!(
                "postgres kill test passed in {:.1} s: {report}\n  {} worker runs ({COUNT} at a time), {} random SIGKILLs, {} named crash points given ({} reached), {} SIGSTOPs of {} ms",
                clock.elapsed().as_secs_f64(),
                kills.runs,
                kills.random,
                kills.named.len(),
                kills.named_reached,
                kills.stops.len(),
                STOP_FOR.as_millis(),
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            let kept = dir.keep();
            eprintln!(
                "postgres kill test FAILED after {:.1} s (seed {seed}): {problem}\nthe logs are kept in {}, the store in schema {}",
                clock.elapsed().as_secs_f64(),
                kept.display(),
                schema.name
            );
            // Kept for a look: not dropped.
            std::mem::forget(schema);
            ExitCode::FAILURE
        }
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

impl Parent {
    fn drive(&mut self) -> Result<(), String> {
        for index in 0..COUNT {
            let run = self.spawn(index, None, false)?;
            self.workers.push(Worker {
                index,
                run: run.0,
                child: Some(run.1),
            });
        }
        // Until the kills are done, or the workers finished every order; a
        // stop every few kills until one had a late commit refused (it
        // needs a step in flight, one that the others then run and commit).
        while self.kills.random < RANDOM_KILLS && !self.live().is_empty() {
            let wait = self.random.between(KILL_EVERY_MS.0, KILL_EVERY_MS.1);
            self.pause(Duration::from_millis(wait))?;
            self.kill_one()?;
            let due = self.kills.random.is_multiple_of(3) && self.kills.stops.len() < MAX_STOPS;
            if due && self.stopped_refusals()? == 0 {
                self.stop_one()?;
            }
        }
        if self.kills.random < MIN_KILLS {
            return Err(format!(
                "the workers finished every order after only {} random kills: raise ORDERS",
                self.kills.random
            ));
        }
        while self.stopped_refusals()? == 0 && self.kills.stops.len() < MAX_STOPS {
            self.pause(Duration::from_millis(300))?;
            if !self.stop_one()? {
                break;
            }
        }
        // The last workers finish everything.
        for slot in 0..self.workers.len() {
            self.end(slot);
            let (run, child) = self.spawn(self.workers[slot].index, None, true)?;
            self.workers[slot].run = run;
            self.workers[slot].child = Some(child);
        }
        let started = Instant::now();
        while self.workers.iter().any(|worker| worker.child.is_some()) {
            if started.elapsed() > FINAL_DEADLINE {
                return Err(format!(
                    "the last workers did not finish the {ORDERS} orders within {} s",
                    FINAL_DEADLINE.as_secs()
                ));
            }
            self.supervise(false)?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Starts a worker run; its number and process.
    fn spawn(
        &mut self,
        index: u32,
        plan: Option<Plan>,
        approve_all: bool,
    ) -> Result<(u32, Child), String> {
        self.kills.runs += 1;
        let run = self.kills.runs;
        let dir = run_dir(&self.dir, run);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let exe = std::env::current_exe().map_err(|e| format!("no test executable: {e}"))?;
        let mut command = Command::new(exe);
        command
            .env(CHILD, run.to_string())
            .env(DIR, &dir)
            .env(SCHEMA, &self.schema)
            .env(WORKER, index.to_string())
            .env(WORKERS, COUNT.to_string())
            .env(INSTANCES, ORDERS.to_string())
            .env(PACK_MS, "250")
            .env_remove(plan::VAR)
            .env_remove(APPROVE_ALL)
            .stdin(Stdio::null());
        if let Some(plan) = plan {
            command.env(plan::VAR, plan.to_env());
            self.kills.named.push(plan);
        }
        if approve_all {
            command.env(APPROVE_ALL, "1");
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start run {run}: {e}"))?;
        Ok((run, child))
    }

    /// Sleeps `time`, restarting any worker that died at its crash point.
    fn pause(&mut self, time: Duration) -> Result<(), String> {
        let until = Instant::now() + time;
        while Instant::now() < until {
            self.supervise(true)?;
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// Looks at every worker: one that killed itself at its crash point is
    /// restarted (if `restart`), one that finished its work is left be, one
    /// that failed fails the test.
    fn supervise(&mut self, restart: bool) -> Result<(), String> {
        for slot in 0..self.workers.len() {
            let Some(child) = self.workers[slot].child.as_mut() else {
                continue;
            };
            let Some(status) = child.try_wait().map_err(|e| e.to_string())? else {
                continue;
            };
            let run = self.workers[slot].run;
            self.workers[slot].child = None;
            if status.success() {
                continue;
            }
            if status.signal() != Some(libc::SIGKILL) {
                return Err(format!("worker run {run} failed: {status}"));
            }
            let crashed = acks::read(&acks::path(&run_dir(&self.dir, run), run))?
                .iter()
                .any(|ack| matches!(ack, acks::Ack::Crash { .. }));
            if !crashed {
                return Err(format!("worker run {run} died by a SIGKILL nobody sent"));
            }
            self.kills.named_reached += 1;
            println!("run {run}: killed itself at its crash point");
            if restart {
                let index = self.workers[slot].index;
                let (run, child) = self.spawn(index, None, false)?;
                self.workers[slot].run = run;
                self.workers[slot].child = Some(child);
            }
        }
        Ok(())
    }

    fn live(&self) -> Vec<usize> {
        (0..self.workers.len())
            .filter(|slot| self.workers[*slot].child.is_some())
            .collect()
    }

    /// SIGKILLs a random live worker and starts another in its place.
    fn kill_one(&mut self) -> Result<(), String> {
        let live = self.live();
        if live.is_empty() {
            return Ok(());
        }
        let slot = live[self.random.between(0, live.len() as u64 - 1) as usize];
        let run = self.workers[slot].run;
        let mut child = self.workers[slot].child.take().expect("a live worker");
        let killed = child.kill();
        let status = child.wait().map_err(|e| e.to_string())?;
        killed.map_err(|e| format!("killing run {run}: {e}"))?;
        if status.signal() == Some(libc::SIGKILL) {
            self.kills.random += 1;
            println!("run {run}: SIGKILL");
        } else if !status.success() {
            return Err(format!("worker run {run} failed before its kill: {status}"));
        }
        self.restarts += 1;
        let plan = self.restarts.is_multiple_of(NAMED_EVERY).then(|| {
            let point = [Point::BeforeCommit, Point::AfterCommit, Point::MidStep]
                [self.restarts / NAMED_EVERY % 3];
            Plan {
                point,
                at: self.random.between(1, 30) as u32,
            }
        });
        let index = self.workers[slot].index;
        let (run, child) = self.spawn(index, plan, false)?;
        self.workers[slot].run = run;
        self.workers[slot].child = Some(child);
        Ok(())
    }

    /// SIGSTOPs the busiest live worker past its lease, then SIGCONTs it;
    /// false if none is live.
    fn stop_one(&mut self) -> Result<bool, String> {
        let live = self.live();
        if live.is_empty() {
            return Ok(false);
        }
        // The busiest: the one whose ack log grew most in the last 200 ms
        // (it commits the most, so it has the most transitions in flight).
        let size = |parent: &Self, slot: usize| {
            let run = parent.workers[slot].run;
            let log = acks::path(&run_dir(&parent.dir, run), run);
            std::fs::metadata(log).map_or(0, |meta| meta.len())
        };
        let before: Vec<u64> = live.iter().map(|slot| size(self, *slot)).collect();
        self.pause(Duration::from_millis(200))?;
        let slot = live
            .iter()
            .zip(before)
            .filter(|(slot, _)| self.workers[**slot].child.is_some())
            .max_by_key(|(slot, before)| size(self, **slot).saturating_sub(*before))
            .map(|(slot, _)| *slot);
        let Some(slot) = slot else {
            return Ok(false);
        };
        let worker = &self.workers[slot];
        let pid = worker.child.as_ref().expect("a live worker").id() as libc::pid_t;
        // SAFETY: kill(2) on a child process of ours, with valid signals.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        std::thread::sleep(STOP_FOR);
        let continued = now_ms();
        unsafe { libc::kill(pid, libc::SIGCONT) };
        println!(
            "run {}: SIGSTOP for {} ms, then SIGCONT",
            worker.run,
            STOP_FOR.as_millis()
        );
        self.kills.stops.push(Stop {
            run: worker.run,
            continued,
        });
        // Its late commits come back refused in the moment after.
        self.pause(Duration::from_millis(1500))?;
        let run = self.kills.stops.last().map_or(0, |stop| stop.run);
        let refused = rejects::read(&rejects::path(&run_dir(&self.dir, run), run))?.len();
        println!("run {run}: {refused} late commits refused so far");
        Ok(true)
    }

    /// How many commits the stopped runs had refused so far.
    fn stopped_refusals(&self) -> Result<usize, String> {
        let mut refused = 0;
        for stop in &self.kills.stops {
            refused +=
                rejects::read(&rejects::path(&run_dir(&self.dir, stop.run), stop.run))?.len();
        }
        Ok(refused)
    }

    fn end(&mut self, slot: usize) {
        if let Some(mut child) = self.workers[slot].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn end_all(&mut self) {
        for slot in 0..self.workers.len() {
            self.end(slot);
        }
    }
}

/// The directory of worker run `run`.
pub fn run_dir(dir: &Path, run: u32) -> PathBuf {
    dir.join(format!("run-{run:03}"))
}

/// splitmix64: the test's choices, reproducible from the seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

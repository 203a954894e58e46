//! The parent: runs child after child on one directory, SIGKILLs them at
//! random moments or lets them kill themselves at named crash points, then
//! lets a last child finish every order and checks the files.
//!
//! Each run adds [`PER_RUN`] orders until there are [`ORDERS`], so every kill
//! finds orders at every stage: starting, waiting, sleeping, retrying, in the
//! region, compensating.

use crate::child::{APPROVE_ALL, DIR, INSTANCES};
use crate::plan::{self, Plan, Point};
use crate::{CHILD, acks, verify};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Orders in all.
pub const ORDERS: u32 = 500;
/// Orders each run adds.
const PER_RUN: u32 = 20;
/// Random kills that must hit a live child.
const RANDOM_KILLS: usize = 20;
/// A random kill comes this long after the child was started.
const KILL_AFTER_MS: (u64, u64) = (30, 900);
/// Every named crash point, at this run (one in four, from the third).
const NAMED_EVERY: u32 = 4;
/// Runs at most, before the last: a bound on the loop.
const MAX_RUNS: u32 = 60;
/// How long a child may take to reach its crash point.
const NAMED_DEADLINE: Duration = Duration::from_secs(60);
/// How long the last child may take to finish every order.
const FINAL_DEADLINE: Duration = Duration::from_secs(180);

/// What the kills did.
#[derive(Debug, Default)]
pub struct Kills {
    /// Child runs, the last included.
    pub runs: u32,
    /// Random SIGKILLs that hit a live child.
    pub random: usize,
    /// Children that had finished their orders before their random kill.
    pub missed: usize,
    /// The named crash points, each reached.
    pub named: Vec<Plan>,
}

pub fn main() -> ExitCode {
    let clock = Instant::now();
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
    println!("kill test: seed {seed} (FLOW_KILL_SEED={seed} replays these kill times)");
    let dir = match tempfile::Builder::new()
        .prefix("kill-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
    {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("kill test: no directory for the files: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = drive(dir.path(), seed)
        .and_then(|kills| verify::all(dir.path(), ORDERS, &kills).map(|report| (kills, report)));
    match outcome {
        Ok((kills, report)) => {
            println!(
                "kill test passed in {:.1} s: {report}\n  {} child runs, {} random SIGKILLs of a live child ({} children had finished first), named crash points {}",
                clock.elapsed().as_secs_f64(),
                kills.runs,
                kills.random,
                kills.missed,
                kills
                    .named
                    .iter()
                    .map(|plan| plan.to_env())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            let kept = dir.keep();
            eprintln!(
                "kill test FAILED after {:.1} s (seed {seed}): {problem}\nthe files are kept in {}",
                clock.elapsed().as_secs_f64(),
                kept.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// Every run but the checks: the killed ones, then the last.
fn drive(dir: &Path, seed: u64) -> Result<Kills, String> {
    let mut random = Random(seed);
    let mut kills = Kills::default();
    let mut named = Point::ALL.into_iter();
    let mut orders = 0;
    let mut run = 0;
    loop {
        let named_left = named.len() > 0;
        if kills.random >= RANDOM_KILLS && !named_left && orders == ORDERS {
            break;
        }
        if run >= MAX_RUNS {
            return Err(format!(
                "after {run} runs: only {} random kills hit a live child, {} named points of 5",
                kills.random,
                kills.named.len()
            ));
        }
        run += 1;
        orders = (orders + PER_RUN).min(ORDERS);
        let point = if run % NAMED_EVERY == 3 {
            named.next()
        } else {
            None
        };
        match point {
            Some(point) => {
                let plan = Plan {
                    point,
                    at: random.visit_of(point),
                };
                crash_at(dir, run, orders, plan)?;
                kills.named.push(plan);
            }
            None => kill_randomly(dir, run, orders, &mut random, &mut kills)?,
        }
    }
    run += 1;
    let mut last = spawn(dir, run, ORDERS, None, true)?;
    let status = wait(&mut last, FINAL_DEADLINE).map_err(|()| {
        format!(
            "the last run did not finish the {ORDERS} orders within {} s",
            FINAL_DEADLINE.as_secs()
        )
    })?;
    if !status.success() {
        return Err(format!("the last run failed: {status}"));
    }
    kills.runs = run;
    Ok(kills)
}

/// A run the parent SIGKILLs at a random moment.
fn kill_randomly(
    dir: &Path,
    run: u32,
    orders: u32,
    random: &mut Random,
    kills: &mut Kills,
) -> Result<(), String> {
    let after = Duration::from_millis(random.between(KILL_AFTER_MS.0, KILL_AFTER_MS.1));
    let mut child = spawn(dir, run, orders, None, false)?;
    let started = Instant::now();
    while started.elapsed() < after {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            if status.success() {
                println!("run {run}: {orders} orders, all finished before the kill");
                kills.missed += 1;
                return Ok(());
            }
            return Err(format!("run {run} failed before its kill: {status}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // `Child::kill` sends SIGKILL.
    child
        .kill()
        .map_err(|e| format!("killing run {run}: {e}"))?;
    let status = child.wait().map_err(|e| e.to_string())?;
    match status.signal() {
        Some(libc::SIGKILL) => {
            println!(
                "run {run}: {orders} orders, SIGKILL after {} ms",
                after.as_millis()
            );
            kills.random += 1;
            Ok(())
        }
        // It finished, or failed, in the moment before the kill.
        _ if status.success() => {
            kills.missed += 1;
            Ok(())
        }
        _ => Err(format!("run {run} failed before its kill: {status}")),
    }
}

/// A run that SIGKILLs itself at `plan`'s crash point.
fn crash_at(dir: &Path, run: u32, orders: u32, plan: Plan) -> Result<(), String> {
    let mut child = spawn(dir, run, orders, Some(plan), true)?;
    let name = plan.to_env();
    let status = wait(&mut child, NAMED_DEADLINE).map_err(|()| {
        format!(
            "run {run} did not reach crash point {name} within {} s",
            NAMED_DEADLINE.as_secs()
        )
    })?;
    if status.success() {
        return Err(format!(
            "run {run} finished its orders without reaching crash point {name}"
        ));
    }
    if status.signal() != Some(libc::SIGKILL) {
        return Err(format!("run {run} (crash point {name}) failed: {status}"));
    }
    let logged = acks::read(&acks::path(dir, run))?.contains(&acks::Ack::Crash {
        point: plan.point.name().to_owned(),
    });
    if !logged {
        return Err(format!(
            "run {run} died by SIGKILL, but not at crash point {name}"
        ));
    }
    println!("run {run}: {orders} orders, killed itself at {name}");
    Ok(())
}

/// Starts child run `run` with `orders` orders. Unless it is to
/// `approve_all`, it leaves some orders' decisions to the next run: they wait
/// across a kill.
fn spawn(
    dir: &Path,
    run: u32,
    orders: u32,
    plan: Option<Plan>,
    approve_all: bool,
) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("no test executable: {e}"))?;
    let mut command = Command::new(exe);
    command
        .env(CHILD, run.to_string())
        .env(DIR, dir)
        .env(INSTANCES, orders.to_string())
        .env_remove(plan::VAR)
        .env_remove(APPROVE_ALL)
        .stdin(Stdio::null());
    if let Some(plan) = plan {
        command.env(plan::VAR, plan.to_env());
    }
    if approve_all {
        command.env(APPROVE_ALL, "1");
    }
    command
        .spawn()
        .map_err(|e| format!("cannot start run {run}: {e}"))
}

/// Waits for the child to exit; past the deadline it is killed and `Err`.
fn wait(child: &mut Child, deadline: Duration) -> Result<ExitStatus, ()> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(());
            }
        }
    }
}

/// splitmix64: the kill times, reproducible from the seed.
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

    /// On which visit of `point` a child dies: late enough to be in the
    /// thick of the run, early enough that the run gets there.
    fn visit_of(&mut self, point: Point) -> u32 {
        let (low, high) = match point {
            Point::BeforeCommit | Point::AfterCommit => (10, 80),
            Point::MidStep | Point::MidRegion => (1, 6),
            Point::MidCompensation => (1, 2),
        };
        self.between(low, high) as u32
    }
}

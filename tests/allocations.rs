//! The in-memory sequential path allocates nothing per node: a run of a
//! ten-task chain makes exactly as many allocations as a run of a two-task
//! one, at every history level (the journal and the visit counters are
//! sized once per instance from the graph). Counted with a global
//! allocator that counts this thread's allocations.

use flow_runtime::prelude::*;
use flow_runtime::{History, Runner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// count is a thread-local `Cell` with a const initialiser, which neither
// allocates nor takes a lock.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Debug, Default)]
struct Counter {
    n: u32,
}

async fn bump(n: u32) -> Result<u32, Infallible> {
    Ok(n + 1)
}

flow! {
    flow Two(counter: Counter) {
        start -> s1;
        task s1 = bump(counter.n) => counter.n -> s2;
        task s2 = bump(counter.n) => counter.n -> done;
        end done;
    }
}

flow! {
    flow Ten(counter: Counter) {
        start -> s1;
        task s1 = bump(counter.n) => counter.n -> s2;
        task s2 = bump(counter.n) => counter.n -> s3;
        task s3 = bump(counter.n) => counter.n -> s4;
        task s4 = bump(counter.n) => counter.n -> s5;
        task s5 = bump(counter.n) => counter.n -> s6;
        task s6 = bump(counter.n) => counter.n -> s7;
        task s7 = bump(counter.n) => counter.n -> s8;
        task s8 = bump(counter.n) => counter.n -> s9;
        task s9 = bump(counter.n) => counter.n -> s10;
        task s10 = bump(counter.n) => counter.n -> even;
        xor even {
            counter.n.is_multiple_of(2) => done,
            else => odd,
        }
        end done;
        end odd;
    }
}

/// This thread's allocations during one run of `F`, after a first run
/// that warms up what is allocated once per process.
fn allocations<F: Flow<Context = Counter>>(
    runtime: &tokio::runtime::Runtime,
    runner: &Runner,
) -> u64 {
    let warm = runtime.block_on(runner.run::<F>(Counter::default()));
    assert!(warm.is_completed());
    drop(warm);
    let before = ALLOCATIONS.with(Cell::get);
    let outcome = runtime.block_on(runner.run::<F>(Counter::default()));
    let after = ALLOCATIONS.with(Cell::get);
    assert!(outcome.is_completed());
    after - before
}

#[test]
fn a_run_allocates_nothing_per_node_at_any_history_level() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for history in [History::Full, History::Path, History::Off] {
        let runner = Runner::new().history(history);
        let two = allocations::<Two>(&runtime, &runner);
        let ten = allocations::<Ten>(&runtime, &runner);
        assert_eq!(
            ten, two,
            "{history:?}: eight more tasks and a gateway allocated"
        );
        assert!(two > 0, "the count counts: the journal is one allocation");
        if history == History::Off {
            println!("allocations per run at {history:?}: {two}");
        }
    }
}

// The header may name the step info after the context; tasks and conditions
// then see the current invocation (node, iteration, ...).
use flow_runtime::prelude::*;

struct Job {
    seen: Vec<String>,
}

async fn record(seen: &mut Vec<String>, node: &str, iteration: u32) -> Result<(), String> {
    seen.push(format!("{node}#{iteration}"));
    Ok(())
}

flow! {
    flow Visits(job: Job, step: &Step) {
        start -> work;
        task work = record(&mut job.seen, step.node(), step.iteration()) -> again;
        xor again {
            step.iteration() < 2 => work,
            else => done,
        }
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(Visits::run(Job { seen: Vec::new() })).unwrap();
    assert_eq!(done.end, VisitsEnd::Done);
    assert_eq!(done.context.seen, ["work#1", "work#2"]);
    assert_eq!(done.path.to_string(), "start -> work -> again -> work -> again -> done");
}

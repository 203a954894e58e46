// A back edge through an `xor`: the loop has a way out, so the flow is sound.
use flow_runtime::prelude::*;

struct Job {
    attempts: u32,
    needed: u32,
}

async fn attempt(attempts: &mut u32) -> Result<(), String> {
    *attempts += 1;
    Ok(())
}

flow! {
    flow Retrying(job: Job) {
        start -> attempt;
        task attempt = attempt(&mut job.attempts) -> check;
        xor check {
            job.attempts < job.needed => attempt,
            else => done,
        }
        end done;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let done = runtime.block_on(Retrying::run(Job { attempts: 0, needed: 3 })).unwrap();
    assert_eq!(done.end, RetryingEnd::Done);
    assert_eq!(done.context.attempts, 3);
    assert_eq!(
        done.path.to_string(),
        "start -> attempt -> check -> attempt -> check -> attempt -> check -> done"
    );
}

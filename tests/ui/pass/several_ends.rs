// Each `end` is a variant of the generated `…End` enum, so callers match on
// how an instance finished and rustc checks they handled every end.
use flow_runtime::prelude::*;

struct Ticket {
    priority: u8,
}

flow! {
    flow Triage(ticket: Ticket) {
        start -> route;
        xor route {
            ticket.priority >= 3 => escalated,
            ticket.priority == 0 => closed,
            else => queued,
        }
        end escalated;
        end queued;
        end closed;
    }
}

fn describe(end: TriageEnd) -> &'static str {
    match end {
        TriageEnd::Escalated => "escalated",
        TriageEnd::Queued => "queued",
        TriageEnd::Closed => "closed",
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let end = |priority| runtime.block_on(Triage::run(Ticket { priority })).unwrap().end;

    assert_eq!(describe(end(5)), "escalated");
    assert_eq!(describe(end(1)), "queued");
    assert_eq!(describe(end(0)), "closed");
    assert_eq!(end(0).name(), "closed");
}

//! Every instance runs in a `flow` span, every node in a `step` span, every
//! attempt of a task in an `attempt` span, every branch in a `branch` span.

use flow_runtime::prelude::*;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A recorded span: `name{field=value,..}` and its parent's name.
type Recorded = (String, Option<String>);

/// Records each new span with its parent's name.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Recorded>>>);

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={:?}", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={}", field.name(), value));
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields(Vec::new());
        attrs.record(&mut fields);
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_owned());
        let described = format!("{}{{{}}}", attrs.metadata().name(), fields.0.join(","));
        self.0.lock().unwrap().push((described, parent));
    }
}

async fn ok(_: &u32) -> Result<(), std::convert::Infallible> {
    Ok(())
}

flow! {
    flow Traced(n: u32) {
        start -> work;
        task work = ok(&n) -> done;
        end done;
    }
}

#[test]
fn spans_per_instance_and_per_step() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let done = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(Traced::run(1))
    })
    .unwrap();
    let recorded = spans.0.lock().unwrap().clone();
    let instance = done.instance;
    assert_eq!(
        recorded,
        [
            (format!("flow{{flow=Traced,instance={instance}}}"), None),
            (
                "step{node=start,iteration=1}".to_owned(),
                Some("flow".to_owned())
            ),
            (
                "step{node=work,iteration=1}".to_owned(),
                Some("flow".to_owned())
            ),
            (
                "attempt{node=work,iteration=1,attempt=1}".to_owned(),
                Some("step".to_owned())
            ),
            (
                "step{node=done,iteration=1}".to_owned(),
                Some("flow".to_owned())
            ),
        ]
    );
}

async fn fetch(_: u32) -> Result<u32, std::convert::Infallible> {
    Ok(1)
}

#[derive(Default)]
struct Pair {
    a: u32,
    b: u32,
}

flow! {
    flow Branches(pair: Pair) {
        start -> split;
        and split -> a, b;
        task a = fetch(1) => pair.a -> joined;
        task b = fetch(2) => pair.b -> joined;
        join joined -> done;
        end done;
    }
}

#[test]
fn spans_per_branch_and_per_attempt_inside_a_branch() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(Branches::run(Pair::default()))
    })
    .unwrap();
    let recorded = spans.0.lock().unwrap().clone();
    let inside_split: Vec<&Recorded> = recorded
        .iter()
        .skip_while(|(span, _)| !span.starts_with("step{node=split"))
        .skip(1)
        .take(4)
        .collect();
    let expected = [
        ("branch{split=split,branch=0}", "step"),
        ("branch{split=split,branch=1}", "step"),
        ("attempt{node=a,iteration=1,attempt=1}", "branch"),
        ("attempt{node=b,iteration=1,attempt=1}", "branch"),
    ];
    let inside_split: Vec<(&str, &str)> = inside_split
        .iter()
        .map(|(span, parent)| (span.as_str(), parent.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(inside_split, expected);
}

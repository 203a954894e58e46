//! The Mermaid drawings really render: headless Chromium runs mermaid (from
//! the npm registry, see `.ci/setup-browser`) on a page holding several
//! flows' diagrams, and the DOM it dumps must hold one `<svg>` per diagram
//! with every node's and edge's label in it.
//!
//! Without Chromium or mermaid the test prints `SKIPPED: ...` and passes,
//! unless `FLOW_REQUIRE_BROWSER=1` (`.ci/run` sets it): then it fails.

#[path = "support/browser.rs"]
mod browser;
// The flagship example itself (its `main` unused here), so the drawings
// are of the real flow.
#[path = "support/approval.rs"]
mod approval;
#[allow(dead_code)]
#[path = "../examples/order_process.rs"]
mod order_process;
#[path = "support/parallel.rs"]
mod parallel;
#[path = "support/payment.rs"]
mod payment;

use approval::PurchaseApproval;
use browser::{Browser, html_escape};
use flow_runtime::diagram::{self, Diagram, Kind};
use flow_runtime::{Flow, Graph};
use order_process::{Order, OrderProcess};
use payment::PaymentProcess;

/// The texts a drawing of `diagram` must show: node names, gateway markers,
/// edge labels and the undo nodes' label.
fn labels(diagram: &Diagram<'_>) -> Vec<String> {
    let mut labels = Vec::new();
    for node in &diagram.nodes {
        labels.push(node.name.to_owned());
        let marker = match node.kind {
            Kind::Xor => Some("×"),
            Kind::And | Kind::Join => Some("+"),
            Kind::Or => Some("○"),
            _ => None,
        };
        labels.extend(marker.map(str::to_owned));
        labels.extend(node.detail.map(str::to_owned));
        if node.compensable {
            labels.push("◀◀ undo".to_owned());
        }
    }
    let edges = diagram.edges.iter().filter_map(|edge| edge.label.text());
    labels.extend(edges.map(|text| text.into_owned()));
    labels
}

#[tokio::test]
async fn mermaid_diagrams_render_in_chromium() {
    let Some(browser) = Browser::find_or_skip("mermaid_diagrams_render_in_chromium") else {
        return;
    };

    let order = Order {
        id: 1,
        amount: 1500,
        items: vec!["book".into()],
        ..Order::default()
    };
    let run = OrderProcess::run(order).await.unwrap();
    let graphs: [&Graph; 4] = [
        OrderProcess::GRAPH,
        PaymentProcess::GRAPH,
        &parallel::FULFILMENT,
        PurchaseApproval::GRAPH,
    ];
    let mut diagrams: Vec<String> = graphs.iter().map(|graph| graph.mermaid()).collect();
    diagrams.push(diagram::mermaid_with_path::<OrderProcess>(&run.path));
    let mut expected: Vec<Vec<String>> = graphs
        .iter()
        .map(|graph| labels(&graph.diagram()))
        .collect();
    expected.push(labels(&OrderProcess::GRAPH.diagram()));

    let texts: Vec<&str> = diagrams.iter().map(String::as_str).collect();
    let workdir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagram_render");
    let svgs = browser
        .render(&texts, &workdir)
        .unwrap_or_else(|error| panic!("{error}\n(page and DOM in {})", workdir.display()));

    assert_eq!(svgs.len(), diagrams.len());
    for (index, (svg, labels)) in svgs.iter().zip(&expected).enumerate() {
        assert!(
            !svg.contains("Syntax error"),
            "diagram {index} is mermaid's error picture:\n{}",
            diagrams[index]
        );
        for label in labels {
            assert!(
                svg.contains(&html_escape(label)),
                "diagram {index} does not show `{label}`:\n{}",
                diagrams[index]
            );
        }
        // The flow's name is the title.
        let title = graphs
            .get(index)
            .map_or("OrderProcess", |graph| graph.name());
        assert!(
            svg.contains(title),
            "diagram {index} has no title `{title}`"
        );
    }

    // The run's path is drawn: the `taken` class and the thick edges exist
    // only in the highlighted drawing.
    assert!(svgs[4].contains("fill:#fff3c4") && svgs[4].contains("stroke:#e69500"));
    assert!(!svgs[0].contains("fill:#fff3c4") && !svgs[0].contains("stroke:#e69500"));
}

/// The check above cannot pass on a page mermaid failed to draw: a diagram
/// with a syntax error is reported, by name.
#[test]
fn a_broken_diagram_is_reported() {
    let Some(browser) = Browser::find_or_skip("a_broken_diagram_is_reported") else {
        return;
    };
    let workdir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("diagram_render_broken");
    let good = OrderProcess::GRAPH.mermaid();
    let error = browser
        .render(&[&good, "flowchart LR\n    a --> (\n"], &workdir)
        .expect_err("a syntax error must fail the render");
    assert!(error.contains("diagram-1"), "{error}");
}

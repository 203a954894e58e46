//! Draws the order process: prints its Mermaid and DOT text, and the path
//! of one run; with `--svg PATH`, renders the Mermaid to an SVG file in
//! headless Chromium (what produced `docs/order_process.svg`).
//!
//! ```text
//! cargo run --example diagram
//! .ci/setup-browser && cargo run --example diagram -- --svg docs/order_process.svg
//! ```

#[path = "../tests/support/browser.rs"]
mod browser;
// The flagship example itself (its `main` unused here), so the drawings
// are of the real flow.
#[allow(dead_code)]
#[path = "order_process.rs"]
mod order_process;

use browser::Browser;
use flow_runtime::{Flow, diagram};
use order_process::{Order, OrderProcess};
use std::path::PathBuf;
use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let svg = match (args.next().as_deref(), args.next()) {
        (None, _) => None,
        (Some("--svg"), Some(path)) => Some(PathBuf::from(path)),
        _ => {
            eprintln!("usage: cargo run --example diagram [-- --svg PATH]");
            return ExitCode::FAILURE;
        }
    };

    let mermaid = OrderProcess::GRAPH.mermaid();
    println!("```mermaid\n{mermaid}```\n");
    println!("```dot\n{}```\n", OrderProcess::GRAPH.dot());

    let order = Order {
        id: 1,
        amount: 1500,
        items: vec!["book".into()],
        ..Order::default()
    };
    let done = OrderProcess::run(order).await.unwrap();
    println!("The run {}:\n", done.path);
    println!(
        "```mermaid\n{}```",
        diagram::mermaid_with_path::<OrderProcess>(&done.path)
    );

    let Some(path) = svg else {
        return ExitCode::SUCCESS;
    };
    let browser = match Browser::find() {
        Ok(browser) => browser,
        Err(missing) => {
            eprintln!("cannot render {}: {missing}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let workdir = std::env::temp_dir().join(format!("flow-diagram-{}", std::process::id()));
    let rendered = browser.render(&[&mermaid], &workdir);
    let svg = match rendered {
        Ok(mut svgs) => browser::standalone_svg(&svgs.remove(0)),
        Err(error) => {
            eprintln!(
                "cannot render {}: {error} (files in {})",
                path.display(),
                workdir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let _ = std::fs::remove_dir_all(&workdir);
    if let Err(error) = std::fs::write(&path, svg) {
        eprintln!("cannot write {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!("wrote {}", path.display());
    ExitCode::SUCCESS
}

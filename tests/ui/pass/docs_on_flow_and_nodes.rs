// Doc comments on the flow and on its nodes are kept: on the generated types
// and in the static graph.
#![deny(missing_docs)]
//! A crate whose flow is documented.

use flow_runtime::prelude::*;

/// The context.
pub struct Order {
    /// The amount.
    pub amount: u32,
}

async fn validate(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

flow! {
    /// Checks an order.
    ///
    /// Then finishes.
    pub flow Documented(order: Order) {
        start -> validate;
        /// Rejects empty orders.
        task validate = validate(&order) -> size;
        /// Large orders go elsewhere.
        xor size {
            order.amount > 1000 => large,
            else => done,
        }
        /// Finished normally.
        end done;
        end large;
    }
}

fn main() {
    let graph = <Documented as Flow>::GRAPH;
    assert_eq!(graph.doc(), "Checks an order.\n\nThen finishes.");
    let docs: Vec<(&str, &str)> = graph.nodes().iter().map(|node| (node.name(), node.doc())).collect();
    assert_eq!(
        docs,
        [
            ("start", ""),
            ("validate", "Rejects empty orders."),
            ("size", "Large orders go elsewhere."),
            ("done", "Finished normally."),
            ("large", ""),
        ]
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(Documented::run(Order { amount: 5 })).unwrap();
    assert_eq!(done.end, DocumentedEnd::Done);
    assert_eq!(done.path.to_string(), "start -> validate -> size -> done");
}

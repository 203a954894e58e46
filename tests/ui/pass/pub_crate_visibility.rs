// The flow's visibility applies to every generated item.
use flow_runtime::prelude::*;

mod billing {
    pub(crate) struct Invoice {
        pub(crate) total: u32,
    }

    async fn total(invoice: &Invoice) -> Result<u32, String> {
        Ok(invoice.total)
    }

    flow_runtime::flow! {
        pub(crate) flow Billing(invoice: Invoice) {
            start -> total;
            task total = total(&invoice) -> billed;
            end billed;
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let done = runtime.block_on(billing::Billing::run(billing::Invoice { total: 9 })).unwrap();
    assert_eq!(done.end, billing::BillingEnd::Billed);
    assert_eq!(done.path.nodes().collect::<Vec<_>>(), [
        billing::BillingNode::Start,
        billing::BillingNode::Total,
        billing::BillingNode::Billed,
    ]);
    assert_eq!(done.end.name(), "billed");
}

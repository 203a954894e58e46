// A branch borrows the whole context while another stores into a field:
// only rustc sees it, and no label of its error spans the whole `flow!`.
use flow_runtime::prelude::*;

struct Order {
    amount: u32,
    invoice: u32,
    shipment: u32,
}

async fn invoice(order: &Order) -> Result<u32, String> {
    Ok(order.amount)
}

async fn ship(amount: u32) -> Result<u32, String> {
    Ok(amount)
}

flow! {
    flow ReadsWhatIsWritten(order: Order) {
        start -> split;
        and split -> invoice, ship;
        task invoice = invoice(&order) => order.invoice -> joined;
        task ship = ship(order.amount) => order.shipment -> joined;
        join joined -> done;
        end done;
    }
}
fn main() {}

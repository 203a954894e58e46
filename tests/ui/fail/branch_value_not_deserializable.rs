use flow_runtime::prelude::*;

/// A handle to a connection: it serializes, but cannot be read back.
#[derive(serde::Serialize)]
pub struct Connection(u32);

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    stock: u32,
    paid: bool,
}

async fn connect() -> Result<Connection, StepError> {
    Ok(Connection(1))
}

async fn count(_connection: Connection) -> Result<u32, StepError> {
    Ok(3)
}

async fn pay() -> Result<bool, StepError> {
    Ok(true)
}

flow! {
    // The context is serializable, so the flow can run on an engine, which
    // memoizes the value of every task inside a branch: `connect`'s is not
    // deserializable. Outside a branch, or in a flow whose context is not
    // serializable, it would compile.
    flow BranchValueNotDeserializable(order: Order) {
        start -> split;
        and split -> connect, pay;
        task connect = connect() -> joined;
        task pay = pay() => order.paid -> joined;
        join joined -> done;
        end done;
    }
}

fn main() {
    let _ = count;
    let _ = Order::default().stock;
}

//! Three definitions of one flow, `Purchase`, as an application keeps them
//! while it changes the flow: v1 as first deployed; v2 adds a `receipt`
//! task and keeps amounts in cents; v3 adds an `archive` task to v2; v4
//! renames v2's wait.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use flow_runtime::store::{NewSignal, SqliteStore, Store, StoredInstance};
use flow_runtime::{Engine, EngineBuilder, Flow, InstanceId, Status};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Approval {
    pub approved: bool,
}

pub mod v1 {
    use super::Approval;
    use flow_runtime::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct Order {
        pub number: u32,
        /// In whole euros.
        pub amount: u32,
        pub approval: Option<Approval>,
        pub paid: bool,
    }

    pub async fn pay(_order: &Order) -> Result<bool, StepError> {
        Ok(true)
    }

    flow! {
        /// An order a manager approves, then paid.
        pub flow Purchase(order: Order) {
            start -> approve;
            wait approve: Approval => order.approval -> pay;
            task pay = pay(&order) => order.paid -> done;
            end done;
        }
    }
}

pub mod v2 {
    use super::Approval;
    use flow_runtime::prelude::*;
    use flow_runtime::{InstanceState, MigrationError};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct Order {
        pub number: u32,
        /// In cents, now.
        pub cents: u64,
        pub approval: Option<Approval>,
        pub paid: bool,
        pub receipt: Option<String>,
    }

    pub async fn pay(_order: &Order) -> Result<bool, StepError> {
        Ok(true)
    }

    pub async fn receipt(order: &Order) -> Result<String, StepError> {
        Ok(format!(
            "receipt {} for {} cents",
            order.number, order.cents
        ))
    }

    flow! {
        /// An order a manager approves, then paid, with a receipt.
        pub flow Purchase(order: Order) {
            start -> approve;
            wait approve: Approval => order.approval -> pay;
            task pay = pay(&order) => order.paid -> receipt;
            task receipt = receipt(&order) => order.receipt -> done;
            end done;
        }
    }

    /// The migration from v1: euros become cents, every node keeps its name.
    pub fn from_v1(
        old: InstanceState<super::v1::Purchase>,
    ) -> Result<InstanceState<Purchase>, MigrationError> {
        old.migrate::<Purchase>(|order| Order {
            number: order.number,
            cents: u64::from(order.amount) * 100,
            approval: order.approval,
            paid: order.paid,
            receipt: None,
        })
    }
}

pub mod v3 {
    use super::Approval;
    use flow_runtime::prelude::*;
    use flow_runtime::{InstanceState, MigrationError};

    pub use super::v2::{Order, pay, receipt};

    pub async fn archive(_order: &Order) -> Result<bool, StepError> {
        Ok(true)
    }

    #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
    pub struct Archived {
        pub order: Order,
        pub archived: bool,
    }

    flow! {
        /// v2, and the order is archived at the end.
        pub flow Purchase(purchase: Archived) {
            start -> approve;
            wait approve: Approval => purchase.order.approval -> pay;
            task pay = pay(&purchase.order) => purchase.order.paid -> receipt;
            task receipt = receipt(&purchase.order) => purchase.order.receipt -> archive;
            task archive = archive(&purchase.order) => purchase.archived -> done;
            end done;
        }
    }

    /// The migration from v2: every node keeps its name.
    pub fn from_v2(
        old: InstanceState<super::v2::Purchase>,
    ) -> Result<InstanceState<Purchase>, MigrationError> {
        old.migrate::<Purchase>(|order| Archived {
            order,
            archived: false,
        })
    }
}

pub mod v4 {
    use super::Approval;
    use flow_runtime::prelude::*;

    pub use super::v2::{Order, pay};

    flow! {
        /// v2 without the receipt, and its wait renamed.
        pub flow Purchase(order: Order) {
            start -> approval;
            wait approval: Approval => order.approval -> pay;
            task pay = pay(&order) => order.paid -> done;
            end done;
        }
    }
}

pub fn hash<F: Flow>() -> u64 {
    F::GRAPH.hash()
}

pub fn yes() -> Approval {
    Approval { approved: true }
}

/// An engine over the SQLite file at `path`, with what `register` adds.
pub fn engine(path: &Path, register: impl FnOnce(EngineBuilder) -> EngineBuilder) -> Engine {
    register(Engine::sqlite(path).unwrap()).start()
}

/// Starts `count` v1 orders on a v1 engine over `path` and shuts it down
/// once each waits for its approval. Returns their ids, oldest first.
pub async fn parked_v1_orders(path: &Path, count: u32) -> Vec<InstanceId> {
    let engine = engine(path, |builder| builder.register::<v1::Purchase>());
    let mut ids = Vec::new();
    for number in 0..count {
        let order = v1::Order {
            number,
            amount: 10 + number,
            ..v1::Order::default()
        };
        let id = engine.start::<v1::Purchase>(order).await.unwrap();
        engine.until_parked(id).await.unwrap();
        ids.push(id);
    }
    engine.shutdown().await;
    ids
}

/// The instance as stored in the file at `path`, read by a store of its own.
pub async fn stored(path: &Path, id: InstanceId) -> StoredInstance {
    SqliteStore::open(path)
        .unwrap()
        .load(id)
        .await
        .unwrap()
        .unwrap()
}

pub fn v1_hash() -> u64 {
    hash::<v1::Purchase>()
}

pub fn v2_hash() -> u64 {
    hash::<v2::Purchase>()
}

pub fn approve_v2() -> v2::PurchaseSignal {
    v2::PurchaseSignal::Approve(yes())
}

/// Stores an approval for `id` as another process would, while no engine
/// runs here: the instance becomes runnable, and the next engine claims it.
pub async fn approve_behind_the_engines_back(path: &Path, id: InstanceId) {
    let signal = NewSignal {
        wait: "approve".to_owned(),
        payload: serde_json::to_vec(&yes()).unwrap(),
        by: None,
        dedupe: None,
    };
    let store = SqliteStore::open(path).unwrap();
    store.signal(id, signal).await.unwrap();
    assert_eq!(
        store.load(id).await.unwrap().unwrap().status,
        Status::Runnable
    );
}

/// The events of a journal, printed.
pub fn printed<N: flow_runtime::NodeId>(journal: &flow_runtime::Journal<N>) -> Vec<String> {
    journal.events().map(ToString::to_string).collect()
}

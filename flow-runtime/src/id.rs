//! Instance identities: 128 bits, unique across processes and restarts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::str::FromStr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies one instance of a flow, in memory or in a store.
///
/// 128 bits: a random 64-bit prefix drawn once per process (from the
/// operating system's randomness, mixed with the start time and the process
/// id) and a 64-bit counter. Ids therefore never repeat within a process and
/// collide across processes or restarts only with the odds of two random
/// 64-bit draws meeting, so idempotency keys built from them stay unique.
/// Printed with `{}` as 32 hexadecimal digits, and parsed back with
/// [`str::parse`].
///
/// ```
/// use flow_runtime::InstanceId;
///
/// let id: InstanceId = "0123456789abcdef0000000000000001".parse().unwrap();
/// assert_eq!(id.to_string(), "0123456789abcdef0000000000000001");
/// assert!("not an id".parse::<InstanceId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct InstanceId(u128);

impl InstanceId {
    /// A fresh id, distinct from every other id handed out in this process.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let count = NEXT.fetch_add(1, Ordering::Relaxed);
        InstanceId((u128::from(process_prefix()) << 64) | u128::from(count))
    }

    /// The id as a number.
    pub fn as_u128(self) -> u128 {
        self.0
    }

    /// The id with this number (for ids read back from elsewhere).
    pub fn from_u128(value: u128) -> Self {
        InstanceId(value)
    }
}

fn process_prefix() -> u64 {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    *PREFIX.get_or_init(|| {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(since.as_nanos());
        }
        hasher.finish()
    })
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// What went wrong reading an [`InstanceId`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an instance id: expected 32 hexadecimal digits")]
pub struct ParseIdError(String);

impl FromStr for InstanceId {
    type Err = ParseIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != 32 {
            return Err(ParseIdError(text.to_owned()));
        }
        u128::from_str_radix(text, 16)
            .map(InstanceId)
            .map_err(|_| ParseIdError(text.to_owned()))
    }
}

impl From<InstanceId> for String {
    fn from(id: InstanceId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for InstanceId {
    type Error = ParseIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

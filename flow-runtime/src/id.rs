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

    /// The id of the child instance that the sub-flow call `node` of
    /// instance `parent` starts in visit `iteration`, attempt `attempt`: the
    /// same for every run of that attempt (a parent resumed after a crash
    /// finds the child it started, and starts no second one), different for
    /// every other call, visit or attempt. A stable hash (FNV-1a over 128
    /// bits, then mixed), so it is the same in every process and build.
    pub(crate) fn derived(parent: InstanceId, node: &str, iteration: u32, attempt: u32) -> Self {
        const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
        let mut hash = OFFSET;
        let parts: [&[u8]; 5] = [
            &parent.0.to_le_bytes(),
            node.as_bytes(),
            &[0xff], // ends the name: `ab` + 1 and `a` + `b1` differ
            &iteration.to_le_bytes(),
            &attempt.to_le_bytes(),
        ];
        for byte in parts.into_iter().flatten() {
            hash = (hash ^ u128::from(*byte)).wrapping_mul(PRIME);
        }
        // FNV's high bits mix poorly; fold each half into the other.
        let (high, low) = ((hash >> 64) as u64, hash as u64);
        let high = crate::policy::mix(high ^ crate::policy::mix(low));
        let low = crate::policy::mix(low ^ high);
        InstanceId((u128::from(high) << 64) | u128::from(low))
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

#[cfg(test)]
mod tests {
    use super::InstanceId;

    #[test]
    fn a_derived_id_is_stable_and_differs_for_every_call_visit_and_attempt() {
        let parent = InstanceId::from_u128(0x0123_4567_89ab_cdef_0000_0000_0000_0001);
        let id = InstanceId::derived(parent, "check", 1, 1);
        // Part of the contract: a parent stored by one build finds its child
        // under the same id in the next.
        assert_eq!(id, InstanceId::derived(parent, "check", 1, 1));
        assert_eq!(id.to_string(), "f7b1e0646fdd4cfea5d793a0dee387aa");
        let others = [
            InstanceId::derived(parent, "check", 2, 1),
            InstanceId::derived(parent, "check", 1, 2),
            InstanceId::derived(parent, "recheck", 1, 1),
            InstanceId::derived(InstanceId::from_u128(2), "check", 1, 1),
            InstanceId::derived(id, "check", 1, 1),
        ];
        for other in others {
            assert_ne!(other, id);
        }
    }
}

//! The per-shard counters behind `stats`, kept as a table: one index per
//! counter, its memcached name beside it.

/// A counter of [`Counters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Stat {
    /// Keys requested by `get`-family commands.
    CmdGet,
    /// Storage commands whose data was read.
    CmdSet,
    /// `touch`, `gat` and `gats` keys.
    CmdTouch,
    /// Keys found by `get`-family commands.
    GetHits,
    /// Keys not found.
    GetMisses,
    /// Keys found expired.
    GetExpired,
    /// Keys found invalidated by `flush_all`.
    GetFlushed,
    /// `delete` of an absent key.
    DeleteMisses,
    /// `delete` of a present key.
    DeleteHits,
    /// `incr` of an absent key.
    IncrMisses,
    /// `incr` of a present key.
    IncrHits,
    /// `decr` of an absent key.
    DecrMisses,
    /// `decr` of a present key.
    DecrHits,
    /// `cas` of an absent key.
    CasMisses,
    /// `cas` that matched.
    CasHits,
    /// `cas` that did not match.
    CasBadval,
    /// `touch` of a present key.
    TouchHits,
    /// `touch` of an absent key.
    TouchMisses,
    /// Storage commands refused as too large.
    StoreTooLarge,
    /// Items ever stored.
    TotalItems,
}

/// Names of the counters, in [`Stat`] order, as `stats` prints them.
pub const NAMES: [&str; 20] = [
    "cmd_get",
    "cmd_set",
    "cmd_touch",
    "get_hits",
    "get_misses",
    "get_expired",
    "get_flushed",
    "delete_misses",
    "delete_hits",
    "incr_misses",
    "incr_hits",
    "decr_misses",
    "decr_hits",
    "cas_misses",
    "cas_hits",
    "cas_badval",
    "touch_hits",
    "touch_misses",
    "store_too_large",
    "total_items",
];

/// One shard's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters(pub [u64; NAMES.len()]);

impl Counters {
    /// Adds one to `s`.
    #[inline]
    pub fn bump(&mut self, s: Stat) {
        self.0[s as usize] += 1;
    }

    /// The value of `s`.
    pub fn get(&self, s: Stat) -> u64 {
        self.0[s as usize]
    }

    /// Adds another shard's counters to these.
    pub fn add(&mut self, other: &Counters) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// What one shard reports to `stats`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShardReport {
    /// Its counters.
    pub counters: Counters,
    /// Items it holds now.
    pub curr_items: u64,
    /// Bytes its items take, counted as memcached counts them.
    pub bytes: u64,
}

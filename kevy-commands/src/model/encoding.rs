//! [`Enc`]: the encoding thresholds a write reads (Redis's
//! `hash-max-listpack-*`, `set-max-intset-entries`, `zset-max-listpack-*`,
//! `list-max-listpack-size`), as plain values. The live settings are atomics
//! in the store layer; a write takes a copy of them before it touches a
//! collection, so reads pay nothing.

/// The thresholds that decide a collection's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enc {
    /// `hash-max-listpack-entries`: most fields of a packed hash.
    pub hash_entries: usize,
    /// `hash-max-listpack-value`: longest field or value of a packed hash.
    pub hash_value: usize,
    /// `set-max-intset-entries`: most members of an intset.
    pub set_intset: usize,
    /// `zset-max-listpack-entries`: most members of a packed sorted set.
    pub zset_entries: usize,
    /// `zset-max-listpack-value`: longest member of a packed sorted set.
    pub zset_value: usize,
    /// `list-max-listpack-size`: a positive count of entries per list node,
    /// or a negative size class (-1..-5: 4, 8, 16, 32, 64 KB per node).
    pub list_fill: i32,
    /// Elements at least this long sit alone in a "plain" list node that
    /// takes no other element (Redis's `packed_threshold`, 1 GB, set by
    /// `DEBUG QUICKLIST-PACKED-THRESHOLD`).
    pub list_packed: usize,
    /// `list-compress-depth`: nodes left raw at each end of a list; the
    /// ones between are LZF-compressed (0: none). A list takes it when it
    /// grows past one node and keeps it, as a quicklist keeps the depth it
    /// was created with.
    pub list_compress: usize,
}

/// Redis 7.0's defaults.
pub const DEFAULT: Enc = Enc {
    hash_entries: 512,
    hash_value: 64,
    set_intset: 512,
    zset_entries: 128,
    zset_value: 64,
    list_fill: -2,
    list_packed: PACKED_THRESHOLD,
    list_compress: 0,
};

/// Redis's default `packed_threshold`: 1 GB.
pub const PACKED_THRESHOLD: usize = 1 << 30;

impl Default for Enc {
    fn default() -> Enc {
        DEFAULT
    }
}

/// Redis's `SIZE_SAFETY_LIMIT`: a node with a count limit still stops at
/// 8 KB.
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Redis's `optimization_level`: the node sizes of fill -1..-5.
const SIZE_CLASSES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// Longest member the packed sorted set can hold (one length byte).
pub const ZSET_MEMBER_MAX: usize = 255;

impl Enc {
    /// Longest member of a packed sorted set: `zset-max-listpack-value`,
    /// at most [`ZSET_MEMBER_MAX`] (kevy's packed encoding; Redis's
    /// listpack has no such bound).
    #[inline]
    pub fn zset_member(&self) -> usize {
        self.zset_value.min(ZSET_MEMBER_MAX)
    }

    /// True when an element of `len` bytes goes in a plain node of its own.
    #[inline]
    pub fn is_large(&self, len: usize) -> bool {
        len >= self.list_packed
    }

    /// True when a list node of `count` entries would hold `bytes` bytes of
    /// entries after taking one more (`_quicklistNodeAllowInsert`; for two
    /// nodes merged, `count` is the merged count minus one, as
    /// `_quicklistNodeAllowMerge` compares `a + b <= fill`). An empty node
    /// takes anything.
    #[inline]
    pub fn node_allows(&self, count: usize, bytes: usize) -> bool {
        if count == 0 {
            return true;
        }
        let fill = self.list_fill;
        if fill < 0 {
            if let Some(&limit) = SIZE_CLASSES.get((-(fill as i64) - 1) as usize) {
                return bytes <= limit;
            }
        }
        bytes <= SIZE_SAFETY_LIMIT && (count as i64) < fill as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_and_counts() {
        let mut e = DEFAULT;
        assert!(e.node_allows(1000, 8192));
        assert!(!e.node_allows(1000, 8193));
        for (fill, bytes) in [(-1, 4096), (-3, 16384), (-4, 32768), (-5, 65536)] {
            e.list_fill = fill;
            assert!(e.node_allows(5, bytes));
            assert!(!e.node_allows(5, bytes + 1));
        }
        e.list_fill = 4;
        assert!(e.node_allows(3, 100));
        assert!(!e.node_allows(4, 100));
        assert!(!e.node_allows(1, 8193));
        assert!(e.node_allows(0, 100_000));
        // Past the classes and at 0: one entry per node, as Redis.
        for fill in [-6, 0] {
            e.list_fill = fill;
            assert!(!e.node_allows(1, 10));
            assert!(e.node_allows(0, 10));
        }
    }
}

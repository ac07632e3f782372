//! [`Encodings`]: the live encoding thresholds (`hash-max-listpack-*`,
//! `set-max-intset-entries`, `zset-max-listpack-*`,
//! `list-max-listpack-size`, `list-compress-depth`,
//! `hll-sparse-max-bytes`, `stream-node-max-*`) as relaxed atomics set by `CONFIG SET` and read
//! by writes to collections ([`Encodings::snapshot`]); reads and
//! GET/SET never look at them.

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering::Relaxed;

use crate::model::encoding::{Enc, DEFAULT};

/// The thresholds, shared by every shard.
#[derive(Debug)]
pub struct Encodings {
    hash_entries: AtomicI64,
    hash_value: AtomicI64,
    set_intset: AtomicI64,
    zset_entries: AtomicI64,
    zset_value: AtomicI64,
    list_fill: AtomicI64,
    list_compress: AtomicI64,
    hll_sparse: AtomicI64,
    stream_bytes: AtomicI64,
    stream_entries: AtomicI64,
    list_packed: AtomicI64,
}

impl Default for Encodings {
    fn default() -> Encodings {
        let n = |v: usize| AtomicI64::new(v as i64);
        Encodings {
            hash_entries: n(DEFAULT.hash_entries),
            hash_value: n(DEFAULT.hash_value),
            set_intset: n(DEFAULT.set_intset),
            zset_entries: n(DEFAULT.zset_entries),
            zset_value: n(DEFAULT.zset_value),
            list_fill: AtomicI64::new(DEFAULT.list_fill as i64),
            list_compress: AtomicI64::new(0),
            hll_sparse: AtomicI64::new(3000),
            stream_bytes: AtomicI64::new(4096),
            stream_entries: AtomicI64::new(100),
            list_packed: n(DEFAULT.list_packed),
        }
    }
}

impl Encodings {
    /// The thresholds a write decides encodings with.
    #[inline]
    pub fn snapshot(&self) -> Enc {
        let u = |a: &AtomicI64| a.load(Relaxed).max(0) as usize;
        Enc {
            hash_entries: u(&self.hash_entries),
            hash_value: u(&self.hash_value),
            // Redis limits an intset to 1G entries whatever the setting.
            set_intset: u(&self.set_intset).min(1 << 30),
            zset_entries: u(&self.zset_entries),
            zset_value: u(&self.zset_value),
            list_fill: self
                .list_fill
                .load(Relaxed)
                .clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            list_packed: u(&self.list_packed),
            list_compress: self.list_compress(),
        }
    }

    /// `DEBUG QUICKLIST-PACKED-THRESHOLD`: false (refused) above 4 GB
    /// minus 1 MB; 0 restores the default.
    pub fn set_list_packed(&self, bytes: u64) -> bool {
        if bytes > (1u64 << 32) - (1 << 20) {
            return false;
        }
        let v = if bytes == 0 {
            crate::model::encoding::PACKED_THRESHOLD as i64
        } else {
            bytes as i64
        };
        self.list_packed.store(v, Relaxed);
        true
    }

    /// `list-compress-depth`.
    pub fn list_compress(&self) -> usize {
        self.list_compress.load(Relaxed).max(0) as usize
    }

    /// `hll-sparse-max-bytes`.
    pub fn hll_sparse_max_bytes(&self) -> usize {
        self.hll_sparse.load(Relaxed).max(0) as usize
    }

    /// `stream-node-max-bytes` and `stream-node-max-entries`.
    pub fn stream_limits(&self) -> crate::model::stream::Limits {
        crate::model::stream::Limits {
            bytes: self.stream_bytes.load(Relaxed).max(0) as usize,
            entries: self.stream_entries.load(Relaxed).max(0) as usize,
        }
    }

    /// Applies the value `v` (canonical text) of setting `name`; false
    /// when `name` is not an encoding setting.
    pub fn update(&self, name: &str, v: &str) -> bool {
        let slot = match name {
            "hash-max-listpack-entries" => &self.hash_entries,
            "hash-max-listpack-value" => &self.hash_value,
            "set-max-intset-entries" => &self.set_intset,
            "zset-max-listpack-entries" => &self.zset_entries,
            "zset-max-listpack-value" => &self.zset_value,
            "list-max-listpack-size" => &self.list_fill,
            "list-compress-depth" => &self.list_compress,
            "hll-sparse-max-bytes" => &self.hll_sparse,
            "stream-node-max-bytes" => &self.stream_bytes,
            "stream-node-max-entries" => &self.stream_entries,
            _ => return false,
        };
        slot.store(v.parse().unwrap_or(0), Relaxed);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_and_snapshot() {
        let e = Encodings::default();
        assert_eq!(e.snapshot(), DEFAULT);
        assert!(e.update("set-max-intset-entries", "7"));
        assert!(e.update("list-max-listpack-size", "-5"));
        assert!(e.update("list-compress-depth", "2"));
        assert!(!e.update("maxmemory", "1"));
        let s = e.snapshot();
        assert_eq!((s.set_intset, s.list_fill), (7, -5));
        assert_eq!(e.list_compress(), 2);
        // Values past i32 clamp rather than wrap.
        assert!(e.update("list-max-listpack-size", "99999999999"));
        assert_eq!(e.snapshot().list_fill, i32::MAX);
    }
}

//! Prefetching a lookup: starting the cache misses of one key's lookup
//! (its table slots, then its node) ahead of it, or of several keys'
//! together so that they overlap (see [`kevy_rt::Commands::prefetch`]).

use kevy_rt::Prefetch;

use super::{node, Db};

impl Db {
    /// Starts loading what a lookup of `key` will read (see
    /// [`kevy_rt::Commands::prefetch`]). `Index`: the table's control bytes
    /// are read and the candidate buckets (usually one) prefetched; `Entry`:
    /// the buckets are read and their nodes prefetched.
    #[inline]
    pub fn prefetch(&self, key: &[u8], stage: Prefetch) {
        self.prefetch_hashed(self.hash(key), stage);
    }

    /// [`Db::prefetch`] of the key whose hash is `hash`.
    #[inline]
    fn prefetch_hashed(&self, hash: u64, stage: Prefetch) {
        match stage {
            Prefetch::Index => {
                for idx in self.table.iter_hash_buckets(hash) {
                    if let Some(bucket) = self.table.get_bucket(idx) {
                        // The bucket's address, not its contents: nothing
                        // here waits for the load.
                        node::prefetch_addr(std::ptr::from_ref(bucket).cast());
                    }
                }
            }
            Prefetch::Entry => {
                for node in self.table.iter_hash(hash) {
                    node.prefetch();
                }
            }
        }
    }

    /// Starts loading what the lookups of several keys will wait on, for
    /// all of them before the first runs: every key's table slots, then its
    /// entry, 16 keys at a time (each key hashed once for both).
    /// The keys are `args` `first`, `first + step`, … below `end`. A
    /// multi-key command's keys are independent random lookups (in a table
    /// larger than the cache, each a miss or two): started together, their
    /// misses overlap instead of queueing one behind the other. Fewer than
    /// two keys have nothing to overlap with.
    pub fn prefetch_keys(&self, args: kevy_rt::Args<'_>, first: usize, end: usize, step: usize) {
        let end = end.min(args.len());
        if step == 0 || first + step >= end {
            return;
        }
        let mut keys = (first..end).step_by(step).map(|i| args.at(i));
        let mut hashes = [0u64; WINDOW];
        loop {
            let mut n = 0;
            for (slot, key) in hashes.iter_mut().zip(keys.by_ref()) {
                *slot = self.hash(key);
                n += 1;
            }
            if n == 0 {
                return;
            }
            for &h in &hashes[..n] {
                self.prefetch_hashed(h, Prefetch::Index);
            }
            for &h in &hashes[..n] {
                self.prefetch_hashed(h, Prefetch::Entry);
            }
        }
    }
}

/// Keys [`Db::prefetch_keys`] hashes, then prefetches in two stages, at a
/// time.
const WINDOW: usize = 16;

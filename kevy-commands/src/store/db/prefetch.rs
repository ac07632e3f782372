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
                let (buckets, end) = self.ends.get();
                if buckets != 0 && buckets == self.table.num_buckets() {
                    // Addresses only, computed from where the table was
                    // last seen (`ends`): nothing here reads the table, so
                    // nothing waits for memory. The probe starts at the
                    // group of control bytes at `hash & (buckets - 1)`,
                    // and a key sits in that group's first slots, whose
                    // buckets lie just below the control bytes, in
                    // reverse order (hashbrown's layout; a stale or wrong
                    // address costs a useless prefetch, nothing more).
                    let pos = hash as usize & (buckets - 1);
                    let ctrl = end as *const u8;
                    node::prefetch_addr(ctrl.wrapping_add(pos));
                    let slot = std::mem::size_of::<node::Node>();
                    node::prefetch_addr(ctrl.wrapping_sub((pos + 1) * slot));
                    node::prefetch_addr(ctrl.wrapping_sub((pos + NEAR_SLOTS) * slot));
                } else {
                    // Not seen at this size yet: read the control bytes
                    // (a possible miss) and prefetch the candidate buckets.
                    for idx in self.table.iter_hash_buckets(hash) {
                        if let Some(bucket) = self.table.get_bucket(idx) {
                            self.learn_ends(idx, bucket);
                            node::prefetch_addr(std::ptr::from_ref(bucket).cast());
                        }
                    }
                }
            }
            Prefetch::Entry => {
                for idx in self.table.iter_hash_buckets(hash) {
                    if let Some(node) = self.table.get_bucket(idx) {
                        self.learn_ends(idx, node);
                        node.prefetch();
                    }
                }
            }
        }
    }

    /// Remembers where the table's buckets end (its control bytes begin),
    /// from bucket `idx` found at `bucket`, with its size then: bucket `i`
    /// lies `(i + 1)` slots below that end.
    #[inline]
    fn learn_ends(&self, idx: usize, bucket: &node::Node) {
        let at = std::ptr::from_ref(bucket) as usize;
        let end = at.wrapping_add((idx + 1) * std::mem::size_of::<node::Node>());
        self.ends.set((self.table.num_buckets(), end));
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

/// The slots of a probe's first group whose buckets [`Prefetch::Index`]
/// prefetches (the first eight: one or two cache lines of pointers).
const NEAR_SLOTS: usize = 8;

/// Keys [`Db::prefetch_keys`] hashes, then prefetches in two stages, at a
/// time.
const WINDOW: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value;
    use crate::store::db::Clock;

    /// `Prefetch::Index` aims at addresses it computes from the table's
    /// layout without reading it: after an `Entry` stage has seen the
    /// table, nearly every key's bucket lies in the slots it prefetches
    /// (a hashbrown whose layout changed would fail here, not misbehave).
    #[test]
    fn the_index_stage_aims_at_the_keys_buckets() {
        let mut db = Db::new();
        let now = Clock::at(1_000);
        let keys: Vec<Vec<u8>> = (0..50_000)
            .map(|i| format!("key:{i}").into_bytes())
            .collect();
        for k in &keys {
            db.set(k, Value::string(b"v"), &now, false, None);
        }
        assert_eq!(db.ends.get(), (0, 0), "nothing prefetched yet");
        db.prefetch(&keys[0], Prefetch::Index); // learns from a read
        db.prefetch(&keys[1], Prefetch::Entry);
        let (buckets, end) = db.ends.get();
        assert_eq!(buckets, db.table.num_buckets());
        let slot = std::mem::size_of::<node::Node>();
        let mut near = 0;
        for k in &keys {
            let hash = db.hash(k);
            let idx = db
                .table
                .find_bucket_index(hash, |n| n.key_is(k.as_slice()))
                .expect("present");
            let at = std::ptr::from_ref(db.table.get_bucket(idx).expect("full")) as usize;
            let pos = hash as usize & (buckets - 1);
            let lo = end.wrapping_sub((pos + NEAR_SLOTS) * slot);
            let hi = end.wrapping_sub((pos + 1) * slot);
            near += usize::from(lo <= at && at <= hi);
            // Prefetching never reads past what it may: both stages on
            // present and missing keys change nothing.
            db.prefetch(k, Prefetch::Index);
        }
        assert!(near * 10 >= keys.len() * 9, "{near} of {} keys", keys.len());
        db.prefetch(b"missing", Prefetch::Entry);
        assert_eq!(db.len(), keys.len());
    }

    /// After the table grows, the pair learnt at the old size is not used
    /// until a read has seen the new one.
    #[test]
    fn a_resized_table_is_learnt_again() {
        let mut db = Db::new();
        let now = Clock::at(1_000);
        db.set(b"a", Value::string(b"v"), &now, false, None);
        db.prefetch(b"a", Prefetch::Entry);
        let first = db.ends.get();
        assert_eq!(first.0, db.table.num_buckets());
        for i in 0..1_000 {
            db.set(
                format!("k{i}").as_bytes(),
                Value::string(b"v"),
                &now,
                false,
                None,
            );
        }
        assert_ne!(db.table.num_buckets(), first.0);
        db.prefetch(b"a", Prefetch::Index);
        assert_eq!(db.ends.get().0, db.table.num_buckets());
    }
}

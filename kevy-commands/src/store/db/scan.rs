//! SCAN and RANDOMKEY over one database's table.
//!
//! ## The SCAN cursor
//! Redis's `dictScan` walks the *buckets* of its chained table in
//! reverse-binary order: each cursor step increments the bit-reversed bucket
//! index, so when the table doubles or halves between two calls, the buckets
//! still to visit map onto buckets still to visit, and every key present for
//! the whole scan is returned (some may come twice after a shrink).
//!
//! kevy's table is open addressing (`hashbrown`): an entry sits near, not at,
//! its *home bucket* `hash & (buckets - 1)`, and a resize or an in-place
//! rehash moves entries around. The walk therefore runs over home buckets,
//! which depend on the key's hash alone, exactly as Redis's buckets do: a
//! cursor step returns every entry whose home is the cursor's bucket,
//! wherever the table has put it. Those entries are found through
//! `HashTable::iter_hash`, once per possible 7-bit tag: hashbrown probes from
//! `hash & mask` (the low bits) and matches entries on their tag (the top
//! 7 bits), so the 128 hashes `tag << 57 | home` reach every entry of that
//! home. `scan_reaches_every_home` checks those two facts about hashbrown.
//!
//! The price is 128 short probes per bucket: about 1 µs per bucket, so a
//! `SCAN … COUNT 10` call costs some 20 µs where Redis takes a few (measured
//! over a million keys). Should the keyspace move to a dense layout (items in
//! a vector, like [`crate::model::types::dense::Dense`]), SCAN should walk its
//! positions instead.

use super::{is_expired, Clock, Db};
use crate::model::value::Bytes;

/// Bits of a hash hashbrown uses as an entry's tag (its top 7).
const TAG_BITS: u32 = 7;

/// The cursor after `v` over a table of `mask + 1` buckets (Redis's
/// reverse-binary increment).
#[inline]
fn next_cursor(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

impl Db {
    /// Table buckets minus one: home buckets are `hash & mask`.
    fn home_mask(&self) -> u64 {
        self.table.num_buckets().saturating_sub(1) as u64
    }

    /// Calls `f` with the key of every entry whose home bucket is `home`.
    fn visit_home(&self, home: u64, mask: u64, mut f: impl FnMut(&[u8])) {
        for tag in 0..(1u64 << TAG_BITS) {
            let probe = (tag << (64 - TAG_BITS)) | home;
            for e in self.table.iter_hash(probe) {
                if self.hash(e.key()) & mask == home {
                    f(e.key());
                }
            }
        }
    }

    /// One SCAN call from `cursor` (0 starts): visits home buckets until
    /// `count` keys were seen or `count * 10` buckets were visited (Redis's
    /// `scanGenericCommand` loop), calling `f` with each key, expired ones
    /// included (the caller filters). Returns the next cursor, 0 when the
    /// walk is over.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        if self.table.is_empty() {
            return 0;
        }
        let mask = self.home_mask();
        let mut v = cursor;
        let mut seen = 0usize;
        let mut budget = count.saturating_mul(10);
        loop {
            self.visit_home(v & mask, mask, |k| {
                seen += 1;
                f(k)
            });
            v = next_cursor(v, mask);
            if v == 0 || budget == 0 || seen >= count {
                return v;
            }
            budget -= 1;
        }
    }

    /// A random live key (RANDOMKEY), or `None` when the database has none.
    /// Expired keys met on the way are removed, as Redis's `dbRandomKey`
    /// does. `rand` supplies the randomness.
    pub fn random_key(&mut self, now: &Clock, mut rand: impl FnMut() -> u64) -> Option<Bytes> {
        /// Random probes before a linear walk from a random bucket.
        const PROBES: usize = 64;
        loop {
            if self.table.is_empty() {
                return None;
            }
            let n = self.table.num_buckets();
            let pick = |r: u64| ((r as u128 * n as u128) >> 64) as usize;
            let mut found = (0..PROBES)
                .map(|_| pick(rand()))
                .find(|&i| self.table.get_bucket(i).is_some());
            if found.is_none() {
                let start = pick(rand());
                found = (0..n)
                    .map(|k| (start + k) % n)
                    .find(|&i| self.table.get_bucket(i).is_some());
            }
            let idx = found?;
            let e = self.table.get_bucket(idx)?;
            if is_expired(self.deadline(e), now) {
                self.expire_bucket(idx);
                continue;
            }
            return Some(Bytes::from_slice(e.key()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::value::Value;

    fn key(i: usize) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    #[test]
    fn scan_reaches_every_home() {
        let mut db = Db::new();
        let c = Clock::at(1);
        for i in 0..5000 {
            db.set(&key(i), Value::Int(i as i64), &c, false, None);
        }
        let mask = db.home_mask();
        for e in db.table.iter() {
            let h = db.hash(e.key());
            let mut hits = 0;
            db.visit_home(h & mask, mask, |k| hits += (*k == *e.key()) as usize);
            assert_eq!(hits, 1, "{:?} found {hits} times from its home", e.key());
        }
    }

    /// RANDOMKEY's lookup removes the expired keys it meets as any lookup
    /// does: counted, and logged for the file and the replicas (it used to
    /// drop them silently, so a replica kept them).
    #[test]
    fn random_key_expires_what_it_meets_as_a_lookup_does() {
        let mut db = Db::new();
        db.log_expired = true;
        let c = Clock::at(1_000);
        db.set(b"old", Value::Int(1), &c, false, Some(1_500));
        let later = Clock::at(2_000);
        assert_eq!(db.random_key(&later, || 7), None);
        assert_eq!(db.counts.expired, 1);
        assert_eq!(db.expired_log, [b"old".to_vec()]);
        assert!(db.is_empty());
    }

    #[test]
    fn cursor_walks_every_bucket_once() {
        for bits in 0..10 {
            let mask = (1u64 << bits) - 1;
            let mut seen = HashSet::new();
            let mut v = 0;
            loop {
                assert!(seen.insert(v), "bucket {v} twice");
                v = next_cursor(v, mask);
                if v == 0 {
                    break;
                }
            }
            assert_eq!(seen.len() as u64, mask + 1);
        }
    }

    /// Inserts and deletes between calls, growing the table then shrinking
    /// it: every key present from the first call to the last is returned.
    #[test]
    fn scan_survives_growth_and_shrinking() {
        let mut db = Db::new();
        let c = Clock::at(1);
        for i in 0..300 {
            db.set(&key(i), Value::Int(0), &c, false, None);
        }
        let mut seen = HashSet::new();
        let (mut cursor, mut round) = (0, 0usize);
        let mut sizes = vec![db.table.num_buckets()];
        loop {
            cursor = db.scan(cursor, 7, |k| {
                seen.insert(k.to_vec());
            });
            round += 1;
            if sizes.last() != Some(&db.table.num_buckets()) {
                sizes.push(db.table.num_buckets());
            }
            if round < 40 {
                // Grow: many new keys per call.
                for j in 0..200 {
                    db.set(
                        &key(10_000 + round * 200 + j),
                        Value::Int(0),
                        &c,
                        false,
                        None,
                    );
                }
            } else {
                // Shrink: drop the new keys, then the odd old ones.
                let drop: Vec<Vec<u8>> = (0..400)
                    .map(|j| key(10_000 + (round - 40) * 400 + j))
                    .chain((0..300).filter(|i| i % 2 == 1).map(key))
                    .collect();
                drop.iter().for_each(|k| {
                    db.remove(k, &c);
                });
                db.shrink_if_sparse();
            }
            if cursor == 0 {
                break;
            }
        }
        let peak = sizes
            .iter()
            .position(|&n| n == *sizes.iter().max().unwrap());
        assert!(
            peak.is_some_and(|p| p > 0 && p + 1 < sizes.len()),
            "{sizes:?}"
        );
        for i in (0..300).filter(|i| i % 2 == 0) {
            assert!(seen.contains(&key(i)), "key {i} missed");
        }
    }

    #[test]
    fn random_key_skips_and_reclaims_expired() {
        let mut db = Db::new();
        let c = Clock::at(1_000);
        let mut r = 7u64;
        let mut rand = move || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        assert_eq!(db.random_key(&c, &mut rand), None);
        for i in 0..50 {
            db.set(&key(i), Value::Int(0), &c, false, Some(500));
        }
        db.set(b"live", Value::Int(0), &c, false, None);
        assert_eq!(db.random_key(&c, &mut rand).as_deref(), Some(&b"live"[..]));
        for _ in 0..20 {
            assert_eq!(db.random_key(&c, &mut rand).as_deref(), Some(&b"live"[..]));
        }
        db.remove(b"live", &c);
        assert_eq!(db.random_key(&c, &mut rand), None);
        assert!(db.is_empty());
    }
}

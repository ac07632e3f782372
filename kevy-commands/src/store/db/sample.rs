//! What eviction needs from a database ([`crate::shard::evict`]): random
//! candidates with their access data, and removing a key whatever its
//! deadline.

use super::{Db, Ms, NO_TTL};
use crate::model::value::Value;

/// A key met by the sampling, with what the policies score it by.
pub(crate) struct Candidate<'a> {
    /// The key.
    pub key: &'a [u8],
    /// Its access clock (LRU).
    pub lru: u32,
    /// Its LFU data.
    pub lfu: u32,
    /// Its deadline.
    pub at: Option<Ms>,
}

/// An index below `n` from 64 random bits.
#[inline]
fn pick(r: u64, n: usize) -> usize {
    ((r as u128 * n as u128) >> 64) as usize
}

/// Consecutive empty buckets after which the walk jumps elsewhere.
const EMPTY_RUN: usize = 5;

impl Db {
    /// Calls `f` with up to `count` random keys: keys with a deadline when
    /// `volatile`, any key otherwise. Like Redis's `dictGetSomeKeys`, the
    /// keys come from runs of occupied buckets starting at random places
    /// (cheap, and random enough: a bucket's place follows its key's hash).
    pub(crate) fn sample(
        &self,
        volatile: bool,
        count: usize,
        rand: &mut impl FnMut() -> u64,
        mut f: impl FnMut(Candidate<'_>),
    ) {
        if volatile {
            let n = self.volatile.len();
            for _ in 0..count.min(n) {
                let slot = pick(rand(), n);
                let v = self.volatile[slot];
                if let Some(e) = self.table.find(v.hash, |e| e.vidx() == slot as u32) {
                    f(Candidate {
                        key: e.key(),
                        lru: e.lru(),
                        lfu: e.lfu(),
                        at: Some(v.at),
                    });
                }
            }
            return;
        }
        let want = count.min(self.table.len());
        if want == 0 {
            return;
        }
        let n = self.table.num_buckets();
        let max_steps = (want * 10).max(64);
        let (mut got, mut steps, mut empty) = (0, 0, 0);
        let mut i = pick(rand(), n);
        while got < want {
            match self.table.get_bucket(i) {
                Some(e) => {
                    empty = 0;
                    got += 1;
                    f(Candidate {
                        key: e.key(),
                        lru: e.lru(),
                        lfu: e.lfu(),
                        at: self.deadline(e),
                    });
                }
                None => empty += 1,
            }
            steps += 1;
            if (steps >= max_steps && got > 0) || steps >= n.max(max_steps) * 4 {
                return;
            }
            // A small table is walked round once (no key twice); a big
            // one is sampled in runs from several random places.
            i = if empty >= EMPTY_RUN && n > max_steps && steps < max_steps {
                empty = 0;
                pick(rand(), n)
            } else {
                (i + 1) % n
            };
        }
    }

    /// A random key with a deadline, if any (volatile-random).
    pub(crate) fn random_volatile_key(&self, rand: &mut impl FnMut() -> u64) -> Option<Vec<u8>> {
        let n = self.volatile.len();
        if n == 0 {
            return None;
        }
        let slot = pick(rand(), n);
        let v = self.volatile[slot];
        self.table
            .find(v.hash, |e| e.vidx() == slot as u32)
            .map(|e| e.key().to_vec())
    }

    /// Removes `key` whether or not its deadline has passed, returning its
    /// value; with `volatile`, only if it has a deadline (a volatile policy
    /// never evicts a persistent key).
    pub(crate) fn evict(&mut self, key: &[u8], volatile: bool) -> Option<Value> {
        let hash = self.hash(key);
        let idx = self.table.find_bucket_index(hash, |e| e.key_is(key))?;
        if volatile && self.table.get_bucket(idx)?.vidx() == NO_TTL {
            return None;
        }
        let v = self.remove_bucket(idx);
        self.notify(crate::store::signal::class::EVICTED, "evicted", key);
        v
    }

    /// `key`'s access data if it is in the table (expired or not), with a
    /// deadline when `volatile`.
    pub(crate) fn candidate(&self, key: &[u8], volatile: bool) -> Option<Candidate<'_>> {
        let hash = self.hash(key);
        let e = self.table.find(hash, |e| e.key_is(key))?;
        if volatile && e.vidx() == NO_TTL {
            return None;
        }
        Some(Candidate {
            key: e.key(),
            lru: e.lru(),
            lfu: e.lfu(),
            at: self.deadline(e),
        })
    }

    /// The access clock (`lru_clock`) and the LFU data of a live `key`,
    /// without counting as an access.
    pub fn access_data(&mut self, key: &[u8], now: &super::Clock) -> Option<(u32, u32)> {
        let idx = self.find(key, now)?;
        self.table.get_bucket(idx).map(|e| (e.lru(), e.lfu()))
    }
}

//! A database's access data: the stamp every access leaves on its node
//! (the LRU clock or the LFU counter), the accesses that do not count
//! (TYPE, OBJECT), whole-entry moves (RENAME, MOVE), the watches a flush or
//! SWAPDB breaks, and the access clock itself.

use super::node::Node;
use super::{Clock, Db, Ms};
use crate::base::random::xorshift;
use crate::model::value::Value;
use crate::store::lfu;
use crate::store::limits::Limits;

/// Stamps an access on `e`: under an LFU policy the frequency counter
/// (Redis's `updateLFU`), otherwise the access clock and the database's
/// next access number (which orders the accesses of one tick for LRU
/// eviction). One relaxed load when LRU.
#[inline]
pub(super) fn stamp(e: &mut Node, clock: u32, limits: &Limits, rng: &mut u64, seq: &mut u32) {
    if limits.lfu() {
        let r = lfu::unit(xorshift(rng));
        let (factor, decay) = limits.lfu_params();
        e.set_lfu(lfu::accessed(
            e.lfu(),
            lfu::minutes(clock),
            factor,
            decay,
            r,
        ));
    } else {
        *seq = seq.wrapping_add(1);
        e.set_lru(clock);
        e.set_lfu(*seq);
    }
}

/// Access without touching, whole-entry moves and the access clock, for the
/// generic key commands (TYPE, OBJECT, RENAME, COPY, MOVE).
impl Db {
    /// The live value of `key`, without counting as an access (Redis's
    /// `LOOKUP_NOTOUCH`: TYPE, OBJECT); an expired key is removed.
    pub fn peek(&mut self, key: &[u8], now: &Clock) -> Option<&Value> {
        let idx = self.find(key, now)?;
        self.table.get_bucket(idx).map(|e| e.value())
    }

    /// Counts an access to a live `key` (TOUCH); false when it is missing.
    pub fn touch(&mut self, key: &[u8], now: &Clock) -> bool {
        let Some(idx) = self.find(key, now) else {
            return false;
        };
        self.touch_bucket(idx);
        true
    }

    /// Whole seconds since the last access to a live `key` (OBJECT IDLETIME),
    /// without counting as one.
    pub fn idle_seconds(&mut self, key: &[u8], now: &Clock) -> Option<u32> {
        let idx = self.find(key, now)?;
        let clock = self.lru_clock;
        self.table
            .get_bucket(idx)
            .map(|e| clock.wrapping_sub(e.lru()) / TICKS_PER_SECOND)
    }

    /// The access frequency of a live `key` (OBJECT FREQ: the LFU counter
    /// after its decay), without counting as an access.
    pub fn frequency(&mut self, key: &[u8], now: &Clock) -> Option<u32> {
        let (_, data) = self.access_data(key, now)?;
        let (_, decay) = self.limits.lfu_params();
        Some(lfu::decayed(data, lfu::minutes(self.lru_clock), decay))
    }

    /// Removes a live `key`, returning its value and deadline (RENAME and
    /// MOVE carry both to the new place).
    pub fn take(&mut self, key: &[u8], now: &Clock) -> Option<(Value, Option<Ms>)> {
        let idx = self.find_quiet(key, now)?;
        let at = self.table.get_bucket(idx).and_then(|e| self.deadline(e));
        let v = self.remove_bucket(idx).map(|v| (v, at));
        self.modified(key);
        v
    }

    /// Redis's `touchAllWatchedKeysInDb(this, replaced_with)`: this
    /// database is emptied (FLUSHDB) or replaced by `replaced_with`
    /// (SWAPDB); the watches of keys either holds break, except that an
    /// expired key going away, or staying expired, changes nothing.
    pub fn emptied(&self, replaced_with: Option<&Db>) {
        if !self.sig.watching() {
            return;
        }
        let now = Clock::new();
        let db = self.index;
        for key in self.sig.with_watches(|w| w.keys_of(db)) {
            let here = self.in_table(&key);
            let there = replaced_with.is_some_and(|r| r.in_table(&key));
            if !here && !there {
                continue;
            }
            let there_expired = replaced_with.is_some_and(|r| r.is_expired_key(&key, &now));
            self.sig.with_watches(|w| {
                let Some(ws) = w.keys.get_mut(&(db, key.clone())) else {
                    return;
                };
                let mut dirty = Vec::new();
                for wk in ws.iter_mut() {
                    if wk.expired {
                        if !there {
                            wk.expired = false;
                            continue;
                        } else if there_expired {
                            continue;
                        }
                    } else if !here && there_expired {
                        wk.expired = true;
                        continue;
                    }
                    dirty.push(*wk);
                }
                w.broken.extend(dirty);
            });
        }
    }

    /// The number of the last access (wrapping).
    pub(crate) fn access_seq(&self) -> u32 {
        self.seq
    }

    /// The access clock (100 ms ticks of unix time, mod 2^32).
    pub fn lru_clock(&self) -> u32 {
        self.lru_clock
    }

    /// Sets the access clock (100 ms ticks of unix time, mod 2^32).
    pub fn set_lru_clock(&mut self, ticks: u32) {
        self.lru_clock = ticks;
    }
}

/// Access-clock ticks per second.
pub const TICKS_PER_SECOND: u32 = 10;

/// The access clock for unix time `ms`: 100 ms ticks, mod 2^32 (Redis
/// counts seconds in 24 bits, wrapping after 194 days; this wraps after
/// 13 years, and tells apart accesses a tick apart for LRU eviction).
pub fn lru_ticks(ms: Ms) -> u32 {
    (ms.div_euclid(100)) as u32
}

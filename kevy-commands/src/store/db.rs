//! A shard's keyspace: `databases` [`Db`]s, each a hash table of entries plus
//! the index of its keys with a time to live.
//!
//! Entries live in a `hashbrown::HashTable`; operations find a key once and then
//! work through its bucket index, so a lookup that must also expire, update or
//! remove the entry probes the table only once. Expiry is lazy (every access
//! checks the deadline, as Redis's `expireIfNeeded`) and active (see
//! [`crate::shard::expire`]). Deadlines are absolute unix times in milliseconds.
//!
//! Memory: a bucket is one thin pointer (plus hashbrown's control byte) to a
//! `Node`, a single allocation holding the [`Value`], the key's volatile slot,
//! its access clock and the key bytes (`db/node.rs`). A lookup is one
//! probe and one pointer chase (hashbrown's tag byte filters the candidates
//! before a key is compared).
//!
//! Each entry remembers the access clock of its last read or write (Redis's
//! `robj.lru`, for OBJECT IDLETIME and LRU eviction) or, under an LFU
//! policy, its access frequency (Redis's LFU counter, see
//! [`crate::shard::evict`]): [`Db::get`] and the other accesses stamp it,
//! [`Db::peek`] (TYPE, OBJECT) does not. The clock is a per-db copy of the
//! time in 100 ms ticks, refreshed by the shard's tick, so an access never
//! reads the system time. SCAN's walk and random keys live in `scan`, what
//! eviction samples in `sample`.

use std::cell::Cell;
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};
use kevy_rt::Prefetch;

use crate::base::random::xorshift;
use crate::model::value::Value;
use crate::store::lfu;
use crate::store::limits::Limits;
use node::Node;

pub use crate::base::clock::{now_ms, Ms};

/// The time of one command: the system clock read at most once, and only when
/// needed (most commands meet no key with a deadline, and reading the clock
/// can cost more than the rest of a GET).
#[derive(Debug, Default)]
pub struct Clock {
    ms: Cell<Option<Ms>>,
}

impl Clock {
    /// A clock that reads the system time on first use.
    #[inline]
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock stopped at `ms`.
    pub fn at(ms: Ms) -> Clock {
        Clock {
            ms: Cell::new(Some(ms)),
        }
    }

    /// The command's time, in unix milliseconds.
    #[inline]
    pub fn ms(&self) -> Ms {
        match self.ms.get() {
            Some(ms) => ms,
            None => {
                let ms = now_ms();
                self.ms.set(Some(ms));
                ms
            }
        }
    }
}

/// True when a key with deadline `at` is expired at `now`. Like Redis's
/// `keyIsExpired`, a key lives through its deadline millisecond. The clock is
/// only read for a key that has a deadline.
#[inline]
pub fn is_expired(at: Option<Ms>, now: &Clock) -> bool {
    at.is_some_and(|at| at < now.ms())
}

/// `vidx` of an entry without a time to live.
const NO_TTL: u32 = u32::MAX;

/// A key with a time to live: enough to sample it and find its entry again.
#[derive(Clone, Copy)]
pub(crate) struct Volatile {
    /// The key's hash (its entry is the one with this hash and `vidx`).
    hash: u64,
    /// Deadline.
    pub(crate) at: Ms,
}

/// One numbered database of a shard.
pub struct Db {
    /// One thin pointer per bucket; the key and value live in the [`Node`].
    table: HashTable<Node>,
    hasher: DefaultHashBuilder,
    /// Keys with a deadline, for O(1) random sampling by the active expiry.
    pub(crate) volatile: Vec<Volatile>,
    /// The access clock, in 100 ms ticks of unix time (mod 2^32): Redis's
    /// cached `LRU_CLOCK()`, set by the shard's tick
    /// ([`ShardState::tick_clock`]) so an access never reads the system time.
    lru_clock: u32,
    /// The memory settings: whether accesses count frequency (LFU) or
    /// recency (LRU), and the LFU parameters.
    pub(crate) limits: Arc<Limits>,
    /// xorshift state for the LFU counter's probabilistic increment.
    pub(crate) rng: u64,
    /// The number of the last access (LRU's order within a tick).
    seq: u32,
    /// Lookups and expirations counted for INFO (plain counters).
    pub counts: Counts,
}

/// A database's INFO counters: plain integers its shard alone touches,
/// summed over shards when INFO asks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lookups that found a live key (`keyspace_hits`).
    pub hits: u64,
    /// Lookups that found none (`keyspace_misses`).
    pub misses: u64,
    /// Keys removed because their deadline passed (`expired_keys`).
    pub expired: u64,
}

/// Stamps an access on `e`: under an LFU policy the frequency counter
/// (Redis's `updateLFU`), otherwise the access clock and the database's
/// next access number (which orders the accesses of one tick for LRU
/// eviction). One relaxed load when LRU.
#[inline]
fn stamp(e: &mut Node, clock: u32, limits: &Limits, rng: &mut u64, seq: &mut u32) {
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

impl Default for Db {
    fn default() -> Db {
        Db::new()
    }
}

impl Db {
    /// An empty database.
    pub fn new() -> Db {
        Db {
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            volatile: Vec::new(),
            lru_clock: lru_ticks(now_ms()),
            limits: Arc::new(Limits::default()),
            rng: 0x9E37_79B9_7F4A_7C15,
            seq: 0,
            counts: Counts::default(),
        }
    }

    /// The memory settings this database follows.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The encoding thresholds a write to a collection decides with.
    #[inline]
    pub fn enc(&self) -> crate::model::encoding::Enc {
        self.limits.encodings.snapshot()
    }

    /// Number of keys, expired ones not yet reclaimed included (like `DBSIZE`).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Number of keys with a deadline.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn deadline(&self, e: &Node) -> Option<Ms> {
        if e.vidx() == NO_TTL {
            return None;
        }
        self.volatile.get(e.vidx() as usize).map(|v| v.at)
    }

    /// Starts loading what a lookup of `key` will read (see
    /// [`kevy_rt::Commands::prefetch`]). `Index`: the table's control bytes
    /// are read and the candidate buckets (usually one) prefetched; `Entry`:
    /// the buckets are read and their nodes prefetched.
    #[inline]
    pub fn prefetch(&self, key: &[u8], stage: Prefetch) {
        let hash = self.hash(key);
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

    /// The bucket of `key` if it is live, or the key's hash for an insertion.
    /// An expired key is removed on the way (Redis's `expireIfNeeded`).
    #[inline]
    fn probe(&mut self, key: &[u8], now: &Clock) -> Result<usize, u64> {
        let hash = self.hash(key);
        let Some(idx) = self.table.find_bucket_index(hash, |e| e.key() == key) else {
            return Err(hash);
        };
        match self.table.get_bucket(idx) {
            Some(e) if is_expired(self.deadline(e), now) => {
                self.remove_bucket(idx);
                self.counts.expired += 1;
                Err(hash)
            }
            Some(_) => Ok(idx),
            None => Err(hash),
        }
    }

    /// The bucket of `key` if it is live, counted as a hit or a miss (a
    /// read lookup, Redis's `lookupKeyRead`; a write command's lookups are
    /// uncounted by its caller, see [`Counts`]).
    #[inline]
    fn find(&mut self, key: &[u8], now: &Clock) -> Option<usize> {
        let found = self.probe(key, now).ok();
        self.counts.hits += found.is_some() as u64;
        self.counts.misses += found.is_none() as u64;
        found
    }

    /// The bucket of `key` if it is live, not counted (a lookup only a
    /// write makes: DEL, EXPIRE, RENAME).
    #[inline]
    fn find_quiet(&mut self, key: &[u8], now: &Clock) -> Option<usize> {
        self.probe(key, now).ok()
    }

    /// Removes the entry in bucket `idx`, with its deadline.
    fn remove_bucket(&mut self, idx: usize) -> Option<Value> {
        let (node, _) = self.table.get_bucket_entry(idx).ok()?.remove();
        self.unlink_volatile(node.vidx());
        Some(node.into_value())
    }

    /// Marks the entry in bucket `idx` as accessed now.
    #[inline]
    fn touch_bucket(&mut self, idx: usize) {
        let clock = self.lru_clock;
        if let Some(e) = self.table.get_bucket_mut(idx) {
            stamp(e, clock, &self.limits, &mut self.rng, &mut self.seq);
        }
    }

    /// Drops volatile slot `vidx` (swap-remove), re-pointing the entry whose
    /// slot moved into its place.
    fn unlink_volatile(&mut self, vidx: u32) {
        if vidx == NO_TTL || vidx as usize >= self.volatile.len() {
            return;
        }
        let last = (self.volatile.len() - 1) as u32;
        self.volatile.swap_remove(vidx as usize);
        if vidx != last {
            if let Some(moved) = self.volatile.get(vidx as usize) {
                if let Some(e) = self.table.find_mut(moved.hash, |e| e.vidx() == last) {
                    e.set_vidx(vidx);
                }
            }
        }
    }

    /// Gives the entry in bucket `idx` the deadline `at` (or none).
    fn set_deadline(&mut self, idx: usize, at: Option<Ms>) {
        let Some(e) = self.table.get_bucket(idx) else {
            return;
        };
        let old = e.vidx();
        match at {
            Some(at) if old == NO_TTL => {
                let hash = self.hash(e.key());
                let vidx = self.volatile.len() as u32;
                self.volatile.push(Volatile { hash, at });
                if let Some(e) = self.table.get_bucket_mut(idx) {
                    e.set_vidx(vidx);
                }
            }
            Some(at) => {
                if let Some(v) = self.volatile.get_mut(old as usize) {
                    v.at = at;
                }
            }
            None if old != NO_TTL => {
                if let Some(e) = self.table.get_bucket_mut(idx) {
                    e.set_vidx(NO_TTL);
                }
                self.unlink_volatile(old);
            }
            None => {}
        }
    }

    /// The live value of `key`.
    #[inline]
    pub fn get(&mut self, key: &[u8], now: &Clock) -> Option<&mut Value> {
        let idx = self.find(key, now)?;
        let clock = self.lru_clock;
        self.table.get_bucket_mut(idx).map(|e| {
            stamp(e, clock, &self.limits, &mut self.rng, &mut self.seq);
            e.value_mut()
        })
    }

    /// The live value of `key`, read-only: an expired key reads as missing
    /// but is left for later reclaiming. Lets a command hold several values
    /// at once (SINTER and its siblings).
    pub fn get_ref(&self, key: &[u8], now: &Clock) -> Option<&Value> {
        let hash = self.hash(key);
        let e = self.table.find(hash, |e| e.key() == key)?;
        (!is_expired(self.deadline(e), now)).then_some(e.value())
    }

    /// The live value of `key` and its deadline.
    pub fn get_with_deadline(
        &mut self,
        key: &[u8],
        now: &Clock,
    ) -> Option<(&mut Value, Option<Ms>)> {
        let idx = self.find(key, now)?;
        let at = self.table.get_bucket(idx).and_then(|e| self.deadline(e));
        let clock = self.lru_clock;
        self.table.get_bucket_mut(idx).map(|e| {
            stamp(e, clock, &self.limits, &mut self.rng, &mut self.seq);
            (e.value_mut(), at)
        })
    }

    /// True when `key` is live.
    #[inline]
    pub fn contains(&mut self, key: &[u8], now: &Clock) -> bool {
        self.find(key, now).is_some()
    }

    /// The deadline of a live `key`: `None` when the key is missing,
    /// `Some(None)` when it has no time to live.
    pub fn deadline_of(&mut self, key: &[u8], now: &Clock) -> Option<Option<Ms>> {
        let idx = self.find(key, now)?;
        self.table.get_bucket(idx).map(|e| self.deadline(e))
    }

    /// Stores `value` under `key`. The old deadline is kept when `keep_ttl`,
    /// dropped otherwise; `at` (when given) becomes the new deadline.
    #[inline]
    pub fn set(&mut self, key: &[u8], value: Value, now: &Clock, keep_ttl: bool, at: Option<Ms>) {
        match self.probe(key, now) {
            Ok(idx) => {
                let clock = self.lru_clock;
                if let Some(e) = self.table.get_bucket_mut(idx) {
                    *e.value_mut() = value;
                    stamp(e, clock, &self.limits, &mut self.rng, &mut self.seq);
                }
                if at.is_some() || !keep_ttl {
                    self.set_deadline(idx, at);
                }
            }
            Err(hash) => {
                let vidx = match at {
                    Some(at) => {
                        self.volatile.push(Volatile { hash, at });
                        (self.volatile.len() - 1) as u32
                    }
                    None => NO_TTL,
                };
                let hasher = &self.hasher;
                let clock = self.lru_clock;
                let data = if self.limits.lfu() {
                    lfu::fresh(lfu::minutes(clock))
                } else {
                    self.seq = self.seq.wrapping_add(1);
                    self.seq
                };
                let node = Node::new(key, value, vidx, clock, data);
                self.table
                    .insert_unique(hash, node, |e| hasher.hash_one(e.key()));
            }
        }
    }

    /// Removes a live `key`, returning its value.
    pub fn remove(&mut self, key: &[u8], now: &Clock) -> Option<Value> {
        let idx = self.find_quiet(key, now)?;
        self.remove_bucket(idx)
    }

    /// Sets the deadline of a live `key`; false when the key is missing.
    pub fn expire(&mut self, key: &[u8], at: Ms, now: &Clock) -> bool {
        match self.find_quiet(key, now) {
            Some(idx) => {
                self.touch_bucket(idx);
                self.set_deadline(idx, Some(at));
                true
            }
            None => false,
        }
    }

    /// Drops the deadline of a live `key`; true when it had one.
    pub fn persist(&mut self, key: &[u8], now: &Clock) -> bool {
        let Some(idx) = self.find_quiet(key, now) else {
            return false;
        };
        let had = self
            .table
            .get_bucket(idx)
            .is_some_and(|e| e.vidx() != NO_TTL);
        self.touch_bucket(idx);
        self.set_deadline(idx, None);
        had
    }

    /// Removes every key, releasing the memory.
    pub fn clear(&mut self) {
        self.table = HashTable::new();
        self.volatile = Vec::new();
    }

    /// Gives memory back once the table is mostly empty (under 1/8 full), like
    /// Redis's `tryResizeHashTables`; called from the periodic tick.
    pub fn shrink_if_sparse(&mut self) {
        const MIN: usize = 64;
        if self.table.capacity() > MIN && self.table.len() * 8 < self.table.capacity() {
            let hasher = &self.hasher;
            let target = (self.table.len() * 2).max(MIN);
            self.table.shrink_to(target, |e| hasher.hash_one(e.key()));
        }
        if self.volatile.capacity() > MIN && self.volatile.len() * 8 < self.volatile.capacity() {
            self.volatile.shrink_to((self.volatile.len() * 2).max(MIN));
        }
    }

    /// Calls `f` with every live key (in table order).
    pub fn for_each_key(&self, now: &Clock, mut f: impl FnMut(&[u8])) {
        for e in self.table.iter() {
            if !is_expired(self.deadline(e), now) {
                f(e.key());
            }
        }
    }

    /// Calls `f(key, value, deadline)` with every stored entry, expired or
    /// not yet reclaimed included (what Redis's safe dict iterator sees:
    /// DEBUG DIGEST, snapshots).
    pub fn for_each_entry(&self, mut f: impl FnMut(&[u8], &Value, Option<Ms>)) {
        for e in self.table.iter() {
            f(e.key(), e.value(), self.deadline(e));
        }
    }

    /// The stored value of `key` with its deadline, expired or not, without
    /// counting or touching (DEBUG DIGEST-VALUE).
    pub fn raw(&self, key: &[u8]) -> Option<(&Value, Option<Ms>)> {
        let hash = self.hash(key);
        let idx = self.table.find_bucket_index(hash, |e| e.key() == key)?;
        let e = self.table.get_bucket(idx)?;
        Some((e.value(), self.deadline(e)))
    }

    /// Panics unless every entry with a deadline owns exactly the volatile slot
    /// that points back at it.
    #[cfg(test)]
    pub(crate) fn assert_consistent(&self) {
        let mut owners = vec![0usize; self.volatile.len()];
        for e in self.table.iter() {
            if e.vidx() != NO_TTL {
                let v = self.volatile[e.vidx() as usize];
                assert_eq!(v.hash, self.hash(e.key()), "slot hash of {:?}", e.key());
                owners[e.vidx() as usize] += 1;
            }
        }
        assert!(owners.iter().all(|&n| n == 1), "volatile slots owned once");
    }

    /// Removes the key of volatile slot `vidx` if its deadline has passed;
    /// true when it did. Used by the active expiry.
    pub(crate) fn expire_slot(&mut self, vidx: usize, now: Ms) -> bool {
        let Some(&Volatile { hash, at }) = self.volatile.get(vidx) else {
            return false;
        };
        if at >= now {
            return false;
        }
        let slot = vidx as u32;
        match self.table.find_bucket_index(hash, |e| e.vidx() == slot) {
            Some(idx) => {
                let gone = self.remove_bucket(idx).is_some();
                self.counts.expired += gone as u64;
                gone
            }
            None => {
                // Unreachable while the index is consistent; drop the stray slot.
                self.unlink_volatile(slot);
                false
            }
        }
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
        self.remove_bucket(idx).map(|v| (v, at))
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

mod node;
mod persist;
mod sample;
pub(crate) use sample::Candidate;
mod scan;
#[cfg(test)]
mod tests;

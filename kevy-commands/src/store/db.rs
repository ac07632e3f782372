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

use std::hash::BuildHasher;
use std::rc::Rc;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::model::value::Value;
use crate::store::lfu;
use crate::store::limits::Limits;
use crate::store::signal::{class, Signals};
use node::Node;

pub use crate::base::clock::{now_ms, Ms};
use access::stamp;
pub use access::{lru_ticks, TICKS_PER_SECOND};
pub use clock::{freeze, in_script, is_expired, Clock};
pub use snap::SnapFormat;

/// `vidx` of an entry without a time to live (31 bits: the top one is
/// the node's snapshot mark).
const NO_TTL: u32 = u32::MAX >> 1;

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
    /// Where a created key is signalled, for parked calls waiting on it
    /// (Redis's `signalKeyAsReady` in `dbAdd`).
    pub(crate) ready: kevy_rt::ReadyKeys,
    /// The shard's modified-key hook (shared by its databases).
    pub(crate) sig: Rc<Signals>,
    /// This database's index (`SELECT` number; SWAPDB swaps it back).
    pub(crate) index: u32,
    /// Record the keys expiry removes in [`Db::expired_log`] (the
    /// append-only file is on: they are propagated as `DEL`).
    pub log_expired: bool,
    /// Keys expiry removed, not yet propagated.
    pub expired_log: Vec<Vec<u8>>,
    /// The incremental snapshot in progress (`snap`), and the mark every
    /// node taken by it, or made since, carries.
    snap: Option<Box<snap::Snap>>,
    parity: bool,
    /// The table's bucket count and the address where its buckets end, as
    /// a prefetch last saw them (`prefetch`): where a lookup's first reads
    /// will be, computed without reading the table. Only a hint: a stale
    /// pair aims a prefetch at the wrong address, never a load.
    ends: std::cell::Cell<(usize, usize)>,
}

/// A database's entries moved out: `(key, value, deadline)`.
pub type Entries = Vec<(Vec<u8>, Value, Option<Ms>)>;

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
            ready: kevy_rt::ReadyKeys::new(),
            sig: Rc::new(Signals::default()),
            index: 0,
            log_expired: false,
            expired_log: Vec::new(),
            snap: None,
            parity: false,
            ends: std::cell::Cell::new((0, 0)),
        }
    }

    /// Makes this database number `index` of a shard whose hook is `sig`.
    pub fn attach(&mut self, sig: &Rc<Signals>, index: u32) {
        self.sig = sig.clone();
        self.index = index;
    }

    /// The database's index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The shard's hook.
    pub fn signals(&self) -> &Rc<Signals> {
        &self.sig
    }

    /// True when someone listens to changes: a watched key on this shard,
    /// keyspace notifications or tracking. Two loads, one branch.
    #[inline]
    pub fn listening(&self) -> bool {
        self.sig.watching() || self.limits.switches.logging()
    }

    /// `key` changed (Redis's `signalModifiedKey`): breaks its watches,
    /// and logs it for tracking. Commands whose change the store does not
    /// see (a collection changed in place) call it, or [`Db::notify`].
    #[inline]
    pub fn modified(&self, key: &[u8]) {
        if self.listening() {
            self.signal(key, class::NONE, "");
        }
    }

    /// `key` changed by event `event` of class `class` (Redis's
    /// `notifyKeyspaceEvent`, which here implies [`Db::modified`]).
    #[inline]
    pub fn notify(&self, class: u32, event: &'static str, key: &[u8]) {
        if self.listening() {
            self.signal(key, class, event);
        }
    }

    #[cold]
    fn signal(&self, key: &[u8], class: u32, event: &'static str) {
        let exists = self.sig.watching() && self.in_table(key);
        let log = self.limits.switches.logging();
        self.sig.signal(self.index, key, exists, class, event, log);
    }

    /// True when `key` is in the table, expired or not (Redis's `dictFind`).
    pub fn in_table(&self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        self.table.find(hash, |e| e.key_is(key)).is_some()
    }

    /// The deadline of a live `key`, read-only: `None` when missing or
    /// expired, `Some(None)` when it has no time to live.
    pub fn ttl_ref(&self, key: &[u8], now: &Clock) -> Option<Option<Ms>> {
        let hash = self.hash(key);
        let e = self.table.find(hash, |e| e.key_is(key))?;
        let at = self.deadline(e);
        (!is_expired(at, now)).then_some(at)
    }

    /// True when `key` is in the table past its deadline (Redis's
    /// `keyIsExpired`).
    pub fn is_expired_key(&self, key: &[u8], now: &Clock) -> bool {
        let hash = self.hash(key);
        self.table
            .find(hash, |e| e.key_is(key))
            .is_some_and(|e| is_expired(self.deadline(e), now))
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

    /// The bucket of `key` if it is live, or the key's hash for an insertion.
    /// An expired key is removed on the way (Redis's `expireIfNeeded`).
    #[inline]
    fn probe(&mut self, key: &[u8], now: &Clock) -> Result<usize, u64> {
        self.probe_with(key, now, false)
    }

    /// [`Db::probe`]; with `lookup` (the caller only looks: it inserts
    /// nothing with the hash), an expired key is left in place while
    /// clients are paused ([`Limits::expiry_held`]), missing all the same.
    #[inline]
    fn probe_with(&mut self, key: &[u8], now: &Clock, lookup: bool) -> Result<usize, u64> {
        let hash = self.hash(key);
        let Some(idx) = self.table.find_bucket_index(hash, |e| e.key_is(key)) else {
            return Err(hash);
        };
        match self.table.get_bucket(idx) {
            Some(e) if is_expired(self.deadline(e), now) => {
                if lookup && self.limits.expiry_held(now.ms()) {
                    return Err(hash);
                }
                self.expire_bucket(idx);
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
        let found = self.probe_with(key, now, true).ok();
        self.counts.hits += found.is_some() as u64;
        self.counts.misses += found.is_none() as u64;
        if found.is_none() && self.listening() {
            self.missed(key);
        }
        found
    }

    /// A read lookup missed `key`: the "keymiss" event (class `m`), which a
    /// write command's caller drops again (Redis's write lookups do not
    /// send it).
    #[cold]
    fn missed(&self, key: &[u8]) {
        if self.limits.switches.notify() & class::KEY_MISS != 0 {
            self.sig
                .log_event(self.index, key, class::KEY_MISS, "keymiss");
        }
    }

    /// The bucket of `key` if it is live, not counted (a lookup only a
    /// write makes: DEL, EXPIRE, RENAME).
    #[inline]
    fn find_quiet(&mut self, key: &[u8], now: &Clock) -> Option<usize> {
        self.probe_with(key, now, true).ok()
    }

    /// Removes the entry in bucket `idx`, with its deadline.
    fn remove_bucket(&mut self, idx: usize) -> Option<Value> {
        self.cow(idx);
        let (node, _) = self.table.get_bucket_entry(idx).ok()?.remove();
        self.unlink_volatile(node.vidx());
        if matches!(node.value(), Value::Stream(_)) {
            // A stream going away answers its parked XREADGROUP readers
            // (Redis's `dbGenericDelete` signals it).
            self.ready.signal_in(self.index, node.key());
        }
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
        self.cow(idx);
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
        self.cow(idx);
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
        let e = self.table.find(hash, |e| e.key_is(key))?;
        (!is_expired(self.deadline(e), now)).then_some(e.value())
    }

    /// The live value of `key` and its deadline.
    pub fn get_with_deadline(
        &mut self,
        key: &[u8],
        now: &Clock,
    ) -> Option<(&mut Value, Option<Ms>)> {
        let idx = self.find(key, now)?;
        self.cow(idx);
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
                self.cow(idx);
                let clock = self.lru_clock;
                let mut had_ttl = false;
                if let Some(e) = self.table.get_bucket_mut(idx) {
                    *e.value_mut() = value;
                    had_ttl = e.vidx() != NO_TTL;
                    stamp(e, clock, &self.limits, &mut self.rng, &mut self.seq);
                }
                // A key without a deadline that keeps none needs no visit.
                if at.is_some() || (!keep_ttl && had_ttl) {
                    self.set_deadline(idx, at);
                }
                // A value replaced wholesale (RENAME, SORT … STORE onto a
                // key of another type) may serve a parked call too.
                self.ready.signal_in(self.index, key);
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
                let mut node = Node::new(key, value, vidx, clock, data);
                // Born taken: a snapshot in progress leaves it out.
                node.set_mark(self.parity);
                self.table
                    .insert_unique(hash, node, |e| hasher.hash_one(e.key()));
                self.ready.signal_in(self.index, key);
                self.notify(class::NEW, "new", key);
                return;
            }
        }
        self.modified(key);
    }

    /// Removes a live `key`, returning its value.
    pub fn remove(&mut self, key: &[u8], now: &Clock) -> Option<Value> {
        let idx = self.find_quiet(key, now)?;
        let v = self.remove_bucket(idx);
        self.modified(key);
        v
    }

    /// Sets the deadline of a live `key`; false when the key is missing.
    pub fn expire(&mut self, key: &[u8], at: Ms, now: &Clock) -> bool {
        match self.find_quiet(key, now) {
            Some(idx) => {
                self.touch_bucket(idx);
                self.set_deadline(idx, Some(at));
                self.modified(key);
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
        if had {
            self.modified(key);
        }
        had
    }

    /// Removes every key, releasing the memory (FLUSHDB, FLUSHALL): breaks
    /// the watches of keys it held, as Redis's `touchAllWatchedKeysInDb`.
    pub fn clear(&mut self) {
        if self.ready.any_waiting() {
            // Parked XREADGROUP readers of a stream that goes are answered
            // (Redis's `scanDatabaseForDeletedStreams`).
            self.ready.signal_all();
        }
        if self.listening() {
            self.emptied(None);
            self.sig.flushed();
        }
        // A snapshot in progress takes what it has not taken yet first.
        self.finish_snapshot_now();
        self.table = HashTable::new();
        self.volatile = Vec::new();
    }

    /// [`Db::clear`], the old table freed by the lazy-free thread when
    /// `lazy` (FLUSHALL / FLUSHDB ASYNC), counted as one object per key.
    pub fn clear_lazily(&mut self, lazy: bool) {
        if !lazy || self.table.is_empty() {
            return self.clear();
        }
        let keys = self.table.len() as u64;
        let old = std::mem::replace(&mut self.table, HashTable::new());
        self.clear();
        crate::store::lazyfree::free_all(old, keys);
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
        let idx = self.table.find_bucket_index(hash, |e| e.key_is(key))?;
        let e = self.table.get_bucket(idx)?;
        Some((e.value(), self.deadline(e)))
    }

    /// What is left of `key` after a write, without counting a lookup:
    /// `None` when it is gone, else its deadline (propagation's view).
    pub fn left_of(&mut self, key: &[u8], now: &Clock) -> Option<Option<Ms>> {
        let idx = self.find_quiet(key, now)?;
        self.table.get_bucket(idx).map(|e| self.deadline(e))
    }

    /// Every entry, moved out: `(key, value, deadline)` (a database handed
    /// to another thread travels as these; see [`Db::restore`]).
    pub fn into_entries(mut self) -> Entries {
        let volatile = std::mem::take(&mut self.volatile);
        self.table
            .drain()
            .map(|node| {
                let at = volatile.get(node.vidx() as usize).map(|v| v.at);
                let at = if node.vidx() == NO_TTL { None } else { at };
                (node.key().to_vec(), node.into_value(), at)
            })
            .collect()
    }

    /// Puts entries taken by [`Db::into_entries`] back (keys already here
    /// are replaced).
    pub fn restore(&mut self, entries: Entries) {
        let now = Clock::new();
        for (key, value, at) in entries {
            self.set(&key, value, &now, false, at);
        }
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

    /// Removes the key of bucket `idx`, found past its deadline by a
    /// lookup: counted and announced as expired, and logged as a `DEL`
    /// while the shard propagates (Redis's `deleteExpiredKeyAndPropagate`).
    pub(crate) fn expire_bucket(&mut self, idx: usize) {
        let Some(key) = self.table.get_bucket(idx).map(|e| e.key().to_vec()) else {
            return;
        };
        self.remove_bucket(idx);
        self.counts.expired += 1;
        self.notify(class::EXPIRED, "expired", &key);
        if self.log_expired {
            self.expired_log.push(key);
        }
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
                let node = self.table.get_bucket(idx).map(|e| e.key().to_vec());
                if let (true, Some(key)) = (self.log_expired, &node) {
                    self.expired_log.push(key.clone());
                }
                let gone = self.remove_bucket(idx).is_some();
                self.counts.expired += gone as u64;
                if let (true, Some(key)) = (gone && self.listening(), node) {
                    self.signal(&key, class::EXPIRED, "expired");
                }
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

mod access;
mod clock;
mod node;
mod persist;
mod prefetch;
mod sample;
pub(crate) use sample::Candidate;
mod scan;
mod snap;
#[cfg(test)]
mod tests;

//! Memory limits: `maxmemory`, the eight `maxmemory-policy` values and the
//! eviction that keeps the server under the limit, after Redis's `evict.c`.
//!
//! ## Counting memory
//! The figure compared with `maxmemory` comes from a [`MemoryGauge`] the
//! embedder installs ([`Limits::set_gauge`]): `kevy-server` installs its
//! counting global allocator, whose total any shard reads without a lock.
//! Without a gauge, each shard estimates: the allocator's statistics
//! (`mallinfo2`, too costly to read per command) read on the tick and after
//! every megabyte this shard wrote or evicted, plus the bytes it wrote
//! since (times the number of shards, assuming the others write alike).
//!
//! ## Evicting
//! Each shard owns its keys and evicts only its own. Before a command
//! flagged `denyoom` runs (and on every tick), a shard over the limit frees
//! its share of the excess (`(used - maxmemory) / shards`), like Redis's
//! `performEvictions`: LRU, LFU and volatile-ttl take the best candidate of
//! an eviction [`pool`] fed by sampling `maxmemory-samples` keys of each
//! database; the random policies take a random key, databases in turn; the
//! volatile policies only consider keys with a time to live. The bytes a
//! key freed are measured by the gauge's count for the evicting thread
//! (without a gauge, estimated as MEMORY USAGE does). The time spent per
//! call is bounded by `maxmemory-eviction-tenacity`; a shard that stopped
//! early goes on at its next write or tick. When nothing can be evicted
//! (`noeviction`, or a volatile policy with no key to live), the command is
//! refused with Redis's `-OOM` error; reads and deletions always run.
//!
//! ## Access data
//! Under an LFU policy an access updates the key's [`lfu`] counter instead
//! of its access clock (both live in the key's node header). The hot path
//! pays one relaxed load when `maxmemory` is 0 (and one per access to know
//! the policy).

pub mod lfu;
pub mod pool;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use kevy_rt::Args;

use crate::keyspace::{xorshift, Candidate, Clock, Db, Keyspace};
use crate::server::sys;
use pool::{Entry, Pool};

/// Redis's reply to a write refused over the limit (without the `-`).
pub const OOM: &[u8] = b"OOM command not allowed when used memory > 'maxmemory'.";

/// A `maxmemory-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Evict keys with a time to live, least recently used first.
    VolatileLru,
    /// Evict keys with a time to live, least frequently used first.
    VolatileLfu,
    /// Evict random keys with a time to live.
    VolatileRandom,
    /// Evict keys with a time to live, soonest deadline first.
    VolatileTtl,
    /// Evict any key, least recently used first.
    AllkeysLru,
    /// Evict any key, least frequently used first.
    AllkeysLfu,
    /// Evict random keys.
    AllkeysRandom,
    /// Evict nothing: refuse writes over the limit.
    NoEviction,
}

/// Every policy with its name, in the order `CONFIG SET` lists them.
pub const POLICIES: [(&str, Policy); 8] = [
    ("volatile-lru", Policy::VolatileLru),
    ("volatile-lfu", Policy::VolatileLfu),
    ("volatile-random", Policy::VolatileRandom),
    ("volatile-ttl", Policy::VolatileTtl),
    ("allkeys-lru", Policy::AllkeysLru),
    ("allkeys-lfu", Policy::AllkeysLfu),
    ("allkeys-random", Policy::AllkeysRandom),
    ("noeviction", Policy::NoEviction),
];

impl Policy {
    /// The policy named `name` (lowercase).
    pub fn parse(name: &str) -> Option<Policy> {
        POLICIES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        POLICIES[self as usize].0
    }

    /// True for the policies that only evict keys with a time to live.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// True for the LFU policies (accesses count frequency, not recency).
    pub fn lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllkeysLfu)
    }

    fn from_index(i: u8) -> Policy {
        POLICIES
            .get(i as usize)
            .map_or(Policy::NoEviction, |(_, p)| *p)
    }
}

/// Where the bytes in use come from: the embedder's allocator.
pub trait MemoryGauge: Send + Sync {
    /// Bytes the process holds allocated now (`used_memory`). Cheap enough
    /// to call before every write while `maxmemory` is set.
    fn used(&self) -> u64;
    /// A running count of the calling thread's allocations minus its frees,
    /// in bytes: only differences mean something (what an eviction freed).
    fn thread_net(&self) -> i64;
}

/// The memory settings, shared by every shard (atomics, set by `CONFIG`).
pub struct Limits {
    maxmemory: AtomicU64,
    /// Index into [`POLICIES`].
    policy: AtomicU8,
    samples: AtomicU32,
    tenacity: AtomicU32,
    lfu_log_factor: AtomicU32,
    lfu_decay_time: AtomicU32,
    lfu: AtomicBool,
    gauge: OnceLock<&'static dyn MemoryGauge>,
    /// The gauge's figure when it was installed (`used_memory_startup`).
    startup: AtomicU64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("maxmemory", &self.maxmemory())
            .field("policy", &self.policy())
            .finish_non_exhaustive()
    }
}

impl Limits {
    /// Redis's defaults: no limit, `noeviction`, 5 samples, tenacity 10,
    /// LFU log factor 10 and decay time 1.
    pub fn new() -> Limits {
        Limits {
            maxmemory: AtomicU64::new(0),
            policy: AtomicU8::new(Policy::NoEviction as u8),
            samples: AtomicU32::new(5),
            tenacity: AtomicU32::new(10),
            lfu_log_factor: AtomicU32::new(10),
            lfu_decay_time: AtomicU32::new(1),
            lfu: AtomicBool::new(false),
            gauge: OnceLock::new(),
            startup: AtomicU64::new(0),
        }
    }

    /// The limit in bytes (0: none).
    #[inline]
    pub fn maxmemory(&self) -> u64 {
        self.maxmemory.load(Relaxed)
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        Policy::from_index(self.policy.load(Relaxed))
    }

    /// True under an LFU policy.
    #[inline]
    pub fn lfu(&self) -> bool {
        self.lfu.load(Relaxed)
    }

    /// `lfu-log-factor` and `lfu-decay-time`.
    #[inline]
    pub fn lfu_params(&self) -> (u32, u32) {
        (
            self.lfu_log_factor.load(Relaxed),
            self.lfu_decay_time.load(Relaxed),
        )
    }

    /// `maxmemory-samples`.
    pub fn samples(&self) -> usize {
        self.samples.load(Relaxed).max(1) as usize
    }

    /// Applies the value `v` (canonical text) of setting `name`; false
    /// when `name` is not a memory setting.
    pub fn update(&self, name: &str, v: &str) -> bool {
        let n = || v.parse::<u64>().unwrap_or(0);
        match name {
            "maxmemory" => self.maxmemory.store(n(), Relaxed),
            "maxmemory-policy" => {
                let p = Policy::parse(v).unwrap_or(Policy::NoEviction);
                self.policy.store(p as u8, Relaxed);
                self.lfu.store(p.lfu(), Relaxed);
            }
            "maxmemory-samples" => self.samples.store(n() as u32, Relaxed),
            "maxmemory-eviction-tenacity" => self.tenacity.store(n() as u32, Relaxed),
            "lfu-log-factor" => self.lfu_log_factor.store(n() as u32, Relaxed),
            "lfu-decay-time" => self.lfu_decay_time.store(n() as u32, Relaxed),
            _ => return false,
        }
        true
    }

    /// Installs the gauge `used_memory` and eviction read (the first one
    /// wins); false when one was already installed.
    pub fn set_gauge(&self, gauge: &'static dyn MemoryGauge) -> bool {
        let set = self.gauge.set(gauge).is_ok();
        if set {
            self.startup.store(gauge.used(), Relaxed);
        }
        set
    }

    /// The gauge's figure when it was installed, if there is one.
    pub fn startup(&self) -> Option<u64> {
        self.gauge().map(|_| self.startup.load(Relaxed))
    }

    /// The installed gauge.
    #[inline]
    pub fn gauge(&self) -> Option<&'static dyn MemoryGauge> {
        self.gauge.get().copied()
    }

    /// Bytes in use: the gauge's figure, else the allocator's statistics,
    /// else the resident size.
    pub fn used(&self) -> u64 {
        match self.gauge() {
            Some(g) => g.used(),
            None => sys::allocated_bytes().unwrap_or_else(sys::rss_bytes),
        }
    }

    /// How long one eviction call may run, in µs (Redis's
    /// `evictionTimeLimitUs`): 50 µs per tenacity step up to 10, then 15%
    /// more per step, unlimited at 100.
    pub fn time_limit_us(&self) -> u64 {
        time_limit_us(self.tenacity.load(Relaxed))
    }
}

/// Redis's `evictionTimeLimitUs` for `tenacity`.
pub fn time_limit_us(tenacity: u32) -> u64 {
    match tenacity {
        0..=10 => 50 * tenacity as u64,
        11..=99 => (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        _ => u64::MAX,
    }
}

/// What an eviction call achieved (Redis's `EVICT_OK | RUNNING | FAIL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Ok,
    /// Still over, out of time: goes on later; the write may run.
    Running,
    /// Over the limit with nothing left to evict: refuse writes.
    Fail,
}

/// Bytes written or evicted since the last look at the allocator after
/// which a shard without a gauge looks again.
const ESTIMATE_REFRESH: u64 = 1 << 20;

/// A shard's eviction state.
#[derive(Debug)]
pub struct Evictor {
    limits: Arc<Limits>,
    pool: Pool,
    /// Keys evicted (INFO `evicted_keys`).
    pub evicted: u64,
    /// The database the random policies look at next.
    next_db: usize,
    /// Without a gauge: the allocator's figure at the last look…
    base: u64,
    /// …and what this shard wrote minus what it evicted since.
    grown: i64,
}

impl Evictor {
    /// A shard's eviction state under `limits`.
    pub fn new(limits: Arc<Limits>) -> Evictor {
        Evictor {
            limits,
            pool: Pool::default(),
            evicted: 0,
            next_db: 0,
            base: 0,
            grown: 0,
        }
    }

    /// The settings.
    pub fn limits(&self) -> &Arc<Limits> {
        &self.limits
    }

    /// True when a limit is set (one relaxed load).
    #[inline]
    pub fn limited(&self) -> bool {
        self.limits.maxmemory() != 0
    }

    /// Bytes in use as this shard sees them.
    fn used(&mut self, shards: usize) -> u64 {
        if self.limits.gauge().is_some() {
            return self.limits.used();
        }
        if self.base == 0 || self.grown.unsigned_abs() >= ESTIMATE_REFRESH {
            self.refresh();
        }
        let grown = self.grown.max(0) as u64;
        self.base
            .saturating_add(grown.saturating_mul(shards as u64))
    }

    /// Looks at the allocator again (no gauge): on the tick, and after a
    /// megabyte written or evicted.
    fn refresh(&mut self) {
        self.base = self.limits.used();
        self.grown = 0;
    }
}

impl Keyspace {
    /// Before a command flagged `denyoom` with arguments `args`: evicts as
    /// needed and says whether the command must be refused with [`OOM`].
    #[inline]
    pub fn refuses_write(&mut self, args: Args<'_>) -> bool {
        self.evict.limited() && self.write_over_limit(args)
    }

    #[cold]
    #[inline(never)]
    fn write_over_limit(&mut self, args: Args<'_>) -> bool {
        if self.evict.limits.gauge().is_none() {
            let bytes: usize = args.iter().map(|a| a.len()).sum();
            self.evict.grown += bytes as i64;
        }
        self.perform_evictions() == Outcome::Fail
    }

    /// The periodic part: goes on with an eviction cut short and refreshes
    /// the estimate (no gauge).
    pub fn evict_tick(&mut self) {
        if !self.evict.limited() {
            return;
        }
        if self.evict.limits.gauge().is_none() {
            self.evict.refresh();
        }
        self.perform_evictions();
    }

    fn shards(&self) -> usize {
        self.server.info.as_ref().map_or(1, |i| i.nshards.max(1))
    }

    /// Frees this shard's share of the memory over the limit (Redis's
    /// `performEvictions`).
    pub fn perform_evictions(&mut self) -> Outcome {
        let max = self.evict.limits.maxmemory();
        if max == 0 {
            return Outcome::Ok;
        }
        let shards = self.shards();
        let used = self.evict.used(shards);
        if used <= max {
            return Outcome::Ok;
        }
        let policy = self.evict.limits.policy();
        if policy == Policy::NoEviction {
            return Outcome::Fail;
        }
        let tofree = (used - max).div_ceil(shards as u64);
        let limit = self.evict.limits.time_limit_us();
        let start = Instant::now();
        let (mut freed, mut keys) = (0u64, 0u64);
        let outcome = loop {
            if freed >= tofree {
                break Outcome::Ok;
            }
            let Some(bytes) = self.evict_one(policy) else {
                break Outcome::Fail;
            };
            freed += bytes;
            keys += 1;
            if keys % 16 == 0 && start.elapsed().as_micros() as u64 > limit {
                break Outcome::Running;
            }
        };
        if self.evict.limits.gauge().is_none() {
            self.evict.grown -= freed as i64;
        }
        outcome
    }

    /// Evicts one key chosen by `policy` and returns the bytes that freed:
    /// measured by the gauge's count for this thread around the removal,
    /// else estimated as MEMORY USAGE does. `None` when nothing can be
    /// evicted.
    fn evict_one(&mut self, policy: Policy) -> Option<u64> {
        let volatile = policy.volatile();
        let entry = match policy {
            Policy::AllkeysRandom | Policy::VolatileRandom => self.random_victim(volatile)?,
            _ => self.pool_victim(policy)?,
        };
        let gauge = self.evict.limits.gauge();
        let before = gauge.map_or(0, |g| g.thread_net());
        let value = self.dbs[entry.db].evict(&entry.key, volatile);
        let estimate = match (&value, gauge) {
            (Some(v), None) => crate::family::debug::value_bytes(&entry.key, v, 5) as u64,
            _ => 0,
        };
        let found = value.is_some();
        drop(value);
        let bytes = match gauge {
            Some(g) => (before - g.thread_net()).max(0) as u64,
            None => estimate,
        };
        if found {
            self.evict.evicted += 1;
        }
        self.evict.pool.recycle(entry);
        Some(bytes)
    }

    /// A random key (with a time to live when `volatile`), databases in turn.
    fn random_victim(&mut self, volatile: bool) -> Option<Entry> {
        let ndb = self.dbs.len();
        let now = Clock::new();
        for _ in 0..ndb {
            self.evict.next_db = (self.evict.next_db + 1) % ndb;
            let db = self.evict.next_db;
            let rng = &mut self.rng;
            let mut rand = || xorshift(rng);
            let key = if volatile {
                self.dbs[db].random_volatile_key(&mut rand)
            } else {
                self.dbs[db].random_key(&now, rand).map(|k| k.to_vec())
            };
            if let Some(key) = key {
                return Some(Entry { score: 0, db, key });
            }
        }
        None
    }

    /// The best candidate of the pool after sampling every database
    /// (Redis's `evictionPoolPopulate` then the pick from its end).
    fn pool_victim(&mut self, policy: Policy) -> Option<Entry> {
        /// Rounds of sampling before giving up on finding a live candidate.
        const ROUNDS: usize = 16;
        let volatile = policy.volatile();
        let samples = self.evict.limits.samples();
        for _ in 0..ROUNDS {
            let mut total = 0;
            for (i, db) in self.dbs.iter().enumerate() {
                let n = if volatile {
                    db.volatile_len()
                } else {
                    db.len()
                };
                if n == 0 {
                    continue;
                }
                total += n;
                populate(&mut self.evict.pool, i, db, policy, samples, &mut self.rng);
            }
            if total == 0 {
                return None;
            }
            // Unlike Redis, a candidate accessed since it was scored goes
            // back with its new score rather than being evicted.
            for _ in 0..pool::SIZE * 2 {
                let Some(e) = self.evict.pool.pop() else {
                    break;
                };
                let Some(db) = self.dbs.get(e.db) else {
                    self.evict.pool.recycle(e);
                    continue;
                };
                let Some(c) = db.candidate(&e.key, volatile) else {
                    self.evict.pool.recycle(e);
                    continue;
                };
                let now = Scorer::new(policy, db).score(&c);
                if now >= e.score {
                    return Some(e);
                }
                self.evict.pool.offer(now, e.db, &e.key);
                self.evict.pool.recycle(e);
            }
        }
        None
    }
}

/// Offers `samples` random keys of database `index` to the pool, scored by
/// `policy`.
fn populate(pool: &mut Pool, index: usize, db: &Db, policy: Policy, samples: usize, rng: &mut u64) {
    let scorer = Scorer::new(policy, db);
    db.sample(policy.volatile(), samples, &mut || xorshift(rng), |c| {
        pool.offer(scorer.score(&c), index, c.key);
    });
}

/// Scores candidates of one database under one policy: the higher, the
/// sooner evicted.
struct Scorer {
    policy: Policy,
    clock: u32,
    minute: u32,
    decay: u32,
    seq: u32,
}

impl Scorer {
    fn new(policy: Policy, db: &Db) -> Scorer {
        let clock = db.lru_clock();
        Scorer {
            policy,
            clock,
            minute: lfu::minutes(clock),
            decay: db.limits().lfu_params().1,
            seq: db.access_seq(),
        }
    }

    /// LFU: `255 - frequency`; volatile-ttl: `u64::MAX - deadline`; LRU:
    /// ticks idle, then accesses since (finer than Redis's one-second
    /// clock: a key read a moment ago is never taken for one written
    /// before it in the same tick).
    fn score(&self, c: &Candidate<'_>) -> u64 {
        match self.policy {
            Policy::AllkeysLfu | Policy::VolatileLfu => {
                255 - lfu::decayed(c.lfu, self.minute, self.decay).min(255) as u64
            }
            Policy::VolatileTtl => u64::MAX - c.at.unwrap_or(i64::MAX).max(0) as u64,
            _ => {
                let idle = self.clock.wrapping_sub(c.lru) as u64;
                (idle << 32) | self.seq.wrapping_sub(c.lfu) as u64
            }
        }
    }
}

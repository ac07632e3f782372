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
//! Over the limit, the memory Redis leaves out of it
//! (`freeMemoryGetNotCountedMemory`) is taken off first
//! ([`Uncounted`](crate::accounting::Uncounted)): the replicas' output
//! buffers (a replica that stops reading must not make the primary evict
//! its keys or refuse writes) and the append-only file's buffer. They are
//! counters kept where those buffers grow and shrink (the runtime's sum of
//! the replica class's output, the replica list's streams, the shards'
//! feeds), a few relaxed loads, read only once the gauge is over.
//!
//! ## Evicting
//! Each shard owns its keys and evicts only its own. Before a command
//! flagged `denyoom` runs (and before a read, see
//! [`ShardState::evict_before`]), a shard over the limit frees
//! its share of the excess (`(used - maxmemory) / shards`), like Redis's
//! `performEvictions`: LRU, LFU and volatile-ttl take the best candidate of
//! an eviction [`pool`] fed by sampling `maxmemory-samples` keys of each
//! database; the random policies take a random key, databases in turn; the
//! volatile policies only consider keys with a time to live. The bytes a
//! key freed are measured by the gauge's count for the evicting thread
//! (without a gauge, estimated as MEMORY USAGE does). The time spent per
//! call is bounded by `maxmemory-eviction-tenacity`; a shard that stopped
//! early goes on at its next command or tick (the tick evicts for nothing
//! else: between commands the excess is mostly output on its way, such as
//! an eviction's own invalidations). When nothing can be evicted
//! (`noeviction`, or a volatile policy with no key to live), the command is
//! refused with Redis's `-OOM` error; reads and deletions always run.
//!
//! ## Access data
//! Under an LFU policy an access updates the key's [`lfu`] counter instead
//! of its access clock (both live in the key's node header). The hot path
//! pays one relaxed load when `maxmemory` is 0 (and one per access to know
//! the policy).

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Instant;

use kevy_rt::Args;

use crate::base::random::xorshift;
use crate::shard::ShardState;
use crate::store::db::{Candidate, Clock, Db};
use crate::store::lfu;
pub use crate::store::limits::{time_limit_us, Limits, MemoryGauge, Policy, POLICIES};
use crate::store::pool::{self, Entry, Pool};

/// Redis's reply to a write refused over the limit (without the `-`).
pub const OOM: &[u8] = b"OOM command not allowed when used memory > 'maxmemory'.";

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

/// What [`ShardState::evict_one`] did.
#[derive(Debug, PartialEq, Eq)]
enum Evicted {
    /// Removed a key, which freed this many bytes.
    Freed(u64),
    /// Found nothing to evict.
    Nothing,
    /// The key chosen holds more than the cap: it stays.
    PastCap,
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
    /// The last eviction stopped short of its goal for time (Redis's
    /// `EVICT_RUNNING`): the tick goes on with it.
    running: bool,
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
            running: false,
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

impl ShardState {
    /// Before a command flagged `denyoom` with arguments `args`: evicts as
    /// needed and says whether the command must be refused with [`OOM`].
    #[inline]
    pub fn refuses_write(&mut self, args: Args<'_>) -> bool {
        self.evict.limited() && self.write_over_limit(args)
    }

    /// Before any other command: evicts as needed, as Redis does before
    /// every command while over `maxmemory` (reads included), refusing
    /// nothing. Unlike a write's, a read's eviction never frees more than
    /// this shard's share: a key that would take it past it stays. Every
    /// shard sees writes alike (keys hash evenly) but not reads (a few hot
    /// keys), and a shard that evicted a whole key for each read a little
    /// over the limit lost its keys to the other shards (measured: the
    /// hot-reading shard did three quarters of the evictions, and the
    /// resident size grew 15% past the limit as each shard's malloc arena
    /// kept its peak).
    #[inline]
    pub fn evict_before(&mut self) {
        if self.evict.limited() {
            self.evict_now();
        }
    }

    /// Before a command of client `client` (speaking RESP3 when `resp3`),
    /// with the limit set: evicts as [`refuses_write`](Self::refuses_write)
    /// (a `write`) or [`evict_before`](Self::evict_before) do, then tells
    /// the tracking clients of the keys that went, `client` itself in
    /// `out` (its reply buffer) ahead of the reply: Redis evicts in
    /// `processCommand`, before `call`, and sends those invalidations at
    /// once. True when the write must be refused.
    #[cold]
    #[inline(never)]
    pub fn evict_for(
        &mut self,
        write: bool,
        args: Args<'_>,
        (client, resp3): (u64, bool),
        out: &mut Vec<u8>,
    ) -> bool {
        let evicted = self.evict.evicted;
        let refused = if write {
            self.write_over_limit(args)
        } else {
            self.evict_now();
            false
        };
        if self.evict.evicted != evicted {
            let ahead = super::tracking::Ahead {
                client,
                resp3,
                out: Default::default(),
            };
            self.flush_signals_ahead(&ahead);
            out.extend_from_slice(&ahead.out.into_inner());
        }
        refused
    }

    #[cold]
    #[inline(never)]
    fn evict_now(&mut self) {
        if !self.clients_first() {
            self.evict_share(true);
        }
    }

    /// Redis evicts clients before keys (`processCommand`): while the
    /// connections hold more than `maxmemory-clients`, a read leaves the
    /// keys alone and has every shard evict clients at once (closing them
    /// frees what put the server over `maxmemory`).
    fn clients_first(&self) -> bool {
        let Some(info) = self.server.info.as_ref() else {
            return false;
        };
        let s = &info.settings;
        let limit = s.max_client_memory();
        if limit == 0 || s.client_memory() + s.replies_in_transit() <= limit {
            return false;
        }
        s.evict_clients_now();
        true
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
    /// the estimate (no gauge). Only one cut short, as Redis's
    /// `evictionTimeProc`: between commands, memory over the limit is
    /// mostly output in transit (an eviction's own invalidations on their
    /// way to tracking clients); evicting for it each tick evicted more
    /// keys, whose invalidations kept it over, until the keyspace was gone
    /// (Redis's "client tracking don't cause eviction feedback loop").
    pub fn evict_tick(&mut self) {
        if !self.evict.limited() {
            return;
        }
        if self.evict.limits.gauge().is_none() {
            self.evict.refresh();
        }
        if self.evict.running && !self.clients_first() {
            self.perform_evictions();
        }
    }

    /// After `CONFIG SET maxmemory`: frees this shard's share of what was
    /// over the new limit when it was set ([`Limits::note_goal`]), no more
    /// than is over now.
    pub fn evict_nudged(&mut self) {
        if !self.evict.limited() || self.clients_first() {
            return;
        }
        let share = self.evict.limits.goal().div_ceil(self.shards() as u64);
        self.evict_up_to(false, Some(share));
    }

    /// The memory `maxmemory` leaves out now
    /// ([`Uncounted`](crate::accounting::Uncounted)).
    fn uncounted(&self) -> u64 {
        let settings = self.server.info.as_ref().map(|i| &*i.settings);
        self.server.shared.uncounted(settings).total()
    }

    fn shards(&self) -> usize {
        self.server.info.as_ref().map_or(1, |i| i.nshards.max(1))
    }

    /// Frees this shard's share of the memory over the limit (Redis's
    /// `performEvictions`).
    pub fn perform_evictions(&mut self) -> Outcome {
        self.evict_share(false)
    }

    /// Frees this shard's share of the excess; for a `read`, stops at the
    /// first key that would take it past the share.
    fn evict_share(&mut self, read: bool) -> Outcome {
        self.evict_up_to(read, None)
    }

    /// [`evict_share`](Self::evict_share), freeing no more than `cap`.
    fn evict_up_to(&mut self, read: bool, cap: Option<u64>) -> Outcome {
        self.evict.running = false;
        let max = self.evict.limits.maxmemory();
        if max == 0 {
            return Outcome::Ok;
        }
        let shards = self.shards();
        let used = self.evict.used(shards);
        if used <= max {
            return Outcome::Ok;
        }
        // Over the limit: without the memory it leaves out (replicas'
        // output, the append-only file's buffer), as Redis's
        // `getMaxmemoryState` looks at it only then.
        let used = used.saturating_sub(self.uncounted());
        if used <= max {
            return Outcome::Ok;
        }
        let policy = self.evict.limits.policy();
        if policy == Policy::NoEviction {
            return Outcome::Fail;
        }
        let tofree = (used - max).div_ceil(shards as u64);
        let tofree = cap.map_or(tofree, |c| c.min(used - max));
        let limit = self.evict.limits.time_limit_us();
        let start = Instant::now();
        let (mut freed, mut keys) = (0u64, 0u64);
        let outcome = loop {
            if freed >= tofree {
                break Outcome::Ok;
            }
            let cap = read.then(|| tofree - freed);
            let bytes = match self.evict_one(policy, cap) {
                Evicted::Freed(bytes) => bytes,
                Evicted::Nothing => break Outcome::Fail,
                Evicted::PastCap => break Outcome::Running,
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
        self.evict.running = outcome == Outcome::Running;
        outcome
    }

    /// Evicts one key chosen by `policy` and says what that freed:
    /// measured by the gauge's count for this thread around the removal,
    /// else estimated as MEMORY USAGE does. With a `cap`, a key estimated
    /// to hold more than `cap` bytes stays.
    fn evict_one(&mut self, policy: Policy, cap: Option<u64>) -> Evicted {
        let volatile = policy.volatile();
        let victim = match policy {
            Policy::AllkeysRandom | Policy::VolatileRandom => self.random_victim(volatile),
            _ => self.pool_victim(policy),
        };
        let Some(entry) = victim else {
            return Evicted::Nothing;
        };
        if let Some(cap) = cap {
            let size = self.dbs[entry.db].raw(&entry.key).map_or(0, |(v, _)| {
                crate::model::size::value_bytes(&entry.key, v, 5)
            });
            if size as u64 > cap {
                self.evict.pool.recycle(entry);
                return Evicted::PastCap;
            }
        }
        let gauge = self.evict.limits.gauge();
        // The change log's growth (the evicted key's name, kept for
        // tracking and notifications) is left out of what the removal
        // freed, as Redis measures only the delete (#8100): counted, a long
        // key name freed next to nothing and the loop evicted ten keys for
        // one.
        let log = self.dbs[entry.db].signals().clone();
        let (before, logged) = (gauge.map_or(0, |g| g.thread_net()), log.log_capacity());
        let value = self.dbs[entry.db].evict(&entry.key, volatile);
        let estimate = match (&value, gauge) {
            (Some(v), None) => crate::model::size::value_bytes(&entry.key, v, 5) as u64,
            _ => 0,
        };
        let found = value.is_some();
        drop(value);
        let bytes = match gauge {
            Some(g) => {
                let grown = log.log_capacity().saturating_sub(logged) as i64;
                (before - g.thread_net() + grown).max(0) as u64
            }
            None => estimate,
        };
        if found {
            self.evict.evicted += 1;
            if self.aof.on {
                let db = entry.db as u32;
                self.aof.out().command(db, &[&b"DEL"[..], &entry.key[..]]);
            }
        }
        self.evict.pool.recycle(entry);
        Evicted::Freed(bytes)
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

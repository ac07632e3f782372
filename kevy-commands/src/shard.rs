//! Layer 5, shard state: everything one shard owns ([`ShardState`]): its
//! databases, its server accounting ([`crate::accounting`]), its eviction
//! state ([`evict`]) and active expiry ([`expire`]).

mod aoflog;
pub mod evict;
pub mod expire;
pub mod notify;
pub mod pubsub;
pub mod tracking;

use std::sync::Arc;

use crate::base::random::xorshift;
use crate::store::db::{lru_ticks, Db, Ms};
use crate::store::limits::Limits;
use evict::Evictor;

/// One shard's state: its databases and the active-expiry cursor.
pub struct ShardState {
    /// The numbered databases (`SELECT` index).
    pub dbs: Vec<Db>,
    /// xorshift state for sampling.
    pub(crate) rng: u64,
    /// The database the next active-expiry cycle starts with.
    pub(crate) expire_cursor: usize,
    /// The shard's server accounting (statistics, slow log, latency).
    pub server: crate::accounting::ShardServer,
    /// The shard's eviction state (pool, counters).
    pub evict: Evictor,
    /// The pub/sub subscriptions of this shard's connections.
    pub pubsub: crate::shard::pubsub::Registry,
    /// The active expiry's figures for INFO.
    pub expire_stats: expire::ExpireStats,
    /// What `$` meant to parked XREADs on this shard's streams.
    pub stream_waits: crate::model::stream::Waits,
    /// The modified-key hook its databases share (watches, change log).
    pub sig: std::rc::Rc<crate::store::signal::Signals>,
    /// Where this shard sends pushes and notices.
    pub outbox: kevy_rt::Outbox,
    /// Bytes of replicas' streams this shard took and pushed, still counted
    /// as replication buffers until the push is surely delivered (the next
    /// drain, the tick: see `Notice::ReplDrain`).
    pub repl_taken: u64,
    /// This shard's index and the number of shards.
    pub id: usize,
    /// The number of shards.
    pub nshards: usize,
    /// The watches of this shard's clients, by client id.
    pub cas: std::collections::HashMap<u64, notify::Cas>,
    /// The last watch generation handed out.
    pub next_gen: u64,
    /// What this shard's writes propagate to the append-only file.
    pub aof: crate::aof::Feed,
    /// This shard replays a log (AOF loading, at start-up or DEBUG
    /// LOADAOF): its commands' clock then reads 0 ([`ShardState::clock`]).
    pub loading: bool,
    /// The start-up load was not done when this shard was made: it takes
    /// its keys once it is (at its tick or a nudge).
    pub awaiting_load: bool,
    /// Client-side caching: the tracked keys of this shard.
    pub tracking: tracking::Table,
    /// This shard's copy of the ACL users (checks of restricted clients).
    pub acl: crate::acl::Cache,
}

impl ShardState {
    /// The clock of a command this shard runs: the system time read on
    /// first use — or, while the shard replays a log, stopped at 0, so no
    /// key expires during the replay (Redis's `expireIfNeeded` while
    /// `server.loading`) and a deadline the log set in the past is kept
    /// as set: a command of the log that met a key before its deadline
    /// meets it again.
    #[inline]
    pub fn clock(&self) -> crate::store::db::Clock {
        match self.loading {
            false => crate::store::db::Clock::new(),
            true => crate::store::db::Clock::loading(),
        }
    }

    /// A shard of `databases` empty databases; `seed` varies the sampling.
    pub fn new(databases: usize, seed: u64) -> ShardState {
        let sig = std::rc::Rc::new(crate::store::signal::Signals::default());
        ShardState {
            dbs: (0..databases.max(1))
                .map(|i| {
                    let mut db = Db::new();
                    db.attach(&sig, i as u32);
                    db
                })
                .collect(),
            rng: seed | 1,
            expire_cursor: 0,
            server: Default::default(),
            evict: Evictor::new(Arc::new(Limits::default())),
            pubsub: Default::default(),
            expire_stats: Default::default(),
            stream_waits: Default::default(),
            sig,
            outbox: kevy_rt::Outbox::new(),
            repl_taken: 0,
            id: 0,
            nshards: 1,
            cas: Default::default(),
            next_gen: 0,
            aof: Default::default(),
            loading: false,
            awaiting_load: false,
            tracking: Default::default(),
            acl: Default::default(),
        }
    }

    /// Makes every database and the eviction follow `limits` (the server's
    /// memory settings).
    pub fn set_limits(&mut self, limits: &Arc<Limits>) {
        for (i, db) in self.dbs.iter_mut().enumerate() {
            db.limits = limits.clone();
            db.rng = self.rng ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        self.evict = Evictor::new(limits.clone());
    }

    /// Number of databases.
    #[inline]
    pub fn db_count(&self) -> usize {
        self.dbs.len()
    }

    /// Makes every database signal the keys it creates to `ready` (the
    /// runtime serves parked calls waiting on them).
    pub fn set_ready(&mut self, ready: &kevy_rt::ReadyKeys) {
        for db in &mut self.dbs {
            db.ready = ready.clone();
        }
    }

    /// Database `i` (0 when out of range), read-only.
    #[inline]
    pub fn db_ref(&self, i: usize) -> &Db {
        self.dbs.get(i).unwrap_or(&self.dbs[0])
    }

    /// Database `i`, falling back to database 0 for an index out of range
    /// (the session only ever holds valid indexes).
    #[inline]
    pub fn db(&mut self, i: usize) -> &mut Db {
        let i = if i < self.dbs.len() { i } else { 0 };
        &mut self.dbs[i]
    }

    /// Sets every database's access clock to unix time `ms` (once per tick,
    /// like Redis's `serverCron` refreshing `server.lruclock`).
    pub fn tick_clock(&mut self, ms: Ms) {
        let t = lru_ticks(ms);
        self.dbs.iter_mut().for_each(|db| db.set_lru_clock(t));
    }

    /// Swaps databases `i` and `j` (SWAPDB); false when either is out of range.
    pub fn swap_dbs(&mut self, i: usize, j: usize) -> bool {
        if i >= self.dbs.len() || j >= self.dbs.len() {
            return false;
        }
        self.dbs[i].emptied(Some(&self.dbs[j]));
        self.dbs[j].emptied(Some(&self.dbs[i]));
        self.dbs.swap(i, j);
        // Parked calls wait on key names: both databases' keys may now
        // serve them (Redis's `scanDatabaseForReadyKeys`).
        self.dbs[i].ready.signal_all();
        self.dbs[i].index = i as u32;
        self.dbs[j].index = j as u32;
        if self.dbs[i].limits().switches.logging() {
            self.dbs[i].signals().flushed();
        }
        true
    }

    /// A pseudo-random number (xorshift64*).
    #[inline]
    pub(crate) fn random(&mut self) -> u64 {
        xorshift(&mut self.rng)
    }
}

//! What the server keeps about saving and loading, shared by every shard
//! ([`Persist`], a field of the server state): the time and outcome of
//! the last save (`LASTSAVE`, INFO's `rdb_*`), the background save in
//! progress, the keys of the last load (`rdb_last_load_keys_*`,
//! `loading_*`), each shard's change counter as its tick last published
//! it (the `save <seconds> <changes>` rules read their sum), and the
//! shards' databases handed over at shutdown for the final save.
//!
//! A background save is a [`Job`]: whoever starts one (BGSAVE, a save
//! rule) creates it and bumps the epoch; each shard's tick sees the new
//! epoch and starts an incremental snapshot of its databases there (its
//! cut), which its ticks and event-loop iterations encode slice by slice
//! while it keeps serving (`store::db::snap`); once complete, the shard
//! deposits the encoded keys, and the shard depositing last hands the
//! chunks to a writer thread. No shard waits for another, and the extra
//! memory is the encoded keys (the size of the file).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::rdb::{DbChunk, Loaded};
use crate::base::clock::now_ms;

/// The Redis version kevy answers as (INFO's `redis_version`, the RDB's
/// `redis-ver`).
pub const REDIS_VERSION: &str = "7.0.15";

/// A background save being assembled.
#[derive(Debug)]
pub struct Job {
    /// The shards' encoded keys so far.
    pub chunks: Mutex<Vec<DbChunk>>,
    /// Shards that have not deposited yet.
    pub remaining: AtomicUsize,
    /// The sum of the depositing shards' change counters at their snapshot.
    pub dirty: AtomicU64,
    /// When it was asked for.
    pub started: Instant,
}

/// The function libraries as persistence sees them: their code, to save
/// (RDB `FUNCTION2` entries, `FUNCTION LOAD` commands in an AOF base), and
/// a way to put saved ones back. The scripting layer, above this one,
/// registers itself in [`Persist::functions`].
pub trait Functions: Send + Sync {
    /// Every library's code (its `#!lua name=…` line first), in name order.
    fn codes(&self) -> Vec<Vec<u8>>;
    /// Loads the libraries `codes`, first deleting every library when
    /// `flush`; an error (a library that does not load, a name taken)
    /// changes nothing.
    fn restore(&self, codes: &[Vec<u8>], flush: bool) -> Result<(), String>;
}

/// Replays the append-only file into this many new shards and leaves
/// their databases for the live shards to take (DEBUG LOADAOF); the error
/// names the file and offset that did not load.
pub type AofLoader = dyn Fn(usize) -> Result<(), String> + Send + Sync;

/// What a shard's incremental snapshot is for.
#[derive(Debug)]
pub enum SnapJob {
    /// A background save, with the shard's change counter at its cut.
    Save(Arc<Job>, u64),
    /// An AOF rewrite's base, for the rewrite of this generation.
    Rewrite(u64),
    /// A stopped rewrite's snapshot, run to its end without encoding
    /// anything (its nodes' marks must come back to the database's
    /// parity), then dropped.
    Discard,
}

/// Which background job holds the shards' snapshots (one at a time, as
/// Redis runs one fork child at a time).
pub mod child {
    /// None runs.
    pub const NONE: u8 = 0;
    /// A background save.
    pub const RDB: u8 = 1;
    /// An AOF rewrite.
    pub const AOF: u8 = 2;
}

/// The server's persistence state.
pub struct Persist {
    /// Unix seconds of the last successful save (`LASTSAVE`).
    pub last_save: AtomicI64,
    /// The change count the last successful save covered.
    pub dirty_saved: AtomicU64,
    /// Whether the last background save succeeded.
    pub last_bgsave_ok: AtomicBool,
    /// Seconds the last background save took (-1: none yet).
    pub last_bgsave_secs: AtomicI64,
    /// Unix ms of the last failed background save (retry delay).
    pub last_bgsave_fail_ms: AtomicI64,
    /// Saves done (`rdb_saves`).
    pub saves: AtomicU64,
    /// Keys loaded and skipped as expired by the last load.
    pub last_load_loaded: AtomicU64,
    /// Keys skipped as expired by the last load.
    pub last_load_expired: AtomicU64,
    /// A load in progress (`loading`): from [`crate::Redis::begin_loading`]
    /// until every shard has taken what was loaded; while it holds,
    /// commands without Redis's `loading` flag are answered `-LOADING`.
    pub loading: AtomicBool,
    /// The start-up load is done: its keys wait in [`Persist::preload`]
    /// and `Shared::preloaded` for each shard to take them (at its next
    /// tick, or when it is made).
    pub loaded: AtomicBool,
    /// Shards that took theirs; the last one ends `loading`.
    pub installed: AtomicUsize,
    /// Number of shards (set when they are made).
    pub shards: AtomicUsize,
    /// Each shard's change counter, published by its tick.
    pub dirty_slots: Mutex<Vec<u64>>,
    /// The background save in progress, if any, and its epoch.
    pub job: Mutex<Option<Arc<Job>>>,
    /// Bumped when a job starts; each shard remembers the last it served.
    pub epoch: AtomicU64,
    /// A background save to start as soon as none is in progress (Redis's
    /// `rdb_bgsave_scheduled`, for BGSAVE SCHEDULE while another kind of
    /// background job runs).
    pub scheduled: AtomicBool,
    /// At shutdown: save the data (SHUTDOWN SAVE, SIGTERM with save rules).
    pub save_on_stop: AtomicBool,
    /// The shards' databases, encoded by each shard as it stopped, for the
    /// final save (a `Db` holds its shard's thread-local hooks: it stays on
    /// its thread).
    pub stopped: Mutex<Vec<DbChunk>>,
    /// Keys loaded at start-up, per shard, until the shard takes them.
    pub preload: Mutex<Vec<Vec<Loaded>>>,
    /// The function libraries (set once by the scripting layer).
    pub functions: OnceLock<Arc<dyn Functions>>,
    /// The background job running ([`child`]).
    pub child: Arc<AtomicU8>,
    /// Background jobs started (`total_forks`: kevy forks no child, and
    /// counts each background save or rewrite where Redis forks one).
    pub forks: AtomicU64,
    /// DEBUG LOADAOF's replay, registered by the crate root.
    pub aof_loader: OnceLock<Box<AofLoader>>,
}

impl Default for Persist {
    fn default() -> Persist {
        Persist {
            last_save: AtomicI64::new(now_ms() / 1000),
            dirty_saved: AtomicU64::new(0),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_secs: AtomicI64::new(-1),
            last_bgsave_fail_ms: AtomicI64::new(0),
            saves: AtomicU64::new(0),
            last_load_loaded: AtomicU64::new(0),
            last_load_expired: AtomicU64::new(0),
            loading: AtomicBool::new(false),
            loaded: AtomicBool::new(false),
            installed: AtomicUsize::new(0),
            shards: AtomicUsize::new(1),
            dirty_slots: Mutex::new(Vec::new()),
            job: Mutex::new(None),
            epoch: AtomicU64::new(0),
            scheduled: AtomicBool::new(false),
            save_on_stop: AtomicBool::new(false),
            stopped: Mutex::new(Vec::new()),
            preload: Mutex::new(Vec::new()),
            functions: OnceLock::new(),
            child: Arc::new(AtomicU8::new(child::NONE)),
            forks: AtomicU64::new(0),
            aof_loader: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for Persist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persist")
            .field("last_save", &self.last_save)
            .field("saves", &self.saves)
            .finish_non_exhaustive()
    }
}

impl Persist {
    /// Every function library's code (none when no scripting layer
    /// registered itself).
    pub fn function_codes(&self) -> Vec<Vec<u8>> {
        self.functions.get().map(|f| f.codes()).unwrap_or_default()
    }

    /// Loads saved function libraries (see [`Functions::restore`]).
    pub fn restore_functions(&self, codes: &[Vec<u8>], flush: bool) -> Result<(), String> {
        match self.functions.get() {
            Some(f) => f.restore(codes, flush),
            None if codes.is_empty() => Ok(()),
            None => Err("functions are not supported".into()),
        }
    }

    /// The background save in progress.
    pub fn job(&self) -> Option<Arc<Job>> {
        self.job.lock().ok().and_then(|j| j.clone())
    }

    /// Claims the shards' snapshots for background job `kind` ([`child`]);
    /// false while another job holds them.
    pub fn claim(&self, kind: u8) -> bool {
        let claimed = self
            .child
            .compare_exchange(child::NONE, kind, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if claimed {
            self.forks.fetch_add(1, Ordering::Relaxed);
        }
        claimed
    }

    /// Gives the snapshots back (job `kind` ended).
    pub fn release(&self, kind: u8) {
        let _ = self
            .child
            .compare_exchange(kind, child::NONE, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Starts a background save unless a save or an AOF rewrite is in
    /// progress; false then.
    pub fn start_job(&self) -> bool {
        let Ok(mut j) = self.job.lock() else {
            return false;
        };
        if j.is_some() || !self.claim(child::RDB) {
            return false;
        }
        *j = Some(Arc::new(Job {
            chunks: Mutex::new(Vec::new()),
            remaining: AtomicUsize::new(self.shards.load(Ordering::Relaxed).max(1)),
            dirty: AtomicU64::new(0),
            started: Instant::now(),
        }));
        self.epoch.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Ends the job in progress with its outcome.
    pub fn finish_job(&self, ok: bool, dirty: u64, secs: i64) {
        if ok {
            self.saved(dirty);
        } else {
            self.last_bgsave_fail_ms.store(now_ms(), Ordering::Relaxed);
        }
        self.last_bgsave_ok.store(ok, Ordering::Relaxed);
        self.last_bgsave_secs.store(secs, Ordering::Relaxed);
        if let Ok(mut j) = self.job.lock() {
            *j = None;
        }
        self.release(child::RDB);
    }

    /// Records a successful save covering `dirty` changes.
    pub fn saved(&self, dirty: u64) {
        self.last_save.store(now_ms() / 1000, Ordering::Relaxed);
        self.dirty_saved.store(dirty, Ordering::Relaxed);
        self.saves.fetch_add(1, Ordering::Relaxed);
    }

    /// Publishes shard `id`'s change counter.
    pub fn publish_dirty(&self, id: usize, dirty: u64) {
        if let Ok(mut s) = self.dirty_slots.lock() {
            if s.len() <= id {
                s.resize(id + 1, 0);
            }
            s[id] = dirty;
        }
    }

    /// Changes since the last save, from the published counters.
    pub fn changes(&self) -> u64 {
        let total: u64 = self.dirty_slots.lock().map(|s| s.iter().sum()).unwrap_or(0);
        total.saturating_sub(self.dirty_saved.load(Ordering::Relaxed))
    }
}

/// Redis's `debugDelay` (`key-load-delay`, per key loaded): sleeps `usec`
/// microseconds, or for a negative value 1 µs once every `-usec` calls on
/// average (a sleep costs a context switch: short delays are statistical).
pub fn debug_delay(usec: i64, rng: &mut u64) {
    let us = if usec < 0 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        u64::from(rng.is_multiple_of(usec.unsigned_abs()))
    } else {
        usec as u64
    };
    if us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(us));
    }
}

/// True when a `save` setting's value (`None`: unset) holds rules.
pub fn has_save_rules(v: Option<String>) -> bool {
    !save_rules(&v.unwrap_or_default()).is_empty()
}

/// Parses the `save` setting (`"3600 1 300 100"`) into `(seconds, changes)` rules.
pub fn save_rules(v: &str) -> Vec<(i64, u64)> {
    let w: Vec<&str> = v.split_whitespace().collect();
    w.chunks_exact(2)
        .filter_map(|c| Some((c[0].parse().ok()?, c[1].parse().ok()?)))
        .collect()
}

/// True when a rule asks for a save: `changes` since the last save at
/// least a rule's count, and its seconds elapsed since `last_save`; after
/// a failed save, only 5 seconds after it (Redis's
/// `CONFIG_BGSAVE_RETRY_DELAY`).
pub fn rules_fire(
    rules: &[(i64, u64)],
    changes: u64,
    last_save: i64,
    now_ms: i64,
    last_fail_ms: i64,
    last_ok: bool,
) -> bool {
    let now = now_ms / 1000;
    rules.iter().any(|&(secs, n)| {
        changes >= n && now - last_save > secs && (last_ok || now_ms - last_fail_ms > 5000)
    })
}

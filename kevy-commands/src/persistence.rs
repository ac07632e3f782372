//! The embedder's side of persistence: loading a file at start-up
//! ([`Redis::load_file`]: parsed once, each key sent to the shard that owns
//! it, whatever shard count wrote the file) and the final save at
//! shutdown ([`Redis::final_save`]: the databases every shard handed over
//! when it stopped); the function libraries' side of saving and loading
//! (the scripting registry as [`crate::persist::state::Functions`]).

use std::sync::atomic::Ordering;

use kevy_rt::Router;

use crate::family::persist::{options, rdb_path};
use crate::persist::rdb::chunk::AccessData;
use crate::persist::rdb::file::{encode_dbs, save_file};
use crate::persist::rdb::{load_rdb, Checks, FileInfo, LoadInfo, Loaded, RdbError};
use crate::shard::ShardState;
use crate::store::db::Clock;
use crate::Redis;

use crate::accounting::Shared;

/// The function libraries as persistence saves and loads them.
impl crate::persist::state::Functions for crate::script::Registry {
    fn codes(&self) -> Vec<Vec<u8>> {
        self.libs.lock().map(|l| l.codes()).unwrap_or_default()
    }

    fn restore(&self, codes: &[Vec<u8>], flush: bool) -> Result<(), String> {
        crate::script::function::restore_codes(&self.libs, codes, flush)
    }
}

/// Takes what the start-up load left for shard `id` (the keys of an RDB
/// file or of the append-only file's replay) and counts the shard as
/// served; the last shard ends `loading`. Once per shard: at its making
/// when the load was done by then, else at its first tick after it is.
pub(crate) fn install_loaded(shard: &mut ShardState, id: usize, nshards: usize) {
    let shared = shard.server.shared.clone();
    if let Some(dbs) = shared.preloaded.take(id) {
        for (db, entries) in shard.dbs.iter_mut().zip(dbs) {
            db.restore(entries);
        }
    }
    take_preloaded(shard, id);
    // The append-only file may have been opened since the shard was made.
    shard.set_propagating(shared.aof.is_enabled());
    shard.aof.generation = shared.aof.generation();
    shard.awaiting_load = false;
    let p = &shared.persist;
    if p.installed.fetch_add(1, Ordering::AcqRel) + 1 >= nshards {
        p.loading.store(false, Ordering::Release);
    }
}

/// [`install_loaded`] for a shard still waiting for the start-up load,
/// once it is done (its tick, a nudge).
pub(crate) fn install_when_loaded(shard: &mut ShardState) {
    if shard.awaiting_load && shard.server.shared.persist.loaded.load(Ordering::Acquire) {
        let (id, n) = (shard.id, shard.nshards.max(1));
        install_loaded(shard, id, n);
    }
}

/// Moves the keys loaded for shard `id` into it.
pub(crate) fn take_preloaded(shard: &mut ShardState, id: usize) {
    let mine = shard
        .server
        .shared
        .persist
        .preload
        .lock()
        .ok()
        .and_then(|mut p| p.get_mut(id).map(std::mem::take))
        .unwrap_or_default();
    let now = Clock::new();
    for l in mine {
        let db = shard.db(l.db);
        db.set(&l.key, l.value, &now, false, l.expire);
        db.set_access(&l.key, l.idle, l.freq, &now);
    }
}

/// Hands the shard's databases over for the final save, if one is wanted.
pub(crate) fn stopped(shared: &Shared, shard: &mut ShardState) {
    if shared.persist.save_on_stop.load(Ordering::Relaxed) {
        let opts = options(shared);
        let chunks = encode_dbs(&shard.dbs, opts.compression, access_data(shared));
        if let Ok(mut s) = shared.persist.stopped.lock() {
            s.extend(chunks);
        }
    }
}

/// What the access data of saved keys is, by `maxmemory-policy`.
fn access_data(shared: &Shared) -> AccessData {
    match shared.config.get("maxmemory-policy").as_deref() {
        Some("allkeys-lru" | "volatile-lru") => AccessData::Lru,
        Some("allkeys-lfu" | "volatile-lfu") => AccessData::Lfu,
        _ => AccessData::None,
    }
}

impl Redis {
    /// Start-up loading begins (Redis's `server.loading`): until every
    /// shard has taken what [`Redis::finish_loading`] leaves, commands
    /// without the `loading` flag are answered `-LOADING Redis is loading
    /// the dataset in memory`, and `INFO` says `loading:1`. Call before
    /// the runtime starts, then load ([`Redis::load_file`] or the
    /// append-only file) while it serves.
    pub fn begin_loading(&self) {
        let p = &self.shared.persist;
        p.installed.store(0, Ordering::Relaxed);
        p.loaded.store(false, Ordering::Relaxed);
        p.loading.store(true, Ordering::SeqCst);
    }

    /// The start-up load is done: each shard takes its keys (at its next
    /// tick), and the last one ends loading ([`Redis::is_loading`]).
    pub fn finish_loading(&self) {
        self.shared.persist.loaded.store(true, Ordering::Release);
        // Each shard takes its keys at its next loop iteration (or tick).
        if let Some(settings) = self.shared.config.settings() {
            settings.nudge();
        }
    }

    /// Whether start-up loads while serving: when what it loads (the
    /// append-only file's directory and an old-style file, when the file
    /// is on; else `dir`/`dbfilename`) is at least
    /// `loading-process-events-interval-bytes` (2 MB), as Redis serves
    /// between chunks of that size of its load and so never while loading
    /// less. A smaller load is done before the shards serve.
    pub fn loads_while_serving(&self) -> bool {
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let cfg = &self.shared.config;
        let bytes = if cfg.get_bool("appendonly") {
            let (dir, prefix, _) = crate::aof::paths(cfg);
            let files: u64 = std::fs::read_dir(&dir)
                .map(|d| d.flatten().map(|e| size(&e.path())).sum())
                .unwrap_or(0);
            let old = std::path::PathBuf::from(cfg.get("dir").unwrap_or_default()).join(prefix);
            files + size(&old)
        } else {
            size(&rdb_path(&self.shared))
        };
        let chunk = cfg.get_i64("loading-process-events-interval-bytes").max(1) as u64;
        bytes >= chunk
    }

    /// True while loading ([`Redis::begin_loading`]).
    pub fn is_loading(&self) -> bool {
        self.shared.persist.loading.load(Ordering::Acquire)
    }

    /// Loads the RDB file at `dir`/`dbfilename`, if it exists, for a
    /// runtime of `nshards` shards: the keys wait for their shards to be
    /// made. `Ok(None)` when there is no file.
    pub fn load_file(&self, nshards: usize) -> Result<Option<LoadInfo>, RdbError> {
        let path = rdb_path(&self.shared);
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(RdbError(format!(
                    "Fatal error loading the DB: {e}. Exiting."
                )))
            }
        };
        let p = &self.shared.persist;
        let router = Router::new(nshards.max(1));
        let enc = self.shared.config.live().memory.encodings.snapshot();
        let mut per: Vec<Vec<Loaded>> = (0..nshards.max(1)).map(|_| Vec::new()).collect();
        let now = Clock::new();
        let delay = self.shared.config.get_i64("key-load-delay");
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let result = load_rdb(
            &data,
            &enc,
            self.database_count(),
            Some(now.ms()),
            Checks {
                checksum: options(&self.shared).checksum,
                deep: crate::family::persist::sanitize_loading(&self.shared),
            },
            |_, _| true,
            |l| {
                if delay != 0 {
                    crate::persist::state::debug_delay(delay, &mut rng);
                }
                per[router.shard_of(&l.key)].push(l);
                Ok(())
            },
        );
        let info = result?;
        p.restore_functions(&info.libraries, false)
            .map_err(|e| RdbError(format!("Failed loading the functions: {e}")))?;
        p.last_load_loaded.store(info.loaded, Ordering::Relaxed);
        p.last_load_expired.store(info.expired, Ordering::Relaxed);
        if let Ok(mut slot) = p.preload.lock() {
            *slot = per;
        }
        Ok(Some(info))
    }

    /// Asks for the final save at shutdown (SIGTERM and SIGINT when `save`
    /// rules are configured, as Redis does).
    pub fn save_on_stop(&self, save: bool) {
        self.shared
            .persist
            .save_on_stop
            .store(save, Ordering::Relaxed);
    }

    /// True when `save` rules are configured.
    pub fn has_save_rules(&self) -> bool {
        crate::persist::state::has_save_rules(self.shared.config.get("save"))
    }

    /// After the runtime stopped: writes the file from the databases the
    /// shards handed over, if a final save was asked for. The bytes
    /// written, `None` when no save was asked for.
    pub fn final_save(&self) -> std::io::Result<Option<u64>> {
        let p = &self.shared.persist;
        if !p.save_on_stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let mut chunks = p
            .stopped
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default();
        // Each database's chunks in database order, whatever shard stopped first.
        chunks.sort_by_key(|c| c.db);
        let opts = options(&self.shared);
        let now = Clock::new();
        let info = FileInfo {
            ctime: now.ms() / 1000,
            used_mem: self.shared.memory().0,
            aof_base: false,
            functions: p.function_codes(),
        };
        save_file(&rdb_path(&self.shared), opts, info, &chunks).map(Some)
    }
}

//! The append-only file (Redis 7.0's multi-part AOF): what write commands
//! propagate ([`propagate`]), each shard's buffer of it ([`feed`]), the
//! server's files, fsync policies and rewrite switch ([`files`]), the
//! manifest ([`manifest`]) and the reader used at start-up ([`parse`]).
//! A rewrite's base is the shards' incremental snapshots (RDB pairs or
//! commands, `crate::persist::resp`). The loading itself, which replays
//! through the command set, and the hooks into command execution live in
//! the crate root (`aofload.rs`, `lib.rs`). ARCHITECTURE.md, *Persistence:
//! the append-only file*, describes the design. What a shard logs through
//! its feed (`ShardState::propagate`, the expired keys' `DEL`s) is in
//! `crate::shard::aoflog`.

pub mod feed;
pub mod files;
pub mod manifest;
pub mod parse;
pub mod propagate;

pub use feed::{Feed, Fragment};
pub use files::{Aof, Fsync};

use crate::store::db::{Db, Entries};

/// Where the settings put the AOF: the directory (`dir`/`appenddirname`),
/// the files' prefix (`appendfilename`) and the fsync policy.
pub fn paths(cfg: &crate::config::ConfigTable) -> (std::path::PathBuf, String, Fsync) {
    let dir = std::path::PathBuf::from(cfg.get("dir").unwrap_or_default()).join(
        cfg.get("appenddirname")
            .unwrap_or_else(|| "appendonlydir".into()),
    );
    let prefix = cfg
        .get("appendfilename")
        .unwrap_or_else(|| "appendonly.aof".into());
    let policy =
        Fsync::parse(&cfg.get("appendfsync").unwrap_or_default()).unwrap_or(Fsync::Everysec);
    (dir, prefix, policy)
}

/// Databases loaded before the runtime started, one set per shard, taken
/// by each shard as the runtime makes it. They travel as their entries (a
/// [`Db`] holds its shard's thread-local hooks, so it stays on its thread);
/// the shard puts them back into its own databases ([`Db::restore`]).
#[derive(Default)]
pub struct Preloaded(std::sync::Mutex<Vec<Option<Vec<Entries>>>>);

impl Preloaded {
    /// Keeps `shards`' databases for the runtime.
    pub fn put(&self, shards: Vec<Vec<Db>>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = shards
            .into_iter()
            .map(|dbs| Some(dbs.into_iter().map(Db::into_entries).collect()))
            .collect();
    }

    /// Takes shard `id`'s databases' entries, if loaded.
    pub fn take(&self, id: usize) -> Option<Vec<Entries>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(id)
            .and_then(Option::take)
    }
}

impl std::fmt::Debug for Preloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Preloaded")
    }
}

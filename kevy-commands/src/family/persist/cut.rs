//! The settings a file is written with and a shard's snapshot cut, shared
//! by background saves ([`super`]) and AOF rewrites (`family::rewrite`):
//! both begin with [`begin_cut`] and write with [`options`] and
//! [`file_info`].

use std::path::PathBuf;

use crate::accounting::Shared;
use crate::base::clock::now_ms;
use crate::persist::rdb::chunk::AccessData;
use crate::persist::rdb::{FileInfo, Options};
use crate::shard::ShardState;
use crate::store::db::SnapFormat;
use crate::store::limits::Policy;

/// `rdbcompression` and `rdbchecksum`.
pub fn options(shared: &Shared) -> Options {
    let yes = |name| shared.config.get(name).as_deref() == Some("yes");
    Options {
        compression: yes("rdbcompression"),
        checksum: yes("rdbchecksum"),
        incremental_fsync: yes("rdb-save-incremental-fsync"),
    }
}

/// `dir`/`dbfilename`.
pub fn rdb_path(shared: &Shared) -> PathBuf {
    let dir = shared.config.get("dir").unwrap_or_default();
    let name = shared.config.get("dbfilename").unwrap_or_default();
    PathBuf::from(if dir.is_empty() { ".".into() } else { dir }).join(name)
}

/// Which access data keys carry in a file: Redis saves `IDLE` under the
/// LRU policies and `FREQ` under the LFU ones.
pub fn access(shard: &ShardState) -> AccessData {
    match shard.db_ref(0).limits().policy() {
        Policy::AllkeysLru | Policy::VolatileLru => AccessData::Lru,
        p if p.lfu() => AccessData::Lfu,
        _ => AccessData::None,
    }
}

/// The AUX fields' figures and the function libraries now.
pub fn file_info(shared: &Shared) -> FileInfo {
    FileInfo {
        ctime: now_ms() / 1000,
        used_mem: shared.memory().0,
        aof_base: false,
        functions: shared.persist.function_codes(),
    }
}

/// `rdb-key-save-delay` in microseconds (0: none; Redis reads a negative
/// value as a busy wait in its child, which here is no delay).
fn key_save_delay(shared: &Shared) -> u64 {
    shared
        .config
        .get("rdb-key-save-delay")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0) as u64
}

/// A background job's cut on this shard: every database starts an
/// incremental snapshot of itself as it is now, encoded as `format`.
pub fn begin_cut(shard: &mut ShardState, format: SnapFormat) {
    let shared = shard.server.shared.clone();
    let compress = options(&shared).compression;
    let access = access(shard);
    let delay = key_save_delay(&shared);
    for (i, db) in shard.dbs.iter_mut().enumerate() {
        db.begin_snapshot(i, format, compress, access, delay);
    }
}

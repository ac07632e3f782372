//! What the persistence tests share (`aof`, `aof_rdb`, `aof_rewrite`,
//! `aof_scripts`, `rdb`, `stream_rdb`): a fresh directory per test, and
//! kevy-server (on 127.0.0.1:0) or redis-server with their files there —
//! snapshots only, or the append-only file on.

use std::path::{Path, PathBuf};

use crate::binary::Binary;
use crate::util::RedisServer;

/// A fresh, empty directory for one test's files (`prefix-name-pid`).
pub(crate) fn scratch(prefix: &str, name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// kevy-server on `shards` shards with its files in `dir` and `extra`
/// settings.
pub(crate) fn kevy_in(dir: &Path, shards: usize, extra: &[&str]) -> Binary {
    let shards = shards.to_string();
    let mut args = vec![
        "--port",
        "0",
        "--threads",
        &shards,
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Binary::spawn_with(&args)
}

/// kevy-server on `threads` shards saving `dir`/dump.rdb, with `extra`
/// settings.
pub(crate) fn kevy_rdb(dir: &Path, threads: usize, extra: &[&str]) -> Binary {
    kevy_in(
        dir,
        threads,
        &[&["--dbfilename", "dump.rdb"], extra].concat(),
    )
}

/// kevy-server on `shards` shards with the append-only file on in `dir`,
/// with `extra` settings.
pub(crate) fn kevy_aof(dir: &Path, shards: usize, extra: &[&str]) -> Binary {
    kevy_in(dir, shards, &[&["--appendonly", "yes"], extra].concat())
}

/// redis-server with its files in `dir` and `extra` settings.
pub(crate) fn redis_in(dir: &Path, extra: &[&str]) -> RedisServer {
    RedisServer::start_with(&[&["--dir", dir.to_str().unwrap()], extra].concat())
}

/// redis-server with the append-only file on in `dir`, with `extra`
/// settings.
pub(crate) fn redis_aof(dir: &Path, extra: &[&str]) -> RedisServer {
    redis_in(dir, &[&["--appendonly", "yes"], extra].concat())
}

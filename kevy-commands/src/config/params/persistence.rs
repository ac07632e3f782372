//! Snapshot (RDB) and append-only-file settings (with `save`, `dir` and
//! `dbfilename` among the server settings). All act as in Redis, but for
//! one AOF setting kevy refuses past its default, with the reason
//! (`aof-disable-auto-gc`).

use super::*;

const NO_AOF: &str = "kevy's append-only file does not take this setting yet";

/// The persistence settings.
pub static PARAMS: &[Param] = &[
    Param::new("rdbchecksum", Kind::Bool, "yes").flags(IMMUTABLE),
    Param::new("rdbcompression", Kind::Bool, "yes"),
    // Only replication writes sync files, and kevy has none: there is
    // never a file for this to delete.
    Param::new("rdb-del-sync-files", Kind::Bool, "no"),
    // A save (and a rewrite's base) syncs every 4 MB it writes
    // (`persist::rdb::file::AutoSync`).
    Param::new("rdb-save-incremental-fsync", Kind::Bool, "yes"),
    // After a failed background save, writes (and PING) are refused with
    // `-MISCONF` while `save` rules are set (`family::replica::disk_error`).
    Param::new("stop-writes-on-bgsave-error", Kind::Bool, "yes"),
    // Test settings: microseconds between two keys a background snapshot
    // takes (BGSAVE, BGREWRITEAOF), and slept per key loaded.
    Param::new(
        "rdb-key-save-delay",
        Kind::Int(i32::MIN as i64, i32::MAX as i64),
        "0",
    )
    .flags(HIDDEN),
    Param::new(
        "key-load-delay",
        Kind::Int(i32::MIN as i64, i32::MAX as i64),
        "0",
    )
    .flags(HIDDEN),
    // How often Redis serves clients while it loads: kevy's shards serve
    // throughout a load at least this big (`Redis::loads_while_serving`),
    // and not during a smaller one.
    Param::new(
        "loading-process-events-interval-bytes",
        Kind::Int(1024, i32::MAX as i64),
        "2097152",
    )
    .flags(HIDDEN),
    // How much of a RESTORE payload's (or a loaded file's) packed
    // encodings is checked beyond what building the value needs
    // (`family::persist::sanitize`, `persist::rdb::read::Reader::deep`).
    Param::new(
        "sanitize-dump-payload",
        Kind::Enum(&["no", "yes", "clients"]),
        "no",
    ),
    Param::new("appendfilename", Kind::Str, "appendonly.aof")
        .flags(IMMUTABLE)
        .check(|_, v| base_name(v, "appendfilename", "filename")),
    Param::new("appenddirname", Kind::Str, "appendonlydir")
        .flags(IMMUTABLE)
        .check(|_, v| base_name(v, "appenddirname", "dirname")),
    Param::new("aof-rewrite-incremental-fsync", Kind::Bool, "yes"),
    // The file's syncs wait while a background save or rewrite runs
    // (`aof/files/sync.rs`).
    Param::new("no-appendfsync-on-rewrite", Kind::Bool, "no"),
    Param::new("aof-load-truncated", Kind::Bool, "yes"),
    // The base is written as commands either way until kevy writes RDB.
    Param::new("aof-use-rdb-preamble", Kind::Bool, "yes"),
    // Applied by the AOF's writer (`aof::Aof::set_timestamps`).
    Param::new("aof-timestamp-enabled", Kind::Bool, "no"),
    Param::new("aof-disable-auto-gc", Kind::Bool, "no").refuse(NO_AOF),
    Param::new(
        "auto-aof-rewrite-percentage",
        Kind::Int(0, i32::MAX as i64),
        "100",
    ),
    Param::new(
        "auto-aof-rewrite-min-size",
        Kind::Memory(0, i64::MAX as u64),
        "67108864",
    ),
];

/// Redis's check of an AOF file or directory name.
fn base_name(v: &str, name: &str, what: &str) -> Result<(), String> {
    if v.is_empty() {
        Err(format!("{name} can't be empty"))
    } else if v.contains('/') {
        Err(format!("{name} can't be a path, just a {what}"))
    } else {
        Ok(())
    }
}

//! The encoding thresholds (Redis's `*-max-listpack-*`, their `*-ziplist-*`
//! aliases, `set-max-intset-entries`, `list-compress-depth`,
//! `hll-sparse-max-bytes`, the stream node limits), with Redis 7.0.15's
//! ranges and defaults. Their live effect goes through
//! [`crate::store::encodings::Encodings`] (the `maxmemory` group's
//! `update`).

use super::{Kind, Param};

const SIZE_MAX: i64 = i64::MAX;

const fn aliased(p: Param, alias: &'static str) -> Param {
    Param {
        alias: Some(alias),
        ..p
    }
}

/// `list-max-listpack-size` (alias `list-max-ziplist-size`): entries per
/// list node, or a size class when negative.
pub const LIST_FILL: Param = aliased(
    Param::new(
        "list-max-listpack-size",
        Kind::Int(i32::MIN as i64, i32::MAX as i64),
        "-2",
    ),
    "list-max-ziplist-size",
);
/// `list-compress-depth`: list nodes left raw at each end.
pub const LIST_COMPRESS: Param =
    Param::new("list-compress-depth", Kind::Int(0, i32::MAX as i64), "0");
/// `hash-max-listpack-entries` (alias `hash-max-ziplist-entries`).
pub const HASH_ENTRIES: Param = aliased(
    Param::new("hash-max-listpack-entries", Kind::Int(0, SIZE_MAX), "512"),
    "hash-max-ziplist-entries",
);
/// `hash-max-listpack-value` (alias `hash-max-ziplist-value`).
pub const HASH_VALUE: Param = aliased(
    Param::new(
        "hash-max-listpack-value",
        Kind::Memory(0, SIZE_MAX as u64),
        "64",
    ),
    "hash-max-ziplist-value",
);
/// `set-max-intset-entries`.
pub const SET_INTSET: Param = Param::new("set-max-intset-entries", Kind::Int(0, SIZE_MAX), "512");
/// `zset-max-listpack-entries` (alias `zset-max-ziplist-entries`).
pub const ZSET_ENTRIES: Param = aliased(
    Param::new("zset-max-listpack-entries", Kind::Int(0, SIZE_MAX), "128"),
    "zset-max-ziplist-entries",
);
/// `zset-max-listpack-value` (alias `zset-max-ziplist-value`).
pub const ZSET_VALUE: Param = aliased(
    Param::new(
        "zset-max-listpack-value",
        Kind::Memory(0, SIZE_MAX as u64),
        "64",
    ),
    "zset-max-ziplist-value",
);
/// `hll-sparse-max-bytes`.
pub const HLL_SPARSE: Param = Param::new(
    "hll-sparse-max-bytes",
    Kind::Memory(0, SIZE_MAX as u64),
    "3000",
);
/// `stream-node-max-bytes`.
pub const STREAM_BYTES: Param = Param::new(
    "stream-node-max-bytes",
    Kind::Memory(0, SIZE_MAX as u64),
    "4096",
);
/// `stream-node-max-entries`.
pub const STREAM_ENTRIES: Param =
    Param::new("stream-node-max-entries", Kind::Int(0, SIZE_MAX), "100");

/// The encoding thresholds, in the order `CONFIG GET *` lists them.
pub static PARAMS: &[Param] = &[
    LIST_FILL,
    LIST_COMPRESS,
    HASH_ENTRIES,
    HASH_VALUE,
    SET_INTSET,
    ZSET_ENTRIES,
    ZSET_VALUE,
    HLL_SPARSE,
    STREAM_BYTES,
    STREAM_ENTRIES,
];

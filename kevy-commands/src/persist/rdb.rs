//! Redis's RDB format, version 10, as redis-server 7.0.15 writes and
//! reads it (`rdb.c`, `rdb.h`): the file (`REDIS0010`, AUX fields,
//! `SELECTDB`, `RESIZEDB`, `EXPIRETIME_MS`, `IDLE`/`FREQ` under an LRU or
//! LFU policy, key–value pairs, `EOF` and the CRC-64) and the value
//! encodings a DUMP payload shares ([`dump`]).
//!
//! Writing ([`mod@write`]) picks the encoding Redis would for the value's
//! current encoding: an integer string as an integer, other strings LZF-compressed past 20 bytes when
//! `rdbcompression` is on, lists as `QUICKLIST_2` of listpacks (one per
//! node), small hashes and sorted sets as listpacks, large ones as
//! `HASH` / `ZSET_2` (binary doubles), integer sets as intsets.
//! Reading ([`read`]) accepts those and the older encodings 7.0 loads
//! (plain lists, zipmaps, ziplists, quicklist v1, `ZSET` with text
//! doubles, expiry in seconds). Loading works on a byte slice: every
//! length is checked against what remains, so a corrupt or hostile file
//! or payload is an error ([`RdbError`]), never a panic or an allocation
//! larger than the input allows.

pub mod chunk;
pub mod crc64;
pub mod dump;
pub mod file;
mod listpack;
mod object;
pub mod read;
pub mod stream;
pub mod write;
mod ziplist;

pub use chunk::DbChunk;
pub use file::{write_rdb, FileInfo};
pub use read::{load_rdb, Checks, LoadInfo, Loaded};
pub use write::Writer;

/// The RDB version written (Redis 7.0's `RDB_VERSION`).
pub const RDB_VERSION: u16 = 10;

/// Object types (`RDB_TYPE_*`).
pub mod types {
    #![allow(missing_docs)]
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// Opcodes (`RDB_OPCODE_*`).
pub mod opcodes {
    #![allow(missing_docs)]
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// How values are written (`rdbcompression`) and files checked and
/// signed (`rdbchecksum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// LZF-compress strings longer than 20 bytes when it saves room.
    pub compression: bool,
    /// Write the CRC-64 at the end of a file (else 0) and check it on load.
    pub checksum: bool,
    /// Files only: sync every 4 MB written, so the kernel never holds much
    /// of the file at once (`rdb-save-incremental-fsync`,
    /// `aof-rewrite-incremental-fsync`; Redis's `REDIS_AUTOSYNC_BYTES`).
    pub incremental_fsync: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            compression: true,
            checksum: true,
            incremental_fsync: false,
        }
    }
}

/// Why an RDB file or DUMP payload could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbError(pub String);

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RdbError {}

/// A corruption error: `what` is what Redis reports for it where Redis
/// has a message ("Ziplist integrity check failed.", …), which is what
/// RESTORE logs and a failed load prints.
pub(crate) fn corrupt(what: &str) -> RdbError {
    RdbError(what.to_string())
}

/// An element of a packed encoding: bytes, or an integer stored as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    /// A string.
    Str(&'a [u8]),
    /// An integer.
    Int(i64),
}

impl Elem<'_> {
    /// The element's bytes (an integer in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Elem::Str(s) => s.to_vec(),
            Elem::Int(n) => n.to_string().into_bytes(),
        }
    }

    /// Calls `f` with the element's bytes (an integer formatted on the stack).
    pub fn with<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Str(s) => f(s),
            Elem::Int(n) => {
                let mut buf = crate::base::num::I64_BUF;
                f(crate::base::num::fmt_i64(n, &mut buf))
            }
        }
    }
}

#[cfg(test)]
mod tests;

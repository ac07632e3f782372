//! What a shard hands over of its keys for a file: one database's keys
//! encoded ([`DbChunk`]) and which access data they carry ([`AccessData`]).
//! Apart from the file's framing (`file.rs`), which reads the databases, so
//! that the databases' own snapshot code (`store/db/snap.rs`) can make
//! chunks without depending on it.

/// One database's keys as encoded by one shard.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DbChunk {
    /// The database.
    pub db: usize,
    /// Keys in `bytes`.
    pub keys: u64,
    /// Of which with a deadline.
    pub expires: u64,
    /// The encoded key–value pairs (`rdbSaveKeyValuePair` each).
    pub bytes: Vec<u8>,
}

/// Which access data a key carries in the file (`maxmemory-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessData {
    /// Neither.
    None,
    /// `IDLE` seconds (an LRU policy).
    Lru,
    /// `FREQ` (an LFU policy).
    Lfu,
}

//! Layer 3, the store: a shard's databases ([`db`]: keys, lazy expiry,
//! the access clock, SCAN's walk, eviction's sampling) and what they read
//! of the memory settings ([`limits`]) and the encoding thresholds
//! ([`encodings`], the LFU counter in [`lfu`], the
//! eviction pool in [`pool`]). Imports only [`crate::base`] and
//! [`crate::model`].

pub mod changes;
pub mod db;
pub mod encodings;
pub mod lazyfree;
pub mod lfu;
pub mod limits;
pub mod pool;
pub mod signal;

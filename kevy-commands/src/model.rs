//! Layer 2, the data model: stored values ([`value`]), the list, hash and
//! set collections with their compact encodings ([`types`]), the sorted set
//! ([`zset`]), Redis's HyperLogLog representation ([`hll`]), and what a
//! value costs in memory and serialized ([`size`]). Imports only
//! [`crate::base`].

pub mod digest;
pub mod encoding;
pub mod geohash;
pub mod hll;
pub mod size;
pub mod types;
pub mod value;
pub mod zset;

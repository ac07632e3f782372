//! The collection types behind lists, hashes and sets, each with Redis 7.0's
//! compact encoding for small values and its thresholds:
//! - [`list::List`]: a quicklist, a deque of [`pack::Pack`] nodes of at most
//!   8 KB each (`list-max-listpack-size -2`);
//! - [`hash::Hash`]: a packed run of `field, value` entries up to 128 fields
//!   of at most 64 bytes (`hash-max-listpack-entries`/`-value`), then a hash
//!   table;
//! - [`set::Set`]: an [`intset::IntSet`] up to 512 members
//!   (`set-max-intset-entries`), then a hash table.
//!
//! Small encodings keep their bytes in a [`compact::Compact`] (24 bytes,
//! inline up to 21 bytes, else one allocation sized to fit).
//!
//! The hash table of large hashes and sets is [`dense::Dense`] (items stored
//! densely, so random picks are O(1) and SCAN cursors are stable).

pub mod compact;
pub mod dense;
pub mod hash;
pub mod intset;
pub mod list;
pub mod pack;
pub mod set;

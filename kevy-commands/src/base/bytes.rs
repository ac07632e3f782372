//! [`Bytes`]: the byte string of keys, string values and collection
//! elements, inline up to 16 bytes (a `SmallVec`), so that the collections
//! and the values holding them share it without importing each other.

use smallvec::SmallVec;

/// Bytes of a key, a string value or an element; up to 16 bytes live inline.
pub type Bytes = SmallVec<[u8; 16]>;

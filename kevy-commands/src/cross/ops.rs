//! The part operations of the families that bring their own parts and
//! plans (sorted sets, bitmaps, HyperLogLog, GEO, streams): what each part
//! does on its shard. The families run them and plan them; they live here,
//! below the families, so that [`super::Op`] can name them.

/// A sorted set part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZOp {
    /// Snapshot each key (arguments: keys): one item per key, its tag and
    /// its members.
    Fetch,
    /// ZRANGESTORE's range (arguments: the whole command): one item.
    Range,
    /// Store a sorted set (arguments: key, encoded members in order, and how
    /// Redis builds it: `set` for a set operation's result, `add` / `addskip`
    /// for ZRANGESTORE's), or delete the key when empty; replies the reply
    /// bytes.
    Store,
    /// The type of each key (arguments: keys): one tag byte per key.
    Probe,
    /// ZMPOP on one key (arguments: key, `min` / `max`, count): replies the
    /// reply bytes.
    Pop,
}

/// A bitmap part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitsOp {
    /// The string at each key (arguments: keys): one item per key, a tag
    /// byte then the bytes.
    Fetch,
    /// Store a string (arguments: key, bytes) or delete the key when empty;
    /// replies BITOP's reply bytes (the length).
    Store,
}

/// A HyperLogLog part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HllOp {
    /// Merge the keys (arguments): one item, `[error index u32][error
    /// kind][dense][registers]`.
    Merge,
    /// PFMERGE's write (arguments: key, `dense` flag, registers): replies the
    /// reply bytes.
    Apply,
}

/// A GEO part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoOp {
    /// Run a storing search (arguments: the whole command) without storing:
    /// replies a tag byte then the reply bytes, or another tag then the encoded
    /// pairs to store.
    Search,
}

/// A stream read part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamOp {
    /// Check the part's keys (XREADGROUP's first round).
    Check,
    /// Check and serve the part's keys.
    Read,
}

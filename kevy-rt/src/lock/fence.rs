//! A connection's fence: the keys of its isolated operations still in flight
//! while it goes on decoding, so that a later command of the connection on
//! one of those keys waits for them.
//!
//! A one-round operation ([`LockSet::one_round`](crate::LockSet::one_round))
//! is planned from its arguments when it is dispatched; nothing it does
//! later depends on the connection's session. So it need not hold its
//! connection while its shares are locked and its parts run: the
//! connection's next commands go on, as its single-key commands on
//! different shards already do, and only those that touch a key of an
//! operation in flight (either one writing it) wait until every operation
//! in flight has replied. The order a connection's commands run in is then
//! kept per key, the same promise its forwarded commands have: two
//! commands of a connection on one key run in the order sent.
//!
//! The fence is the key ids ([`KeyId`]) and modes of the operations in
//! flight, with a 2048-bit filter per mode in front of them: a command's
//! key costs a bit test, and the list is only searched on a hit. It is
//! cleared when the last operation replies (a connection's pipeline
//! sends a burst, then waits for its replies: the list does not grow past
//! one burst's keys); past [`MAX_KEYS`] every command waits, and so does
//! every command once [`MAX_OPS`] operations are in flight.

use super::KeyId;

/// Keys in flight past which every further command waits (the list is not
/// searched forever).
const MAX_KEYS: usize = 1024;

/// Operations a connection has in flight at most: the next command waits
/// until they have all replied. A pipeline's operations then take a round
/// trip per four (instead of one each when they held the connection), and
/// fewer are in flight at once than with no bound (16 a connection at
/// `-P 16`, 800 over 50 connections: their lists and buffers no longer
/// stayed in cache, and the kept ones ran out). MGET of 10 keys at `-P 16`,
/// user+system µs a request, medians of 3 interleaved rounds: no bound
/// 5.66, 4 at most 4.21, 2 at most 4.39 (EXISTS: 4.03, 3.79, 4.33).
pub(crate) const MAX_OPS: u32 = 4;

/// Words of each filter (2048 bits).
const WORDS: usize = 32;

/// Bit of `id` in a filter: word and mask.
#[inline]
fn bit(id: KeyId) -> (usize, u64) {
    // The ids are hashes: their top bits are as good as any.
    let b = (id >> 53) as usize;
    (b / 64 % WORDS, 1 << (b % 64))
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct Fence {
    /// Operations in flight.
    ops: u32,
    /// Their keys: `(id, write)`.
    keys: Vec<(KeyId, bool)>,
    /// A bit per key in flight, and per key written.
    any: [u64; WORDS],
    written: [u64; WORDS],
}

impl Default for Fence {
    fn default() -> Fence {
        Fence {
            ops: 0,
            keys: Vec::new(),
            any: [0; WORDS],
            written: [0; WORDS],
        }
    }
}

impl Fence {
    /// Whether an operation is in flight.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.ops > 0
    }

    /// Whether [`MAX_OPS`] operations are in flight: nothing more goes on.
    #[inline]
    pub(crate) fn full(&self) -> bool {
        self.ops >= MAX_OPS
    }

    /// Whether a command using key `id` (writing it when `write`) must wait
    /// for the operations in flight: one of them writes it, or the command
    /// does and one of them uses it.
    pub(crate) fn blocks(&self, id: KeyId, write: bool) -> bool {
        if self.keys.len() >= MAX_KEYS {
            return true;
        }
        let (w, m) = bit(id);
        let filter = if write { &self.any } else { &self.written };
        if filter[w] & m == 0 {
            return false;
        }
        self.keys.iter().any(|&(k, kw)| k == id && (write || kw))
    }

    /// An operation using `keys` (`(id, write)`) goes in flight.
    pub(crate) fn enter(&mut self, keys: impl Iterator<Item = (KeyId, bool)>) {
        self.ops += 1;
        for (id, write) in keys {
            let (w, m) = bit(id);
            self.any[w] |= m;
            if write {
                self.written[w] |= m;
            }
            self.keys.push((id, write));
        }
    }

    /// An operation in flight replied; true when it was the last one (the
    /// fence is empty again).
    pub(crate) fn leave(&mut self) -> bool {
        self.ops = self.ops.saturating_sub(1);
        if self.ops > 0 {
            return false;
        }
        for &(id, _) in &self.keys {
            let (w, _) = bit(id);
            self.any[w] = 0;
            self.written[w] = 0;
        }
        self.keys.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::key_id;

    #[test]
    fn reads_share_and_writes_exclude() {
        let mut f = Fence::default();
        assert!(!f.active());
        f.enter([(key_id(b"r"), false), (key_id(b"w"), true)].into_iter());
        assert!(f.active());
        // Reading a key read in flight: no order to keep.
        assert!(!f.blocks(key_id(b"r"), false));
        assert!(f.blocks(key_id(b"r"), true));
        assert!(f.blocks(key_id(b"w"), false));
        assert!(f.blocks(key_id(b"w"), true));
        assert!(!f.blocks(key_id(b"other"), true));
    }

    #[test]
    fn cleared_when_the_last_operation_replies() {
        let mut f = Fence::default();
        f.enter([(key_id(b"a"), true)].into_iter());
        f.enter([(key_id(b"b"), true)].into_iter());
        assert!(!f.leave());
        // Kept until the last one: which keys the first had is not known.
        assert!(f.blocks(key_id(b"a"), false));
        assert!(f.leave());
        assert!(!f.active());
        assert!(!f.blocks(key_id(b"a"), true));
        assert!(!f.blocks(key_id(b"b"), true));
        assert!(f.any.iter().chain(&f.written).all(|&w| w == 0));
    }

    #[test]
    fn a_filter_hit_is_checked_against_the_keys() {
        let mut f = Fence::default();
        let ids: Vec<KeyId> = (0..200u32).map(|i| key_id(&i.to_be_bytes())).collect();
        f.enter(ids.iter().map(|&id| (id, true)));
        for i in 200..2000u32 {
            // Some share a bit with a key in flight; none is one of them.
            assert!(!f.blocks(key_id(&i.to_be_bytes()), true));
        }
        assert!(ids.iter().all(|&id| f.blocks(id, false)));
    }

    #[test]
    fn full_at_max_ops() {
        let mut f = Fence::default();
        for i in 0..MAX_OPS {
            assert!(!f.full());
            f.enter([(key_id(&i.to_be_bytes()), false)].into_iter());
        }
        assert!(f.full());
        for _ in 1..MAX_OPS {
            assert!(!f.leave());
        }
        assert!(f.leave());
        assert!(!f.full());
    }

    #[test]
    fn too_many_keys_in_flight_stop_everything() {
        let mut f = Fence::default();
        f.enter((0..MAX_KEYS as u32).map(|i| (key_id(&i.to_be_bytes()), false)));
        assert!(f.blocks(key_id(b"unrelated"), false));
        assert!(f.leave());
        assert!(!f.blocks(key_id(b"unrelated"), false));
    }
}

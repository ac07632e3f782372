//! Pushed output: bytes a command set sends to any connection of any shard,
//! outside the request/reply pairing (pub/sub messages, invalidations).
//!
//! A [`ConnHandle`] names one connection (its shard, slab slot and the
//! slot's generation): it stays valid to hold after the connection closes, and
//! a push through it then goes nowhere, even when the slot serves a new
//! connection. A command set sends through its shard's [`Outbox`] (handed to
//! it in [`ShardInfo`](crate::ShardInfo)); after each command the runtime
//! takes what was posted and appends it to the connection's output on its own
//! shard (across a ring when the connection lives elsewhere), after the
//! replies that connection is already owed, and the connection's shard alone
//! writes it (the single-writer rule).
//!
//! Each connection belongs to an output class the command set chooses
//! ([`Commands::output_class`](crate::Commands::output_class)); each class
//! has an [`OutputLimit`] with Redis's `client-output-buffer-limit`
//! semantics.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

/// Output classes a command set may use ([`OutputLimit`] per class): class 0
/// is the default of every connection.
pub const OUTPUT_CLASSES: usize = 4;

/// One connection anywhere in the runtime; survives the connection closing
/// (a push to a closed connection is dropped, never delivered to a later
/// connection reusing its slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnHandle {
    /// The shard the connection lives on.
    pub shard: u32,
    /// Its slot in that shard's connection table.
    pub idx: u32,
    /// The slot's generation when the connection was made.
    pub gen: u32,
}

/// Output limits of one class, as Redis's `client-output-buffer-limit`: a
/// connection with more than `hard` bytes of output waiting is closed; one
/// over `soft` for longer than `soft_for` is closed too. A zero byte count
/// disables that limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputLimit {
    /// Bytes beyond which the connection is closed at once.
    pub hard: u64,
    /// Bytes the connection may exceed only for `soft_for`.
    pub soft: u64,
    /// How long output may stay over `soft`.
    pub soft_for: Duration,
}

/// One posted push: its target, bytes (a range of the posted data) and how
/// the target's shard renders them (0: as they are; else the command set's
/// [`Commands::render_push`](crate::Commands::render_push) with this tag).
pub(crate) type Item = (ConnHandle, Range<usize>, u8);

/// What a shard's command set posted and the runtime has not delivered yet.
#[derive(Debug, Default)]
struct Posted {
    data: Vec<u8>,
    items: Vec<Item>,
    /// Notices for shards: `(shard, bytes)` over `data`.
    notices: Vec<(u32, Range<usize>)>,
    /// Connections whose parked call is to end ([`Outbox::end_parked`]),
    /// or that are to close (`true`, [`Outbox::disconnect`]).
    ends: Vec<(ConnHandle, bool)>,
}

/// A shard's outgoing pushes. Cloning gives another handle to the same
/// outbox; it stays on its shard's thread.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    posted: Rc<RefCell<Posted>>,
}

impl Outbox {
    /// A new, empty outbox (what [`ShardInfo::new`](crate::ShardInfo::new)
    /// gives a shard outside a runtime: pushes go nowhere).
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// Sends `bytes` to connection `to`, after the replies it is owed now.
    pub fn push(&self, to: ConnHandle, bytes: &[u8]) {
        let mut p = self.posted.borrow_mut();
        let start = p.data.len();
        p.data.extend_from_slice(bytes);
        let end = p.data.len();
        p.items.push((to, start..end, 0));
    }

    /// Sends `payload` to connection `to`, rendered on its own shard by
    /// [`Commands::render_push`](crate::Commands::render_push) with `tag`
    /// (non-zero) and the connection's session then (its protocol, its
    /// mode), after the replies it is owed.
    pub fn push_rendered(&self, to: ConnHandle, tag: u8, payload: &[u8]) {
        let mut p = self.posted.borrow_mut();
        let start = p.data.len();
        p.data.extend_from_slice(payload);
        let end = p.data.len();
        p.items.push((to, start..end, tag));
    }

    /// Sends the bytes `write` appends to connection `to` (no copy through a
    /// temporary buffer). `write` must not use this outbox.
    pub fn push_with(&self, to: ConnHandle, write: impl FnOnce(&mut Vec<u8>)) {
        let mut p = self.posted.borrow_mut();
        let start = p.data.len();
        write(&mut p.data);
        let end = p.data.len();
        p.items.push((to, start..end, 0));
    }

    /// Sends `bytes` to the command set of shard `shard` (this one
    /// included): [`Commands::notice`](crate::Commands::notice) runs there
    /// with them, after what this shard already sent it (commands, parts,
    /// earlier notices: the same FIFO ring). Fire and forget: nothing
    /// answers.
    pub fn notice(&self, shard: u32, bytes: &[u8]) {
        let mut p = self.posted.borrow_mut();
        let start = p.data.len();
        p.data.extend_from_slice(bytes);
        let end = p.data.len();
        p.notices.push((shard, start..end));
    }

    /// Ends the parked call of connection `to` (a call parked on no key,
    /// such as a wait for acknowledgements), if it is still parked, as if
    /// its deadline had passed: [`Commands::unparked`](crate::Commands::unparked)
    /// writes its reply on its shard. For a condition another shard saw
    /// met; nothing happens if the call already ended.
    pub fn end_parked(&self, to: ConnHandle) {
        self.posted.borrow_mut().ends.push((to, false));
    }

    /// Closes connection `to` on its shard, dropping the output it is
    /// still owed (Redis freeing a client, e.g. a replica told to sync
    /// again); nothing happens if it already closed.
    pub fn disconnect(&self, to: ConnHandle) {
        self.posted.borrow_mut().ends.push((to, true));
    }

    /// True when something waits to be delivered.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        let p = self.posted.borrow();
        p.items.is_empty() && p.notices.is_empty() && p.ends.is_empty()
    }

    /// Takes the connections whose parked call is to end.
    pub(crate) fn take_ends(&self, ends: &mut Vec<(ConnHandle, bool)>) {
        std::mem::swap(ends, &mut self.posted.borrow_mut().ends);
    }

    /// Takes the posted notices (their bytes are in the `data` the next
    /// [`Outbox::take`] hands out, so call this first).
    pub(crate) fn take_notices(&self, notices: &mut Vec<(u32, Range<usize>)>) {
        std::mem::swap(notices, &mut self.posted.borrow_mut().notices);
    }

    /// Takes everything posted, in order: `(to, bytes)` pairs over `data`.
    pub(crate) fn take(&self, data: &mut Vec<u8>, items: &mut Vec<Item>) {
        let mut p = self.posted.borrow_mut();
        std::mem::swap(data, &mut p.data);
        std::mem::swap(items, &mut p.items);
    }

    /// Gives emptied buffers back for the next posts (keeps their capacity
    /// unless a burst grew them past 64 KB: kept, a burst's posts — an
    /// eviction's invalidations to many clients — stayed counted in
    /// `used_memory` and made the next check evict again).
    pub(crate) fn give_back(&self, mut data: Vec<u8>, mut items: Vec<Item>) {
        let mut p = self.posted.borrow_mut();
        if p.items.is_empty()
            && p.notices.is_empty()
            && p.ends.is_empty()
            && data.capacity() <= 64 << 10
        {
            data.clear();
            items.clear();
            p.data = data;
            p.items = items;
        }
    }
}

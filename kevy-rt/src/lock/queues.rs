//! A lock table's key queues: per key id, the FIFO of requests on it, in
//! an open-addressing table made for the table's traffic (a request
//! enters and leaves a few keys' queues; most queues hold one request).
//!
//! Key ids are already 64-bit hashes (`router::hash`'s finalized mix), so
//! a slot's home is the id's low bits: no hashing, linear probing, and
//! backward-shift deletion (no tombstones). A slot is 32 bytes: the key,
//! the queue's head inline, its writer count and, for the rare queue of
//! two or more, the index of its tail in a side list of deques that are
//! kept (with their allocations) for the next long queue. Against a
//! `HashMap<KeyId, Queue>` this halves the instructions of entering and
//! leaving a key (BENCHMARKS.md, "Session 12: the lock table").

use std::collections::VecDeque;

use super::{KeyId, TxnId};

/// One queued request on a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) txn: TxnId,
    /// Its arrival in the table: a queue is sorted by it, so a request
    /// leaving from the middle of a long queue (a reader among many) is
    /// found by bisection. Not kept for a queue's head (0 in a [`Queue`]'s
    /// entries): the head is found by its id.
    pub(super) arrival: u64,
    pub(super) write: bool,
}

/// A slot: a key's queue, or empty (`key == EMPTY`).
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: KeyId,
    head: TxnId,
    /// 0: no tail; else the tail's index in `Queues::tails`, plus one.
    tail: u32,
    /// How many of the queue's entries write.
    writers: u32,
    head_write: bool,
}

/// The id no key is stored under: a key whose id is 0 is stored as 1 (a
/// false conflict at worst, as two keys sharing an id).
const EMPTY: KeyId = 0;

impl Slot {
    /// Whether a request entering this queue now, in mode `write`, finds
    /// only compatible requests ahead (it is empty, or it reads and none
    /// writes).
    #[inline]
    fn admits_new(&self, write: bool) -> bool {
        self.key == EMPTY || (!write && self.writers == 0)
    }

    const VACANT: Slot = Slot {
        key: EMPTY,
        head: 0,
        tail: 0,
        writers: 0,
        head_write: false,
    };
}

/// The stored form of key id `k`.
#[inline]
fn stored(k: KeyId) -> KeyId {
    k.max(1)
}

/// Slots when the table first holds a key.
const INITIAL: usize = 64;
/// Slots an empty table keeps at least once it grew that far (128 KB: a
/// burst of pipelined one-round operations locks a few thousand keys;
/// starting again from [`INITIAL`] after each burst regrew the table five
/// times).
const KEEP_SLOTS: usize = 4096;
/// Slots an empty table keeps at most (2 MB): past that (an operation of
/// tens of thousands of keys), it starts again from nothing.
const KEEP_MAX: usize = 64 * 1024;
/// Tails an empty table keeps.
const KEEP_TAILS: usize = 256;

/// Per key id, its FIFO of requests.
#[derive(Debug, Default)]
pub(super) struct Queues {
    /// A power of two long (or empty), at most half full.
    slots: Vec<Slot>,
    len: usize,
    /// The most keys queued at once since the table was last empty.
    peak: usize,
    /// The tails of the queues of two or more entries (their second entry
    /// onwards); emptied ones are kept, listed in `free`.
    tails: Vec<VecDeque<Entry>>,
    free: Vec<u32>,
}

/// A key's queue, read-only.
#[derive(Clone, Copy, Debug)]
pub(super) struct Queue<'a> {
    head: Entry,
    tail: Option<&'a VecDeque<Entry>>,
    writers: u32,
}

impl<'a> Queue<'a> {
    /// Its entries, oldest first.
    pub(super) fn iter(self) -> impl Iterator<Item = Entry> + 'a {
        std::iter::once(self.head).chain(self.tail.into_iter().flatten().copied())
    }

    /// Whether a request entering it now, in mode `write`, would find only
    /// compatible requests ahead (no walk: it reads and none writes).
    pub(super) fn admits_new(self, write: bool) -> bool {
        !write && self.writers == 0
    }

    /// Pushes to `cand` the requests of this queue that the leaving of an
    /// entry of it may have let through: with `head_only` (a reader left,
    /// which held back only a writer that now heads the queue) the head
    /// when it writes; else every request of its *admissible prefix* (its
    /// leading readers, or its head writer), the only ones no entry ahead
    /// of them holds back. Granted ones are weeded out by the caller.
    pub(super) fn candidates(self, head_only: bool, cand: &mut Vec<TxnId>) {
        if head_only || self.head.write {
            if self.head.write {
                cand.push(self.head.txn);
            }
            return;
        }
        if self.writers == 0 {
            cand.extend(self.iter().map(|e| e.txn));
            return;
        }
        cand.extend(self.iter().take_while(|e| !e.write).map(|e| e.txn));
    }
}

impl Queues {
    /// The slot index of key `k` (stored form), or of the vacant slot
    /// where it would go.
    #[inline]
    fn find(&self, k: KeyId) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = k as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.key == k || s.key == EMPTY {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// Key `k`'s queue, when any request is queued on it.
    #[inline]
    pub(super) fn get(&self, k: KeyId) -> Option<Queue<'_>> {
        if self.len == 0 {
            return None;
        }
        let s = &self.slots[self.find(stored(k))];
        (s.key != EMPTY).then(|| self.view(s))
    }

    fn view(&self, s: &Slot) -> Queue<'_> {
        Queue {
            head: Entry {
                txn: s.head,
                arrival: 0,
                write: s.head_write,
            },
            tail: match s.tail {
                0 => None,
                t => self.tails.get(t as usize - 1),
            },
            writers: s.writers,
        }
    }

    /// Queues `e` on key `k`; true when every request already queued there
    /// is compatible with it.
    #[inline]
    pub(super) fn enter(&mut self, k: KeyId, e: Entry) -> bool {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let k = stored(k);
        let i = self.find(k);
        let admitted = self.slots[i].admits_new(e.write);
        let s = &mut self.slots[i];
        if s.key == EMPTY {
            *s = Slot {
                key: k,
                head: e.txn,
                tail: 0,
                writers: e.write as u32,
                head_write: e.write,
            };
            self.len += 1;
            self.peak = self.peak.max(self.len);
            return admitted;
        }
        s.writers += e.write as u32;
        if s.tail == 0 {
            s.tail = match self.free.pop() {
                Some(t) => t,
                None => {
                    self.tails.push(VecDeque::new());
                    self.tails.len() as u32
                }
            };
        }
        let t = s.tail as usize - 1;
        if let Some(q) = self.tails.get_mut(t) {
            q.push_back(e);
        }
        admitted
    }

    /// Drops entry `e` from key `k`'s queue (a request enters a key's
    /// queue once). When entries are left and `cand` is given, pushes the
    /// requests the leaving may let through ([`Queue::candidates`];
    /// `head_only` when `e` reads).
    #[inline]
    pub(super) fn leave(&mut self, k: KeyId, e: Entry, cand: Option<&mut Vec<TxnId>>) {
        let (txn, head_only) = (e.txn, !e.write);
        if self.len == 0 {
            return;
        }
        let i = self.find(stored(k));
        let s = self.slots[i];
        if s.key == EMPTY {
            return;
        }
        if s.tail == 0 {
            if s.head == txn {
                self.remove_at(i);
            }
            return;
        }
        let t = s.tail as usize - 1;
        let Some(q) = self.tails.get_mut(t) else {
            return;
        };
        let slot = &mut self.slots[i];
        if s.head == txn {
            slot.writers -= s.head_write as u32;
            if let Some(next) = q.pop_front() {
                slot.head = next.txn;
                slot.head_write = next.write;
            }
        } else if let Ok(at) = q.binary_search_by_key(&e.arrival, |x| x.arrival) {
            if q[at].txn == txn {
                if let Some(e) = q.remove(at) {
                    slot.writers -= e.write as u32;
                }
            }
        }
        if q.is_empty() {
            slot.tail = 0;
            self.free.push(t as u32 + 1);
        }
        if let Some(cand) = cand {
            let s = self.slots[i];
            self.view(&s).candidates(head_only, cand);
        }
    }

    /// Empties slot `i`, shifting back the entries after it that probed
    /// past it (no tombstones).
    fn remove_at(&mut self, mut i: usize) {
        let mask = self.slots.len() - 1;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s.key == EMPTY {
                break;
            }
            let home = s.key as usize & mask;
            // `s` may move to `i` unless its home lies in (i, j].
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(i) & mask {
                self.slots[i] = s;
                i = j;
            }
        }
        self.slots[i] = Slot::VACANT;
        self.len -= 1;
    }

    /// Doubles the slots (or makes the first ones), re-placing every key.
    #[cold]
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(INITIAL);
        let old = std::mem::replace(&mut self.slots, vec![Slot::VACANT; n]);
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            let i = self.find(s.key);
            self.slots[i] = s;
        }
    }

    /// Gives back the memory of a burst once no queue is left: the slots
    /// the last burst did not need (keeping [`KEEP_SLOTS`]; all of them
    /// past [`KEEP_MAX`]), and the kept tails past [`KEEP_TAILS`]. A table
    /// sized for the bursts it keeps seeing is kept: bursts of 30-key
    /// EXISTS at `-P 16` (~3,000 keys in flight) made it grow from nothing
    /// seven times each, 150 ns an operation.
    pub(super) fn shrink_if_empty(&mut self) {
        if self.len != 0 {
            return;
        }
        let peak = std::mem::take(&mut self.peak);
        if self.tails.len() > KEEP_TAILS {
            // No slot names a tail: every queue is gone.
            self.tails = Vec::new();
            self.free = Vec::new();
        }
        // What the last burst's keys needed (at most half full).
        let fits = (peak * 2).next_power_of_two().max(KEEP_SLOTS);
        if self.slots.len() > KEEP_MAX {
            self.slots = Vec::new();
        } else if self.slots.len() > fits {
            self.slots = vec![Slot::VACANT; fits];
        }
    }

    /// How many slots it has.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many keys have a queue.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests;

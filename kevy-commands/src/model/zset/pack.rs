//! The compact encoding of a small sorted set (Redis's listpack): every
//! entry back to back in one buffer, in order, as
//! `[len u8][member][score f64 LE][len u8]`. The trailing length lets the
//! buffer be walked backwards. Members are at most
//! [`MAX_PACK_VALUE`](super::MAX_PACK_VALUE) bytes (longer ones make the set
//! convert), so one byte holds their length. Lookups are linear, as in Redis;
//! the set holds at most [`MAX_PACK_ENTRIES`](super::MAX_PACK_ENTRIES). A
//! score of `-0` is stored as `0`, as Redis's listpack does (it keeps scores
//! as text, and `-0` becomes the integer 0).

use super::before;

/// Bytes an entry takes besides its member.
const OVERHEAD: usize = 10;

/// A small sorted set in one buffer.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    buf: Vec<u8>,
    len: usize,
}

/// One decoded entry: its member, score, and where the next one starts.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The member.
    pub member: &'a [u8],
    /// Its score.
    pub score: f64,
    /// Offset of the entry.
    pub at: usize,
    /// Offset of the next entry (the buffer's length after the last).
    pub next: usize,
}

impl Pack {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the pack has no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes used by the buffer.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// The entry at byte offset `at`.
    pub fn entry(&self, at: usize) -> Option<Entry<'_>> {
        let m = *self.buf.get(at)? as usize;
        let member = self.buf.get(at + 1..at + 1 + m)?;
        let raw: [u8; 8] = self.buf.get(at + 1 + m..at + 9 + m)?.try_into().ok()?;
        Some(Entry {
            member,
            score: f64::from_le_bytes(raw),
            at,
            next: at + m + OVERHEAD,
        })
    }

    /// Offset of the entry before the one at `at`.
    pub fn prev(&self, at: usize) -> Option<usize> {
        let m = *self.buf.get(at.checked_sub(1)?)? as usize;
        at.checked_sub(m + OVERHEAD)
    }

    /// Offset of the last entry.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.buf.len())
    }

    /// Entries from offset `at` onwards.
    pub fn iter_from(&self, at: usize) -> Iter<'_> {
        Iter {
            pack: self,
            at: Some(at),
            rev: false,
        }
    }

    /// Entries from offset `at` backwards (`None`: nothing).
    pub fn iter_back_from(&self, at: Option<usize>) -> Iter<'_> {
        Iter {
            pack: self,
            at,
            rev: true,
        }
    }

    /// Offset of the entry of rank `rank` (0-based, ascending).
    pub fn offset_of(&self, rank: usize) -> Option<usize> {
        if rank >= self.len {
            return None;
        }
        if rank > self.len / 2 {
            let mut at = self.last()?;
            for _ in rank + 1..self.len {
                at = self.prev(at)?;
            }
            return Some(at);
        }
        self.iter_from(0).nth(rank).map(|e| e.at)
    }

    /// The entry of `member` and its rank.
    pub fn find(&self, member: &[u8]) -> Option<(Entry<'_>, usize)> {
        self.iter_from(0)
            .enumerate()
            .find(|(_, e)| e.member == member)
            .map(|(rank, e)| (e, rank))
    }

    /// Inserts `member` (absent, at most 255 bytes) in order.
    pub fn insert(&mut self, score: f64, member: &[u8]) {
        let at = self
            .iter_from(0)
            .find(|e| before(score, member, e.score, e.member))
            .map_or(self.buf.len(), |e| e.at);
        self.insert_at(at, score, member);
    }

    /// Appends `member` after every entry (the caller keeps the order).
    pub fn push(&mut self, score: f64, member: &[u8]) {
        let at = self.buf.len();
        self.insert_at(at, score, member);
    }

    fn insert_at(&mut self, at: usize, score: f64, member: &[u8]) {
        debug_assert!(member.len() <= u8::MAX as usize);
        // Redis stores a listpack score as text, and `-0` reads back as the
        // integer 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let m = member.len().min(u8::MAX as usize);
        let mut entry = [0u8; OVERHEAD + u8::MAX as usize];
        entry[0] = m as u8;
        entry[1..1 + m].copy_from_slice(&member[..m]);
        entry[1 + m..9 + m].copy_from_slice(&score.to_le_bytes());
        entry[9 + m] = m as u8;
        let at = at.min(self.buf.len());
        self.buf
            .splice(at..at, entry[..m + OVERHEAD].iter().copied());
        self.len += 1;
    }

    /// Removes `count` entries starting at offset `at`.
    pub fn remove_run(&mut self, at: usize, count: usize) -> usize {
        let mut end = at;
        let mut removed = 0;
        while removed < count {
            match self.entry(end) {
                Some(e) => end = e.next,
                None => break,
            }
            removed += 1;
        }
        self.buf.drain(at..end);
        self.len -= removed;
        removed
    }

    /// Gives back spare capacity.
    pub fn shrink(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Iterates over a [`Pack`] forwards or backwards.
pub struct Iter<'a> {
    pack: &'a Pack,
    at: Option<usize>,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        let e = self.pack.entry(self.at?)?;
        self.at = if self.rev {
            self.pack.prev(e.at)
        } else {
            Some(e.next)
        };
        Some(e)
    }
}

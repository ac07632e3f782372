//! The compact encoding of a small sorted set (Redis's listpack): every
//! entry back to back in one [`Compact`] buffer (inline up to 21 bytes,
//! else one allocation sized to fit), in order, as
//! `[d][member][score][d]`. The descriptor byte `d` holds the score's kind
//! (high 3 bits) and the member's length (low 5 bits; 31 means the length
//! is in a second byte, after the first `d` and before the last). Scores
//! take the fewest bytes that hold them exactly: an integer in 1, 2 or 4
//! bytes (Redis's listpack stores those as integers too), else an `f32`
//! when it is exact, else the `f64`. A 6-byte member with a small integer
//! score takes 9 bytes (Redis: 10). The trailing descriptor lets the
//! buffer be walked backwards.
//!
//! Members are at most `zset-max-listpack-value` bytes (longer ones make
//! the set convert; 255 at most here, whatever the setting:
//! [`Enc::zset_member`](crate::model::encoding::Enc::zset_member)).
//! Lookups are linear, as in Redis; the set holds at most
//! `zset-max-listpack-entries`. A score of `-0` is stored
//! as `0`, as Redis's listpack does (it keeps scores as text, and `-0`
//! becomes the integer 0).

use super::before;
use crate::model::types::compact::Compact;

/// Score kinds: an `i8`, `i16`, `i32`, an `f32`, an `f64`.
const KIND_BYTES: [usize; 8] = [1, 2, 4, 4, 8, 0, 0, 0];
const KIND_F32: u8 = 3;
const KIND_F64: u8 = 4;
/// The low bits of a descriptor saying the member's length follows.
const LONG: u8 = 31;

/// A small sorted set in one buffer.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    /// The entries; the count is their number.
    buf: Compact,
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

/// The kind and bytes of `score` (never NaN; `-0` counts as 0).
#[inline]
fn encode_score(score: f64, out: &mut [u8; 8]) -> (u8, usize) {
    if score.fract() == 0.0 && score.abs() <= i32::MAX as f64 {
        let n = score as i32;
        if let Ok(b) = i8::try_from(n) {
            out[0] = b as u8;
            return (0, 1);
        }
        if let Ok(h) = i16::try_from(n) {
            out[..2].copy_from_slice(&h.to_le_bytes());
            return (1, 2);
        }
        out[..4].copy_from_slice(&n.to_le_bytes());
        return (2, 4);
    }
    let narrow = score as f32;
    if f64::from(narrow) == score {
        out[..4].copy_from_slice(&narrow.to_le_bytes());
        return (KIND_F32, 4);
    }
    *out = score.to_le_bytes();
    (KIND_F64, 8)
}

/// The score of `kind` in `b`.
#[inline]
fn decode_score(kind: u8, b: &[u8]) -> Option<f64> {
    Some(match kind {
        0 => f64::from(*b.first()? as i8),
        1 => f64::from(i16::from_le_bytes(b.get(..2)?.try_into().ok()?)),
        2 => f64::from(i32::from_le_bytes(b.get(..4)?.try_into().ok()?)),
        KIND_F32 => f64::from(f32::from_le_bytes(b.get(..4)?.try_into().ok()?)),
        _ => f64::from_le_bytes(b.get(..8)?.try_into().ok()?),
    })
}

impl Pack {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.buf.count()
    }

    /// True when the pack has no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes used by the buffer.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Bytes allocated on the heap (0 while inline).
    pub fn heap_bytes(&self) -> usize {
        self.buf.heap_bytes()
    }

    /// The entry at byte offset `at`.
    #[inline]
    pub fn entry(&self, at: usize) -> Option<Entry<'_>> {
        let buf = self.buf.as_slice();
        let d = *buf.get(at)?;
        let (m, h) = match d & LONG {
            LONG => (*buf.get(at + 1)? as usize, 2),
            m => (m as usize, 1),
        };
        let kind = d >> 5;
        let k = KIND_BYTES[kind as usize];
        let member = buf.get(at + h..at + h + m)?;
        let score = decode_score(kind, buf.get(at + h + m..at + h + m + k)?)?;
        Some(Entry {
            member,
            score,
            at,
            next: at + 2 * h + m + k,
        })
    }

    /// Offset of the entry before the one at `at`.
    #[inline]
    pub fn prev(&self, at: usize) -> Option<usize> {
        let buf = self.buf.as_slice();
        let d = *buf.get(at.checked_sub(1)?)?;
        let (m, h) = match d & LONG {
            LONG => (*buf.get(at.checked_sub(2)?)? as usize, 2),
            m => (m as usize, 1),
        };
        at.checked_sub(2 * h + m + KIND_BYTES[(d >> 5) as usize])
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
        let len = self.len();
        if rank >= len {
            return None;
        }
        if rank > len / 2 {
            let mut at = self.last()?;
            for _ in rank + 1..len {
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
            .map_or(self.bytes(), |e| e.at);
        self.insert_at(at, score, member);
    }

    /// Appends `member` after every entry (the caller keeps the order).
    pub fn push(&mut self, score: f64, member: &[u8]) {
        let at = self.bytes();
        self.insert_at(at, score, member);
    }

    fn insert_at(&mut self, at: usize, score: f64, member: &[u8]) {
        debug_assert!(member.len() <= u8::MAX as usize);
        // Redis stores a listpack score as text, and `-0` reads back as the
        // integer 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let m = member.len().min(u8::MAX as usize);
        let mut raw = [0u8; 8];
        let (kind, k) = encode_score(score, &mut raw);
        let (head, tail): ([u8; 2], [u8; 2]) = if m < LONG as usize {
            ([kind << 5 | m as u8, 0], [kind << 5 | m as u8, 0])
        } else {
            ([kind << 5 | LONG, m as u8], [m as u8, kind << 5 | LONG])
        };
        let h = if m < LONG as usize { 1 } else { 2 };
        let count = self.len() + 1;
        self.buf
            .splice(at..at, &[&head[..h], &member[..m], &raw[..k], &tail[..h]]);
        self.buf.set_count(count);
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
        let count = self.len() - removed;
        self.buf.splice(at..end, &[]);
        self.buf.set_count(count);
        removed
    }

    /// Gives back spare capacity.
    pub fn shrink(&mut self) {
        self.buf.trim();
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

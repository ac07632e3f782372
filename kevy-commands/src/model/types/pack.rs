//! [`Pack`]: a run of byte strings in one contiguous buffer, after Redis's
//! listpack. Each entry is `len` (LEB128) + the bytes + `len` again with its
//! LEB128 bytes reversed, so the buffer walks from either end. Used for the
//! nodes of a [`List`](super::list::List); small hashes, which only walk
//! forwards, drop the reversed length ([`FwdPack`]).
//!
//! The bytes live in a [`Compact`]: inline up to 21 bytes, else one
//! allocation sized to fit.
//!
//! Offsets handed around are byte offsets of an entry's start; every read is
//! bounds-checked, so a bad offset yields `None`, never a panic.

use super::compact::Compact;

/// A packed sequence of byte strings: a [`Compact`] buffer (inline up to
/// 21 bytes, else one allocation sized to fit) whose count is the number of
/// entries. With `BACK` (the default, for list nodes) each entry ends with
/// its length reversed so the pack walks backwards too; a hash, which only
/// walks forwards, packs without it ([`FwdPack`]), a byte less per entry.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pack<const BACK: bool = true> {
    buf: Compact,
}

/// Bytes of the LEB128 encoding of `n`.
#[inline]
pub(crate) fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// The LEB128 bytes of `n` into `out`, and the same bytes reversed into
/// `rev`; returns how many.
#[inline]
fn varint(mut n: usize, out: &mut [u8; 10], rev: &mut [u8; 10]) -> usize {
    let mut i = 0;
    let len = loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out[i] = b;
            break i + 1;
        }
        out[i] = b | 0x80;
        i += 1;
    };
    for j in 0..len {
        rev[j] = out[len - 1 - j];
    }
    len
}

/// The bytes an entry of `len` bytes takes in a pack.
#[inline]
pub fn entry_size(len: usize) -> usize {
    len + 2 * varint_len(len)
}

/// The bytes an entry of `len` bytes takes in a [`FwdPack`].
#[inline]
pub fn fwd_entry_size(len: usize) -> usize {
    len + varint_len(len)
}

impl<const BACK: bool> Pack<BACK> {
    /// An empty pack.
    pub const fn new() -> Self {
        Pack {
            buf: Compact::new(),
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.count()
    }

    /// True when the pack holds no entry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.count() == 0
    }

    /// Bytes used by the entries.
    #[inline]
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// The encoded entries (what a list node compresses).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_slice()
    }

    /// The pack whose encoded entries are `bytes`, `count` of them (what
    /// [`as_bytes`](Self::as_bytes) gave, decompressed).
    pub fn from_bytes(bytes: &[u8], count: usize) -> Self {
        Pack {
            buf: Compact::from_parts(bytes, count),
        }
    }

    /// Bytes allocated for the entries (0 while they fit inline).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.heap_bytes()
    }

    /// Writes the entry `e` over the bytes `range` of the buffer (an empty
    /// range inserts), moving the tail once; `delta` is the change in the
    /// number of entries.
    fn splice_entry(&mut self, range: std::ops::Range<usize>, e: &[u8], delta: isize) {
        let (mut hdr, mut rev) = ([0u8; 10], [0u8; 10]);
        let n = varint(e.len(), &mut hdr, &mut rev);
        let count = self.len().saturating_add_signed(delta);
        let back: &[u8] = if BACK { &rev[..n] } else { &[] };
        self.buf.splice(range, &[&hdr[..n], e, back]);
        self.buf.set_count(count);
    }

    /// The entry starting at byte `off`: its bytes and the offset of the next.
    #[inline]
    pub fn entry_at(&self, off: usize) -> Option<(&[u8], usize)> {
        let buf = self.buf.as_slice();
        let (mut len, mut shift, mut i) = (0usize, 0u32, off);
        loop {
            let b = *buf.get(i)?;
            i += 1;
            len |= ((b & 0x7f) as usize).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let hdr = if BACK { i - off } else { 0 };
        let end = i.checked_add(len)?;
        let data = buf.get(i..end)?;
        Some((data, end.checked_add(hdr)?))
    }

    /// The entry ending at byte `end` (exclusive): its bytes and its start.
    #[inline]
    pub fn entry_before(&self, end: usize) -> Option<(&[u8], usize)> {
        if !BACK {
            let mut off = 0;
            loop {
                let (e, next) = self.entry_at(off)?;
                if next == end {
                    return Some((e, off));
                }
                off = next;
            }
        }
        let buf = self.buf.as_slice();
        let (mut len, mut shift, mut i) = (0usize, 0u32, end);
        loop {
            i = i.checked_sub(1)?;
            let b = *buf.get(i)?;
            len |= ((b & 0x7f) as usize).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let hdr = end - i;
        let start = i.checked_sub(len)?;
        let data = buf.get(start..i)?;
        Some((data, start.checked_sub(hdr)?))
    }

    /// Byte offset of entry `i` (`len()` gives the end), walking from the
    /// nearer end of the pack.
    pub fn offset_of(&self, i: usize) -> Option<usize> {
        let count = self.len();
        if i > count {
            return None;
        }
        if i <= count / 2 || !BACK {
            let mut off = 0;
            for _ in 0..i {
                off = self.entry_at(off)?.1;
            }
            Some(off)
        } else {
            let mut off = self.buf.len();
            for _ in i..count {
                off = self.entry_before(off)?.1;
            }
            Some(off)
        }
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let off = self.offset_of(i)?;
        self.entry_at(off).map(|(e, _)| e)
    }

    /// Appends two entries at once (a hash's field and value: one
    /// reallocation for both).
    pub fn push_back_two(&mut self, a: &[u8], b: &[u8]) {
        let (mut ha, mut ra, mut hb, mut rb) = ([0u8; 10], [0u8; 10], [0u8; 10], [0u8; 10]);
        let na = varint(a.len(), &mut ha, &mut ra);
        let nb = varint(b.len(), &mut hb, &mut rb);
        let (ta, tb): (&[u8], &[u8]) = if BACK {
            (&ra[..na], &rb[..nb])
        } else {
            (&[], &[])
        };
        let count = self.len() + 2;
        let end = self.buf.len();
        self.buf
            .splice(end..end, &[&ha[..na], a, ta, &hb[..nb], b, tb]);
        self.buf.set_count(count);
    }

    /// Appends an entry.
    pub fn push_back(&mut self, e: &[u8]) {
        let end = self.buf.len();
        self.splice_entry(end..end, e, 1);
    }

    /// Prepends an entry.
    pub fn push_front(&mut self, e: &[u8]) {
        self.insert_at_offset(0, e);
    }

    /// Inserts an entry at byte offset `off` (an entry boundary).
    pub fn insert_at_offset(&mut self, off: usize, e: &[u8]) {
        let off = off.min(self.buf.len());
        self.splice_entry(off..off, e, 1);
    }

    /// Inserts an entry so it becomes entry `i` (`i == len()` appends).
    pub fn insert(&mut self, i: usize, e: &[u8]) {
        if let Some(off) = self.offset_of(i) {
            self.insert_at_offset(off, e);
        }
    }

    /// Removes `n` entries from entry `i` on (fewer if the pack ends first).
    pub fn remove_range(&mut self, i: usize, n: usize) {
        let Some(start) = self.offset_of(i) else {
            return;
        };
        let (mut end, mut removed) = (start, 0);
        while removed < n {
            match self.entry_at(end) {
                Some((_, next)) => end = next,
                None => break,
            }
            removed += 1;
        }
        let count = self.len() - removed;
        self.buf.splice(start..end, &[]);
        self.buf.set_count(count);
    }

    /// Removes entry `i`.
    pub fn remove(&mut self, i: usize) {
        self.remove_range(i, 1);
    }

    /// Replaces the entry starting at byte `off` with `e`.
    pub fn replace_at_offset(&mut self, off: usize, e: &[u8]) {
        let Some((_, end)) = self.entry_at(off) else {
            return;
        };
        self.splice_entry(off..end, e, 0);
    }

    /// Replaces entry `i` with `e`.
    pub fn replace(&mut self, i: usize, e: &[u8]) {
        if let Some(off) = self.offset_of(i) {
            self.replace_at_offset(off, e);
        }
    }

    /// Removes and returns the first entry.
    pub fn pop_front(&mut self) -> Option<crate::base::bytes::Bytes> {
        let (e, next) = self.entry_at(0)?;
        let e = crate::base::bytes::Bytes::from_slice(e);
        let count = self.len() - 1;
        self.buf.splice(0..next, &[]);
        self.buf.set_count(count);
        Some(e)
    }

    /// Removes and returns the last entry.
    pub fn pop_back(&mut self) -> Option<crate::base::bytes::Bytes> {
        let (e, start) = self.entry_before(self.buf.len())?;
        let e = crate::base::bytes::Bytes::from_slice(e);
        let count = self.len() - 1;
        self.buf.truncate(start);
        self.buf.set_count(count);
        Some(e)
    }

    /// Moves entries from entry `i` on into a new pack.
    pub fn split_off(&mut self, i: usize) -> Self {
        let Some(off) = self.offset_of(i) else {
            return Self::new();
        };
        let count = self.len();
        let mut tail = self.buf.split_off(off);
        tail.set_count(count - i);
        self.buf.set_count(i);
        Self { buf: tail }
    }

    /// Appends all of `other`'s entries.
    pub fn append(&mut self, other: &Self) {
        let count = self.len() + other.len();
        self.buf.push(&[other.buf.as_slice()]);
        self.buf.set_count(count);
    }

    /// Iterates over the entries, first to last.
    pub fn iter(&self) -> Iter<'_, BACK> {
        Iter {
            pack: self,
            front: 0,
            back: self.buf.len(),
            left: self.len(),
        }
    }

    /// Makes room at once for `additional` more bytes (a small hash set
    /// field by field grows once); [`trim`](Self::trim) gives back what was
    /// not used.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.buf.reserve(additional);
    }

    /// Gives back all unused capacity.
    pub fn trim(&mut self) {
        self.buf.trim();
    }

    /// Gives unused capacity back (a pack is kept sized to fit as it
    /// shrinks; what remains spare is [`trim`](Self::trim)med).
    pub fn shrink(&mut self) {
        self.buf.trim();
    }
}

/// A double-ended iterator over a [`Pack`]'s entries.
pub struct Iter<'a, const BACK: bool = true> {
    pack: &'a Pack<BACK>,
    front: usize,
    back: usize,
    left: usize,
}

impl<'a, const BACK: bool> Iterator for Iter<'a, BACK> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let (e, next) = self.pack.entry_at(self.front)?;
        self.front = next;
        self.left -= 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a, const BACK: bool> DoubleEndedIterator for Iter<'a, BACK> {
    #[inline]
    fn next_back(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let (e, start) = self.pack.entry_before(self.back)?;
        self.back = start;
        self.left -= 1;
        Some(e)
    }
}

impl<const BACK: bool> ExactSizeIterator for Iter<'_, BACK> {}

/// A pack that only walks forwards (entries without their trailing
/// length): a small hash's.
pub type FwdPack = Pack<false>;

impl<const BACK: bool> std::fmt::Debug for Pack<BACK> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(p: &Pack) -> Vec<Vec<u8>> {
        p.iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn entries_walk_both_ways() {
        let mut p = Pack::new();
        let long = vec![b'x'; 300];
        p.push_back(b"a");
        p.push_back(&long);
        p.push_back(b"");
        p.push_front(b"first");
        assert_eq!(p.len(), 4);
        assert_eq!(p.bytes(), 5 + 2 + 1 + 2 + 300 + 4 + 2);
        let fwd = strings(&p);
        let mut back: Vec<Vec<u8>> = p.iter().rev().map(<[u8]>::to_vec).collect();
        back.reverse();
        assert_eq!(fwd, back);
        assert_eq!(fwd[0], b"first");
        assert_eq!(p.get(2), Some(&long[..]));
        assert_eq!(p.get(3), Some(&b""[..]));
        assert_eq!(p.get(4), None);
    }

    #[test]
    fn edits_keep_the_pack_consistent() {
        let mut p = Pack::new();
        for i in 0..10 {
            p.push_back(format!("e{i}").as_bytes());
        }
        p.insert(3, b"ins");
        p.remove(0);
        p.replace(1, &[b'y'; 200]);
        p.remove_range(5, 100);
        assert_eq!(p.len(), 5);
        assert_eq!(
            strings(&p)
                .iter()
                .map(|e| String::from_utf8_lossy(e).into_owned())
                .collect::<Vec<_>>(),
            vec![
                "e1".to_string(),
                "y".repeat(200),
                "ins".into(),
                "e3".into(),
                "e4".into()
            ]
        );
        let tail = p.split_off(2);
        assert_eq!((p.len(), tail.len()), (2, 3));
        p.append(&tail);
        assert_eq!(p.len(), 5);
        assert_eq!(p.pop_back().as_deref(), Some(&b"e4"[..]));
        assert_eq!(p.pop_front().as_deref(), Some(&b"e1"[..]));
        assert_eq!(p.len(), 3);
        assert_eq!(p.iter().rev().count(), 3);
    }

    #[test]
    fn a_forward_pack_drops_the_trailing_length() {
        let mut p = FwdPack::new();
        let long = vec![b'z'; 200];
        for e in [&b"ab"[..], &long, b"", b"last"] {
            p.push_back(e);
        }
        assert_eq!(p.bytes(), 3 + 202 + 1 + 5);
        assert_eq!(p.get(1), Some(&long[..]));
        assert_eq!(p.get(3), Some(&b"last"[..]));
        assert_eq!(p.offset_of(4), Some(p.bytes()));
        p.replace(1, b"short");
        p.remove(0);
        p.push_back_two(b"k", b"v");
        assert_eq!(p.pop_back().as_deref(), Some(&b"v"[..]));
        assert_eq!(p.pop_back().as_deref(), Some(&b"k"[..]));
        assert_eq!(p.iter().collect::<Vec<_>>(), [&b"short"[..], b"", b"last"]);
        assert_eq!(p.pop_back().as_deref(), Some(&b"last"[..]));
        assert_eq!(p.len(), 2);
    }
}

//! [`Compact`]: the byte buffer under every small collection (packed hashes,
//! list nodes, intsets, packed sorted sets), with a count beside it, in 24
//! bytes and at most one allocation sized to fit.
//!
//! Up to [`INLINE`] bytes live inside the value itself (no allocation: a set
//! of ten small integers costs nothing beyond its key's node); past that the
//! bytes are one boxed slice allocated to fit, like Redis's listpack, which
//! reallocates on every change. Buffers past [`SLACK_FROM`] bytes keep up to
//! 1/32 of their size (at most 255 bytes) spare on growth, so pushing to an
//! 8 KB list node does not copy it every time; smaller ones are always
//! exact. The count is the owner's (entries, members): stored here because
//! the enum has room for it.
//!
//! Every edit is a [`Compact::splice`]: one move of the tail and at most one
//! reallocation. Ranges are clamped, never a panic.

use std::ops::Range;

/// Bytes held without an allocation.
pub const INLINE: usize = 21;

/// Buffers at least this large may keep spare bytes after growing.
pub const SLACK_FROM: usize = 256;

/// Spare bytes a heap buffer of `cap` bytes may keep.
#[inline]
fn allowed_slack(cap: usize) -> usize {
    if cap < SLACK_FROM {
        0
    } else {
        (cap / 32).min(u8::MAX as usize)
    }
}

/// A byte buffer with a count, inline up to [`INLINE`] bytes.
#[derive(Clone)]
pub enum Compact {
    /// The bytes inside the value.
    Inline {
        /// Bytes used.
        len: u8,
        /// The owner's count.
        count: u8,
        /// The bytes (`len` of them used).
        data: [u8; INLINE],
    },
    /// The bytes in one allocation: all but the last `slack` are used.
    Heap {
        /// Unused bytes at the end of `data`.
        slack: u8,
        /// The owner's count.
        count: u32,
        /// The allocation.
        data: Box<[u8]>,
    },
}

impl Default for Compact {
    fn default() -> Compact {
        Compact::new()
    }
}

impl Compact {
    /// An empty buffer (no allocation).
    #[inline]
    pub const fn new() -> Compact {
        Compact::Inline {
            len: 0,
            count: 0,
            data: [0; INLINE],
        }
    }

    /// A buffer holding `bytes`, with count `count`, sized to fit.
    pub fn from_parts(bytes: &[u8], count: usize) -> Compact {
        let mut c = if bytes.len() <= INLINE {
            let mut c = Compact::new();
            c.splice(0..0, &[bytes]);
            c
        } else {
            Compact::Heap {
                slack: 0,
                count: 0,
                data: bytes.into(),
            }
        };
        c.set_count(count);
        c
    }

    /// The bytes in use.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Compact::Inline { len, data, .. } => data.get(..*len as usize).unwrap_or(&[]),
            Compact::Heap { slack, data, .. } => data
                .get(..data.len().saturating_sub(*slack as usize))
                .unwrap_or(&[]),
        }
    }

    /// Bytes in use.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Compact::Inline { len, .. } => *len as usize,
            Compact::Heap { slack, data, .. } => data.len() - *slack as usize,
        }
    }

    /// True when no byte is in use.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes allocated on the heap (0 while inline).
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        match self {
            Compact::Inline { .. } => 0,
            Compact::Heap { data, .. } => data.len(),
        }
    }

    /// The owner's count.
    #[inline]
    pub fn count(&self) -> usize {
        match self {
            Compact::Inline { count, .. } => *count as usize,
            Compact::Heap { count, .. } => *count as usize,
        }
    }

    /// Sets the owner's count. An inline buffer holds at most [`INLINE`]
    /// bytes, so an owner whose entries take a byte or more never counts
    /// past it there; a larger count moves the bytes to the heap.
    #[inline]
    pub fn set_count(&mut self, n: usize) {
        match self {
            Compact::Inline { count, .. } if n <= u8::MAX as usize => *count = n as u8,
            Compact::Heap { count, .. } if n <= u32::MAX as usize => *count = n as u32,
            _ => self.set_count_slow(n),
        }
    }

    #[cold]
    fn set_count_slow(&mut self, n: usize) {
        if let Compact::Inline { .. } = self {
            let bytes = self.as_slice().to_vec();
            *self = Compact::Heap {
                slack: 0,
                count: 0,
                data: bytes.into_boxed_slice(),
            };
        }
        if let Compact::Heap { count, .. } = self {
            *count = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }

    /// Replaces the bytes `range` (clamped to the bytes in use) with the
    /// concatenation of `parts`: an empty range inserts, no parts delete.
    pub fn splice(&mut self, range: Range<usize>, parts: &[&[u8]]) {
        let used = self.len();
        let end = range.end.min(used);
        let start = range.start.min(end);
        let add: usize = parts.iter().map(|p| p.len()).sum();
        let new_used = used - (end - start) + add;
        let count = self.count();
        if new_used <= INLINE && self.heap_bytes() == 0 {
            self.splice_inline(start..end, parts, new_used);
            return;
        }
        if let Compact::Heap { slack, data, .. } = self {
            // Room enough in the allocation (growing into its spare bytes, or
            // shrinking by little): edit in place.
            let cap = data.len();
            let spare = cap.wrapping_sub(new_used);
            if new_used <= cap
                && spare <= u8::MAX as usize
                && (new_used > used || spare <= allowed_slack(cap))
                && new_used > INLINE
            {
                data.copy_within(end..used, start + add);
                let mut at = start;
                for p in parts {
                    data[at..at + p.len()].copy_from_slice(p);
                    at += p.len();
                }
                *slack = spare as u8;
                return;
            }
        }
        if new_used <= INLINE {
            // Back inside the value.
            let mut next = Compact::new();
            let old = self.as_slice();
            let mut at = 0;
            if let Compact::Inline { len, data, .. } = &mut next {
                for piece in [&old[..start]].into_iter().chain(parts.iter().copied()) {
                    data[at..at + piece.len()].copy_from_slice(piece);
                    at += piece.len();
                }
                data[at..at + (used - end)].copy_from_slice(&old[end..used]);
                *len = new_used as u8;
            }
            *self = next;
            self.set_count(count);
            return;
        }
        self.splice_heap(start..end, parts, used, new_used, count);
    }

    /// [`splice`](Self::splice) of an inline buffer that stays inline.
    fn splice_inline(&mut self, range: Range<usize>, parts: &[&[u8]], new_used: usize) {
        if let Compact::Inline { len, data, .. } = self {
            let used = *len as usize;
            let add = new_used + (range.end - range.start) - used;
            data.copy_within(range.end..used, range.start + add);
            let mut at = range.start;
            for p in parts {
                data[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            *len = new_used as u8;
        }
    }

    /// [`splice`](Self::splice) into a heap buffer of `new_used` bytes.
    fn splice_heap(
        &mut self,
        range: Range<usize>,
        parts: &[&[u8]],
        used: usize,
        new_used: usize,
        count: usize,
    ) {
        let mut v = match self {
            Compact::Inline { len, data, .. } => {
                let mut v = Vec::with_capacity(new_used + allowed_slack(new_used));
                v.extend_from_slice(&data[..*len as usize]);
                v
            }
            Compact::Heap { data, .. } => std::mem::take(data).into_vec(),
        };
        let cap = v.len();
        let growing = new_used > used;
        let keep = new_used <= cap
            && cap - new_used <= u8::MAX as usize
            && (growing || cap - new_used <= allowed_slack(cap));
        let target = if keep {
            cap
        } else if growing {
            new_used + allowed_slack(new_used)
        } else {
            new_used
        };
        v.truncate(used);
        if target > v.capacity() {
            v.reserve_exact(target - v.len());
        }
        let add: usize = parts.iter().map(|p| p.len()).sum();
        // Move the tail to its new place, then write the parts before it.
        v.resize(used.max(new_used), 0);
        v.copy_within(range.end..used, range.start + add);
        let mut at = range.start;
        for p in parts {
            v[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        v.resize(target, 0);
        if v.capacity() > target {
            v.shrink_to_fit();
        }
        *self = Compact::Heap {
            slack: (target - new_used) as u8,
            count: 0,
            data: v.into_boxed_slice(),
        };
        self.set_count(count);
    }

    /// Appends the concatenation of `parts`.
    #[inline]
    pub fn push(&mut self, parts: &[&[u8]]) {
        let end = self.len();
        self.splice(end..end, parts);
    }

    /// Keeps the first `n` bytes.
    pub fn truncate(&mut self, n: usize) {
        let used = self.len();
        if n < used {
            self.splice(n..used, &[]);
        }
    }

    /// Moves the bytes from `at` on into a new buffer (count 0).
    pub fn split_off(&mut self, at: usize) -> Compact {
        let used = self.len();
        let at = at.min(used);
        let tail = Compact::from_parts(&self.as_slice()[at..], 0);
        self.truncate(at);
        tail
    }

    /// Gives back every spare byte (shrinking the allocation in place).
    pub fn trim(&mut self) {
        if let Compact::Heap { slack, data, count } = self {
            if *slack > 0 {
                let used = data.len() - *slack as usize;
                if used <= INLINE {
                    let count = *count as usize;
                    let bytes = data.get(..used).unwrap_or(&[]).to_vec();
                    *self = Compact::from_parts(&bytes, count);
                    return;
                }
                let mut v = std::mem::take(data).into_vec();
                v.truncate(used);
                v.shrink_to_fit();
                *data = v.into_boxed_slice();
                *slack = 0;
            }
        }
    }

    /// Makes room for `additional` more bytes at once (at most 255 past the
    /// buffer's own slack), so a run of pushes reallocates once; [`trim`]
    /// gives back what was not used.
    ///
    /// [`trim`]: Self::trim
    pub fn reserve(&mut self, additional: usize) {
        let used = self.len();
        let want = used + additional.min(u8::MAX as usize);
        let cap = self.heap_bytes().max(used);
        if want <= INLINE || want <= cap {
            return;
        }
        let count = self.count();
        let mut v = match self {
            Compact::Heap { data, .. } => {
                let mut v = std::mem::take(data).into_vec();
                v.truncate(used);
                v.reserve_exact(want - used);
                v
            }
            Compact::Inline { .. } => {
                let mut v = Vec::with_capacity(want);
                v.extend_from_slice(self.as_slice());
                v
            }
        };
        v.resize(want, 0);
        *self = Compact::Heap {
            slack: (want - used) as u8,
            count: 0,
            data: v.into_boxed_slice(),
        };
        self.set_count(count);
    }
}

impl PartialEq for Compact {
    fn eq(&self, other: &Compact) -> bool {
        self.count() == other.count() && self.as_slice() == other.as_slice()
    }
}

impl Eq for Compact {}

impl std::fmt::Debug for Compact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compact")
            .field("count", &self.count())
            .field("bytes", &self.as_slice())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model: the same edits on a `Vec`.
    fn check(c: &Compact, model: &[u8]) {
        assert_eq!(c.as_slice(), model);
        assert_eq!(c.len(), model.len());
        match c {
            Compact::Inline { .. } => assert!(model.len() <= INLINE),
            Compact::Heap { data, .. } => {
                assert!(model.len() > INLINE || data.len() > INLINE);
                let spare = data.len() - model.len();
                assert!(spare <= u8::MAX as usize);
            }
        }
    }

    #[test]
    fn is_24_bytes_and_nests_without_growing() {
        assert_eq!(std::mem::size_of::<Compact>(), 24);
        #[allow(dead_code)]
        enum Two {
            A(Compact),
            B(Box<u64>),
        }
        assert_eq!(std::mem::size_of::<Two>(), 24);
    }

    #[test]
    fn edits_match_a_vec() {
        let mut c = Compact::new();
        let mut model: Vec<u8> = Vec::new();
        let mut seed = 7u64;
        for step in 0..3000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (seed >> 33) as usize;
            let len = model.len();
            let start = if len == 0 { 0 } else { r % (len + 1) };
            let end = (start + (r >> 8) % 40).min(len);
            let add: Vec<u8> = (0..(r >> 16) % 50).map(|i| (i + step) as u8).collect();
            let grow = len < 2000 && !(r >> 24).is_multiple_of(3);
            let (end, add) = if grow {
                (start, add)
            } else {
                (end, add[..add.len() / 4].to_vec())
            };
            c.splice(
                start..end,
                &[&add[..1.min(add.len())], &add[1.min(add.len())..]],
            );
            model.splice(start..end, add.iter().copied());
            c.set_count(step);
            check(&c, &model);
            assert_eq!(c.count(), step);
        }
        c.trim();
        check(&c, &model);
        assert_eq!(c.heap_bytes(), model.len());
    }

    #[test]
    fn small_buffers_are_exact_and_inline_when_they_fit() {
        let mut c = Compact::new();
        for i in 0..21u8 {
            c.push(&[&[i]]);
        }
        assert_eq!(c.heap_bytes(), 0);
        c.push(&[b"x"]);
        assert_eq!(c.heap_bytes(), 22);
        for _ in 0..100 {
            c.push(&[b"y"]);
            assert_eq!(c.heap_bytes(), c.len());
        }
        c.truncate(10);
        assert_eq!(c.heap_bytes(), 0);
        assert_eq!(c.as_slice(), (0..10).collect::<Vec<u8>>());
        let tail = {
            let mut big = Compact::from_parts(&[1; 100], 3);
            let t = big.split_off(60);
            assert_eq!((big.len(), big.count(), big.heap_bytes()), (60, 3, 60));
            t
        };
        assert_eq!((tail.len(), tail.count()), (40, 0));
        c.splice(100..200, &[b"ab"]);
        assert_eq!(&c.as_slice()[10..], b"ab");
    }

    #[test]
    fn reserve_then_trim() {
        let mut c = Compact::from_parts(&[5; 30], 1);
        c.reserve(100);
        assert_eq!(c.heap_bytes(), 130);
        for _ in 0..10 {
            c.push(&[&[6; 7]]);
            assert_eq!(c.heap_bytes(), 130);
        }
        c.trim();
        assert_eq!(c.heap_bytes(), 100);
        assert_eq!(c.count(), 1);
        c.set_count(70_000);
        assert_eq!(c.count(), 70_000);
    }
}

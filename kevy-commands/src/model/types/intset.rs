//! [`IntSet`]: Redis's intset. Sorted distinct integers, each stored in the
//! width the widest member needs (2, 4 or 8 bytes, little-endian), in one
//! [`Compact`] buffer: ten members under 32,768 take 20 bytes, inside the
//! value (no allocation); more take one allocation sized to fit. As in
//! Redis, the width only grows (a removal does not narrow it).

use super::compact::Compact;

/// A sorted set of distinct integers.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IntSet {
    /// The members, `width` bytes each; the count is the number of members.
    buf: Compact,
}

/// Bytes `n` needs: 2, 4 or 8.
#[inline]
fn width_of(n: i64) -> usize {
    if i16::try_from(n).is_ok() {
        2
    } else if i32::try_from(n).is_ok() {
        4
    } else {
        8
    }
}

/// The integer in `b` (2, 4 or 8 little-endian bytes).
#[inline]
fn read(b: &[u8]) -> i64 {
    match *b {
        [x, y] => i64::from(i16::from_le_bytes([x, y])),
        [x, y, z, w] => i64::from(i32::from_le_bytes([x, y, z, w])),
        _ => {
            let mut raw = [0u8; 8];
            let n = b.len().min(8);
            raw[..n].copy_from_slice(&b[..n]);
            i64::from_le_bytes(raw)
        }
    }
}

impl IntSet {
    /// An empty set.
    pub const fn new() -> IntSet {
        IntSet {
            buf: Compact::new(),
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.count()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per member (0 when empty).
    #[inline]
    pub fn width(&self) -> usize {
        self.buf.len().checked_div(self.len()).unwrap_or(0)
    }

    /// The members as stored: `width` little-endian bytes each, ascending
    /// (the contents of Redis's intset blob).
    pub fn raw(&self) -> &[u8] {
        self.buf.as_slice()
    }

    /// Bytes allocated on the heap (0 while inline).
    pub fn heap_bytes(&self) -> usize {
        self.buf.heap_bytes()
    }

    /// The member at position `i` (ascending order).
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        let w = self.width();
        let at = i.checked_mul(w)?;
        self.buf.as_slice().get(at..at + w).map(read)
    }

    /// Where `n` is (`Ok`) or would go (`Err`), by binary search.
    pub fn search(&self, n: i64) -> Result<usize, usize> {
        let w = self.width();
        if w == 0 {
            return Err(0);
        }
        let bytes = self.buf.as_slice();
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = bytes.get(mid * w..mid * w + w).map_or(i64::MAX, read);
            match m.cmp(&n) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// True when `n` is a member.
    #[inline]
    pub fn contains(&self, n: i64) -> bool {
        self.search(n).is_ok()
    }

    /// Inserts `n` at position `at` (from [`search`](Self::search)'s `Err`),
    /// widening every member first when `n` needs more bytes.
    pub fn insert(&mut self, at: usize, n: i64) {
        let count = self.len();
        let at = at.min(count);
        let w = self.width().max(width_of(n));
        if w != self.width() && count > 0 {
            let mut bytes = Vec::with_capacity((count + 1) * w);
            for i in 0..count {
                if i == at {
                    bytes.extend_from_slice(&n.to_le_bytes()[..w]);
                }
                let m = self.get(i).unwrap_or(0);
                bytes.extend_from_slice(&m.to_le_bytes()[..w]);
            }
            if at == count {
                bytes.extend_from_slice(&n.to_le_bytes()[..w]);
            }
            self.buf = Compact::from_parts(&bytes, count + 1);
            return;
        }
        self.buf.splice(at * w..at * w, &[&n.to_le_bytes()[..w]]);
        self.buf.set_count(count + 1);
    }

    /// Adds `n`; true when it was not a member.
    pub fn add(&mut self, n: i64) -> bool {
        match self.search(n) {
            Ok(_) => false,
            Err(at) => {
                self.insert(at, n);
                true
            }
        }
    }

    /// Removes and returns the member at position `i`.
    pub fn remove_at(&mut self, i: usize) -> Option<i64> {
        let n = self.get(i)?;
        let (w, count) = (self.width(), self.len());
        self.buf.splice(i * w..i * w + w, &[]);
        self.buf.set_count(count - 1);
        if count == 1 {
            self.buf = Compact::new();
        }
        Some(n)
    }

    /// Removes `n`; true when it was a member.
    pub fn remove(&mut self, n: i64) -> bool {
        match self.search(n) {
            Ok(i) => self.remove_at(i).is_some(),
            Err(_) => false,
        }
    }

    /// The members in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let w = self.width().max(1);
        self.buf.as_slice().chunks_exact(w).map(read)
    }
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_widened_as_needed() {
        let mut s = IntSet::new();
        for n in [5, -3, 100, 7, 5] {
            s.add(n);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), [-3, 5, 7, 100]);
        assert_eq!((s.width(), s.heap_bytes()), (2, 0));
        s.add(70_000);
        assert_eq!(s.width(), 4);
        s.add(i64::MIN);
        s.add(i64::MAX);
        assert_eq!(s.width(), 8);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [i64::MIN, -3, 5, 7, 100, 70_000, i64::MAX]
        );
        assert!(s.contains(70_000) && !s.contains(6));
        assert!(s.remove(i64::MIN) && !s.remove(i64::MIN));
        assert_eq!(s.get(0), Some(-3));
        assert_eq!(s.get(5), Some(i64::MAX));
        assert_eq!(s.get(6), None);
        assert_eq!(s.iter().next_back(), Some(i64::MAX));
        while !s.is_empty() {
            s.remove_at(0);
        }
        assert_eq!(s.heap_bytes(), 0);
        assert_eq!(s.search(1), Err(0));
    }

    #[test]
    fn ten_small_members_fit_inline_and_many_fit_exactly() {
        let mut s = IntSet::new();
        for n in 0..10 {
            s.add(n * 1000);
        }
        assert_eq!(s.heap_bytes(), 0);
        for n in 10..512 {
            s.add(n * 1000);
        }
        assert!((512 * 4..=512 * 4 + 64).contains(&s.heap_bytes()));
        assert_eq!(s.iter().count(), 512);
        assert!((0..512).all(|n| s.search(n * 1000) == Ok(n as usize)));
    }
}

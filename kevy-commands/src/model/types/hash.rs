//! [`Hash`](enum@Hash): Redis's two hash encodings. A listpack ([`FwdPack`] of `field,
//! value` entries in insertion order, each `len` + bytes, forwards only)
//! while there are at most
//! `hash-max-listpack-entries` fields ([`Enc::hash_entries`], 512) and no
//! field or value is longer than `hash-max-listpack-value` bytes
//! ([`Enc::hash_value`], 64); a hash table ([`Dense`]) otherwise, for
//! good. A packed hash answers HGETALL, HKEYS and HSCAN in insertion order,
//! as Redis does.

use super::dense::Dense;
use super::pack::{fwd_entry_size, FwdPack};
use crate::base::bytes::Bytes;
use crate::base::random;

use crate::model::encoding::Enc;

/// A map of fields to values.
#[derive(Clone)]
pub enum Hash {
    /// Fields and values alternating, in insertion order (Redis's listpack).
    Packed(FwdPack),
    /// Redis's hash table encoding (boxed: a small hash pays only for its
    /// pack).
    Table(Box<Dense<(Bytes, Bytes)>>),
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::Packed(FwdPack::new())
    }
}

/// Byte offsets of the value of `field` in a packed hash.
fn packed_find(p: &FwdPack, field: &[u8]) -> Option<usize> {
    let mut off = 0;
    loop {
        let (f, value_off) = p.entry_at(off)?;
        let (_, next) = p.entry_at(value_off)?;
        if f == field {
            return Some(value_off);
        }
        off = next;
    }
}

impl Hash {
    /// An empty (packed) hash.
    pub fn new() -> Hash {
        Hash::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Packed(p) => p.len() / 2,
            Hash::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for the packed encoding.
    pub fn is_packed(&self) -> bool {
        matches!(self, Hash::Packed(_))
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Packed(p) => p.entry_at(packed_find(p, field)?).map(|(v, _)| v),
            Hash::Table(d) => d.get(field).map(|(_, v)| &v[..]),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => packed_find(p, field).is_some(),
            Hash::Table(d) => d.contains(field),
        }
    }

    /// Converts to the table encoding when any of `lens` (field and value
    /// lengths about to be written) is too long for a packed hash (Redis's
    /// `hashTypeTryConversion`).
    pub fn fit(&mut self, mut lens: impl Iterator<Item = usize>, enc: &Enc) {
        if self.is_packed() && lens.any(|n| n > enc.hash_value) {
            self.convert_to_table();
        }
    }

    /// Makes room at once for the fields and values whose lengths are `lens`
    /// (HSET of many pairs), so a packed hash grows once and exactly.
    pub fn reserve(&mut self, lens: impl Iterator<Item = usize>) {
        if let Hash::Packed(p) = self {
            p.reserve_exact(lens.map(fwd_entry_size).sum());
        }
    }

    /// Gives back what a packed hash reserved and did not use.
    pub fn trim(&mut self) {
        if let Hash::Packed(p) = self {
            p.trim();
        }
    }

    /// Converts a packed hash to the table encoding.
    fn convert_to_table(&mut self) {
        if let Hash::Packed(p) = self {
            let mut d = Dense::with_capacity(p.len() / 2 + 1);
            let mut it = p.iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                d.push_new((Bytes::from_slice(f), Bytes::from_slice(v)));
            }
            *self = Hash::Table(Box::new(d));
        }
    }

    /// Sets `field` to `value`; true when the field is new (`hashTypeSet`).
    pub fn set(&mut self, field: &[u8], value: &[u8], enc: &Enc) -> bool {
        self.fit([field.len(), value.len()].into_iter(), enc);
        match self {
            Hash::Packed(p) => {
                let new = match packed_find(p, field) {
                    Some(off) => {
                        p.replace_at_offset(off, value);
                        false
                    }
                    None => {
                        p.push_back_two(field, value);
                        true
                    }
                };
                // Checked after an update too (a lowered threshold).
                if p.len() / 2 > enc.hash_entries {
                    self.convert_to_table();
                }
                new
            }
            Hash::Table(d) => match d.get_mut(field) {
                Some((_, v)) => {
                    *v = Bytes::from_slice(value);
                    false
                }
                None => {
                    d.push_new((Bytes::from_slice(field), Bytes::from_slice(value)));
                    true
                }
            },
        }
    }

    /// Removes `field`; true when it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => {
                let mut off = 0;
                let mut i = 0;
                while let Some((f, value_off)) = p.entry_at(off) {
                    if f == field {
                        p.remove_range(i, 2);
                        p.shrink();
                        return true;
                    }
                    let Some((_, next)) = p.entry_at(value_off) else {
                        return false;
                    };
                    off = next;
                    i += 2;
                }
                false
            }
            Hash::Table(d) => d.remove(field).is_some(),
        }
    }

    /// The pairs in the encoding's order.
    pub fn iter(&self) -> Pairs<'_> {
        match self {
            Hash::Packed(p) => Pairs::Packed(p.iter()),
            Hash::Table(d) => Pairs::Table(d.iter()),
        }
    }

    /// The pair at position `i` of a packed hash, or in slot `i` of a table
    /// (nothing for a hole).
    pub fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Packed(p) => {
                let off = p.offset_of(i.checked_mul(2)?)?;
                let (f, next) = p.entry_at(off)?;
                Some((f, p.entry_at(next)?.0))
            }
            Hash::Table(d) => d.at(i).map(|(f, v)| (&f[..], &v[..])),
        }
    }

    /// A uniformly random pair.
    pub fn random(&self) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Packed(_) => self.at(random::below(self.len())),
            Hash::Table(d) => d.random().map(|(f, v)| (&f[..], &v[..])),
        }
    }

    /// `count` distinct random pairs (every pair, in random order, when
    /// `count >= len`). A packed hash is read once into a snapshot (a
    /// position there is a walk).
    pub fn distinct(&self, count: usize) -> Vec<(&[u8], &[u8])> {
        match self {
            Hash::Packed(_) => {
                let all: Vec<(&[u8], &[u8])> = self.iter().collect();
                random::distinct(all.len(), count)
                    .into_iter()
                    .map(|i| all[i])
                    .collect()
            }
            Hash::Table(d) => d
                .distinct(count)
                .into_iter()
                .map(|(f, v)| (&f[..], &v[..]))
                .collect(),
        }
    }

    /// HSCAN from `cursor`: a packed hash answers everything at once
    /// (cursor 0), a table up to `count` pairs per call.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match self {
            Hash::Packed(_) => {
                self.iter().for_each(|(k, v)| f(k, v));
                0
            }
            Hash::Table(d) => d.scan(cursor, count, |(k, v)| f(k, v)),
        }
    }
}

/// An iterator over a hash's `(field, value)` pairs.
pub enum Pairs<'a> {
    /// Over a packed hash.
    Packed(super::pack::Iter<'a, false>),
    /// Over a table.
    Table(super::dense::Iter<'a, (Bytes, Bytes)>),
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        match self {
            Pairs::Packed(it) => Some((it.next()?, it.next()?)),
            Pairs::Table(it) => it.next().map(|(f, v)| (&f[..], &v[..])),
        }
    }
}

impl PartialEq for Hash {
    fn eq(&self, other: &Hash) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(f) == Some(v))
    }
}

impl Eq for Hash {}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(h: &Hash) -> Vec<String> {
        h.iter()
            .map(|(f, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(f),
                    String::from_utf8_lossy(v)
                )
            })
            .collect()
    }

    #[test]
    fn packed_keeps_insertion_order() {
        let mut h = Hash::new();
        assert!(
            h.set(b"a", b"1", &crate::model::encoding::DEFAULT)
                && h.set(b"b", b"2", &crate::model::encoding::DEFAULT)
                && h.set(b"c", b"3", &crate::model::encoding::DEFAULT)
        );
        assert!(!h.set(b"a", b"one", &crate::model::encoding::DEFAULT));
        assert_eq!(fields(&h), ["a=one", "b=2", "c=3"]);
        assert!(h.remove(b"b") && !h.remove(b"b"));
        assert_eq!(fields(&h), ["a=one", "c=3"]);
        assert_eq!(h.get(b"c"), Some(&b"3"[..]));
        assert_eq!(h.get(b"3"), None);
        assert_eq!(h.at(1), Some((&b"c"[..], &b"3"[..])));
        assert!(h.is_packed());
    }

    /// The pack of a small hash is allocated to fit, like a listpack: one
    /// block of exactly its bytes, whether built field by field or at once.
    #[test]
    fn packed_hash_is_allocated_exactly() {
        let exact = |h: &Hash| match h {
            Hash::Packed(p) => p.capacity() == p.bytes() || (p.capacity() == 0 && p.bytes() <= 21),
            Hash::Table(_) => false,
        };
        let mut h = Hash::new();
        for j in 0..10 {
            h.set(
                format!("field:{j}").as_bytes(),
                b"v0000001",
                &crate::model::encoding::DEFAULT,
            );
            assert!(exact(&h), "after {j}");
        }
        h.set(
            b"field:3",
            b"a longer value than before",
            &crate::model::encoding::DEFAULT,
        );
        assert!(exact(&h));
        h.set(b"field:3", b"short", &crate::model::encoding::DEFAULT);
        assert_eq!(h.get(b"field:3"), Some(&b"short"[..]));
        let pairs: [&[u8]; 6] = [b"a", b"1", b"b", b"2", b"a", b"3"];
        let mut h = Hash::new();
        h.reserve(pairs.iter().map(|p| p.len()));
        for kv in pairs.chunks(2) {
            h.set(kv[0], kv[1], &crate::model::encoding::DEFAULT);
        }
        h.trim();
        assert!(exact(&h));
        assert_eq!(fields(&h), ["a=3", "b=2"]);
        assert_eq!(std::mem::size_of::<Hash>(), 24);
    }

    #[test]
    fn converts_past_the_thresholds() {
        let mut h = Hash::new();
        h.set(
            b"f",
            &[b'v'; crate::model::encoding::DEFAULT.hash_value],
            &crate::model::encoding::DEFAULT,
        );
        assert!(h.is_packed());
        h.set(
            b"g",
            &[b'v'; crate::model::encoding::DEFAULT.hash_value + 1],
            &crate::model::encoding::DEFAULT,
        );
        assert!(!h.is_packed());
        assert_eq!(h.len(), 2);
        let mut h = Hash::new();
        for i in 0..crate::model::encoding::DEFAULT.hash_entries {
            h.set(
                format!("f{i}").as_bytes(),
                b"v",
                &crate::model::encoding::DEFAULT,
            );
        }
        assert!(h.is_packed());
        h.set(b"one more", b"v", &crate::model::encoding::DEFAULT);
        assert!(!h.is_packed());
        assert_eq!(h.len(), crate::model::encoding::DEFAULT.hash_entries + 1);
        assert_eq!(h.get(b"f7"), Some(&b"v"[..]));
        assert!(h.remove(b"f7") && !h.contains(b"f7"));
    }
}

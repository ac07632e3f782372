//! [`Dense`]: the hash-table encoding of large sets and hashes. Items live
//! in one dense `Vec`, found through a `hashbrown::HashTable` of their
//! positions (32-bit; an insertion-ordered map, like `indexmap`). Removal swaps the
//! last item into the hole.
//!
//! The dense order gives what Redis's dict gives through bucket tricks:
//! a uniform random item in O(1) (SPOP, SRANDMEMBER, HRANDFIELD), and a
//! SCAN cursor that never misses an item present for the whole scan:
//! [`Dense::scan`] walks positions from the top down, and a removal only
//! ever moves the last item (already visited, or else not yet reached) into
//! a lower position.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::base::bytes::Bytes;

/// An item of a [`Dense`] table: something with a byte-string key.
pub trait Keyed {
    /// The key the item is found by.
    fn key(&self) -> &[u8];
}

impl Keyed for Bytes {
    fn key(&self) -> &[u8] {
        self
    }
}

impl Keyed for (Bytes, Bytes) {
    fn key(&self) -> &[u8] {
        &self.0
    }
}

/// Below this many items, the items' vector grows by one at a time
/// (sized to fit); from it on, by doubling.
const EXACT_BELOW: usize = 64;

/// A hash table of keyed items stored densely.
#[derive(Clone, Default)]
pub struct Dense<T> {
    items: Vec<T>,
    /// Positions in `items` (32 bits: half the index of `usize`s; a table
    /// never holds 2^32 items).
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl<T: Keyed> Dense<T> {
    /// An empty table with room for `n` items.
    pub fn with_capacity(n: usize) -> Dense<T> {
        Dense {
            items: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The position of the item with `key`.
    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        let items = &self.items;
        self.index
            .find(hash, |&i| {
                items.get(i as usize).is_some_and(|t| t.key() == key)
            })
            .map(|&i| i as usize)
    }

    /// The item with `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.find(key).and_then(|i| self.items.get(i))
    }

    /// The item with `key`, mutably. The key itself must not change.
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        let i = self.find(key)?;
        self.items.get_mut(i)
    }

    /// True when an item has `key`.
    #[inline]
    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// Inserts `item` when no item has its key; returns whether it did.
    pub fn insert(&mut self, item: T) -> bool {
        if self.contains(item.key()) {
            return false;
        }
        self.push_new(item);
        true
    }

    /// Appends an item whose key is known to be absent.
    pub fn push_new(&mut self, item: T) {
        let hash = self.hasher.hash_one(item.key());
        let pos = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        // A small table grows to fit, as a listpack does; a large one doubles.
        if self.items.len() == self.items.capacity() && self.items.len() < EXACT_BELOW {
            self.items.reserve_exact(1);
        }
        self.items.push(item);
        let (items, hasher) = (&self.items, &self.hasher);
        self.index.insert_unique(hash, pos, |&i| {
            items
                .get(i as usize)
                .map_or(0, |t| hasher.hash_one(t.key()))
        });
    }

    /// Removes and returns the item with `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<T> {
        let i = self.find(key)?;
        self.remove_at(i)
    }

    /// Removes and returns the item at position `i`, moving the last item
    /// into its place.
    pub fn remove_at(&mut self, i: usize) -> Option<T> {
        let hash = self.hasher.hash_one(self.items.get(i)?.key());
        if let Ok(slot) = self.index.find_entry(hash, |&p| p as usize == i) {
            slot.remove();
        }
        let last = self.items.len() - 1;
        if i != last {
            let moved = self.hasher.hash_one(self.items.get(last)?.key());
            if let Some(p) = self.index.find_mut(moved, |&p| p as usize == last) {
                *p = i as u32;
            }
        }
        let item = self.items.swap_remove(i);
        self.shrink_if_sparse();
        Some(item)
    }

    /// Gives memory back once under a quarter full (Redis resizes dicts
    /// under 10%).
    fn shrink_if_sparse(&mut self) {
        const MIN: usize = 16;
        if self.items.capacity() > MIN && self.items.len() * 4 < self.items.capacity() {
            self.items.shrink_to(self.items.len() * 2);
            let (items, hasher) = (&self.items, &self.hasher);
            self.index.shrink_to(self.items.len() * 2, |&i| {
                items
                    .get(i as usize)
                    .map_or(0, |t| hasher.hash_one(t.key()))
            });
        }
    }

    /// Bytes of the table's own allocations: the items' vector and the
    /// index (not what the items hold on the heap).
    pub fn table_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>() + self.index.allocation_size()
    }

    /// The item at position `i` (for random picks and scans).
    #[inline]
    pub fn at(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    /// The items in table order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Visits up to `count` items from SCAN cursor `cursor` (0 starts), and
    /// returns the next cursor (0 when done). The cursor is the number of
    /// positions still to visit, walked from the top down.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&T)) -> u64 {
        let mut at = match cursor {
            0 => self.items.len(),
            c => usize::try_from(c)
                .unwrap_or(usize::MAX)
                .min(self.items.len()),
        };
        let stop = at.saturating_sub(count.max(1));
        while at > stop {
            at -= 1;
            if let Some(t) = self.items.get(at) {
                f(t);
            }
        }
        at as u64
    }
}

impl<T: Keyed + std::fmt::Debug> std::fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from_slice(s.as_bytes())
    }

    #[test]
    fn insert_find_remove() {
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        for i in 0..100 {
            assert!(d.insert(b(&format!("m{i}"))));
        }
        assert!(!d.insert(b("m5")));
        assert_eq!(d.len(), 100);
        for i in (0..100).step_by(3) {
            assert_eq!(
                d.remove(format!("m{i}").as_bytes()),
                Some(b(&format!("m{i}")))
            );
        }
        for i in 0..100 {
            assert_eq!(d.contains(format!("m{i}").as_bytes()), i % 3 != 0, "m{i}");
        }
        assert_eq!(d.remove(b"nope"), None);
        while !d.is_empty() {
            d.remove_at(0);
        }
        assert!(!d.contains(b"m1"));
    }

    #[test]
    fn scan_sees_every_item_present_throughout() {
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        for i in 0..50 {
            d.insert(b(&format!("m{i}")));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            cursor = d.scan(cursor, 7, |m| {
                seen.insert(m.clone());
            });
            // Churn between calls: remove some, add others.
            d.remove(format!("m{}", round * 2).as_bytes());
            d.insert(b(&format!("new{round}")));
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in 0..50 {
            let removed = i % 2 == 0 && i / 2 < round;
            if !removed {
                assert!(seen.contains(&b(&format!("m{i}"))), "m{i} missed");
            }
        }
    }
}

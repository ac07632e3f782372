//! [`Dense`]: the hash-table encoding of large sets and hashes. Items live
//! in one `Vec` of slots, found through a `hashbrown::HashTable` of their
//! slot numbers (32-bit; an insertion-ordered map, like `indexmap`).
//!
//! The slots give what Redis's dict gives through bucket tricks:
//! - a uniform random item in O(1) expected (SPOP, SRANDMEMBER,
//!   HRANDFIELD): a random slot, drawn again when it is a hole;
//! - a SCAN cursor that returns every item present for the whole scan, and
//!   each once: [`Dense::scan`] walks slots from the top down, a removal
//!   leaves a *hole* and moves nothing, and an insertion takes a new slot
//!   at the top (or one freed at the top), where the walk either has not
//!   been or never returns to.
//!
//! Holes are marked in a bitmap (empty while there are none). Trailing
//! holes are dropped at once; once holes outnumber items, the table is
//! compacted by moving top items down into holes. Only that compaction can
//! make a scan in progress return an item twice (as a dict's rehash can in
//! Redis), never miss one: an item only ever moves to a lower slot.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::base::bytes::Bytes;
use crate::base::random;

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

/// Below this many slots, the slots' vector grows by one at a time (sized
/// to fit); from it on, by doubling.
const EXACT_BELOW: usize = 64;

/// A hash table of keyed items stored densely.
#[derive(Clone, Default)]
pub struct Dense<T> {
    /// The slots; a hole holds `T::default()` (nothing on the heap).
    items: Vec<T>,
    /// One bit per slot, set for a hole; empty when there is no hole.
    vacant: Vec<u64>,
    /// Number of holes. Invariant: the top slot is never a hole.
    holes: usize,
    /// Slot numbers of the items (32 bits: half the index of `usize`s; a
    /// table never holds 2^32 items). Never a hole's.
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl<T: Keyed + Default> Dense<T> {
    /// An empty table with room for `n` items.
    pub fn with_capacity(n: usize) -> Dense<T> {
        Dense {
            items: Vec::with_capacity(n),
            vacant: Vec::new(),
            holes: 0,
            index: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len() - self.holes
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when slot `i` is a hole.
    #[inline]
    fn is_hole(&self, i: usize) -> bool {
        self.holes > 0
            && self
                .vacant
                .get(i / 64)
                .is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    fn mark(&mut self, i: usize, hole: bool) {
        let w = i / 64;
        if self.vacant.len() <= w {
            if !hole {
                return;
            }
            self.vacant.resize(w + 1, 0);
        }
        if hole {
            self.vacant[w] |= 1 << (i % 64);
        } else {
            self.vacant[w] &= !(1 << (i % 64));
        }
    }

    /// The slot of the item with `key`.
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

    /// Appends an item whose key is known to be absent, in a new top slot.
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

    /// Removes and returns the item in slot `i` (nothing for a hole),
    /// leaving a hole.
    pub fn remove_at(&mut self, i: usize) -> Option<T> {
        if self.is_hole(i) {
            return None;
        }
        let hash = self.hasher.hash_one(self.items.get(i)?.key());
        if let Ok(slot) = self.index.find_entry(hash, |&p| p as usize == i) {
            slot.remove();
        }
        let item = std::mem::take(&mut self.items[i]);
        if i + 1 == self.items.len() {
            self.items.pop();
            self.trim();
        } else {
            self.mark(i, true);
            self.holes += 1;
            if self.holes > self.len() {
                self.compact();
            }
        }
        self.shrink_if_sparse();
        Some(item)
    }

    /// Drops the holes at the top.
    fn trim(&mut self) {
        while self.holes > 0 && self.is_hole(self.items.len() - 1) {
            let top = self.items.len() - 1;
            self.items.pop();
            self.mark(top, false);
            self.holes -= 1;
        }
        if self.holes == 0 {
            self.vacant = Vec::new();
        }
    }

    /// Fills every hole with a top item, lowest holes first.
    fn compact(&mut self) {
        let mut hole = 0;
        while self.holes > 0 {
            while !self.is_hole(hole) {
                hole += 1;
            }
            // The top slot holds an item (no trailing holes), above `hole`.
            let top = self.items.len() - 1;
            let moved = self.hasher.hash_one(self.items[top].key());
            if let Some(p) = self.index.find_mut(moved, |&p| p as usize == top) {
                *p = hole as u32;
            }
            self.items.swap(hole, top);
            self.items.pop();
            self.mark(hole, false);
            self.holes -= 1;
            self.trim();
        }
    }

    /// Gives memory back once under a quarter full (Redis resizes dicts
    /// under 10%).
    fn shrink_if_sparse(&mut self) {
        const MIN: usize = 16;
        if self.items.capacity() > MIN && self.items.len() * 4 < self.items.capacity() {
            self.items.shrink_to(self.items.len() * 2);
            let (items, hasher) = (&self.items, &self.hasher);
            self.index.shrink_to(self.len() * 2, |&i| {
                items
                    .get(i as usize)
                    .map_or(0, |t| hasher.hash_one(t.key()))
            });
        }
    }

    /// Bytes of the table's own allocations: the slots' vector, the holes'
    /// bitmap and the index (not what the items hold on the heap).
    pub fn table_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>()
            + self.vacant.capacity() * 8
            + self.index.allocation_size()
    }

    /// The item in slot `i` (nothing for a hole).
    #[inline]
    pub fn at(&self, i: usize) -> Option<&T> {
        if self.is_hole(i) {
            return None;
        }
        self.items.get(i)
    }

    /// A uniformly random item's slot.
    pub fn random_slot(&self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        // Holes are at most half the slots: two draws expected at worst.
        loop {
            let i = random::below(self.items.len());
            if !self.is_hole(i) {
                return Some(i);
            }
        }
    }

    /// A uniformly random item.
    pub fn random(&self) -> Option<&T> {
        self.random_slot().and_then(|i| self.at(i))
    }

    /// `count` distinct random items (every item, in random order, when
    /// `count >= len`).
    pub fn distinct(&self, count: usize) -> Vec<&T> {
        if self.holes == 0 {
            return random::distinct(self.items.len(), count)
                .into_iter()
                .filter_map(|i| self.items.get(i))
                .collect();
        }
        let count = count.min(self.len());
        if count.saturating_mul(3) > self.len() {
            let all: Vec<&T> = self.iter().collect();
            return random::distinct(all.len(), count)
                .into_iter()
                .map(|k| all[k])
                .collect();
        }
        // Few out of many: draw slots until enough distinct items came up.
        let mut seen = hashbrown::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            if let Some(i) = self.random_slot() {
                if seen.insert(i) {
                    out.extend(self.items.get(i));
                }
            }
        }
        out
    }

    /// The items in slot order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { d: self, at: 0 }
    }

    /// Visits up to `count` slots' items from SCAN cursor `cursor` (0
    /// starts), and returns the next cursor (0 when done). The cursor is
    /// the number of slots still to visit, walked from the top down.
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
            if let Some(t) = self.at(at) {
                f(t);
            }
        }
        at as u64
    }
}

/// The items of a [`Dense`] table, in slot order.
pub struct Iter<'a, T> {
    d: &'a Dense<T>,
    at: usize,
}

impl<'a, T: Keyed + Default> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        while self.at < self.d.items.len() {
            let i = self.at;
            self.at += 1;
            if let Some(t) = self.d.at(i) {
                return Some(t);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.d.items.len() - self.at))
    }
}

impl<T: Keyed + Default + std::fmt::Debug> std::fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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
        // Slot 0 may be a hole: removing there gives nothing.
        while let Some(i) = (0..d.items.len()).find(|&i| d.at(i).is_some()) {
            assert!(d.remove_at(i).is_some());
        }
        assert!(d.is_empty());
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

    /// Every item left, each once, through a whole scan.
    fn scan_all(d: &Dense<Bytes>, count: usize) -> Vec<Bytes> {
        let mut got = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, count, |m| got.push(m.clone()));
            if cursor == 0 {
                return got;
            }
        }
    }

    #[test]
    fn a_removal_mid_scan_neither_repeats_nor_misses() {
        // fakeredis's "sscan delete key while scanning": 600 members, one
        // not yet returned removed after the first call.
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        for i in 0..600 {
            d.insert(b(&format!("{i}")));
        }
        let mut got = Vec::new();
        let mut cursor = d.scan(0, 10, |m| got.push(m.clone()));
        let gone = (0..600)
            .map(|i| b(&format!("{i}")))
            .find(|m| !got.contains(m))
            .unwrap();
        assert!(d.remove(&gone).is_some());
        // More removals of members not yet returned, and additions.
        for i in (0..300).step_by(7) {
            let m = b(&format!("{i}"));
            if !got.contains(&m) && m != gone {
                d.remove(&m);
            }
            d.insert(b(&format!("new{i}")));
        }
        while cursor != 0 {
            cursor = d.scan(cursor, 10, |m| got.push(m.clone()));
        }
        let unique: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(unique.len(), got.len(), "a member came twice");
        assert!(!got.contains(&gone));
        for i in 300..600 {
            assert!(got.contains(&b(&format!("{i}"))), "{i} missed");
        }
    }

    #[test]
    fn holes_are_trimmed_and_compacted() {
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        for i in 0..1000 {
            d.insert(b(&format!("m{i}")));
        }
        // Removing from the top leaves no hole.
        for i in 990..1000 {
            d.remove(format!("m{i}").as_bytes());
        }
        assert_eq!((d.len(), d.items.len(), d.holes), (990, 990, 0));
        // Every other one: holes, then a compaction once they outnumber items.
        for i in (0..990).step_by(2) {
            d.remove(format!("m{i}").as_bytes());
            assert!(d.holes <= d.len(), "holes {} items {}", d.holes, d.len());
            assert!(d.items.is_empty() || !d.is_hole(d.items.len() - 1));
        }
        assert_eq!(d.len(), 495);
        for i in 0..990 {
            assert_eq!(d.contains(format!("m{i}").as_bytes()), i % 2 == 1, "m{i}");
        }
        let mut all = scan_all(&d, 7);
        all.sort();
        let mut want: Vec<Bytes> = (1..990).step_by(2).map(|i| b(&format!("m{i}"))).collect();
        want.sort();
        assert_eq!(all, want);
        assert_eq!(d.iter().count(), 495);
        // Removing the rest one by one empties the table.
        for i in (1..990).step_by(2) {
            assert!(d.remove(format!("m{i}").as_bytes()).is_some());
        }
        assert!(d.is_empty() && d.items.is_empty() && d.vacant.is_empty());
    }

    /// Random insertions, removals and pops against a model, with scans
    /// running through them: the table always holds what the model holds,
    /// and every scan returns each item present throughout it, once unless
    /// a compaction ran meanwhile (an item removed and added again may come
    /// twice, as Redis allows).
    #[test]
    fn churn_matches_a_model_and_scans_keep_their_promise() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |n: usize| (random::xorshift(&mut state) % n as u64) as usize;
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        let mut model = std::collections::HashSet::new();
        for round in 0..40 {
            let start: std::collections::HashSet<Bytes> = model.clone();
            let mut removed = std::collections::HashSet::new();
            let mut got = Vec::new();
            let mut compacted = false;
            let mut cursor = 0;
            loop {
                cursor = d.scan(cursor, 1 + rnd(20), |m| got.push(m.clone()));
                for _ in 0..rnd(30) {
                    let before = d.items.len();
                    match rnd(10) {
                        0..=4 => {
                            let m = b(&format!("k{}", rnd(2000)));
                            assert_eq!(d.insert(m.clone()), model.insert(m));
                        }
                        5..=7 => {
                            let m = b(&format!("k{}", rnd(2000)));
                            assert_eq!(d.remove(&m).is_some(), model.remove(&m));
                            removed.insert(m);
                        }
                        _ => {
                            if let Some(i) = d.random_slot() {
                                let m = d.remove_at(i).unwrap();
                                assert!(model.remove(&m));
                                removed.insert(m);
                            }
                        }
                    }
                    // A compaction leaves no hole and shortens by more than one.
                    compacted |= d.holes == 0 && d.items.len() + 1 < before;
                }
                assert_eq!(d.len(), model.len(), "round {round}");
                if cursor == 0 {
                    break;
                }
            }
            let mut all: Vec<&Bytes> = d.iter().collect();
            all.sort();
            let mut want: Vec<&Bytes> = model.iter().collect();
            want.sort();
            assert_eq!(all, want, "round {round}");
            for m in start.difference(&removed) {
                let times = got.iter().filter(|g| *g == m).count();
                assert!(times >= 1, "round {round}: {m:?} missed");
                assert!(compacted || times == 1, "round {round}: {m:?} repeated");
            }
        }
    }

    #[test]
    fn random_picks_skip_holes() {
        let mut d: Dense<Bytes> = Dense::with_capacity(0);
        for i in 0..200 {
            d.insert(b(&format!("m{i}")));
        }
        for i in (0..200).step_by(3) {
            d.remove(format!("m{i}").as_bytes());
        }
        assert!(d.holes > 0);
        for _ in 0..500 {
            let m = d.random().unwrap();
            assert!(d.contains(m));
        }
        for count in [1, 5, 40, 100, 133, 500] {
            let picks = d.distinct(count);
            assert_eq!(picks.len(), count.min(d.len()), "count {count}");
            let unique: std::collections::HashSet<_> = picks.iter().collect();
            assert_eq!(unique.len(), picks.len());
            assert!(picks.iter().all(|m| d.contains(m)));
        }
        // Popping random slots empties it.
        let mut popped = 0;
        while let Some(i) = d.random_slot() {
            assert!(d.remove_at(i).is_some());
            popped += 1;
        }
        assert_eq!(popped, 133);
        assert_eq!(d.remove_at(0), None);
    }
}

//! The large encoding of a sorted set: Redis's skiplist with spans (an
//! order-statistics structure: rank queries, rank lookups and inserts in
//! O(log n)) plus a hash index from member to node.
//!
//! Nodes live in an arena (`Vec<Node>`) and link by `u32` index, so the
//! structure needs no `unsafe`; node 0 is the header. A removed node's slot
//! goes to a free list and is reused by the next insertion. Slots never move,
//! which makes the slot index a sound ZSCAN cursor: a member present for a
//! whole scan keeps its slot (a score update reinserts it into the slot it
//! just left), so it is returned.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use smallvec::{smallvec, SmallVec};

use super::before;
use crate::base::bytes::Bytes;

/// Redis's `ZSKIPLIST_MAXLEVEL`.
const MAX_LEVEL: usize = 32;
/// No node.
const NIL: u32 = u32::MAX;
/// The header node.
const HEAD: u32 = 0;

#[derive(Clone, Copy, Debug)]
struct Level {
    next: u32,
    span: usize,
}

#[derive(Clone, Debug)]
struct Node {
    member: Bytes,
    score: f64,
    prev: u32,
    /// Empty for a free slot.
    levels: SmallVec<[Level; 2]>,
}

/// A skiplist sorted set with its member index.
#[derive(Clone)]
pub struct Skip {
    nodes: Vec<Node>,
    free: Vec<u32>,
    tail: u32,
    len: usize,
    level: usize,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    rng: u64,
}

impl std::fmt::Debug for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter_from(0, false)).finish()
    }
}

impl Default for Skip {
    fn default() -> Skip {
        Skip::new()
    }
}

impl Skip {
    /// An empty skiplist.
    pub fn new() -> Skip {
        let head = Node {
            member: Bytes::new(),
            score: 0.0,
            prev: NIL,
            levels: smallvec![Level { next: NIL, span: 0 }; MAX_LEVEL],
        };
        Skip {
            nodes: vec![head],
            free: Vec::new(),
            tail: NIL,
            len: 0,
            level: 1,
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            rng: 0x2545_F491_4F6C_DD1D,
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Bytes of the skiplist's own allocations: the node vector, the free
    /// list and the member index (not what nodes hold on the heap: long
    /// members and levels past two, see [`Skip::node_heap`]).
    pub fn table_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.free.capacity() * std::mem::size_of::<u32>()
            + self.index.allocation_size()
    }

    /// Heap bytes the node of 0-based rank `rank` holds on its own (a member past
    /// 16 bytes, levels past two).
    pub fn node_heap(&self, rank: usize) -> usize {
        let Some(i) = self.at_rank(rank + 1) else {
            return 0;
        };
        let n = self.node(i);
        let member = if n.member.spilled() {
            n.member.capacity()
        } else {
            0
        };
        let levels = if n.levels.spilled() {
            n.levels.capacity() * std::mem::size_of::<Level>()
        } else {
            0
        };
        member + levels
    }

    /// True when there is no member.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    #[inline]
    fn lvl(&self, i: u32, l: usize) -> Level {
        self.nodes[i as usize].levels[l]
    }

    #[inline]
    fn lvl_mut(&mut self, i: u32, l: usize) -> &mut Level {
        &mut self.nodes[i as usize].levels[l]
    }

    /// Redis's `zslRandomLevel`: level `k` with probability `0.25^(k-1)`.
    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            // xorshift64
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            if level >= MAX_LEVEL || (self.rng & 0xFFFF) >= 0xFFFF / 4 {
                return level;
            }
            level += 1;
        }
    }

    fn hash(&self, member: &[u8]) -> u64 {
        self.hasher.hash_one(member)
    }

    fn find_node(&self, member: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.index
            .find(self.hash(member), |&i| *nodes[i as usize].member == *member)
            .copied()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find_node(member).map(|i| self.node(i).score)
    }

    /// For each level, the last node before `(score, member)`, and the rank
    /// (1-based, header 0) of that node.
    fn search(&self, score: f64, member: &[u8]) -> ([u32; MAX_LEVEL], [usize; MAX_LEVEL]) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.lvl(x, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if !before(n.score, &n.member, score, member) {
                    break;
                }
                rank[i] = rank[i].wrapping_add(l.span);
                x = l.next;
            }
            update[i] = x;
        }
        (update, rank)
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Inserts `member` (absent) with `score`: Redis's `zslInsert`.
    pub fn insert(&mut self, score: f64, member: &[u8]) {
        let (mut update, mut rank) = self.search(score, member);
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.lvl_mut(HEAD, i).span = self.len;
            }
            self.level = level;
        }
        let x = self.alloc(Node {
            member: Bytes::from_slice(member),
            score,
            prev: NIL,
            levels: smallvec![Level { next: NIL, span: 0 }; level],
        });
        for i in 0..level {
            let u = self.lvl(update[i], i);
            let gap = rank[0].wrapping_sub(rank[i]);
            *self.lvl_mut(x, i) = Level {
                next: u.next,
                span: u.span.wrapping_sub(gap),
            };
            *self.lvl_mut(update[i], i) = Level {
                next: x,
                span: gap.wrapping_add(1),
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            let l = self.lvl_mut(u, i);
            l.span = l.span.wrapping_add(1);
        }
        self.nodes[x as usize].prev = if update[0] == HEAD { NIL } else { update[0] };
        match self.lvl(x, 0).next {
            NIL => self.tail = x,
            next => self.nodes[next as usize].prev = x,
        }
        self.len += 1;
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        let hash = hasher.hash_one(member);
        self.index
            .insert_unique(hash, x, |&i| hasher.hash_one(&nodes[i as usize].member[..]));
    }

    /// Unlinks node `x` given its predecessors: Redis's `zslDeleteNode`.
    /// The node's slot is freed; it must be dropped from the index first.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let xl = self.nodes[x as usize].levels.get(i).copied();
            let l = self.lvl_mut(u, i);
            match xl {
                Some(xl) if l.next == x => {
                    l.span = l.span.wrapping_add(xl.span.wrapping_sub(1));
                    l.next = xl.next;
                }
                _ => l.span = l.span.wrapping_sub(1),
            }
        }
        let prev = self.node(x).prev;
        match self.lvl(x, 0).next {
            NIL => self.tail = prev,
            next => self.nodes[next as usize].prev = prev,
        }
        while self.level > 1 && self.lvl(HEAD, self.level - 1).next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let n = &mut self.nodes[x as usize];
        n.member = Bytes::new();
        n.levels = SmallVec::new();
        self.free.push(x);
    }

    fn unindex(&mut self, x: u32) {
        let hash = self.hash(&self.node(x).member);
        if let Ok(e) = self.index.find_entry(hash, |&i| i == x) {
            e.remove();
        }
    }

    /// Removes `member`; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        let Some(x) = self.find_node(member) else {
            return false;
        };
        let score = self.node(x).score;
        let (update, _) = self.search(score, member);
        self.unindex(x);
        self.unlink(x, &update);
        true
    }

    /// 0-based rank of `member`: Redis's `zslGetRank` (minus one).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let x = self.find_node(member)?;
        let score = self.node(x).score;
        let mut rank = 0usize;
        let mut y = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(y, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if n.score < score || (n.score == score && *n.member <= *member) {
                    rank = rank.wrapping_add(l.span);
                    y = l.next;
                } else {
                    break;
                }
            }
            if y == x {
                return rank.checked_sub(1);
            }
        }
        None
    }

    /// The node of 1-based `rank`: Redis's `zslGetElementByRank`.
    fn at_rank(&self, rank: usize) -> Option<u32> {
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.next == NIL || traversed.wrapping_add(l.span) > rank {
                    break;
                }
                traversed = traversed.wrapping_add(l.span);
                x = l.next;
            }
            if traversed == rank {
                return (x != HEAD).then_some(x);
            }
        }
        None
    }

    /// Number of leading members (in order) for which `pred` holds, found by
    /// descending the levels (`pred` must hold on a prefix).
    pub fn count_prefix(&self, mut pred: impl FnMut(&[u8], f64) -> bool) -> usize {
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if !pred(&n.member, n.score) {
                    break;
                }
                traversed = traversed.wrapping_add(l.span);
                x = l.next;
            }
        }
        traversed
    }

    /// Members from 0-based `rank`, ascending or (`rev`) descending.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        Iter {
            skip: self,
            at: self.at_rank(rank.saturating_add(1)).unwrap_or(NIL),
            rev,
        }
    }

    /// Removes the members of 0-based ranks `start..=end`: Redis's
    /// `zslDeleteRangeByRank`. Returns how many were removed.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let (start, end) = (start.saturating_add(1), end.saturating_add(1));
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.next == NIL || traversed.wrapping_add(l.span) >= start {
                    break;
                }
                traversed = traversed.wrapping_add(l.span);
                x = l.next;
            }
            update[i] = x;
        }
        traversed += 1;
        let mut x = self.lvl(x, 0).next;
        let mut removed = 0;
        while x != NIL && traversed <= end {
            let next = self.lvl(x, 0).next;
            self.unindex(x);
            self.unlink(x, &update);
            removed += 1;
            traversed += 1;
            x = next;
        }
        removed
    }

    /// Calls `f` with the members of up to `count` slots from `cursor`, and
    /// returns the cursor to continue from (0 once every slot was visited).
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        let mut at = usize::try_from(cursor).unwrap_or(usize::MAX).max(1);
        let mut seen = 0;
        while at < self.nodes.len() && seen < count {
            let n = &self.nodes[at];
            if !n.levels.is_empty() {
                f(&n.member, n.score);
                seen += 1;
            }
            at += 1;
        }
        if at >= self.nodes.len() {
            0
        } else {
            at as u64
        }
    }

    /// Gives back memory of the index when it is mostly empty.
    pub fn shrink(&mut self) {
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.index
            .shrink_to_fit(|&i| hasher.hash_one(&nodes[i as usize].member[..]));
    }

    /// Checks the structure's invariants (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        let all: Vec<(Vec<u8>, f64)> = self
            .iter_from(0, false)
            .map(|(m, s)| (m.to_vec(), s))
            .collect();
        assert_eq!(all.len(), self.len);
        for w in all.windows(2) {
            assert!(before(w[0].1, &w[0].0, w[1].1, &w[1].0), "order");
        }
        for (r, (m, s)) in all.iter().enumerate() {
            assert_eq!(self.rank(m), Some(r), "rank of {m:?}");
            assert_eq!(self.score(m), Some(*s));
        }
        let back: Vec<Vec<u8>> = self
            .iter_from(self.len.saturating_sub(1), true)
            .map(|(m, _)| m.to_vec())
            .collect();
        assert_eq!(back.len(), self.len);
        assert_eq!(self.index.len(), self.len);
    }
}

/// Iterates over a [`Skip`] forwards or backwards.
pub struct Iter<'a> {
    skip: &'a Skip,
    at: u32,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<(&'a [u8], f64)> {
        if self.at == NIL {
            return None;
        }
        let n = self.skip.node(self.at);
        self.at = if self.rev {
            n.prev
        } else {
            n.levels.first().map_or(NIL, |l| l.next)
        };
        Some((&n.member, n.score))
    }
}

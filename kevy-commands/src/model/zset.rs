//! The sorted set value: members ordered by score, then by member bytes.
//!
//! Two encodings, switched by Redis's rules so that what depends on the
//! encoding (ZSCAN's single pass over a small set and its score text) matches
//! redis-server: [`Pack`], one compact buffer for at most
//! `zset-max-listpack-entries` members (128) of at most
//! `zset-max-listpack-value` bytes (64) (Redis's listpack; [`Enc`]),
//! and [`Skip`], a skiplist with spans and a member index (O(log n) insert,
//! delete, rank and rank lookup). A set grows from the first to the second
//! when a member or the count exceeds the limits, and only the store
//! commands build small results compactly again ([`ZSet::from_sorted`]).
//!
//! Scores are never NaN (every write path refuses it), so ordering uses plain
//! `<` and `==` on doubles like Redis (`-0` and `0` tie, then members decide).

mod pack;
mod skiplist;

pub use pack::Pack;
pub use skiplist::Skip;

use crate::base::bytes::Bytes;

use crate::model::encoding::Enc;

/// True when `(s1, m1)` sorts before `(s2, m2)`.
#[inline]
pub fn before(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

/// A sorted set.
#[derive(Clone, Debug)]
pub enum ZSet {
    /// Small: one compact buffer.
    Pack(Pack),
    /// Large: skiplist and index (boxed: a small set pays only for its
    /// pack).
    Skip(Box<Skip>),
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.iter(0, false).eq(other.iter(0, false))
    }
}

// Scores are never NaN, so equality is an equivalence.
impl Eq for ZSet {}

/// ZADD's options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Add the score to the current one (0 when absent).
    pub incr: bool,
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update to a greater score.
    pub gt: bool,
    /// Only update to a lower score.
    pub lt: bool,
}

/// What [`ZSet::add`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Added {
    /// A new member, with its score.
    New(f64),
    /// An existing member now has this (different) score.
    Updated(f64),
    /// An existing member kept its score, which equals the requested one.
    Same(f64),
    /// Nothing done: refused by NX, XX, GT or LT.
    Refused,
}

/// The score would be NaN (Redis's "resulting score is not a number").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanScore;

impl Default for ZSet {
    fn default() -> ZSet {
        ZSet::Pack(Pack::default())
    }
}

impl ZSet {
    /// The empty set ZADD creates for a first member of `first_len` bytes:
    /// compact unless the member is too long for it.
    pub fn for_first_member(first_len: usize, enc: &Enc) -> ZSet {
        if enc.zset_entries == 0 || first_len > enc.zset_member() {
            ZSet::Skip(Box::default())
        } else {
            ZSet::Pack(Pack::default())
        }
    }

    /// The set of `pairs` (ascending, distinct members) as Redis builds a
    /// result set: a skiplist, made compact if it fits
    /// (`zsetConvertToListpackIfNeeded`). A skiplist keeps `-0` scores.
    pub fn from_sorted<M: AsRef<[u8]>>(pairs: &[(M, f64)], enc: &Enc) -> ZSet {
        let fits = pairs.len() <= enc.zset_entries
            && pairs
                .iter()
                .all(|(m, _)| m.as_ref().len() <= enc.zset_member());
        if fits {
            let mut p = Pack::default();
            pairs.iter().for_each(|(m, s)| p.push(*s, m.as_ref()));
            ZSet::Pack(p)
        } else {
            let mut k = Skip::new();
            pairs.iter().for_each(|(m, s)| k.insert(*s, m.as_ref()));
            ZSet::Skip(Box::new(k))
        }
    }

    /// The set of `pairs` (ascending, distinct members) as ZRANGESTORE builds
    /// it: created compact (or as a skiplist when `skiplist`), then each
    /// member added as ZADD adds it, converting when the set outgrows the
    /// compact encoding.
    pub fn from_sorted_added<M: AsRef<[u8]>>(
        pairs: &[(M, f64)],
        skiplist: bool,
        enc: &Enc,
    ) -> ZSet {
        let mut z = if skiplist {
            ZSet::Skip(Box::default())
        } else {
            ZSet::Pack(Pack::default())
        };
        for (m, s) in pairs {
            let m = m.as_ref();
            match &mut z {
                ZSet::Pack(p) if p.len() < enc.zset_entries && m.len() <= enc.zset_member() => {
                    p.push(*s, m)
                }
                ZSet::Skip(k) => k.insert(*s, m),
                ZSet::Pack(_) => z.insert_new(*s, m, enc),
            }
        }
        z
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSet::Pack(p) => p.len(),
            ZSet::Skip(k) => k.len(),
        }
    }

    /// True when the set has no member.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True in the compact encoding.
    pub fn is_packed(&self) -> bool {
        matches!(self, ZSet::Pack(_))
    }

    /// Moves a compact set to the skiplist encoding (also what Redis's SORT
    /// does to a sorted set it reads, visible in OBJECT ENCODING).
    pub fn convert(&mut self) {
        if let ZSet::Pack(p) = self {
            let mut k = Skip::new();
            for e in p.iter_from(0) {
                k.insert(e.score, e.member);
            }
            *self = ZSet::Skip(Box::new(k));
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Pack(p) => p.find(member).map(|(e, _)| e.score),
            ZSet::Skip(k) => k.score(member),
        }
    }

    /// Inserts an absent member, converting first when the compact encoding
    /// cannot take it.
    fn insert_new(&mut self, score: f64, member: &[u8], enc: &Enc) {
        if let ZSet::Pack(p) = self {
            if p.len() + 1 > enc.zset_entries || member.len() > enc.zset_member() {
                self.convert();
            }
        }
        match self {
            ZSet::Pack(p) => p.insert(score, member),
            ZSet::Skip(k) => k.insert(score, member),
        }
    }

    /// Adds or updates `member` under ZADD's options: Redis's `zsetAdd`.
    pub fn add(
        &mut self,
        score: f64,
        member: &[u8],
        f: AddFlags,
        enc: &Enc,
    ) -> Result<Added, NanScore> {
        if score.is_nan() {
            return Err(NanScore);
        }
        let Some(cur) = self.score(member) else {
            if f.xx {
                return Ok(Added::Refused);
            }
            self.insert_new(score, member, enc);
            return Ok(Added::New(score));
        };
        if f.nx {
            return Ok(Added::Refused);
        }
        let mut score = score;
        if f.incr {
            score += cur;
            if score.is_nan() {
                return Err(NanScore);
            }
        }
        if (f.lt && score >= cur) || (f.gt && score <= cur) {
            return Ok(Added::Refused);
        }
        if score == cur {
            return Ok(Added::Same(score));
        }
        self.remove(member);
        match self {
            ZSet::Pack(p) => p.insert(score, member),
            ZSet::Skip(k) => k.insert(score, member),
        }
        Ok(Added::Updated(score))
    }

    /// Removes `member`; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Pack(p) => match p.find(member).map(|(e, _)| e.at) {
                Some(at) => p.remove_run(at, 1) == 1,
                None => false,
            },
            ZSet::Skip(k) => k.remove(member),
        }
    }

    /// The 0-based rank of `member`, ascending or (`rev`) descending.
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<usize> {
        let r = match self {
            ZSet::Pack(p) => p.find(member).map(|(_, r)| r),
            ZSet::Skip(k) => k.rank(member),
        }?;
        Some(if rev { self.len() - 1 - r } else { r })
    }

    /// Members from 0-based ascending rank `rank`: ascending, or (`rev`)
    /// descending from there.
    pub fn iter(&self, rank: usize, rev: bool) -> Iter<'_> {
        match self {
            ZSet::Pack(p) => {
                let at = p.offset_of(rank);
                Iter::Pack(if rev {
                    p.iter_back_from(at)
                } else {
                    p.iter_from(at.unwrap_or(p.bytes()))
                })
            }
            ZSet::Skip(k) => Iter::Skip(k.iter_from(rank, rev)),
        }
    }

    /// The member of 0-based ascending rank `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.iter(rank, false).next()
    }

    /// Rank of the first member (ascending) for which `pred` is false; `pred`
    /// must hold on a prefix. The compact encoding scans from the head and
    /// the skiplist descends its levels, as Redis's `…FirstInRange` do.
    pub fn first_not(&self, mut pred: impl FnMut(&[u8], f64) -> bool) -> usize {
        match self {
            ZSet::Pack(p) => p
                .iter_from(0)
                .position(|e| !pred(e.member, e.score))
                .unwrap_or(p.len()),
            ZSet::Skip(k) => k.count_prefix(pred),
        }
    }

    /// Rank of the last member for which `pred` holds; `pred` must hold on a
    /// prefix. The compact encoding scans from the tail and the skiplist
    /// descends its levels, as Redis's `…LastInRange` do.
    pub fn last_where(&self, mut pred: impl FnMut(&[u8], f64) -> bool) -> Option<usize> {
        match self {
            ZSet::Pack(p) => p
                .iter_back_from(p.last())
                .position(|e| pred(e.member, e.score))
                .map(|from_end| p.len() - 1 - from_end),
            ZSet::Skip(k) => k.count_prefix(pred).checked_sub(1),
        }
    }

    /// Removes the members of ranks `start..=end` (clamped); returns how many.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len() {
            return 0;
        }
        let end = end.min(self.len() - 1);
        match self {
            ZSet::Pack(p) => match p.offset_of(start) {
                Some(at) => p.remove_run(at, end - start + 1),
                None => 0,
            },
            ZSet::Skip(k) => k.remove_ranks(start, end),
        }
    }

    /// Removes and returns the lowest (or, with `max`, highest) member.
    pub fn pop(&mut self, max: bool) -> Option<(Bytes, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let (m, s) = self.get(rank).map(|(m, s)| (Bytes::from_slice(m), s))?;
        self.remove_ranks(rank, rank);
        Some((m, s))
    }

    /// One ZSCAN step: calls `f` with members and scores from `cursor` on and
    /// returns the next cursor (0 when done). A compact set is returned whole
    /// (Redis prints its scores as stored, `d2string`); a skiplist about
    /// `count` members at a time (scores printed `%.17g`).
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        match self {
            ZSet::Pack(p) => {
                for e in p.iter_from(0) {
                    f(e.member, e.score);
                }
                0
            }
            ZSet::Skip(k) => k.scan(cursor, count, f),
        }
    }

    /// Gives back spare memory (after deletions).
    pub fn shrink(&mut self) {
        match self {
            ZSet::Pack(p) => p.shrink(),
            ZSet::Skip(k) => k.shrink(),
        }
    }
}

/// Iterates over a [`ZSet`]'s members and scores.
pub enum Iter<'a> {
    /// Over the compact encoding.
    Pack(pack::Iter<'a>),
    /// Over the skiplist.
    Skip(skiplist::Iter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<(&'a [u8], f64)> {
        match self {
            Iter::Pack(it) => it.next().map(|e| (e.member, e.score)),
            Iter::Skip(it) => it.next(),
        }
    }
}

#[cfg(test)]
mod tests;

//! [`Set`]: Redis's two set encodings in 7.0. An `intset` (a sorted array of
//! integers) while every member is a canonical 64-bit integer and there are at
//! most `set-max-intset-entries` of them ([`Enc::set_intset`], 512); a hash table
//! ([`Dense`]) otherwise, for good. Members of an intset come out in
//! ascending order, as Redis replies them.

use super::dense::Dense;
use super::intset::IntSet;
use crate::base::bytes::Bytes;
use crate::base::num::{fmt_i64, parse_i64, I64_BUF};
use crate::base::random;

use crate::model::encoding::Enc;

/// A set of byte strings.
#[derive(Clone)]
pub enum Set {
    /// Sorted canonical integers (Redis's intset).
    Ints(IntSet),
    /// Any members (Redis's hash table encoding).
    Table(Box<Dense<Bytes>>),
}

impl Default for Set {
    fn default() -> Set {
        Set::Ints(IntSet::new())
    }
}

/// A member handed out by a set: an integer or borrowed bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    /// An intset member.
    Int(i64),
    /// A hash-table member.
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (an integer formatted into `buf`).
    pub fn bytes<'b>(&'b self, buf: &'b mut [u8; 20]) -> &'b [u8] {
        match self {
            Member::Int(n) => fmt_i64(*n, buf),
            Member::Bytes(b) => b,
        }
    }

    /// The member as owned bytes.
    pub fn to_bytes(self) -> Bytes {
        let mut buf = I64_BUF;
        Bytes::from_slice(self.bytes(&mut buf))
    }
}

impl Set {
    /// An empty set shaped for a first member `first` (Redis's
    /// `setTypeCreate`): an intset when it is an integer.
    pub fn for_member(first: &[u8]) -> Set {
        match parse_i64(first) {
            Some(_) => Set::Ints(IntSet::new()),
            None => Set::Table(Box::new(Dense::with_capacity(1))),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(v) => v.len(),
            Set::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for the integer encoding.
    pub fn is_intset(&self) -> bool {
        matches!(self, Set::Ints(_))
    }

    /// True when `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            Set::Ints(v) => parse_i64(m).is_some_and(|n| v.contains(n)),
            Set::Table(d) => d.contains(m),
        }
    }

    /// Converts an intset to the hash-table encoding.
    pub(crate) fn convert_to_table(&mut self) {
        if let Set::Ints(v) = self {
            let mut d = Dense::with_capacity(v.len() + 1);
            let mut buf = I64_BUF;
            for n in v.iter() {
                d.push_new(Bytes::from_slice(fmt_i64(n, &mut buf)));
            }
            *self = Set::Table(Box::new(d));
        }
    }

    /// Adds `m`; true when it was not a member (Redis's `setTypeAdd`).
    pub fn add(&mut self, m: &[u8], enc: &Enc) -> bool {
        if let Set::Ints(v) = self {
            match parse_i64(m) {
                Some(n) => {
                    return match v.search(n) {
                        Ok(_) => false,
                        Err(at) => {
                            v.insert(at, n);
                            if v.len() > enc.set_intset {
                                self.convert_to_table();
                            }
                            true
                        }
                    };
                }
                None => self.convert_to_table(),
            }
        }
        match self {
            Set::Table(d) => d.insert(Bytes::from_slice(m)),
            Set::Ints(_) => false,
        }
    }

    /// Adds a member handed out by another set (integers stay integers).
    pub fn add_member(&mut self, m: Member<'_>, enc: &Enc) -> bool {
        match (m, &mut *self) {
            (Member::Int(n), Set::Ints(v)) => match v.search(n) {
                Ok(_) => false,
                Err(at) => {
                    v.insert(at, n);
                    if v.len() > enc.set_intset {
                        self.convert_to_table();
                    }
                    true
                }
            },
            _ => {
                let mut buf = I64_BUF;
                self.add(m.bytes(&mut buf), enc)
            }
        }
    }

    /// True when a member handed out by another set is a member.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (m, self) {
            (Member::Int(n), Set::Ints(v)) => v.contains(n),
            _ => {
                let mut buf = I64_BUF;
                self.contains(m.bytes(&mut buf))
            }
        }
    }

    /// Removes `m`; true when it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            Set::Ints(v) => parse_i64(m).is_some_and(|n| v.remove(n)),
            Set::Table(d) => d.remove(m).is_some(),
        }
    }

    /// A uniformly random member.
    pub fn random(&self) -> Option<Member<'_>> {
        match self {
            Set::Ints(v) => v.get(random::below(v.len())).map(Member::Int),
            Set::Table(d) => d.random().map(|b| Member::Bytes(b)),
        }
    }

    /// `count` distinct random members (every member, in random order,
    /// when `count >= len`).
    pub fn distinct(&self, count: usize) -> Vec<Member<'_>> {
        match self {
            Set::Ints(v) => random::distinct(v.len(), count)
                .into_iter()
                .filter_map(|i| v.get(i).map(Member::Int))
                .collect(),
            Set::Table(d) => d
                .distinct(count)
                .into_iter()
                .map(|b| Member::Bytes(b))
                .collect(),
        }
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self) -> Option<Bytes> {
        match self {
            Set::Ints(v) => v
                .remove_at(random::below(v.len()))
                .map(|n| Member::Int(n).to_bytes()),
            Set::Table(d) => d.random_slot().and_then(|i| d.remove_at(i)),
        }
    }

    /// The members in the encoding's order (ascending for an intset).
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> + '_ {
        let (ints, table) = match self {
            Set::Ints(v) => (Some(v.iter()), None),
            Set::Table(d) => (None, Some(d.iter())),
        };
        ints.into_iter()
            .flatten()
            .map(Member::Int)
            .chain(table.into_iter().flatten().map(|b| Member::Bytes(b)))
    }

    /// SSCAN from `cursor`: an intset answers everything at once (cursor 0),
    /// a table up to `count` members per call.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member<'_>)) -> u64 {
        match self {
            Set::Ints(v) => {
                v.iter().for_each(|n| f(Member::Int(n)));
                0
            }
            Set::Table(d) => d.scan(cursor, count, |b| f(Member::Bytes(b))),
        }
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        let mut buf = I64_BUF;
        self.len() == other.len() && self.iter().all(|m| other.contains(m.bytes(&mut buf)))
    }
}

impl Eq for Set {}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = I64_BUF;
        f.debug_set()
            .entries(
                self.iter()
                    .map(|m| String::from_utf8_lossy(m.bytes(&mut buf)).into_owned()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(s: &Set) -> Vec<String> {
        let mut buf = I64_BUF;
        s.iter()
            .map(|m| String::from_utf8_lossy(m.bytes(&mut buf)).into_owned())
            .collect()
    }

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = Set::for_member(b"3");
        assert!(
            s.add(b"3", &crate::model::encoding::DEFAULT)
                && s.add(b"-1", &crate::model::encoding::DEFAULT)
                && s.add(b"10", &crate::model::encoding::DEFAULT)
        );
        assert!(!s.add(b"10", &crate::model::encoding::DEFAULT));
        assert!(s.is_intset());
        assert_eq!(members(&s), ["-1", "3", "10"]);
        assert!(s.contains(b"10") && !s.contains(b"010") && !s.contains(b"x"));
        assert!(s.add(b"x", &crate::model::encoding::DEFAULT));
        assert!(!s.is_intset());
        assert!(s.contains(b"10") && s.contains(b"x"));
        let mut big = Set::for_member(b"0");
        for i in 0..crate::model::encoding::DEFAULT.set_intset as i64 {
            big.add(i.to_string().as_bytes(), &crate::model::encoding::DEFAULT);
        }
        assert!(big.is_intset());
        big.add(b"100000", &crate::model::encoding::DEFAULT);
        assert!(!big.is_intset());
        assert_eq!(big.len(), crate::model::encoding::DEFAULT.set_intset + 1);
        assert!(big.remove(b"5") && !big.remove(b"5"));
        assert_eq!(Set::for_member(b"a"), {
            let mut t = Set::Table(Box::new(Dense::with_capacity(0)));
            t.add(b"b", &crate::model::encoding::DEFAULT);
            t.remove(b"b");
            t
        });
    }

    #[test]
    fn random_pops_empty_the_set() {
        let mut s = Set::for_member(b"a");
        for m in ["a", "b", "c", "1"] {
            s.add(m.as_bytes(), &crate::model::encoding::DEFAULT);
        }
        let mut got: Vec<Bytes> = std::iter::from_fn(|| s.pop_random()).collect();
        got.sort();
        assert_eq!(got, [&b"1"[..], b"a", b"b", b"c"].map(Bytes::from_slice));
        assert!(s.is_empty() && s.random().is_none());
    }
}

//! RDB objects by type (`rdbLoadObject`, `rdbSaveObject`): which type
//! byte a value is saved under, and each type's body in both directions,
//! on top of [`Reader`]'s and [`Writer`]'s primitives (lengths, strings,
//! doubles). Streams have a module of their own ([`super::stream`]), which
//! the primitives do not depend on.

use super::listpack::Builder;
use super::read::Reader;
use super::write::Writer;
use super::{corrupt, listpack, types, ziplist, Elem, RdbError};
use crate::base::float::{fmt_d2string, parse_double};
use crate::base::num::{fmt_i64, I64_BUF};
use crate::model::encoding::Enc;
use crate::model::types::hash::Hash;
use crate::model::types::list::{End, List};
use crate::model::types::set::{Member, Set};
use crate::model::value::Value;
use crate::model::zset::ZSet;

impl Reader<'_> {
    /// A value of RDB type `ty` (`rdbLoadObject`), built with the
    /// thresholds `enc`. `None` for an empty collection (Redis skips the
    /// key).
    pub fn value(&mut self, ty: u8, enc: &Enc) -> Result<Option<Value>, RdbError> {
        Ok(match ty {
            types::STRING => Some(Value::string(&self.string()?)),
            types::LIST => {
                let n = self.count(1)?;
                let mut l = List::new();
                for _ in 0..n {
                    l.push(End::Right, &self.string()?, enc);
                }
                (!l.is_empty()).then_some(Value::List(l))
            }
            types::SET => {
                let n = self.count(1)?;
                let mut s = Set::default();
                for i in 0..n {
                    let m = self.string()?;
                    if i == 0 {
                        s = Set::for_member(&m);
                    }
                    if !s.add(&m, enc) {
                        return Err(corrupt("Duplicate set members detected"));
                    }
                }
                (!s.is_empty()).then_some(Value::Set(s))
            }
            types::ZSET | types::ZSET_2 => {
                let n = self.count(2)?;
                let mut pairs = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    let m = self.string()?.into_owned();
                    let s = if ty == types::ZSET_2 {
                        self.binary_double()?
                    } else {
                        self.text_double()?
                    };
                    if s.is_nan() {
                        return Err(corrupt("Zset with NAN score detected"));
                    }
                    pairs.push((m, s));
                }
                zset(pairs, enc)?
            }
            types::HASH => {
                let n = self.count(2)?;
                let mut h = Hash::new();
                for _ in 0..n {
                    let f = self.string()?;
                    let v = self.string()?;
                    if !h.set(&f, &v, enc) {
                        return Err(corrupt("Duplicate hash fields detected"));
                    }
                }
                (!h.is_empty()).then_some(Value::Hash(h))
            }
            types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
                let nodes = self.count(1)?;
                let mut l = List::new();
                for _ in 0..nodes {
                    let container = if ty == types::LIST_QUICKLIST_2 {
                        self.length()?
                    } else {
                        2
                    };
                    let blob = self.string()?;
                    if blob.is_empty() {
                        return Err(corrupt("Quicklist node is empty"));
                    }
                    match container {
                        1 => l.push(End::Right, &blob, enc),
                        2 => {
                            let items = if ty == types::LIST_QUICKLIST_2 {
                                listpack::entries(&blob, self.is_deep())
                                    .map_err(|_| corrupt("Listpack integrity check failed."))?
                            } else {
                                ziplist::ziplist(&blob)
                                    .map_err(|_| corrupt("Ziplist integrity check failed."))?
                            };
                            for e in items {
                                e.with(|b| l.push(End::Right, b, enc));
                            }
                        }
                        _ => return Err(corrupt("Quicklist integrity check failed.")),
                    }
                }
                (!l.is_empty()).then_some(Value::List(l))
            }
            types::HASH_ZIPMAP
            | types::LIST_ZIPLIST
            | types::SET_INTSET
            | types::ZSET_ZIPLIST
            | types::ZSET_LISTPACK
            | types::HASH_ZIPLIST
            | types::HASH_LISTPACK => {
                let blob = self.string()?;
                packed(ty, &blob, enc, self.is_deep())?
            }
            types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 => {
                Some(super::stream::read(self, ty)?)
            }
            types::MODULE | types::MODULE_2 => {
                return Err(RdbError("module values are not supported".into()))
            }
            _ => return Err(corrupt("unknown object type")),
        })
    }
}

impl Writer {
    /// The type byte Redis writes for `v` (`rdbSaveObjectType`).
    pub fn type_of(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Str(_) => types::STRING,
            Value::List(_) => types::LIST_QUICKLIST_2,
            Value::Set(s) if s.is_intset() => types::SET_INTSET,
            Value::Set(_) => types::SET,
            Value::ZSet(z) if z.is_packed() => types::ZSET_LISTPACK,
            Value::ZSet(_) => types::ZSET_2,
            Value::Hash(h) if h.is_packed() => types::HASH_LISTPACK,
            Value::Hash(_) => types::HASH,
            Value::Stream(_) => types::STREAM_LISTPACKS_2,
        }
    }

    /// The value's body (`rdbSaveObject`), without its type byte.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Int(n) => self.int_string(*n),
            Value::Str(s) => self.string(s),
            Value::List(l) => {
                self.len(l.node_count() as u64);
                for node in l.nodes() {
                    // A compressed node is written compressed, whatever
                    // `rdbcompression` says (Redis's `rdbSaveLzfBlob`).
                    let lzf = node.is_compressed();
                    let pack = node.unpacked();
                    if let (1, Some(e)) = (pack.len(), pack.get(0)) {
                        if e.len() >= self.plain_from {
                            self.len(1); // QUICKLIST_NODE_CONTAINER_PLAIN
                            self.string_lzf(e, lzf);
                            continue;
                        }
                    }
                    self.len(2); // QUICKLIST_NODE_CONTAINER_PACKED
                    let mut lp = Builder::new();
                    pack.iter().for_each(|e| lp.push(e));
                    self.string_lzf(&lp.finish(), lzf);
                }
            }
            Value::Set(s) => self.set(s),
            Value::ZSet(z) => self.zset(z),
            Value::Hash(h) => self.hash(h),
            Value::Stream(s) => super::stream::write(self, s),
        }
    }

    fn set(&mut self, s: &Set) {
        match s {
            Set::Ints(i) => {
                let mut blob = Vec::with_capacity(8 + i.raw().len());
                blob.extend_from_slice(&(i.width() as u32).to_le_bytes());
                blob.extend_from_slice(&(i.len() as u32).to_le_bytes());
                blob.extend_from_slice(i.raw());
                self.string(&blob);
            }
            Set::Table(_) => {
                self.len(s.len() as u64);
                for m in s.iter() {
                    match m {
                        Member::Int(n) => {
                            let mut b = I64_BUF;
                            self.string(fmt_i64(n, &mut b));
                        }
                        Member::Bytes(b) => self.string(b),
                    }
                }
            }
        }
    }

    fn zset(&mut self, z: &ZSet) {
        if z.is_packed() {
            let mut lp = Builder::new();
            for (m, score) in z.iter(0, false) {
                lp.push(m);
                let mut buf = [0u8; 32];
                lp.push(fmt_d2string(score, &mut buf));
            }
            self.string(&lp.finish());
        } else {
            // Greatest first, as Redis walks its skiplist from the tail.
            self.len(z.len() as u64);
            for (m, score) in z.iter(z.len() - 1, true) {
                self.string(m);
                self.out.extend_from_slice(&score.to_le_bytes());
            }
        }
    }

    fn hash(&mut self, h: &Hash) {
        if h.is_packed() {
            let mut lp = Builder::new();
            for (f, v) in h.iter() {
                lp.push(f);
                lp.push(v);
            }
            self.string(&lp.finish());
        } else {
            self.len(h.len() as u64);
            for (f, v) in h.iter() {
                self.string(f);
                self.string(v);
            }
        }
    }
}

/// A sorted set from `(member, score)` pairs in any order; duplicates are
/// corruption.
fn zset(mut pairs: Vec<(Vec<u8>, f64)>, enc: &Enc) -> Result<Option<Value>, RdbError> {
    if pairs.is_empty() {
        return Ok(None);
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if pairs.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(corrupt("Duplicate zset fields detected"));
    }
    // Redis compares -0 and 0 equal, then by member.
    pairs.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(Some(Value::ZSet(ZSet::from_sorted(&pairs, enc))))
}

/// Pairs of a packed hash or sorted set: an even count.
fn pairs<'b>(items: Vec<Elem<'b>>) -> Result<Vec<(Elem<'b>, Elem<'b>)>, RdbError> {
    if !items.len().is_multiple_of(2) {
        return Err(corrupt("odd number of entries in a packed pair encoding"));
    }
    Ok(items.chunks_exact(2).map(|c| (c[0], c[1])).collect())
}

/// `r`, its error replaced by `failed` (Redis's message for the type).
fn check<T>(r: Result<T, RdbError>, failed: &str) -> Result<T, RdbError> {
    r.map_err(|_| corrupt(failed))
}

/// A value saved as one blob (listpack, ziplist, zipmap, intset). A blob
/// that does not check fails with Redis's message for its type ("Hash
/// ziplist integrity check failed.", …); `deep` as [`Reader::deep`].
fn packed(ty: u8, blob: &[u8], enc: &Enc, deep: bool) -> Result<Option<Value>, RdbError> {
    let failed = match ty {
        types::HASH_ZIPMAP => "Zipmap integrity check failed.",
        types::LIST_ZIPLIST => "List ziplist integrity check failed.",
        types::SET_INTSET => "Intset integrity check failed.",
        types::ZSET_ZIPLIST => "Zset ziplist integrity check failed.",
        types::ZSET_LISTPACK => "Zset listpack integrity check failed.",
        types::HASH_ZIPLIST => "Hash ziplist integrity check failed.",
        _ => "Hash listpack integrity check failed.",
    };
    Ok(match ty {
        types::SET_INTSET => {
            let mut s = Set::Ints(Default::default());
            for v in check(ziplist::intset(blob), failed)? {
                s.add_member(Member::Int(v), enc);
            }
            Some(Value::Set(s))
        }
        types::LIST_ZIPLIST => {
            let mut l = List::new();
            for e in check(ziplist::ziplist(blob), failed)? {
                e.with(|b| l.push(End::Right, b, enc));
            }
            (!l.is_empty()).then_some(Value::List(l))
        }
        types::HASH_ZIPMAP | types::HASH_ZIPLIST | types::HASH_LISTPACK => {
            let items = check(
                match ty {
                    types::HASH_ZIPMAP => ziplist::zipmap(blob),
                    types::HASH_ZIPLIST => ziplist::ziplist(blob),
                    _ => listpack::entries(blob, deep),
                },
                failed,
            )?;
            let mut h = Hash::new();
            for (f, v) in check(pairs(items), failed)? {
                let new = f.with(|f| v.with(|v| h.set(f, v, enc)));
                if !new {
                    // Redis: a zipmap's duplicate is its own message; a
                    // ziplist's and a checked listpack's fail the check.
                    return Err(corrupt(match ty {
                        types::HASH_ZIPMAP => "Hash zipmap with dup elements",
                        _ => failed,
                    }));
                }
            }
            (!h.is_empty()).then_some(Value::Hash(h))
        }
        _ => {
            // ZSET_ZIPLIST, ZSET_LISTPACK: member, score as text.
            let items = check(
                if ty == types::ZSET_ZIPLIST {
                    ziplist::ziplist(blob)
                } else {
                    listpack::entries(blob, deep)
                },
                failed,
            )?;
            let mut out = Vec::with_capacity(items.len() / 2);
            for (m, s) in check(pairs(items), failed)? {
                let score = match s {
                    Elem::Int(n) => n as f64,
                    Elem::Str(t) => parse_double(t).ok_or_else(|| corrupt(failed))?,
                };
                if score.is_nan() {
                    return Err(corrupt("Zset with NAN score detected"));
                }
                out.push((m.to_vec(), score));
            }
            zset(out, enc).map_err(|e| {
                if ty == types::ZSET_ZIPLIST || deep {
                    corrupt(failed)
                } else {
                    e
                }
            })?
        }
    })
}

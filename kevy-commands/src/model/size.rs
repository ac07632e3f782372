//! What a value costs: [`value_bytes`] estimates a key's bytes in kevy's
//! own layout (its table entry, the key's and value's heap buffers, and for
//! collections their elements, sampled like Redis: the first `samples`
//! elements' average times the count), for `MEMORY USAGE` and eviction;
//! [`serialized_len`] is the length of its RDB serialization (`DEBUG
//! OBJECT`'s `serializedlength`).

use std::mem::size_of;

use crate::base::num::parse_i64;
use crate::model::types::hash::Hash;
use crate::model::types::pack::entry_size;
use crate::model::types::set::{Member, Set};
use crate::model::value::{Bytes, Value};

/// Heap bytes of a key or string buffer (inline ones cost none).
fn heap(b: &Bytes) -> usize {
    if b.spilled() {
        b.capacity()
    } else {
        0
    }
}

/// Bytes of a table entry: key, value, deadline index and control byte.
fn entry_overhead() -> usize {
    size_of::<Bytes>() + size_of::<Value>() + size_of::<u32>() + 1
}

/// `count` elements estimated from the sizes of the first `samples` of
/// `sizes` (all when `samples` is 0).
fn sampled(count: usize, samples: usize, sizes: impl Iterator<Item = usize>) -> usize {
    let limit = if samples == 0 { usize::MAX } else { samples };
    let (mut n, mut sum) = (0usize, 0usize);
    for s in sizes.take(limit) {
        n += 1;
        sum += s;
    }
    if n == 0 {
        0
    } else {
        ((sum as f64 / n as f64) * count as f64) as usize
    }
}

/// The estimated bytes of `key` holding `v`, sampling `samples` elements of
/// a collection (0: all).
pub fn value_bytes(key: &[u8], v: &Value, samples: usize) -> usize {
    let key_heap = if key.len() > 16 { key.len() } else { 0 };
    let item = size_of::<Bytes>();
    let index = size_of::<usize>() + 1;
    let body = match v {
        Value::Int(_) => 0,
        Value::Str(s) => heap(s),
        Value::List(l) => {
            size_of::<crate::model::types::list::List>()
                + l.node_count() * size_of::<crate::model::types::pack::Pack>()
                + sampled(l.len(), samples, l.iter().map(|e| entry_size(e.len())))
        }
        Value::Hash(h) => {
            size_of::<Hash>()
                + match &**h {
                    Hash::Packed(_) => sampled(
                        h.len(),
                        samples,
                        h.iter()
                            .map(|(f, v)| entry_size(f.len()) + entry_size(v.len())),
                    ),
                    Hash::Table(_) => sampled(
                        h.len(),
                        samples,
                        h.iter()
                            .map(|(f, v)| 2 * item + index + spill(f.len()) + spill(v.len())),
                    ),
                }
        }
        Value::Set(s) => {
            size_of::<Set>()
                + match &**s {
                    Set::Ints(v) => v.len() * size_of::<i64>(),
                    Set::Table(_) => sampled(
                        s.len(),
                        samples,
                        s.iter().map(|m| {
                            let len = match m {
                                Member::Bytes(b) => b.len(),
                                Member::Int(_) => 0,
                            };
                            item + index + spill(len)
                        }),
                    ),
                }
        }
        Value::ZSet(z) => {
            // Compact: member bytes plus an 8-byte score each; skiplist: a
            // node (member, score, links) and an index entry per member.
            let per = if z.is_packed() {
                8
            } else {
                2 * item + index + 8
            };
            size_of::<crate::model::zset::ZSet>()
                + sampled(
                    z.len(),
                    samples,
                    z.iter(0, false).map(|(m, _)| per + m.len()),
                )
        }
    };
    entry_overhead() + key_heap + body
}

/// Heap bytes of a `Bytes` of `len` bytes.
fn spill(len: usize) -> usize {
    if len > 16 {
        len
    } else {
        0
    }
}

/// Bytes of an RDB length prefix.
fn len_len(n: usize) -> usize {
    match n {
        0..=63 => 1,
        64..=16_383 => 2,
        16_384..=0xFFFF_FFFF => 5,
        _ => 9,
    }
}

/// Bytes of a string in an RDB file (integers in their short encodings).
fn rdb_string(s: &[u8]) -> usize {
    match parse_i64(s) {
        Some(n) if s.len() <= 11 => rdb_int(n),
        _ => len_len(s.len()) + s.len(),
    }
}

fn rdb_int(n: i64) -> usize {
    if i8::try_from(n).is_ok() {
        2
    } else if i16::try_from(n).is_ok() {
        3
    } else if i32::try_from(n).is_ok() {
        5
    } else {
        let d = n.to_string();
        len_len(d.len()) + d.len()
    }
}

/// The length `v` would have in an RDB file: exact for strings, the
/// length-prefixed elements for collections (no compression).
pub fn serialized_len(v: &Value) -> usize {
    match v {
        Value::Int(n) => rdb_int(*n),
        Value::Str(s) => len_len(s.len()) + s.len(),
        Value::List(l) => len_len(l.len()) + l.iter().map(rdb_string).sum::<usize>(),
        Value::Hash(h) => {
            len_len(h.len())
                + h.iter()
                    .map(|(f, v)| rdb_string(f) + rdb_string(v))
                    .sum::<usize>()
        }
        Value::Set(s) => {
            let mut buf = crate::base::num::I64_BUF;
            len_len(s.len())
                + s.iter()
                    .map(|m| rdb_string(m.bytes(&mut buf)))
                    .sum::<usize>()
        }
        // Members as strings, scores as 8-byte binary doubles (RDB_TYPE_ZSET_2).
        Value::ZSet(z) => {
            len_len(z.len())
                + z.iter(0, false)
                    .map(|(m, _)| rdb_string(m) + 8)
                    .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdb_lengths_match_redis_for_strings() {
        assert_eq!(serialized_len(&Value::string(b"hello")), 6);
        assert_eq!(serialized_len(&Value::string(b"1")), 2);
        assert_eq!(serialized_len(&Value::string(b"1000")), 3);
        assert_eq!(serialized_len(&Value::string(b"100000")), 5);
    }
}

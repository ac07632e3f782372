//! What a value costs: [`value_bytes`] is a key's bytes in kevy's own
//! layout, in malloc blocks (its node and bucket, every block its value
//! holds; small encodings exactly, large ones with their elements' own heap
//! sampled like Redis: the first `samples` elements' average times the
//! count), for `MEMORY USAGE` and eviction;
//! [`serialized_len`] is the length of its RDB serialization (`DEBUG
//! OBJECT`'s `serializedlength`).

use std::mem::size_of;

use crate::base::num::parse_i64;
use crate::model::stream::Stream;
use crate::model::types::dense::Dense;
use crate::model::types::hash::Hash;
use crate::model::types::list::{List, Quick};
use crate::model::types::set::Set;
use crate::model::value::{Bytes, Value};
use crate::model::zset::{Skip, ZSet};

/// The block glibc's malloc hands out for a request of `n` bytes (8 bytes
/// of header, rounded up to 16, at least 32): what kevy-server's counting
/// allocator counts, and what the request costs.
fn block(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8 + 15) & !15).max(32)
    }
}

/// Heap bytes of a key or string buffer (inline ones cost none).
fn heap(b: &Bytes) -> usize {
    if b.spilled() {
        block(b.capacity())
    } else {
        0
    }
}

/// Bytes of a key's node and its keyspace bucket (a pointer and a control
/// byte). The node (`store/db/node.rs`) is one block: the value, TTL slot,
/// access clock and LFU data (44 bytes), the key's length in LEB128, the
/// key.
fn node_bytes(key: &[u8]) -> usize {
    let mut len_bytes = 1;
    while key.len() >> (7 * len_bytes) != 0 {
        len_bytes += 1;
    }
    block(size_of::<Value>() + 12 + len_bytes + key.len()) + size_of::<usize>() + 1
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

/// The bytes `key` holding `v` takes in kevy: its node and bucket, and
/// every block the value holds. Small encodings are exact (one block sized
/// to fit, or none when inline); the large ones add their tables exactly
/// and what their elements hold on the heap estimated from the first
/// `samples` elements (0: all), as Redis samples.
pub fn value_bytes(key: &[u8], v: &Value, samples: usize) -> usize {
    let body = match v {
        Value::Int(_) => 0,
        Value::Str(s) => heap(s),
        Value::List(l) => {
            let boxed = match l {
                List::One(_) => 0,
                List::Many(_) => block(size_of::<Quick>()) + block(l.overhead_bytes()),
            };
            boxed + l.nodes().map(|n| block(n.capacity())).sum::<usize>()
        }
        Value::Hash(h) => match h {
            Hash::Packed(p) => block(p.capacity()),
            Hash::Table(d) => {
                block(size_of::<Dense<(Bytes, Bytes)>>())
                    + block(d.table_bytes())
                    + sampled(h.len(), samples, d.iter().map(|(f, v)| heap(f) + heap(v)))
            }
        },
        Value::Set(s) => match s {
            Set::Ints(i) => block(i.heap_bytes()),
            Set::Table(d) => {
                block(size_of::<Dense<Bytes>>())
                    + block(d.table_bytes())
                    + sampled(s.len(), samples, d.iter().map(heap))
            }
        },
        Value::ZSet(z) => match z {
            ZSet::Pack(p) => block(p.heap_bytes()),
            ZSet::Skip(k) => {
                block(size_of::<Skip>())
                    + block(k.table_bytes())
                    + sampled(k.len(), samples, (0..k.len()).map(|r| k.node_heap(r)))
            }
        },
        Value::Stream(st) => block(size_of::<Stream>()) + stream_heap(st),
    };
    node_bytes(key) + body
}

/// A B-tree map's nodes, estimated: leaves of up to 11 entries about
/// 2/3 full.
fn btree_bytes(n: usize, entry: usize) -> usize {
    if n == 0 {
        0
    } else {
        n.div_ceil(8) * block(11 * entry + 16)
    }
}

/// What a stream holds on the heap: its nodes and their index, and its
/// groups with their pending entries and consumers.
fn stream_heap(st: &Stream) -> usize {
    use crate::model::stream::group::{Consumer, Group, Nack};
    use crate::model::stream::StreamId;
    let mut n = st.log.heap_bytes(block);
    n += btree_bytes(st.groups.len(), size_of::<Bytes>() + size_of::<Group>());
    for (name, g) in &st.groups {
        n += heap(name);
        n += btree_bytes(g.pel.len(), size_of::<StreamId>() + size_of::<Nack>());
        n += btree_bytes(
            g.consumers.len(),
            size_of::<Bytes>() + size_of::<Consumer>(),
        );
        for (name, c) in &g.consumers {
            n += heap(name) + btree_bytes(c.pel.len(), size_of::<StreamId>());
        }
    }
    n
}

/// Bytes of a stream in an RDB file (`RDB_TYPE_STREAM_LISTPACKS_3`): each
/// node's key and listpack, the counters, and each group with its PEL and
/// consumers.
fn rdb_stream(st: &Stream) -> usize {
    let log = &st.log;
    let mut n = len_len(log.node_count());
    for (_, node) in log.nodes() {
        n += 1 + 16 + len_len(node.lp_bytes()) + node.lp_bytes();
    }
    let num = |v: u64| len_len(v as usize);
    n += num(log.length) + num(log.last_id.ms) + num(log.last_id.seq);
    n += num(log.first_id.ms) + num(log.first_id.seq);
    n += num(log.max_deleted.ms) + num(log.max_deleted.seq) + num(log.entries_added);
    n += len_len(st.groups.len());
    for (name, g) in &st.groups {
        n += rdb_string(name) + num(g.last_id.ms) + num(g.last_id.seq);
        n += num(g.entries_read.max(0) as u64);
        n += len_len(g.pel.len())
            + g.pel
                .values()
                .map(|p| 16 + 8 + num(p.delivery_count))
                .sum::<usize>();
        n += len_len(g.consumers.len());
        for (name, c) in &g.consumers {
            n += rdb_string(name) + 8 + len_len(c.pel.len()) + 16 * c.pel.len();
        }
    }
    n
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
        Value::List(l) => len_len(l.len()) + l.reader().iter().map(rdb_string).sum::<usize>(),
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
        Value::Stream(st) => rdb_stream(st),
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

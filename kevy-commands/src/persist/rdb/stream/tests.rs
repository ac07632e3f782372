//! Streams through the RDB codec: round trips of every shape (deleted
//! entries, nodes cut by size and count, own fields, negative sequence
//! deltas, groups with pending entries and an unknown read counter),
//! redis-server 7.0's own DUMP bytes, the older type 15, and corrupt
//! input (an error, never a panic).

use super::*;
use crate::model::encoding::Enc;
use crate::model::stream::{Limits, Trim};
use crate::persist::rdb::dump;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// What redis-server 7.0.15 answers DUMP with after `XADD s 1-1 a 1 b
/// hello`, `XADD s 1-2 a 2 b x`, `XADD s 2-0 c 3`, `XDEL s 1-2`, `XGROUP
/// CREATE s g 0` and `XREADGROUP GROUP g alice COUNT 1 STREAMS s >`.
const REDIS_DUMP: &str = "130110000000000000000100000000000000014043430000001900020101010201816102816202000102010001000101018568656c6c6f0605010301000101010201817802050100010101dfff02010181630203010601ff0202000101010203010167010181ffffffffffffffff0100000000000000010000000000000001d2497a3ca2010000010105616c696365d2497a3ca201000001000000000000000100000000000000010a00b231efe252c57517";

fn stream_of(v: &Value) -> &Stream {
    match v {
        Value::Stream(s) => s,
        _ => panic!("not a stream"),
    }
}

/// A stream of `n` entries in nodes of at most `per` entries, some with
/// their own fields, every seventh deleted, trimmed, with two groups.
fn sample(n: u64, per: usize) -> Stream {
    let mut s = Stream::new();
    let limits = Limits {
        bytes: 4096,
        entries: per,
    };
    for i in 0..n {
        let v = format!("value-{i}");
        let num = (i * 1000).to_string();
        let pairs: Vec<&[u8]> = if i % 5 == 3 {
            vec![b"other", v.as_bytes()]
        } else {
            vec![b"f", v.as_bytes(), b"n", num.as_bytes()]
        };
        // Sequences that go down within a node (negative deltas).
        let id = StreamId::new(1000 + i / 3, (i % 3) * 7);
        s.log.append(&pairs, Some(id), true, 0, limits).unwrap();
    }
    for i in (0..n).step_by(7) {
        let id = StreamId::new(1000 + i / 3, (i % 3) * 7);
        if s.log.delete(id) {
            s.log.deleted(id);
        }
    }
    s.log.refresh_first();
    s.log.trim(Trim::MaxLen(n.saturating_sub(5)), false, 0);
    let mut g = Group::new(StreamId::new(1003, 7), 11);
    g.create_consumer(b"alice", 1_700_000_000_123);
    g.create_consumer(b"bob", 5);
    g.create_consumer(b"", 6);
    g.deliver(StreamId::new(1002, 0), b"alice", 1_700_000_000_999);
    g.deliver(StreamId::new(1002, 14), b"bob", 77);
    g.deliver(StreamId::new(1003, 0), b"", 78);
    s.groups.insert(Bytes::from_slice(b"workers"), g);
    s.groups.insert(
        Bytes::from_slice(b"late"),
        Group::new(StreamId::MIN, INVALID_READ),
    );
    s
}

#[test]
fn listpacks_weigh_what_the_node_tracks() {
    let s = sample(300, 10);
    for (master, node) in s.log.nodes() {
        assert_eq!(node_listpack(*master, node).len(), node.lp_bytes());
    }
}

#[test]
fn streams_round_trip_through_dump() {
    for (n, per) in [(0u64, 100usize), (1, 100), (40, 100), (300, 10), (500, 0)] {
        for compress in [false, true] {
            let v = Value::Stream(Box::new(sample(n, per)));
            let p = dump::dump(&v, compress);
            assert_eq!(p[0], types::STREAM_LISTPACKS_2);
            let back = dump::restore(&p, &Enc::default(), true).unwrap();
            assert_eq!(stream_of(&back), stream_of(&v), "{n} {per} {compress}");
            assert_eq!(dump::dump(&back, compress), p);
        }
    }
}

#[test]
fn redis_bytes_restore_and_dump_back_identically() {
    let p = hex(REDIS_DUMP);
    let v = dump::restore(&p, &Enc::default(), true).unwrap();
    let s = stream_of(&v);
    assert_eq!(s.log.length, 2);
    assert_eq!(s.log.last_id, StreamId::new(2, 0));
    assert_eq!(s.log.first_id, StreamId::new(1, 1));
    assert_eq!(s.log.max_deleted, StreamId::new(1, 2));
    assert_eq!(s.log.entries_added, 3);
    let g = &s.groups[&b"g"[..]];
    assert_eq!(g.entries_read, INVALID_READ);
    assert_eq!(g.last_id, StreamId::new(1, 1));
    assert_eq!(&g.pel[&StreamId::new(1, 1)].consumer[..], b"alice");
    let mut fields = Vec::new();
    s.log.walk(StreamId::MIN, StreamId::MAX, false, |e| {
        fields.push(e.pairs().count());
        true
    });
    assert_eq!(fields, vec![2, 1]);
    assert_eq!(dump::dump(&v, true), p);
}

#[test]
fn type_15_derives_the_counters() {
    let s = sample(60, 10);
    let mut w = Writer::new(false);
    write(&mut w, &s);
    // Rewrite the v2 body as v1: drop first ID, max deleted, entries added
    // and each group's read counter, by re-encoding from the parts.
    let mut v1 = Writer::new(false);
    v1.len(s.log.node_count() as u64);
    for (master, node) in s.log.nodes() {
        v1.string(&master.key());
        v1.string(&node_listpack(*master, node));
    }
    v1.len(s.log.length);
    v1.len(s.log.last_id.ms);
    v1.len(s.log.last_id.seq);
    v1.len(0);
    let got = read(&mut Reader::new(&v1.out), types::STREAM_LISTPACKS).unwrap();
    let got = stream_of(&got);
    assert_eq!(got.log.entries_added, s.log.length);
    assert_eq!(got.log.max_deleted, StreamId::MIN);
    assert_eq!(Some(got.log.first_id), s.log.edge_id(false));
    assert!(got.groups.is_empty());
    // An empty v1 stream's first ID is the maximum (`streamGetEdgeID`).
    let mut e = Writer::new(false);
    for n in [0, 0, 5, 0, 0] {
        e.len(n);
    }
    let got = read(&mut Reader::new(&e.out), types::STREAM_LISTPACKS).unwrap();
    assert_eq!(stream_of(&got).log.first_id, StreamId::MAX);
}

#[test]
fn corrupt_payloads_are_errors() {
    let v = Value::Stream(Box::new(sample(30, 4)));
    let mut w = Writer::new(false);
    w.value(&v);
    let body = w.out;
    for cut in 0..body.len() {
        assert!(read(&mut Reader::new(&body[..cut]), types::STREAM_LISTPACKS_2).is_err());
    }
    for i in 0..body.len() {
        for x in [0u8, 1, 0x3f, 0x7f, 0x80, 0xc0, 0xff] {
            let mut c = body.clone();
            c[i] ^= x;
            if let Ok(Value::Stream(s)) = read(&mut Reader::new(&c), types::STREAM_LISTPACKS_2) {
                // Whatever decodes is usable: walks and trims do not panic.
                let mut s = *s;
                s.log.walk(StreamId::MIN, StreamId::MAX, true, |_| true);
                s.log.trim(Trim::MaxLen(3), false, 0);
            }
        }
    }
}

#[test]
fn inconsistent_counts_are_refused() {
    let s = sample(20, 100);
    let mut w = Writer::new(false);
    let mut bad = s.clone();
    bad.log.length += 1;
    write(&mut w, &bad);
    assert!(read(&mut Reader::new(&w.out), types::STREAM_LISTPACKS_2).is_err());
    let mut bad = s.clone();
    bad.log.last_id = StreamId::new(1, 0);
    let mut w = Writer::new(false);
    write(&mut w, &bad);
    assert!(read(&mut Reader::new(&w.out), types::STREAM_LISTPACKS_2).is_err());
    // A pending entry no consumer owns.
    let mut bad = s;
    let g = bad.groups.get_mut(&b"workers"[..]).unwrap();
    g.consumers.get_mut(&b"bob"[..]).unwrap().pel.clear();
    let mut w = Writer::new(false);
    write(&mut w, &bad);
    assert!(read(&mut Reader::new(&w.out), types::STREAM_LISTPACKS_2).is_err());
}

//! Unit tests of the stream log: appends, node limits, deletes, trims,
//! read counters and the radix-tree node count.

use super::*;

fn add(log: &mut Log, ms: u64, seq: u64, pairs: &[&[u8]], limits: Limits) -> StreamId {
    log.append(pairs, Some(StreamId::new(ms, seq)), true, 0, limits)
        .unwrap()
}

fn ids(log: &Log, rev: bool) -> Vec<StreamId> {
    let mut out = Vec::new();
    log.walk(StreamId::MIN, StreamId::MAX, rev, |e| {
        out.push(e.id);
        true
    });
    out
}

#[test]
fn append_reads_back_fields_and_ids() {
    let mut log = Log::default();
    let l = Limits::default();
    add(&mut log, 1, 0, &[b"a", b"1", b"b", b"2"], l);
    add(&mut log, 1, 5, &[b"a", b"3", b"b", b"4"], l);
    add(&mut log, 9, 0, &[b"x", b"y"], l);
    let mut seen = Vec::new();
    log.walk(StreamId::MIN, StreamId::MAX, false, |e| {
        let pairs: Vec<(Vec<u8>, Vec<u8>)> =
            e.pairs().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        seen.push((e.id, pairs));
        true
    });
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].0, StreamId::new(1, 5));
    assert_eq!(
        seen[1].1,
        vec![
            (b"a".to_vec(), b"3".to_vec()),
            (b"b".to_vec(), b"4".to_vec())
        ]
    );
    assert_eq!(seen[2].1, vec![(b"x".to_vec(), b"y".to_vec())]);
    assert_eq!(
        ids(&log, true),
        vec![
            StreamId::new(9, 0),
            StreamId::new(1, 5),
            StreamId::new(1, 0)
        ]
    );
    assert_eq!(log.length, 3);
    assert_eq!(log.first_id, StreamId::new(1, 0));
}

#[test]
fn ids_must_grow_and_ms_star_increments() {
    let mut log = Log::default();
    let l = Limits::default();
    add(&mut log, 5, 3, &[b"f", b"v"], l);
    assert_eq!(
        log.append(&[b"f", b"v"], Some(StreamId::new(5, 3)), true, 0, l),
        Err(AppendError::NotGreater)
    );
    let id = log.append(&[b"f", b"v"], Some(StreamId::new(5, 0)), false, 0, l);
    assert_eq!(id, Ok(StreamId::new(5, 4)));
    let id = log.append(&[b"f", b"v"], None, true, 3, l);
    assert_eq!(id, Ok(StreamId::new(5, 5)));
    let id = log.append(&[b"f", b"v"], None, true, 100, l);
    assert_eq!(id, Ok(StreamId::new(100, 0)));
}

#[test]
fn node_limits_cut_nodes() {
    let mut log = Log::default();
    let l = Limits {
        bytes: 0,
        entries: 3,
    };
    for i in 1..=10 {
        add(&mut log, i, 0, &[b"f", b"v"], l);
    }
    assert_eq!(log.node_count(), 4);
    let mut log = Log::default();
    let l = Limits {
        bytes: 100,
        entries: 0,
    };
    for i in 1..=10 {
        add(
            &mut log,
            i,
            0,
            &[b"field", b"a value of 30 bytes, more or less"],
            l,
        );
    }
    assert!(log.node_count() >= 4, "{}", log.node_count());
}

#[test]
fn delete_and_trim() {
    let mut log = Log::default();
    let l = Limits {
        bytes: 0,
        entries: 4,
    };
    for i in 1..=10 {
        add(&mut log, i, 0, &[b"f", b"v"], l);
    }
    assert!(log.delete(StreamId::new(1, 0)));
    assert!(!log.delete(StreamId::new(1, 0)));
    log.deleted(StreamId::new(1, 0));
    log.refresh_first();
    assert_eq!(log.first_id, StreamId::new(2, 0));
    assert_eq!(log.length, 9);
    // Approximate: only whole nodes (the first holds 3 live entries).
    assert_eq!(log.trim(Trim::MaxLen(5), true, 0), 3);
    assert_eq!(log.length, 6);
    assert_eq!(log.trim(Trim::MaxLen(5), false, 0), 1);
    assert_eq!(ids(&log, false)[0], StreamId::new(6, 0));
    assert_eq!(log.trim(Trim::MinId(StreamId::new(9, 0)), false, 0), 3);
    assert_eq!(
        ids(&log, false),
        vec![StreamId::new(9, 0), StreamId::new(10, 0)]
    );
    assert_eq!(log.first_id, StreamId::new(9, 0));
}

#[test]
fn rax_node_count_of_small_trees() {
    let mut log = Log::default();
    assert_eq!(log.rax_nodes(), 1);
    let l = Limits {
        bytes: 0,
        entries: 1,
    };
    add(&mut log, 1, 0, &[b"f", b"v"], l);
    assert_eq!(log.rax_nodes(), 2);
    add(&mut log, 2, 0, &[b"f", b"v"], l);
    // root (compressed), the branch at byte 7, a compressed child each,
    // two leaves (redis-server 7.0.15 reports 6)
    assert_eq!(log.rax_nodes(), 6);
    add(&mut log, 2, 1, &[b"f", b"v"], l);
    add(&mut log, 300, 1, &[b"f", b"v"], l);
    assert_eq!(log.rax_nodes(), 11);
    log.delete(StreamId::new(2, 0));
    assert_eq!(log.rax_nodes(), 9);
}

#[test]
fn id_parsing_follows_redis() {
    use super::id::{parse, parse_u64};
    assert_eq!(
        parse(b"1-2", 0, true, false).map(|p| p.id),
        Some(StreamId::new(1, 2))
    );
    assert_eq!(
        parse(b"7", 9, true, false).map(|p| p.id),
        Some(StreamId::new(7, 9))
    );
    assert_eq!(parse(b"-", 0, true, false), None);
    assert_eq!(
        parse(b"+", 0, false, false).map(|p| p.id),
        Some(StreamId::MAX)
    );
    assert_eq!(
        parse(b"3-*", 0, true, true).map(|p| p.seq_given),
        Some(false)
    );
    assert_eq!(parse(b"3-*", 0, true, false), None);
    assert_eq!(parse(b"-1", 0, true, false), None);
    assert_eq!(parse_u64(b"007"), Some(7));
    assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_u64(b"18446744073709551616"), None);
    assert_eq!(parse_u64(b""), None);
}

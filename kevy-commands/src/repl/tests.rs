//! The replica list: what each replica is owed, and when its shard is told.

use super::*;

fn handle(shard: u32) -> ConnHandle {
    ConnHandle {
        shard,
        idx: 0,
        gen: 0,
    }
}

fn frag(db: u32, argv: &[&[u8]]) -> Fragment {
    let mut f = Fragment::default();
    f.command(db, argv);
    f
}

#[test]
fn a_shard_owes_a_replica_only_what_it_hands_over_after_its_cut() {
    let r = Replicas::default();
    assert!(!r.active());
    assert_eq!(r.add(7, handle(1), "127.0.0.1".into(), 2), Some(0));
    assert_eq!(
        r.add(7, handle(1), "127.0.0.1".into(), 2),
        None,
        "attached once"
    );
    assert!(r.active() && r.is(7) && !r.is(8));
    let mut told = Vec::new();
    // Shard 0 has not cut yet: in the snapshot, not the stream.
    r.feed(0, &frag(0, &[b"SET", b"a", b"1"]), |s| told.push(s));
    assert!(told.is_empty());
    assert_eq!(r.drain(1), []);
    r.start(7, 0);
    r.feed(0, &frag(0, &[b"SET", b"b", b"2"]), |s| told.push(s));
    r.feed(0, &frag(3, &[b"DEL", b"c"]), |s| told.push(s));
    assert_eq!(told, [1], "told once until it drains");
    let drained = r.drain(1);
    assert_eq!(drained.len(), 1);
    assert_eq!(drained[0].0, handle(1));
    assert_eq!(
        drained[0].1,
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n\
          *2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n"
            .to_vec()
    );
    // The stream counts the command the snapshot holds too (the primary's
    // own copy has it; this replica's offset is aligned once every shard
    // has cut).
    let set_a = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n".len() as u64;
    assert_eq!(r.offset(), drained[0].1.len() as u64 + set_a);
    // Database 3 stays selected across hand-overs.
    r.feed(0, &frag(3, &[b"DEL", b"d"]), |s| told.push(s));
    assert_eq!(told, [1, 1]);
    assert_eq!(r.drain(1)[0].1, b"*2\r\n$3\r\nDEL\r\n$1\r\nd\r\n".to_vec());
    assert_eq!(r.drain(0), [], "nothing lives on shard 0");
}

#[test]
fn pings_go_to_replicas_whose_every_shard_has_cut() {
    let r = Replicas::default();
    r.add(1, handle(0), "127.0.0.1".into(), 2);
    r.add(2, handle(1), "127.0.0.1".into(), 2);
    for s in 0..2 {
        r.start(1, s);
    }
    r.start(2, 0);
    let mut told = Vec::new();
    r.command(&[b"PING"], |s| told.push(s));
    assert_eq!(told, [0]);
    assert_eq!(r.drain(0)[0].1, b"*1\r\n$4\r\nPING\r\n".to_vec());
    assert_eq!(r.drain(1), []);
    let shown = r.shown();
    assert_eq!(shown.len(), 2);
    assert!(shown[0].online && !shown[1].online);
    r.note_port(2, 6380);
    r.note_ack(2, 42, |_| {});
    assert_eq!((r.shown()[1].port, r.shown()[1].acked), (6380, 42));
    r.remove(1);
    r.remove(2);
    assert!(!r.active());
    assert_eq!(r.shown(), []);
}

#[test]
fn a_port_given_before_psync_is_kept_for_the_replica() {
    let r = Replicas::default();
    r.note_port(5, 7001);
    r.note_port(6, 7002);
    r.add(5, handle(0), "10.0.0.1".into(), 1);
    assert_eq!(r.shown()[0].port, 7001);
    assert_eq!(r.shown()[0].ip, "10.0.0.1");
    // A client that never attached leaves nothing behind once closed.
    r.remove(6);
    r.add(6, handle(0), "10.0.0.1".into(), 1);
    assert_eq!(r.shown()[1].port, 0);
}

#[test]
fn pings_are_due_once_per_period_while_replicas_are_attached() {
    let r = Replicas::default();
    // A replica attached before the first tick is not pinged at once.
    r.add(1, handle(0), "127.0.0.1".into(), 1);
    assert!(
        !r.ping_due(9_000, 1_000),
        "the period starts at the first look"
    );
    r.remove(1);
    assert!(!r.ping_due(10_000, 1_000), "nobody to ping");
    r.add(1, handle(0), "127.0.0.1".into(), 1);
    assert!(!r.ping_due(10_500, 1_000));
    assert!(r.ping_due(11_000, 1_000));
    assert!(!r.ping_due(11_999, 1_000));
    assert!(r.ping_due(12_000, 1_000));
}

#[test]
fn a_wait_ends_when_enough_replicas_acknowledged_what_they_were_owed() {
    let r = Replicas::default();
    for id in [1, 2] {
        assert_eq!(r.add(id, handle(0), "127.0.0.1".into(), 1), Some(0));
        r.start(id, 0);
    }
    assert_eq!(r.acked_now(), 2, "nothing owed yet");
    assert!(!r.wait(9, Some(handle(1)), 2), "answered at once");
    r.feed(0, &frag(0, &[b"SET", b"k", b"v"]), |_| {});
    let owed = r.drain(0)[0].1.len() as u64;
    assert_eq!(r.acked_now(), 0);
    assert!(r.wait(9, Some(handle(1)), 2));
    assert!(r.take_want_ack() && !r.take_want_ack(), "asked once");
    // Writes after the WAIT are not waited for.
    r.feed(0, &frag(0, &[b"SET", b"later", b"v"]), |_| {});
    let mut ended = Vec::new();
    r.note_ack(1, owed, |c| ended.push(c));
    assert!(ended.is_empty(), "one of two");
    r.note_ack(2, owed - 1, |c| ended.push(c));
    assert!(ended.is_empty(), "short of its offset");
    r.note_ack(2, owed, |c| ended.push(c));
    assert_eq!(ended, [handle(1)]);
    r.note_ack(2, owed + 1, |c| ended.push(c));
    assert_eq!(ended.len(), 1, "told once");
    assert_eq!(r.finish_wait(9), 2);
    assert_eq!(r.finish_wait(9), 0, "gone");
    // A timed-out wait counts whoever acknowledged.
    assert!(r.wait(10, Some(handle(1)), 2));
    let now = r.offset();
    r.note_ack(1, now, |_| {});
    assert_eq!(r.finish_wait(10), 1);
    // Pings and GETACKs after the writes are not waited for.
    let written = r.offset();
    r.command(&[b"PING"], |_| {});
    r.note_ack(1, written, |_| {});
    r.note_ack(2, written, |_| {});
    assert_eq!(r.acked_now(), 2);
}

/// What waits for a replica's shard is counted as replication buffer
/// memory (`maxmemory` leaves it out) until that shard took it and its
/// push was delivered (`release`), or the replica goes.
#[test]
fn a_replicas_waiting_stream_counts_as_buffered_until_released() {
    let r = Replicas::default();
    r.add(1, handle(1), "127.0.0.1".into(), 1);
    r.add(2, handle(0), "127.0.0.1".into(), 1);
    r.start(1, 0);
    r.start(2, 0);
    assert_eq!(r.buffered(), 0);
    let value = vec![b'v'; 4096];
    r.feed(0, &frag(0, &[b"SET", b"k", &value]), |_| {});
    let both = r.buffered();
    assert!(both >= 2 * 4096, "both streams held: {both}");
    let taken = r.drain(1);
    assert_eq!(taken.len(), 1);
    assert_eq!(r.buffered(), both, "counted while its push is on its way");
    r.release(taken[0].1.capacity() as u64);
    r.remove(2);
    assert_eq!(r.buffered(), 0, "replica 2's dropped with it");
    r.command(&[b"PING"], |_| {});
    assert!(r.buffered() > 0, "a ping waits too");
    let taken = r.drain(1);
    r.release(taken[0].1.capacity() as u64);
    assert_eq!(r.buffered(), 0);
}

#[test]
fn a_synced_replica_follows_the_stream_and_may_continue_from_the_backlog() {
    let r = Replicas::default();
    r.keep_backlog(1 << 10);
    r.add(1, handle(0), "127.0.0.1".into(), 2);
    // Shard 1 logs before its cut (in the snapshot), shard 0 after its own.
    r.start(1, 0);
    r.feed(0, &frag(0, &[b"SET", b"a", b"1"]), |_| {});
    r.feed(1, &frag(2, &[b"SET", b"b", b"2"]), |_| {});
    r.start(1, 1);
    let end = r.offset();
    let sent = r.drain(0)[0].1.clone();
    // Its FULLRESYNC offset plus what it was sent is the stream's end: the
    // stream was in database 2, so it was sent a SELECT 2 at the end.
    assert!(sent.ends_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"));
    assert_eq!(r.synced_offset(1), Some(end - sent.len() as u64));
    // From here on it gets the stream's bytes, which the backlog holds.
    r.feed(1, &frag(2, &[b"DEL", b"b"]), |_| {});
    let more = r.drain(0)[0].1.clone();
    assert_eq!(more, b"*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n".to_vec());
    // Gone and back: it continues from where it was.
    r.remove(1);
    let from = end + 1;
    assert_eq!(
        r.try_continue(2, handle(1), "127.0.0.1".into(), 2, from),
        Some(more.clone())
    );
    assert_eq!(r.synced_offset(2), Some(r.offset()));
    // Beyond the stream's end, or before the backlog: a full sync.
    assert_eq!(
        r.try_continue(3, handle(1), "x".into(), 2, r.offset() + 2),
        None
    );
    assert_eq!(r.sync_counts(), [1, 1, 1]);
    let (size, first, held) = r.backlog_info().unwrap();
    assert_eq!((size, first, held as u64), (1 << 10, 1, r.offset()));
}

#[test]
fn a_promoted_replica_keeps_a_backlog_only_when_every_shard_logs() {
    let r = Replicas::default();
    r.note_propagating(0, true);
    r.promote(500, 1 << 10, 2);
    assert_eq!(r.offset(), 500);
    assert!(r.backlog_info().is_none() && !r.feeding());
    r.note_propagating(1, true);
    r.promote(600, 1 << 10, 2);
    assert_eq!(r.backlog_info(), Some((1 << 10, 601, 0)));
    assert!(r.feeding());
    // Its stream starts with a SELECT whatever it selected before.
    r.feed(0, &frag(0, &[b"SET", b"a", b"1"]), |_| {});
    assert_eq!(
        r.try_continue(7, handle(0), "127.0.0.1".into(), 2, 601),
        Some(
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n".to_vec()
        )
    );
    // With no replica for the TTL, the backlog goes.
    r.remove(7);
    assert!(!r.expire_backlog(1_000, 10), "the wait starts");
    assert!(!r.expire_backlog(5_000, 10));
    assert!(r.expire_backlog(11_000, 10));
    assert!(r.backlog_info().is_none() && !r.feeding());
}

//! Unit tests of `park`.
use super::*;

#[test]
fn signals_only_waited_keys_once() {
    let r = ReadyKeys::new();
    r.signal(b"a");
    assert!(!r.pending());
    r.waits
        .borrow_mut()
        .waiting
        .insert(b"a".to_vec(), VecDeque::from([(1, 0)]));
    assert!(r.any_waiting());
    r.signal(b"b");
    assert!(!r.pending());
    r.signal(b"a");
    r.signal(b"a");
    assert!(r.pending());
    let mut w = r.waits.borrow_mut();
    assert_eq!(w.next(), Some((0, b"a".to_vec())));
    assert_eq!(w.next(), None);
    w.mark(0, b"a");
    assert_eq!(w.next(), Some((0, b"a".to_vec())));
}

#[test]
fn signals_wake_only_their_keyspace() {
    let r = ReadyKeys::new();
    // Call 1 waits on `k` in keyspace 0, call 2 on `k` in keyspace 3.
    r.waits
        .borrow_mut()
        .waiting
        .insert(b"k".to_vec(), VecDeque::from([(1, 0), (2, 3)]));
    r.signal_in(1, b"k");
    assert!(!r.pending(), "nobody waits on k in keyspace 1");
    r.signal_in(3, b"k");
    r.signal_in(3, b"k");
    r.signal(b"k");
    let mut w = r.waits.borrow_mut();
    assert_eq!(w.next(), Some((3, b"k".to_vec())));
    assert_eq!(w.next(), Some((0, b"k".to_vec())));
    assert_eq!(w.next(), None);
    drop(w);
    r.signal_all();
    let mut w = r.waits.borrow_mut();
    let mut all = vec![w.next(), w.next(), w.next()];
    all.sort();
    assert_eq!(
        all,
        [None, Some((0, b"k".to_vec())), Some((3, b"k".to_vec()))]
    );
}

#[test]
fn a_claim_is_taken_once() {
    let c = Claim::default();
    assert_eq!(c.state(), claim::ARMING);
    assert!(c.take(claim::ARMING, claim::OPEN));
    let other = c.clone();
    assert!(other.take(claim::OPEN, claim::SERVED | claim::OPENED));
    assert!(!c.end(claim::GONE));
    assert!(c.was_open());
    let e = Claim::default();
    assert!(e.take(claim::ARMING, claim::OPEN));
    assert!(e.end(claim::GONE));
    assert!(e.was_open());
    let d = Claim::default();
    assert!(d.end(claim::GONE));
    assert!(!d.was_open());
    assert!(!d.take(claim::ARMING, claim::SERVED));
}

#[test]
fn waiters_queue_by_arrival_not_by_arming() {
    let t0 = std::time::Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let since = |id: u64| Some(at(id * 10));
    let mut fifo = VecDeque::new();
    // Call 3 armed first (on the key's own shard), then 1 and 2 whose
    // arming crossed shards, then 4; 5 came with 3 (same instant: after).
    enqueue(&mut fifo, (3, 0), at(30), since);
    enqueue(&mut fifo, (1, 0), at(10), since);
    enqueue(&mut fifo, (2, 0), at(20), since);
    enqueue(&mut fifo, (4, 0), at(40), since);
    enqueue(&mut fifo, (5, 0), at(30), |id| {
        (id != 5).then(|| at(id * 10))
    });
    let order: Vec<u64> = fifo.iter().map(|&(id, _)| id).collect();
    assert_eq!(order, [1, 2, 3, 5, 4]);
    // A waiter whose entry is gone counts as older.
    let mut fifo = VecDeque::from([(9, 0)]);
    enqueue(&mut fifo, (1, 0), at(10), |id| (id != 9).then(|| at(0)));
    assert_eq!(fifo, VecDeque::from([(9, 0), (1, 0)]));
}

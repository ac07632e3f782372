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

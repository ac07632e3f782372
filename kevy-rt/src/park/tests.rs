use super::*;

#[test]
fn signals_only_waited_keys_once() {
    let r = ReadyKeys::new();
    r.signal(b"a");
    assert!(!r.pending());
    r.waits
        .borrow_mut()
        .waiting
        .insert(b"a".to_vec(), VecDeque::from([1]));
    assert!(r.any_waiting());
    r.signal(b"b");
    assert!(!r.pending());
    r.signal(b"a");
    r.signal(b"a");
    assert!(r.pending());
    let mut w = r.waits.borrow_mut();
    assert_eq!(w.next(), Some(b"a".to_vec()));
    assert_eq!(w.next(), None);
    w.mark(b"a");
    assert_eq!(w.next(), Some(b"a".to_vec()));
}

#[test]
fn a_claim_is_taken_once() {
    let c = Claim::default();
    assert_eq!(c.state(), claim::ARMING);
    assert!(c.take(claim::ARMING, claim::OPEN));
    let other = c.clone();
    assert!(other.take(claim::OPEN, claim::SERVED));
    assert!(!c.end(claim::GONE));
    assert_eq!(c.state(), claim::SERVED);
    let d = Claim::default();
    assert!(d.end(claim::GONE));
    assert!(!d.take(claim::ARMING, claim::SERVED));
}

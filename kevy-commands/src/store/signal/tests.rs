//! The notification classes' text forms and the watch table.

use super::*;

#[test]
fn class_text_round_trips_as_redis() {
    assert_eq!(
        flags_of("KEA"),
        Some(class::KEYSPACE | class::KEYEVENT | class::ALL)
    );
    assert_eq!(flags_of("Q"), None);
    assert_eq!(flags_of(""), Some(0));
    // `A` hides `n`, `K`/`E`/`m` come last.
    assert_eq!(flags_text(flags_of("nAKE").unwrap_or(0)), "AKE");
    assert_eq!(flags_text(flags_of("Ex$g").unwrap_or(0)), "g$xE");
    assert_eq!(flags_text(flags_of("mnK").unwrap_or(0)), "nKm");
    assert_eq!(flags_text(flags_of("g$lshzxetd").unwrap_or(0)), "A");
}

#[test]
fn watches_break_and_clear() {
    let w1 = Watcher {
        client: 1,
        home: 0,
        gen: 1,
        expired: false,
    };
    let w2 = Watcher {
        client: 2,
        home: 1,
        gen: 1,
        expired: true,
    };
    let mut w = Watches::default();
    w.watch(w1, 0, b"k");
    w.watch(w1, 0, b"k");
    w.watch(w2, 0, b"k");
    assert_eq!(
        w.keys.get(&(0, Box::from(&b"k"[..]))).map(Vec::len),
        Some(2)
    );
    // The key expired away: client 2 saw it expired, so no change for it.
    w.touch(0, b"k", false);
    assert_eq!(w.take_broken(), vec![w1]);
    // Client 1's watches are gone; written again, client 2 breaks now.
    w.touch(0, b"k", true);
    let b = w.take_broken();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].client, 2);
    assert!(w.keys.is_empty() && w.clients.is_empty());
    w.touch(1, b"other", true);
    assert!(w.broken.is_empty());
}

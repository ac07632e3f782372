//! The backlog's ring and the primary's copy of the stream.

use super::*;

#[test]
fn the_ring_keeps_the_last_bytes() {
    let mut b = Backlog::new(8);
    assert!(b.is_empty());
    b.append(b"abc");
    assert_eq!(b.since(0), b"abc");
    assert_eq!(b.since(1), b"bc");
    b.append(b"defgh");
    assert_eq!((b.len(), b.since(0)), (8, b"abcdefgh".to_vec()));
    b.append(b"ij");
    assert_eq!(b.since(0), b"cdefghij");
    assert_eq!(b.since(5), b"hij");
    assert_eq!(b.since(8), b"");
    b.append(b"0123456789");
    assert_eq!(b.since(0), b"23456789");
    assert_eq!(b.size(), 8);
}

#[test]
fn the_stream_selects_a_database_when_it_changes() {
    let mut c = Canon {
        backlog: Some(Backlog::new(1024)),
        ..Canon::default()
    };
    let set = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
    let select0 = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
    assert_eq!(c.feed(0, 0, set), select0.len() + set.len());
    assert_eq!(c.feed(0, 2, set), set.len(), "still in 0: no SELECT");
    assert_eq!(c.command(b"*1\r\n$4\r\nPING\r\n"), 14);
    let held = c.backlog.as_ref().unwrap().since(0);
    assert!(held.starts_with(select0));
    assert_eq!(held.len(), select0.len() + 2 * set.len() + 14);
    c.db = None;
    assert_eq!(c.feed(2, 2, set), select0.len() + set.len());
}

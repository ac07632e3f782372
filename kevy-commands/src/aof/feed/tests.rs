//! The feed's fragments: SELECTs only between databases, capture aside.

use super::*;

#[test]
fn selects_only_between_databases() {
    let mut f = Fragment::default();
    assert!(f.is_empty());
    f.command(3, &["SET", "a", "1"]);
    f.command(3, &["DEL", "b"]);
    f.command(0, &["DEL", "c"]);
    assert_eq!(f.first_db, 3);
    assert_eq!(f.last_db, Some(0));
    assert_eq!(
        f.bytes,
        b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n\
*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$1\r\nc\r\n"
    );
    let mut g = Fragment::default();
    g.command(0, &["DEL", "x"]);
    g.append(&f);
    // f starts in db 3: a SELECT joins them; it ends in 0.
    assert!(g.bytes.windows(8).any(|w| w == b"SELECT\r\n"));
    assert_eq!((g.first_db, g.last_db), (0, Some(0)));
    g.clear();
    assert!(g.is_empty());
}

#[test]
fn capture_takes_commands_aside() {
    let mut feed = Feed::default();
    feed.out().command(0, &["INCR", "a"]);
    feed.start_capture();
    feed.out().command(1, &["INCR", "b"]);
    let c = feed.end_capture();
    assert_eq!(c.first_db, 1);
    assert_eq!(feed.main.last_db, Some(0));
    assert!(!feed.main.bytes.windows(1).any(|w| w == b"b"));
}

#[test]
fn clearing_keeps_a_small_buffer_and_frees_a_big_one() {
    let mut f = Fragment::default();
    f.command(0, &["SET", "a", "1"]);
    let small = f.bytes.capacity();
    f.clear();
    assert_eq!(f.bytes.capacity(), small, "an ordinary buffer is kept");
    let big = vec![b'x'; KEEP + 1];
    f.command(0, &[&b"SET"[..], b"big", &big]);
    assert!(f.bytes.capacity() > KEEP);
    f.clear();
    assert!(f.is_empty());
    assert_eq!(f.bytes.capacity(), 0, "a big value's command is not kept");
}

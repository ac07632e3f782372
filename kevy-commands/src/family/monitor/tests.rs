//! TIME, LASTSAVE, MONITOR and the monitor line.

use kevy_rt::testing::Harness;
use kevy_rt::{Commands, Flow, OwnedArgs};

use crate::testutil::{harness, inline, items, run};

#[test]
fn time_and_lastsave() {
    let mut h = harness();
    let t = items(&run(&mut h, &["TIME"]));
    let secs: i64 = t[0].parse().unwrap();
    let usec: i64 = t[1].parse().unwrap();
    let now = crate::accounting::unix_secs();
    assert!((now - secs).abs() <= 1 && (0..1_000_000).contains(&usec));
    let last = String::from_utf8_lossy(&run(&mut h, &["LASTSAVE"])).into_owned();
    let last: i64 = last[1..].trim_end().parse().unwrap();
    assert!(last <= now && now - last < 60);
}

#[test]
fn credentials_are_redacted_as_redis_redacts_them() {
    let h = harness();
    let redis = h.commands();
    let hidden = |words: &[&str]| {
        let args: OwnedArgs = words.iter().copied().collect();
        let cmd = redis.resolve(args.args()).cmd;
        super::redactions(cmd, args.args())
    };
    assert_eq!(hidden(&["AUTH", "pw"]), [1]);
    assert_eq!(hidden(&["auth", "user", "pw"]), [1, 2]);
    assert!(hidden(&["AUTH", "a", "b", "c"]).is_empty());
    assert_eq!(
        hidden(&["ACL", "SETUSER", "u v", "+get", "+set"]),
        [2, 3, 4]
    );
    assert_eq!(
        hidden(&[
            "CONFIG",
            "SET",
            "maxmemory",
            "1",
            "MASTERAUTH",
            "x",
            "requirepass",
            "y"
        ]),
        [5, 7]
    );
    assert!(hidden(&["CONFIG", "SET", "masterauth"]).is_empty());
    let migrate = |tail: &[&str]| {
        let mut w = vec!["MIGRATE", "h", "1", "key", "9", "5000"];
        w.extend_from_slice(tail);
        let args: OwnedArgs = w.iter().copied().collect();
        super::migrate_redactions(args.args())
    };
    assert!(migrate(&[]).is_empty());
    assert_eq!(migrate(&["COPY", "AUTH", "p"]), [8]);
    assert_eq!(migrate(&["AUTH2", "u", "p", "REPLACE"]), [7, 8]);
    assert!(migrate(&["AUTH2", "u"]).is_empty());
    assert!(migrate(&["BOGUS", "AUTH", "p"]).is_empty());
    assert!(hidden(&["GET", "k"]).is_empty());
}

#[test]
fn monitor_turns_the_connection_into_a_monitor() {
    let mut h = inline();
    assert_eq!(
        h.run_flow(&["MONITOR"]),
        (b"+OK\r\n".to_vec(), Flow::Monitor)
    );
    assert!(h.session().monitor);
}

#[test]
fn monitor_lines_are_formatted_like_redis() {
    let h = harness();
    let redis = h.commands();
    let now = std::time::Instant::now();
    let facts = kevy_rt::ClientFacts {
        id: 7,
        shard: 0,
        peer: Some("127.0.0.1:54321".parse().unwrap()),
        local: None,
        unix: false,
        fd: 3,
        created: now,
        last_active: now,
        query_buf: 0,
        query_buf_free: 0,
        out_unsent: 0,
        out_capacity: 0,
        reply_buf_size: 16 * 1024,
        reply_buf_peak: 0,
        replies_pending: 0,
        closing: false,
        blocked: false,
    };
    let session = crate::Session::new(&facts);
    let line = |words: &[&[u8]]| {
        let args: OwnedArgs = words.iter().collect();
        let cmd = redis.resolve(args.args()).cmd;
        let mut out = Vec::new();
        redis.monitor_line(&session, &facts, cmd, args.args(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let set = line(&[b"SET", b"k\"", b"a\x01\n\\\xff "]);
    let (stamp, rest) = set.split_once(' ').unwrap();
    assert!(
        stamp.starts_with('+') && stamp.len() == 18 && stamp.as_bytes()[11] == b'.',
        "{set}"
    );
    assert_eq!(
        rest,
        "[0 127.0.0.1:54321] \"SET\" \"k\\\"\" \"a\\x01\\n\\\\\\xff \"\r\n"
    );
    assert!(line(&[b"SELECT", b"3"]).ends_with("[3 127.0.0.1:54321] \"SELECT\" \"3\"\r\n"));
    assert!(line(&[b"SELECT", b"99"]).contains("[0 "));
    assert!(
        line(&[b"hello", b"3", b"auth", b"default", b"pw", b"setname", b"n"]).ends_with(
            "\"hello\" \"3\" \"auth\" \"(redacted)\" \"(redacted)\" \"setname\" \"n\"\r\n"
        )
    );
    // Administrative commands and refused requests are not shown.
    assert_eq!(line(&[b"CONFIG", b"GET", b"x"]), "");
    assert_eq!(line(&[b"GET"]), "");
    assert_eq!(line(&[b"NOSUCH"]), "");
}

#[test]
fn shutdown_stops_the_runtime_or_answers_like_redis() {
    let mut h = inline();
    // Replies recorded from redis-server 7.0.15 (save "", no AOF).
    assert_eq!(run(&mut h, &["CONFIG", "SET", "save", ""]), b"+OK\r\n");
    assert_eq!(
        run(&mut h, &["SHUTDOWN", "ABORT"]),
        b"-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(
        run(&mut h, &["SHUTDOWN", "NOSAVE", "SAVE"]),
        b"-ERR syntax error\r\n"
    );
    assert_eq!(run(&mut h, &["SHUTDOWN", "foo"]), b"-ERR syntax error\r\n");
    assert_eq!(
        run(&mut h, &["SHUTDOWN", "ABORT", "NOW"]),
        b"-ERR syntax error\r\n"
    );
    // A save is asked for (the embedder writes it once the shards stop).
    assert_eq!(
        h.run_flow(&["SHUTDOWN", "SAVE"]),
        (Vec::new(), Flow::Shutdown)
    );
    let asked = |h: &Harness<crate::Redis>| {
        let p = &h.commands().shared().persist;
        p.save_on_stop.load(std::sync::atomic::Ordering::Relaxed)
    };
    assert!(asked(&h));
    assert_eq!(h.run_flow(&["SHUTDOWN"]), (Vec::new(), Flow::Shutdown));
    assert!(!asked(&h));
    assert_eq!(
        h.run_flow(&["shutdown", "nosave", "now", "force"]),
        (Vec::new(), Flow::Shutdown)
    );
    // With save rules (Redis's built-in ones), a plain SHUTDOWN saves.
    assert_eq!(
        run(
            &mut h,
            &["CONFIG", "SET", "save", "3600 1 300 100 60 10000"]
        ),
        b"+OK\r\n"
    );
    assert_eq!(h.run_flow(&["SHUTDOWN"]), (Vec::new(), Flow::Shutdown));
    assert!(asked(&h));
}

//! A failover's course on the primary: writes held, the wait for a
//! replica's acknowledgement, the `PSYNC … FAILOVER` to it, and the end.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

use kevy_rt::{ConnHandle, Settings};

use super::*;
use crate::aof::feed::Fragment;

fn attached(shared: &Shared, id: u64, port: u16) {
    let conn = ConnHandle {
        shard: 0,
        idx: 0,
        gen: 0,
    };
    shared.replicas.add(id, conn, "127.0.0.1".into(), 1);
    shared.replicas.start(id, 0);
    shared.replicas.note_port(id, port);
}

/// Reads one RESP command of `r`, as words.
fn command(r: &mut impl BufRead) -> Vec<String> {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let n: usize = line.trim()[1..].parse().unwrap();
    (0..n)
        .map(|_| {
            line.clear();
            r.read_line(&mut line).unwrap();
            line.clear();
            r.read_line(&mut line).unwrap();
            line.trim().to_string()
        })
        .collect()
}

#[test]
fn a_failover_waits_for_the_ack_then_follows_the_replica() {
    let shared = Arc::new(Shared::new());
    let settings = Settings::default();
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    attached(&shared, 9, port);
    let mut f = Fragment::default();
    f.command(0, &[&b"SET"[..], b"k", b"v"]);
    shared.replicas.feed(0, &f, |_| {});
    let offset = shared.replicas.offset();
    assert!(offset > 0);

    shared.failover.begin(Request::default(), 1_000);
    assert_eq!(shared.failover.phase(), Phase::WaitForSync);
    tick(&shared, Some(&settings), 1_001);
    assert_eq!(settings.paused(), Some(true), "writes held");
    assert_eq!(
        shared.failover.phase(),
        Phase::WaitForSync,
        "not acknowledged"
    );
    shared.replicas.note_ack(9, offset, |_| {});
    tick(&shared, Some(&settings), 1_002);
    assert_eq!(shared.failover.phase(), Phase::InProgress);
    assert_eq!(shared.failover.target(), Some(("127.0.0.1".into(), port)));

    // The target's side of the handshake. (The link then checks that its
    // own server serves before it sends `PSYNC … FAILOVER`; there is none
    // here: kevy-server's `failover.rs` covers the rest of the exchange.)
    let (sock, _) = target.accept().unwrap();
    let mut r = BufReader::new(sock.try_clone().unwrap());
    let mut w = sock;
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(command(&mut r).join(" "));
        w.write_all(b"+OK\r\n").unwrap();
    }
    assert_eq!(seen[0], "PING");
    assert!(seen[1].starts_with("REPLCONF listening-port "), "{seen:?}");
    assert_eq!(seen[2], "REPLCONF capa eof capa psync2");
    assert!(shared.failover.abort(&shared, "test"));
    assert_eq!(shared.failover.phase(), Phase::None);
    assert!(!shared.upstream.active(), "a primary again");
    tick(&shared, Some(&settings), 1_003);
    assert_eq!(settings.paused(), None, "writes go on");
}

#[test]
fn a_timeout_without_force_aborts_and_with_it_fails_over() {
    let shared = Arc::new(Shared::new());
    let settings = Settings::default();
    attached(&shared, 3, 1);
    let mut f = Fragment::default();
    f.command(0, &[&b"SET"[..], b"k", b"v"]);
    shared.replicas.feed(0, &f, |_| {});
    let req = Request {
        timeout_ms: 100,
        ..Request::default()
    };
    shared.failover.begin(req, 1_000);
    tick(&shared, Some(&settings), 1_050);
    assert_eq!(shared.failover.phase(), Phase::WaitForSync);
    tick(&shared, Some(&settings), 1_100);
    assert_eq!(shared.failover.phase(), Phase::None);
    tick(&shared, Some(&settings), 1_101);
    assert_eq!(settings.paused(), None);

    // With FORCE: the named replica, caught up or not.
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let req = Request {
        target: Some(("127.0.0.1".into(), port)),
        timeout_ms: 100,
        force: true,
    };
    shared.failover.begin(req, 2_000);
    tick(&shared, Some(&settings), 2_100);
    assert_eq!(shared.failover.phase(), Phase::InProgress);
    assert!(shared.upstream.active());
    assert!(shared.failover.abort(&shared, "test"));
    assert_eq!(shared.failover.phase(), Phase::None);
    assert!(!shared.upstream.active());
    assert!(!shared.failover.abort(&shared, "again"), "none in progress");
}

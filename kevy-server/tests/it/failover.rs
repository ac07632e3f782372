//! `FAILOVER`: a primary hands its role to a replica and follows it —
//! kevy to kevy, kevy to redis-server and redis-server to kevy — and,
//! against a replica that never catches up, holds writes until `ABORT`,
//! gives up at its `TIMEOUT`, or with `FORCE` asks the replica anyway and
//! is a primary again when refused.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;

use crate::replication::{info, kevy_in, scratch, wait_for, wait_link_up};
use crate::util::{info_num, Raw, RedisServer};

/// A kevy (DEBUG on, saving into a scratch directory) and a redis-server
/// in a scratch directory of its own (an in-process kevy's `dir` moves
/// the test process's working directory, which another test may remove),
/// sending its snapshots at once; the directories, for [`remove_dirs`].
pub(crate) fn kevy_and_redis(name: &str) -> (kevy_rt::Server, RedisServer, [PathBuf; 2]) {
    let dirs = [
        scratch(&format!("{name}-kevy")),
        scratch(&format!("{name}-redis")),
    ];
    let kevy = kevy_in(&dirs[0]);
    let redis = RedisServer::start_with(&[
        "--dir",
        dirs[1].to_str().expect("utf-8 path"),
        "--repl-diskless-sync-delay",
        "0",
    ]);
    (kevy, redis, dirs)
}

/// Two kevys (DEBUG on), each saving into a scratch directory; the
/// directories, for [`remove_dirs`].
pub(crate) fn two_kevys(name: &str) -> (kevy_rt::Server, kevy_rt::Server, [PathBuf; 2]) {
    let dirs = [scratch(&format!("{name}-a")), scratch(&format!("{name}-b"))];
    (kevy_in(&dirs[0]), kevy_in(&dirs[1]), dirs)
}

/// Removes scratch directories.
pub(crate) fn remove_dirs(dirs: &[PathBuf]) {
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// `field` of `INFO replication` on `c`.
fn repl(c: &mut Raw, field: &str) -> String {
    info(c, "replication", field).unwrap_or_default()
}

/// Waits until `c` reports `role` with no failover in progress.
#[track_caller]
fn wait_role(c: &mut Raw, role: &str) {
    wait_for(role, || {
        repl(c, "role") == role && repl(c, "master_failover_state") == "no-failover"
    });
}

/// Writes a few keys on the primary `p` and waits for the replica to
/// acknowledge them.
#[track_caller]
fn write_and_wait(p: &mut Raw, prefix: &str) {
    for i in 0..20 {
        let (k, v) = (format!("{prefix}:{i}"), format!("v{i}"));
        assert_eq!(p.call(&["SET", &k, &v]), b"+OK\r\n");
    }
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
}

/// The failover between primary `p` (at `paddr`) and its replica `r`:
/// roles swap, the data stays, the new primary's writes reach the old
/// one, which refuses clients' writes.
#[track_caller]
fn fail_over(p: &mut Raw, r: &mut Raw) {
    write_and_wait(p, "before");
    assert_eq!(p.call(&["FAILOVER"]), b"+OK\r\n");
    wait_role(r, "master");
    wait_role(p, "slave");
    wait_link_up(p);
    write_and_wait(r, "after");
    assert_eq!(p.call(&["GET", "before:3"]), b"$2\r\nv3\r\n");
    assert_eq!(p.call(&["GET", "after:7"]), b"$2\r\nv7\r\n");
    assert_eq!(
        p.call(&["SET", "x", "1"]),
        b"-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(p.call(&["DBSIZE"]), r.call(&["DBSIZE"]));
}

/// `replica` (talked to by `r`) follows `primary`.
#[track_caller]
fn follow(r: &mut Raw, primary: SocketAddr) {
    let port = primary.port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(r);
}

#[test]
fn kevy_fails_over_to_a_kevy_replica() {
    let (a, b, dirs) = two_kevys("failover");
    let (mut p, mut r) = (Raw::connect(a.addr()), Raw::connect(b.addr()));
    follow(&mut r, a.addr());
    fail_over(&mut p, &mut r);
    // The old primary's replica entry went with the link: only the old
    // primary follows the new one.
    wait_for("one replica", || repl(&mut r, "connected_slaves") == "1");
    assert_eq!(repl(&mut p, "master_port"), b.addr().port().to_string());
    a.stop();
    b.stop();
    remove_dirs(&dirs);
}

#[test]
fn kevy_and_redis_fail_over_to_each_other() {
    let (kevy, redis, dirs) = kevy_and_redis("failover-mixed");
    let (mut k, mut r) = (Raw::connect(kevy.addr()), Raw::connect(redis.addr()));
    // kevy primary, redis-server replica: the replica takes over with a
    // partial resynchronization (kevy's link continues its stream).
    follow(&mut r, kevy.addr());
    fail_over(&mut k, &mut r);
    // Back: redis-server primary, kevy replica (a full resynchronization).
    fail_over(&mut r, &mut k);
    assert_eq!(repl(&mut k, "role"), "master");
    kevy.stop();
    drop(redis);
    remove_dirs(&dirs);
}

/// A replica of `primary` that reads its snapshot and never acknowledges
/// anything, announcing `port`.
fn silent_replica(primary: SocketAddr, port: u16) -> Raw {
    let mut s = Raw::connect(primary);
    let port = port.to_string();
    assert_eq!(s.call(&["REPLCONF", "listening-port", &port]), b"+OK\r\n");
    s.send(b"PSYNC ? -1\r\n");
    wait_for("the replica online", || {
        let mut c = Raw::connect(primary);
        repl(&mut c, "slave0").contains("state=online")
    });
    s
}

/// The target's side of the handshake on `sock`: what the failing-over
/// primary sends, each answered `+OK`, up to its `PSYNC`, refused.
fn refuse_psync(sock: TcpStream) -> Vec<String> {
    let mut r = BufReader::new(sock.try_clone().expect("clone"));
    let mut w = sock;
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).expect("a command");
        let n: usize = line.trim()[1..].parse().expect("an array");
        let mut words = Vec::new();
        for _ in 0..n {
            line.clear();
            r.read_line(&mut line).expect("a length");
            line.clear();
            r.read_line(&mut line).expect("a word");
            words.push(line.trim().to_string());
        }
        let psync = words[0] == "PSYNC";
        seen.push(words.join(" "));
        if psync {
            w.write_all(b"-ERR not today\r\n").expect("refused");
            return seen;
        }
        w.write_all(b"+OK\r\n").expect("answered");
    }
}

#[test]
fn a_failover_holds_writes_until_it_ends_and_a_refusal_leaves_a_primary() {
    let dir = scratch("failover-hold");
    let kevy = kevy_in(&dir);
    let mut c = Raw::connect(kevy.addr());
    assert_eq!(c.call(&["SET", "k", "0"]), b"+OK\r\n");
    let target = TcpListener::bind("127.0.0.1:0").expect("listener");
    let tport = target.local_addr().expect("addr").port();
    let _replica = silent_replica(kevy.addr(), tport);
    let to = tport.to_string();
    assert_eq!(
        c.call(&["FAILOVER", "TO", "127.0.0.1", "1"]),
        b"-ERR FAILOVER target HOST and PORT is not a replica.\r\n"
    );
    assert_eq!(
        c.call(&["FAILOVER", "TO", "127.0.0.1", &to, "FORCE"]),
        b"-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"
    );

    // Held: a write waits, a read runs, and only ABORT lets the write go.
    assert_eq!(c.call(&["FAILOVER", "TO", "127.0.0.1", &to]), b"+OK\r\n");
    assert_eq!(repl(&mut c, "master_failover_state"), "waiting-for-sync");
    assert_eq!(
        c.call(&["FAILOVER"]),
        b"-ERR FAILOVER already in progress.\r\n"
    );
    assert_eq!(
        c.call(&["REPLICAOF", "NO", "ONE"]),
        b"-ERR REPLICAOF not allowed while failing over.\r\n"
    );
    let mut w = Raw::connect(kevy.addr());
    w.send(b"INCR k\r\n");
    wait_for("the write held", || {
        info_num(&mut c, "clients", "blocked_clients") == Some(1)
    });
    assert_eq!(c.call(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    assert_eq!(c.call(&["GET", "k"]), b"$1\r\n0\r\n");
    assert_eq!(c.call(&["FAILOVER", "ABORT"]), b"+OK\r\n");
    assert_eq!(w.reply(), b":1\r\n");
    assert_eq!(repl(&mut c, "master_failover_state"), "no-failover");

    // A timeout without FORCE gives up.
    assert_eq!(c.call(&["FAILOVER", "TIMEOUT", "50"]), b"+OK\r\n");
    wait_role(&mut c, "master");
    assert_eq!(c.call(&["INCR", "k"]), b":2\r\n");

    // With FORCE the target is asked anyway; it refuses, and the server
    // is a primary again, taking writes.
    assert_eq!(
        c.call(&["FAILOVER", "TO", "127.0.0.1", &to, "TIMEOUT", "50", "FORCE"]),
        b"+OK\r\n"
    );
    target.set_nonblocking(true).expect("nonblocking");
    let mut sock = None;
    wait_for("the failing-over primary to connect", || {
        sock = target.accept().ok().map(|(s, _)| s);
        sock.is_some()
    });
    let sock = sock.expect("connected");
    sock.set_nonblocking(false).expect("blocking");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("a hang guard");
    let seen = refuse_psync(sock);
    let last = seen.last().expect("a PSYNC");
    assert!(
        last.starts_with("PSYNC ") && last.ends_with(" FAILOVER"),
        "{seen:?}"
    );
    wait_role(&mut c, "master");
    assert_eq!(c.call(&["INCR", "k"]), b":3\r\n");
    kevy.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn psync_failover_is_refused_by_a_primary_and_for_another_id() {
    let (a, b, dirs) = two_kevys("psync-fo");
    let mut p = Raw::connect(a.addr());
    assert_eq!(
        p.call(&["PSYNC", "x", "1", "FAILOVER"]),
        b"-ERR PSYNC FAILOVER can't be sent to a master.\r\n"
    );
    let mut r = Raw::connect(b.addr());
    follow(&mut r, a.addr());
    // A replica takes its primary's replication id.
    assert_eq!(repl(&mut r, "master_replid"), repl(&mut p, "master_replid"));
    assert_eq!(
        r.call(&[
            "PSYNC",
            "0000000000000000000000000000000000000000",
            "1",
            "FAILOVER"
        ]),
        b"-ERR PSYNC FAILOVER replid must match my replid.\r\n"
    );
    assert_eq!(repl(&mut r, "role"), "slave");
    a.stop();
    b.stop();
    remove_dirs(&dirs);
}

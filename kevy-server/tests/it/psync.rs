//! Partial resynchronization: a replica whose link drops picks the stream
//! up from the primary's backlog (`PSYNC <replid> <offset>` answered
//! `+CONTINUE`) instead of loading a snapshot again — kevy to kevy, kevy
//! primary to redis-server replica and redis-server primary to kevy
//! replica — with the databases the stream had selected kept.

use crate::failover::{kevy_and_redis, remove_dirs, two_kevys};
use crate::replication::{info, wait_for, wait_link_up};
use crate::util::{bulk, Raw};

/// `field` of `INFO section` on `c`, as a number.
fn num(c: &mut Raw, section: &str, field: &str) -> u64 {
    info(c, section, field)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field} in INFO {section}"))
}

/// Writes in databases 0 and 3 on primary `p`, the last in 3: the
/// stream has database 3 selected afterwards.
fn write(p: &mut Raw, tag: &str) {
    assert_eq!(p.call(&["SET", &format!("{tag}:0"), tag]), b"+OK\r\n");
    assert_eq!(p.call(&["SELECT", "3"]), b"+OK\r\n");
    assert_eq!(p.call(&["SET", &format!("{tag}:3"), tag]), b"+OK\r\n");
    assert!(p.call(&["INCR", "n"]).starts_with(b":"));
    assert_eq!(p.call(&["SELECT", "0"]), b"+OK\r\n");
}

/// Drops the link of primary `p`'s replica, writes meanwhile, and checks
/// the replica `r` continued: one more partial resynchronization on the
/// primary, no full one, and every write there.
fn drop_and_continue(p: &mut Raw, r: &mut Raw) {
    let full = num(p, "stats", "sync_full");
    let partial = num(p, "stats", "sync_partial_ok");
    assert_eq!(p.call(&["CLIENT", "KILL", "TYPE", "replica"]), b":1\r\n");
    write(p, "during");
    wait_for("the replica back", || {
        num(p, "stats", "sync_partial_ok") == partial + 1
    });
    wait_link_up(r);
    write(p, "after");
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(num(p, "stats", "sync_full"), full, "no full resync");
    for tag in ["during", "after"] {
        assert_eq!(r.call(&["GET", &format!("{tag}:0")]), bulk(tag.as_bytes()));
    }
    assert_eq!(r.call(&["SELECT", "3"]), b"+OK\r\n");
    for tag in ["during", "after"] {
        assert_eq!(r.call(&["GET", &format!("{tag}:3")]), bulk(tag.as_bytes()));
    }
    assert_eq!(r.call(&["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(
        num(p, "replication", "master_repl_offset"),
        num(r, "replication", "master_repl_offset"),
        "the same stream, byte for byte"
    );
}

#[test]
fn a_kevy_replica_continues_from_a_kevy_primarys_backlog() {
    let (a, b, dirs) = two_kevys("psync");
    let (mut p, mut r) = (Raw::connect(a.addr()), Raw::connect(b.addr()));
    write(&mut p, "before");
    let port = a.addr().port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(&mut r);
    write(&mut p, "synced");
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(num(&mut p, "replication", "repl_backlog_active"), 1);
    drop_and_continue(&mut p, &mut r);
    drop_and_continue(&mut p, &mut r);
    // Dropped by the replica: its link (shown with the primary's address,
    // as Redis's master client) reconnects and continues too.
    let partial = num(&mut p, "stats", "sync_partial_ok");
    let list = String::from_utf8_lossy(&r.call(&["CLIENT", "LIST", "TYPE", "master"])).into_owned();
    assert!(list.contains(&format!("addr=127.0.0.1:{port} ")), "{list}");
    let master = format!("127.0.0.1:{port}");
    assert_eq!(r.call(&["CLIENT", "KILL", &master]), b"+OK\r\n");
    write(&mut p, "dropped");
    wait_for("the replica back", || {
        num(&mut p, "stats", "sync_partial_ok") == partial + 1
    });
    assert_eq!(p.call(&["WAIT", "1", "0"]), b":1\r\n");
    assert_eq!(r.call(&["GET", "dropped:0"]), bulk(b"dropped"));
    a.stop();
    b.stop();
    remove_dirs(&dirs);
}

#[test]
fn kevy_and_redis_continue_from_each_others_backlog() {
    let (kevy, redis, dirs) = kevy_and_redis("psync");
    let (mut k, mut r) = (Raw::connect(kevy.addr()), Raw::connect(redis.addr()));
    // redis-server following kevy.
    write(&mut k, "before");
    let port = kevy.addr().port().to_string();
    assert_eq!(r.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(&mut r);
    drop_and_continue(&mut k, &mut r);
    // kevy following redis-server.
    assert_eq!(r.call(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    assert_eq!(r.call(&["FLUSHALL"]), b"+OK\r\n");
    let port = redis.addr().port().to_string();
    assert_eq!(k.call(&["REPLICAOF", "127.0.0.1", &port]), b"+OK\r\n");
    wait_link_up(&mut k);
    write(&mut r, "synced");
    assert_eq!(r.call(&["WAIT", "1", "0"]), b":1\r\n");
    drop_and_continue(&mut r, &mut k);
    kevy.stop();
    drop(redis);
    remove_dirs(&dirs);
}

//! `client-output-buffer-limit` for normal clients on 2 shards: a reply
//! over the hard limit closes the connection before any of it is written,
//! whichever shard owns the key (Redis's obuf-limits.tcl "No response for
//! single command if client output buffer hard limit is enforced").

use crate::binary::Binary;
use crate::util::{info_num, Raw};

#[test]
fn a_reply_over_the_hard_limit_closes_the_client_unwritten_from_either_shard() {
    let bin = Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    let mut admin = Raw::connect(bin.addr);
    let item = "x".repeat(1000);
    for _ in 0..150 {
        admin.call(&["LPUSH", "mylist", &item]);
    }
    assert_eq!(
        admin.call(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 100000 0 0"
        ]),
        b"+OK\r\n"
    );
    // Connections are spread over the shards: among several, some live
    // where the key does and some on the other shard (whose forwarded
    // command's reply the owner once wrote to the socket itself, past the
    // limit only the connection's own shard checks).
    for n in 0..8 {
        let mut c = Raw::connect(bin.addr);
        c.send(b"*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n-1\r\n");
        let got = c.read_to_close();
        assert!(got.is_empty(), "connection {n} got {} bytes", got.len());
    }
    // Under the limit, the same reply is served.
    assert_eq!(
        admin.call(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0"
        ]),
        b"+OK\r\n"
    );
    let mut c = Raw::connect(bin.addr);
    c.send(b"*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n-1\r\n");
    let reply = c.reply();
    assert!(reply.starts_with(b"*150\r\n"), "{}", reply.len());
    drop(bin);
}

/// Redis's obuf-limits.tcl "HRANDFIELD with huge count stopped mid-run":
/// repeated random picks stop once the reply passes the hard limit (and
/// the client is closed for it) instead of building a reply of gigabytes;
/// without a limit, a count past 2^26 is refused.
#[test]
fn random_picks_with_a_huge_count_stop_at_the_hard_limit() {
    let bin = Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    let mut admin = Raw::connect(bin.addr);
    admin.call(&["HSET", "myhash", "a", "b"]);
    admin.call(&["SADD", "myset", "m"]);
    let limit = |admin: &mut Raw, v: &str| {
        assert_eq!(
            admin.call(&["CONFIG", "SET", "client-output-buffer-limit", v]),
            b"+OK\r\n"
        );
    };
    limit(&mut admin, "normal 1000000 0 0");
    for cmd in [
        ["HRANDFIELD", "myhash", "-999999999", "WITHVALUES"],
        ["HRANDFIELD", "myhash", "-999999999", ""],
        ["SRANDMEMBER", "myset", "-999999999", ""],
    ] {
        let args: Vec<&str> = cmd.into_iter().filter(|a| !a.is_empty()).collect();
        for _ in 0..4 {
            let mut c = Raw::connect(bin.addr);
            c.send(&crate::util::encode_str(&args));
            let got = c.read_to_close();
            assert!(got.is_empty(), "{args:?}: got {} bytes", got.len());
        }
    }
    // The server goes on; a small count is served whole.
    assert_eq!(
        admin.call(&["HRANDFIELD", "myhash", "-3"]),
        b"*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
    );
    limit(&mut admin, "normal 0 0 0");
    assert_eq!(
        admin.call(&["SRANDMEMBER", "myset", "-999999999"]),
        b"-ERR value is out of range\r\n"
    );
    drop(bin);
}

/// A killed client's reply gives its memory back (Redis's obuf-limits.tcl
/// reads `used_memory` 100 ms after the kill): the reply batches that
/// carried a big reply between the shards are not kept in their pools,
/// even while the shards stay busy (a pool trimmed only on an idle tick
/// kept 64 KB a buffer for as long as traffic went on).
#[test]
fn a_killed_clients_reply_memory_comes_back_while_the_shards_stay_busy() {
    let bin = Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    let mut admin = Raw::connect(bin.addr);
    admin.call(&["CONFIG", "SET", "latency-tracking", "no"]);
    let item = "x".repeat(1000);
    for _ in 0..150 {
        admin.call(&["LPUSH", "mylist", &item]);
    }
    admin.call(&[
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "normal 100000 0 0",
    ]);
    let used = |admin: &mut Raw| info_num(admin, "memory", "used_memory").expect("used_memory");
    for _ in 0..20 {
        used(&mut admin);
    }
    let before = used(&mut admin);
    // Connections land on both shards: some run LRANGE where they live,
    // some have it forwarded and its 150 KB reply carried back.
    for n in 0..8 {
        let mut c = Raw::connect(bin.addr);
        c.send(b"*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n-1\r\n");
        assert!(c.read_to_close().is_empty(), "connection {n}");
    }
    // Polled without pause, so no shard idles through a tick; the pools
    // give a burst's buffers back within a tick or two (a bound on the
    // polls instead of the time ran out first when the polls were fast).
    // What may stay while traffic goes on is one pooled buffer trimmed to
    // 64 KB (`msg::POOL_TRIM_BYTES`), seen under two busy loops: the
    // 1.2 MB of replies must be gone, not every byte.
    const SLACK: u64 = 96 * 1024;
    let mut now = used(&mut admin);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while now >= before + SLACK && std::time::Instant::now() < deadline {
        now = used(&mut admin);
    }
    assert!(
        now < before + SLACK,
        "used_memory {now}, {} more than before the kills",
        now - before
    );
    drop(bin);
}

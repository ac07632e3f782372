//! `client-output-buffer-limit` for normal clients on 2 shards: a reply
//! over the hard limit closes the connection before any of it is written,
//! whichever shard owns the key (Redis's obuf-limits.tcl "No response for
//! single command if client output buffer hard limit is enforced"), and
//! leaves `used_memory` where it was.

use crate::binary::Binary;
use crate::util::Raw;

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
    //
    // Once the closed connections are gone, `used_memory` is about where
    // it was before: each 150 KB reply that crossed shards left its batch
    // buffer (256 KB) pooled for reuse, which is memory kept as an
    // allocator keeps freed memory, not in use. (What grows besides is the
    // connection tables' few KB, hence a bound of 64 KB, not Redis's
    // 10 KB for one connection.) First, connections closed over a small
    // limit grow what such connections and a first LRANGE grow.
    set_limit(&mut admin, "normal 5000 0 0");
    for _ in 0..8 {
        let mut c = Raw::connect(bin.addr);
        c.send(b"*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$1\r\n9\r\n");
        assert!(c.read_to_close().is_empty());
    }
    set_limit(&mut admin, "normal 100000 0 0");
    let start = used_memory(&mut admin);
    for n in 0..8 {
        let mut c = Raw::connect(bin.addr);
        c.send(b"*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n-1\r\n");
        let got = c.read_to_close();
        assert!(got.is_empty(), "connection {n} got {} bytes", got.len());
    }
    let now = used_memory(&mut admin);
    assert!(
        now < start + (64 << 10),
        "used_memory {now}, {} more than before",
        now.saturating_sub(start)
    );
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

/// `used_memory` from `INFO memory`.
fn used_memory(c: &mut Raw) -> u64 {
    let reply = c.call(&["INFO", "memory"]);
    String::from_utf8_lossy(&reply)
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory in INFO memory")
}

/// Sets the normal class's `client-output-buffer-limit`.
fn set_limit(c: &mut Raw, limit: &str) {
    let reply = c.call(&["CONFIG", "SET", "client-output-buffer-limit", limit]);
    assert_eq!(reply, b"+OK\r\n");
}

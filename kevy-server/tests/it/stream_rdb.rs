//! Streams through RDB files and DUMP payloads between kevy and a real
//! redis-server 7.0, both ways: payloads byte for byte, files compared
//! with `XINFO STREAM FULL` (entries, nodes, counters, groups, pending
//! entries with their delivery times, consumers with their seen times),
//! `redis-check-rdb` on kevy's file, and DEBUG RELOAD.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use crate::binary::Binary;
use crate::util::{bulk_body, Raw, RedisServer};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    crate::persist_util::scratch("stream-rdb", name)
}

/// Streams of every shape, with explicit IDs: deleted and trimmed entries,
/// own fields, nodes cut by count, long compressible values, groups with
/// pending entries (read, acknowledged, claimed), an empty stream with a
/// group, counters set by XSETID. Returns (db, key) of each.
fn fill(addr: SocketAddr) -> Vec<(usize, String)> {
    let mut c = Raw::connect(addr);
    let mut keys = Vec::new();
    for db in [0usize, 3] {
        c.call(&["SELECT", &db.to_string()]);
        c.call(&["XADD", "st:small", "1-1", "a", "1", "b", "hello"]);
        c.call(&["XADD", "st:small", "1-2", "a", "2", "b", "x"]);
        c.call(&["XADD", "st:small", "2-0", "c", "3"]);
        c.call(&["XDEL", "st:small", "1-2"]);
        c.call(&["XGROUP", "CREATE", "st:small", "g", "0"]);
        c.call(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "1",
            "STREAMS",
            "st:small",
            ">",
        ]);
        c.call(&["XGROUP", "CREATECONSUMER", "st:small", "g", "bob"]);
        c.call(&["CONFIG", "SET", "stream-node-max-entries", "7"]);
        for i in 0..400u64 {
            let id = format!("{}-{}", 1000 + i / 3, (i % 3) * 5);
            let v = format!("value-{i}");
            let n = (i * 977).to_string();
            if i % 11 == 4 {
                c.call(&["XADD", "st:big", &id, "other", &v]);
            } else {
                c.call(&["XADD", "st:big", &id, "f", &v, "n", &n, "neg", "-42"]);
            }
        }
        c.call(&["CONFIG", "SET", "stream-node-max-entries", "100"]);
        c.call(&["XTRIM", "st:big", "MAXLEN", "380"]);
        c.call(&["XTRIM", "st:big", "MINID", "1008-0"]);
        for id in ["1010-5", "1011-0", "1011-5", "1011-10", "1100-0"] {
            c.call(&["XDEL", "st:big", id]);
        }
        c.call(&["XGROUP", "CREATE", "st:big", "g1", "0"]);
        c.call(&["XGROUP", "CREATE", "st:big", "g2", "$"]);
        c.call(&[
            "XGROUP",
            "CREATE",
            "st:big",
            "g3",
            "1050-0",
            "ENTRIESREAD",
            "7",
        ]);
        for (who, n) in [("c1", "50"), ("c2", "30"), ("c1", "5")] {
            c.call(&[
                "XREADGROUP",
                "GROUP",
                "g1",
                who,
                "COUNT",
                n,
                "STREAMS",
                "st:big",
                ">",
            ]);
        }
        c.call(&["XACK", "st:big", "g1", "1009-0", "1009-5", "1020-10"]);
        c.call(&["XCLAIM", "st:big", "g1", "c3", "0", "1015-0", "1016-5"]);
        c.call(&[
            "XREADGROUP",
            "GROUP",
            "g3",
            "z",
            "NOACK",
            "STREAMS",
            "st:big",
            ">",
        ]);
        c.call(&["XADD", "st:long", "5-0", "text", &"abcdefgh".repeat(40)]);
        c.call(&["XADD", "st:long", "6-0", "text", &"0123".repeat(3000)]);
        c.call(&["XADD", "st:emptied", "1-0", "a", "1"]);
        c.call(&["XGROUP", "CREATE", "st:emptied", "g", "$"]);
        c.call(&["XDEL", "st:emptied", "1-0"]);
        c.call(&["XGROUP", "CREATE", "st:mk", "g", "$", "MKSTREAM"]);
        c.call(&["XADD", "st:setid", "3-3", "k", "v"]);
        c.call(&[
            "XSETID",
            "st:setid",
            "9-9",
            "ENTRIESADDED",
            "40",
            "MAXDELETEDID",
            "8-0",
        ]);
        for k in [
            "st:small",
            "st:big",
            "st:long",
            "st:emptied",
            "st:mk",
            "st:setid",
        ] {
            keys.push((db, k.to_string()));
        }
    }
    c.call(&["SELECT", "0"]);
    keys
}

/// What a key shows: XINFO STREAM FULL (which holds every counter, node
/// count, pending entry and consumer), the whole range, its TTL.
fn show(c: &mut Raw, db: usize, key: &str) -> Vec<Vec<u8>> {
    c.call(&["SELECT", &db.to_string()]);
    vec![
        c.call(&["XINFO", "STREAM", key, "FULL", "COUNT", "0"]),
        c.call(&["XRANGE", key, "-", "+"]),
        c.call(&["TYPE", key]),
        c.call(&["OBJECT", "ENCODING", key]),
    ]
}

fn compare(keys: &[(usize, String)], a: SocketAddr, b: SocketAddr) {
    let (mut ca, mut cb) = (Raw::connect(a), Raw::connect(b));
    for (db, k) in keys {
        let (x, y) = (show(&mut ca, *db, k), show(&mut cb, *db, k));
        assert!(x[2] == b"+stream\r\n", "db {db} key {k}: {:?}", x[2]);
        assert_eq!(
            String::from_utf8_lossy(&x.concat()),
            String::from_utf8_lossy(&y.concat()),
            "db {db} key {k}"
        );
    }
}

fn kevy_in(dir: &std::path::Path, threads: usize) -> Binary {
    crate::persist_util::kevy_rdb(dir, threads, &["--enable-debug-command", "yes"])
}

#[test]
fn stream_dump_payloads_are_byte_identical_both_ways() {
    let redis = RedisServer::start();
    let kevy = crate::util::kevy();
    let keys = fill(redis.addr());
    let (mut r, mut k) = (Raw::connect(redis.addr()), Raw::connect(kevy.addr()));
    for (db, key) in &keys {
        for c in [&mut r, &mut k] {
            c.call(&["SELECT", &db.to_string()]);
        }
        let p = bulk_body(&r.call(&["DUMP", key])).unwrap().to_vec();
        assert_eq!(
            k.call_bytes(&[b"RESTORE", key.as_bytes(), b"0", &p]),
            b"+OK\r\n",
            "{key}"
        );
        let q = bulk_body(&k.call(&["DUMP", key])).unwrap().to_vec();
        assert!(p == q, "db {db} key {key}: kevy's payload differs");
        let copy = format!("{key}:copy");
        assert_eq!(
            r.call_bytes(&[b"RESTORE", copy.as_bytes(), b"0", &q]),
            b"+OK\r\n",
            "{key}"
        );
        assert_eq!(r.call(&["DUMP", &copy]), r.call(&["DUMP", key]), "{key}");
    }
    compare(&keys, redis.addr(), kevy.addr());
}

#[test]
fn a_redis_rdb_with_streams_loads_into_kevy() {
    let dir = scratch("from-redis");
    let redis =
        RedisServer::start_with(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
    let keys = fill(redis.addr());
    assert_eq!(Raw::connect(redis.addr()).call(&["SAVE"]), b"+OK\r\n");
    let kevy = kevy_in(&dir, 3);
    compare(&keys, redis.addr(), kevy.addr);
}

#[test]
fn a_kevy_rdb_with_streams_loads_into_redis_and_survives_debug_reload() {
    let dir = scratch("to-redis");
    let kevy = kevy_in(&dir, 2);
    let keys = fill(kevy.addr);
    let mut k = Raw::connect(kevy.addr);
    let before: Vec<_> = keys
        .iter()
        .map(|(db, key)| show(&mut k, *db, key))
        .collect();
    assert_eq!(k.call(&["DEBUG", "RELOAD"]), b"+OK\r\n");
    let after: Vec<_> = keys
        .iter()
        .map(|(db, key)| show(&mut k, *db, key))
        .collect();
    assert!(before == after, "DEBUG RELOAD changed a stream");
    assert_eq!(k.call(&["SAVE"]), b"+OK\r\n");
    let file = dir.join("dump.rdb");
    let out = Command::new("redis-check-rdb")
        .arg(&file)
        .output()
        .expect("run redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("RDB looks OK!"),
        "{text}"
    );
    let redis =
        RedisServer::start_with(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
    compare(&keys, redis.addr(), kevy.addr);
}

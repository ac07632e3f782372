//! Key-family tests. The scripted ones replay redis-server 7.0.15's replies
//! byte for byte; the others cover what a script cannot pin down (keys spread
//! over shards, expiry over time, KEYS order).

use std::thread::sleep;
use std::time::Duration;

use crate::testutil::{check, harness, inline, keys_on_distinct_shards, run};

/// Sorted bulk items of a flat array reply (for KEYS, whose order is free).
fn sorted_items(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let mut lines = text.split("\r\n").skip(1);
    let mut items = Vec::new();
    while let (Some(_len), Some(item)) = (lines.next(), lines.next()) {
        items.push(item.to_string());
    }
    items.sort();
    items
}

#[test]
fn multi_key_commands_span_shards() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "key");
    let (a, b, c) = (k[0].as_str(), k[1].as_str(), k[2].as_str());
    assert_eq!(run(&mut h, &["MSET", a, "1", b, "2", c, "3"]), b"+OK\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":3\r\n");
    assert_eq!(
        run(&mut h, &["MGET", c, "nope", a, b, a]),
        b"*5\r\n$1\r\n3\r\n$-1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
    assert_eq!(run(&mut h, &["EXISTS", a, b, c, a, "nope"]), b":4\r\n");
    assert_eq!(run(&mut h, &["TOUCH", a, b, "nope"]), b":2\r\n");
    assert_eq!(
        sorted_items(&run(&mut h, &["KEYS", "*"])),
        [a, b, c].iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        run(&mut h, &["KEYS", a]),
        format!("*1\r\n${}\r\n{a}\r\n", a.len()).as_bytes()
    );
    assert_eq!(run(&mut h, &["DEL", a, b, "nope", a]), b":2\r\n");
    assert_eq!(run(&mut h, &["UNLINK", c, b]), b":1\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":0\r\n");
}

#[test]
fn msetnx_across_shards_is_all_or_nothing() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "n");
    let (a, b, c) = (k[0].as_str(), k[1].as_str(), k[2].as_str());
    assert_eq!(run(&mut h, &["MSETNX", a, "1", b, "2"]), b":1\r\n");
    assert_eq!(run(&mut h, &["MSETNX", c, "3", b, "x"]), b":0\r\n");
    assert_eq!(
        run(&mut h, &["MGET", a, b, c]),
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    );
    assert_eq!(
        run(&mut h, &["MSETNX", c, "3", a]),
        b"-ERR wrong number of arguments for 'msetnx' command\r\n"
    );
    assert_eq!(run(&mut h, &["EXISTS", c]), b":0\r\n");
}

#[test]
fn mset_across_shards_drops_deadlines() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "m");
    let (a, b) = (k[0].as_str(), k[1].as_str());
    run(&mut h, &["SET", a, "old", "EX", "100"]);
    assert_eq!(run(&mut h, &["MSET", a, "1", b, "2"]), b"+OK\r\n");
    assert_eq!(run(&mut h, &["TTL", a]), b":-1\r\n");
    assert_eq!(
        run(&mut h, &["MSET", a, "1", b]),
        b"-ERR wrong number of arguments for 'mset' command\r\n"
    );
}

#[test]
fn flush_and_dbsize_cover_every_shard_and_database() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "f");
    for key in &k {
        run(&mut h, &["SET", key, "v"]);
    }
    assert_eq!(run(&mut h, &["SELECT", "3"]), b"+OK\r\n");
    run(&mut h, &["MSET", &k[0], "1", &k[1], "2"]);
    assert_eq!(run(&mut h, &["DBSIZE"]), b":2\r\n");
    assert_eq!(run(&mut h, &["FLUSHDB"]), b"+OK\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":0\r\n");
    run(&mut h, &["SET", &k[2], "3"]);
    assert_eq!(run(&mut h, &["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":3\r\n");
    assert_eq!(run(&mut h, &["FLUSHALL"]), b"+OK\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":0\r\n");
    run(&mut h, &["SELECT", "3"]);
    assert_eq!(run(&mut h, &["DBSIZE"]), b":0\r\n");
}

#[test]
fn lazy_expiry_on_access() {
    let mut h = harness();
    let k = keys_on_distinct_shards(&h, "e");
    for key in &k {
        assert_eq!(run(&mut h, &["SET", key, "v", "PX", "1"]), b"+OK\r\n");
    }
    run(&mut h, &["SET", "stay", "v", "EX", "100"]);
    sleep(Duration::from_millis(5));
    assert_eq!(run(&mut h, &["GET", &k[0]]), b"$-1\r\n");
    assert_eq!(run(&mut h, &["TTL", &k[1]]), b":-2\r\n");
    assert_eq!(run(&mut h, &["KEYS", "e*"]), b"*0\r\n");
    // GET and TTL reclaimed two keys; DBSIZE still counts the third, not yet
    // touched, like Redis.
    assert_eq!(run(&mut h, &["DBSIZE"]), b":2\r\n");
    assert_eq!(run(&mut h, &["EXISTS", &k[1], &k[2]]), b":0\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":1\r\n");
    assert_eq!(run(&mut h, &["TTL", "stay"]), b":100\r\n");
}

#[test]
fn active_expiry_reclaims_without_access() {
    let mut h = inline();
    for i in 0..300 {
        let key = format!("k{i}");
        run(&mut h, &["SET", &key, "v", "PX", "1"]);
    }
    for i in 0..50 {
        let key = format!("live{i}");
        run(&mut h, &["SET", &key, "v", "EX", "100"]);
    }
    run(&mut h, &["SET", "forever", "v"]);
    assert_eq!(run(&mut h, &["DBSIZE"]), b":351\r\n");
    sleep(Duration::from_millis(5));
    h.tick();
    // Sampling keeps going while a quarter of a sample has expired; with 300 of
    // 350 volatile keys dead, a few ticks reclaim nearly all of them.
    for _ in 0..20 {
        h.tick();
    }
    let size = run(&mut h, &["DBSIZE"]);
    let n: usize = String::from_utf8_lossy(&size[1..size.len() - 2])
        .parse()
        .unwrap_or(0);
    assert!((51..=80).contains(&n), "DBSIZE after active expiry: {n}");
    assert_eq!(run(&mut h, &["EXISTS", "forever", "live7"]), b":2\r\n");
}

#[test]
fn expire_family_keeps_the_value() {
    let mut h = harness();
    run(&mut h, &["SET", "k", "v"]);
    run(&mut h, &["PEXPIRE", "k", "100000"]);
    let pttl = run(&mut h, &["PTTL", "k"]);
    let ms: i64 = String::from_utf8_lossy(&pttl[1..pttl.len() - 2])
        .parse()
        .unwrap_or(0);
    assert!((99_000..=100_000).contains(&ms), "{ms}");
    assert_eq!(run(&mut h, &["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(run(&mut h, &["INCR", "c"]), b":1\r\n");
    run(&mut h, &["EXPIRE", "c", "100"]);
    assert_eq!(run(&mut h, &["INCR", "c"]), b":2\r\n");
    assert_eq!(run(&mut h, &["TTL", "c"]), b":100\r\n");
}

#[test]
fn del_exists_touch() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET a 1", "+OK\r\n"),
            ("SET b 2", "+OK\r\n"),
            ("EXISTS a", ":1\r\n"),
            ("EXISTS a a b missing", ":3\r\n"),
            ("DEL a missing", ":1\r\n"),
            ("DEL a", ":0\r\n"),
            ("EXISTS a", ":0\r\n"),
            ("TOUCH b b missing", ":2\r\n"),
            ("UNLINK b", ":1\r\n"),
            ("EXISTS b", ":0\r\n"),
            (
                "DEL",
                "-ERR wrong number of arguments for 'del' command\r\n",
            ),
            (
                "EXISTS",
                "-ERR wrong number of arguments for 'exists' command\r\n",
            ),
            (
                "TOUCH",
                "-ERR wrong number of arguments for 'touch' command\r\n",
            ),
            (
                "UNLINK",
                "-ERR wrong number of arguments for 'unlink' command\r\n",
            ),
        ],
    );
}

#[test]
fn type_cmd() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET s v", "+OK\r\n"),
            ("SET n 12", "+OK\r\n"),
            ("TYPE s", "+string\r\n"),
            ("TYPE n", "+string\r\n"),
            ("TYPE missing", "+none\r\n"),
            (
                "TYPE",
                "-ERR wrong number of arguments for 'type' command\r\n",
            ),
            (
                "TYPE a b",
                "-ERR wrong number of arguments for 'type' command\r\n",
            ),
        ],
    );
}

#[test]
fn expire_basics() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("EXPIRE missing 100", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("EXPIRE k 100", ":1\r\n"),
            ("TTL k", ":100\r\n"),
            ("PEXPIRE k 200000", ":1\r\n"),
            ("TTL k", ":200\r\n"),
            ("EXPIREAT k 99999999999", ":1\r\n"),
            ("EXPIRETIME k", ":99999999999\r\n"),
            ("PEXPIREAT k 99999999999123", ":1\r\n"),
            ("PEXPIRETIME k", ":99999999999123\r\n"),
            ("EXPIRETIME k", ":99999999999\r\n"),
            ("PERSIST k", ":1\r\n"),
            ("PERSIST k", ":0\r\n"),
            ("PERSIST missing", ":0\r\n"),
            ("TTL k", ":-1\r\n"),
            ("PTTL k", ":-1\r\n"),
            ("EXPIRETIME k", ":-1\r\n"),
            ("PEXPIRETIME k", ":-1\r\n"),
            ("TTL missing", ":-2\r\n"),
            ("PTTL missing", ":-2\r\n"),
            ("EXPIRETIME missing", ":-2\r\n"),
            ("PEXPIRETIME missing", ":-2\r\n"),
            ("EXPIRE k -1", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("EXPIRE k 0", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("PEXPIREAT k 1", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("EXPIREAT k 0", ":1\r\n"),
            ("GET k", "$-1\r\n"),
            ("SET k v", "+OK\r\n"),
            (
                "EXPIRE k",
                "-ERR wrong number of arguments for 'expire' command\r\n",
            ),
            (
                "EXPIRE k abc",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "EXPIRE k 1.5",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "TTL",
                "-ERR wrong number of arguments for 'ttl' command\r\n",
            ),
            (
                "PERSIST",
                "-ERR wrong number of arguments for 'persist' command\r\n",
            ),
        ],
    );
}

#[test]
fn expire_options() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET k v", "+OK\r\n"),
            ("EXPIRE k 100 XX", ":0\r\n"),
            ("EXPIRE k 100 GT", ":0\r\n"),
            ("EXPIRE k 100 LT", ":1\r\n"),
            ("TTL k", ":100\r\n"),
            ("EXPIRE k 200 NX", ":0\r\n"),
            ("EXPIRE k 200 XX", ":1\r\n"),
            ("TTL k", ":200\r\n"),
            ("EXPIRE k 100 GT", ":0\r\n"),
            ("EXPIRE k 300 GT", ":1\r\n"),
            ("TTL k", ":300\r\n"),
            ("EXPIRE k 400 LT", ":0\r\n"),
            ("EXPIRE k 50 LT", ":1\r\n"),
            ("TTL k", ":50\r\n"),
            ("EXPIRE k 60 xx gt", ":1\r\n"),
            ("EXPIRE k 10 xx lt", ":1\r\n"),
            ("TTL k", ":10\r\n"),
            (
                "EXPIRE k 10 NX XX",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                "EXPIRE k 10 NX GT",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                "EXPIRE k 10 NX LT",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            (
                "EXPIRE k 10 GT LT",
                "-ERR GT and LT options at the same time are not compatible\r\n",
            ),
            (
                "EXPIRE k 10 lt gt xx",
                "-ERR GT and LT options at the same time are not compatible\r\n",
            ),
            ("EXPIRE k 10 foo", "-ERR Unsupported option foo\r\n"),
            ("EXPIRE k 10 NX foo", "-ERR Unsupported option foo\r\n"),
            (
                "EXPIRE k abc NX XX",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            ("EXPIRE k abc foo", "-ERR Unsupported option foo\r\n"),
            (
                "EXPIRE missing 10 NX XX",
                "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
            ),
            ("PERSIST k", ":1\r\n"),
            ("EXPIRE k -5 LT", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("EXPIRE k -5 GT", ":0\r\n"),
            ("EXISTS k", ":1\r\n"),
        ],
    );
}

#[test]
fn expire_overflow() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET k v", "+OK\r\n"),
            (
                "EXPIRE k 9223372036854775807",
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                "EXPIRE k 9223372036854776",
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                "EXPIRE k -9223372036854776",
                "-ERR invalid expire time in 'expire' command\r\n",
            ),
            (
                "PEXPIRE k 9223372036854775807",
                "-ERR invalid expire time in 'pexpire' command\r\n",
            ),
            (
                "EXPIREAT k 9223372036854776",
                "-ERR invalid expire time in 'expireat' command\r\n",
            ),
            ("EXPIREAT k 9223372036854775", ":1\r\n"),
            ("PEXPIREAT k 9223372036854775807", ":1\r\n"),
            ("PEXPIRETIME k", ":9223372036854775807\r\n"),
            ("EXPIRE k -9223372036854775", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SET k v", "+OK\r\n"),
            ("PEXPIRE k -9223372036854775808", ":1\r\n"),
            ("EXISTS k", ":0\r\n"),
        ],
    );
}

#[test]
fn dbsize_flush() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("DBSIZE", ":0\r\n"),
            ("MSET a 1 b 2 c 3 d 4 e 5", "+OK\r\n"),
            ("DBSIZE", ":5\r\n"),
            ("FLUSHDB", "+OK\r\n"),
            ("DBSIZE", ":0\r\n"),
            ("MSET a 1 b 2", "+OK\r\n"),
            ("FLUSHDB ASYNC", "+OK\r\n"),
            ("DBSIZE", ":0\r\n"),
            ("MSET a 1 b 2", "+OK\r\n"),
            ("FLUSHDB sync", "+OK\r\n"),
            ("DBSIZE", ":0\r\n"),
            ("FLUSHDB foo", "-ERR syntax error\r\n"),
            ("FLUSHDB async sync", "-ERR syntax error\r\n"),
            ("FLUSHALL foo", "-ERR syntax error\r\n"),
            ("FLUSHALL ASYNC", "+OK\r\n"),
            ("FLUSHALL SYNC", "+OK\r\n"),
            ("FLUSHALL", "+OK\r\n"),
            (
                "DBSIZE x",
                "-ERR wrong number of arguments for 'dbsize' command\r\n",
            ),
        ],
    );
}

#[test]
fn keys_patterns() {
    let mut h = harness();
    check(
        &mut h,
        &[
            (
                "MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 ab 7",
                "+OK\r\n",
            ),
            ("KEYS nomatch*", "*0\r\n"),
            ("KEYS h?llo?", "*0\r\n"),
            ("KEYS hello", "*1\r\n$5\r\nhello\r\n"),
            ("KEYS ab", "*1\r\n$2\r\nab\r\n"),
            ("KEYS a[b]", "*1\r\n$2\r\nab\r\n"),
            ("KEYS a[^b]", "*0\r\n"),
            ("KEYS a[a-c]", "*1\r\n$2\r\nab\r\n"),
            ("KEYS a[c-a]", "*1\r\n$2\r\nab\r\n"),
            ("KEYS a[^a-c]", "*0\r\n"),
            ("KEYS h[*]llo", "*1\r\n$5\r\nh*llo\r\n"),
            (
                "KEYS",
                "-ERR wrong number of arguments for 'keys' command\r\n",
            ),
            (
                "KEYS a b",
                "-ERR wrong number of arguments for 'keys' command\r\n",
            ),
        ],
    );
}

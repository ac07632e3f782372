//! OBJECT: encodings, reference counts and errors replayed from
//! redis-server 7.0.15; idle times driven by the access clock.

use crate::testutil::{check, harness, inline, run};

#[test]
fn object_subcommands() {
    let mut h = harness();
    check(
        &mut h,
        &[
        // Strings: int, embstr up to 44 bytes, raw beyond.
        ("SET i 7", "+OK\r\n"),
        ("OBJECT ENCODING i", "$3\r\nint\r\n"),
        ("OBJECT REFCOUNT i", ":2147483647\r\n"),
        ("INCR i", ":8\r\n"),
        ("OBJECT REFCOUNT i", ":2147483647\r\n"),
        ("INCRBY i 20000", ":20008\r\n"),
        ("OBJECT ENCODING i", "$3\r\nint\r\n"),
        ("OBJECT REFCOUNT i", ":1\r\n"),
        ("SET z 0", "+OK\r\n"),
        ("OBJECT REFCOUNT z", ":2147483647\r\n"),
        ("SET z 9999", "+OK\r\n"),
        ("OBJECT REFCOUNT z", ":2147483647\r\n"),
        ("SET z 10000", "+OK\r\n"),
        ("OBJECT REFCOUNT z", ":1\r\n"),
        ("SET z -1", "+OK\r\n"),
        ("OBJECT REFCOUNT z", ":1\r\n"),
        ("SET n -9223372036854775808", "+OK\r\n"),
        ("OBJECT ENCODING n", "$3\r\nint\r\n"),
        ("SET n 12345678901234567890", "+OK\r\n"),
        ("OBJECT ENCODING n", "$6\r\nembstr\r\n"),
        ("SET n -0", "+OK\r\n"),
        ("OBJECT ENCODING n", "$6\r\nembstr\r\n"),
        ("SET n 007", "+OK\r\n"),
        ("OBJECT ENCODING n", "$6\r\nembstr\r\n"),
        ("SET n +1", "+OK\r\n"),
        ("OBJECT ENCODING n", "$6\r\nembstr\r\n"),
        ("SET e 12345678901234567890123456789012345678901234", "+OK\r\n"),
        ("OBJECT ENCODING e", "$6\r\nembstr\r\n"),
        ("OBJECT REFCOUNT e", ":1\r\n"),
        ("SET e 123456789012345678901234567890123456789012345", "+OK\r\n"),
        ("OBJECT ENCODING e", "$3\r\nraw\r\n"),
        ("SET f 1.5", "+OK\r\n"),
        ("INCRBYFLOAT f 0.5", "$1\r\n2\r\n"),
        ("OBJECT ENCODING f", "$6\r\nembstr\r\n"),
        ("OBJECT REFCOUNT f", ":1\r\n"),
        ("INCRBYFLOAT f2 3", "$1\r\n3\r\n"),
        ("OBJECT ENCODING f2", "$6\r\nembstr\r\n"),
        ("APPEND a5 5", ":1\r\n"),
        ("OBJECT ENCODING a5", "$3\r\nint\r\n"),
        // Modified in place: raw whatever the length (an empty APPEND too,
        // not an empty SETRANGE), until replaced whole.
        ("APPEND a5 6", ":2\r\n"),
        ("OBJECT ENCODING a5", "$3\r\nraw\r\n"),
        ("SET a6 x", "+OK\r\n"),
        ("APPEND a6 \"\"", ":1\r\n"),
        ("OBJECT ENCODING a6", "$3\r\nraw\r\n"),
        ("SET t abc", "+OK\r\n"),
        ("SETRANGE t 1 \"\"", ":3\r\n"),
        ("OBJECT ENCODING t", "$6\r\nembstr\r\n"),
        ("SETRANGE t 1 x", ":3\r\n"),
        ("OBJECT ENCODING t", "$3\r\nraw\r\n"),
        ("SETRANGE t2 2 x", ":3\r\n"),
        ("OBJECT ENCODING t2", "$3\r\nraw\r\n"),
        ("SETBIT b 1 1", ":0\r\n"),
        ("OBJECT ENCODING b", "$3\r\nraw\r\n"),
        ("SET c 5", "+OK\r\n"),
        ("SETBIT c 0 1", ":0\r\n"),
        ("OBJECT ENCODING c", "$3\r\nraw\r\n"),
        ("PFADD p a", ":1\r\n"),
        ("OBJECT ENCODING p", "$3\r\nraw\r\n"),
        ("INCRBYFLOAT t2 1", "-ERR value is not a valid float\r\n"),
        ("SET t2 1.5", "+OK\r\n"),
        ("APPEND t2 0", ":4\r\n"),
        ("OBJECT ENCODING t2", "$3\r\nraw\r\n"),
        ("INCRBYFLOAT t2 1", "$3\r\n2.5\r\n"),
        ("OBJECT ENCODING t2", "$6\r\nembstr\r\n"),
        ("RENAME t2 t3", "+OK\r\n"),
        ("APPEND t3 1", ":4\r\n"),
        ("RENAME t3 t4", "+OK\r\n"),
        ("OBJECT ENCODING t4", "$3\r\nraw\r\n"),
        ("COPY t4 t5", ":1\r\n"),
        ("OBJECT ENCODING t5", "$3\r\nraw\r\n"),
        ("GETSET g 12", "$-1\r\n"),
        ("OBJECT ENCODING g", "$3\r\nint\r\n"),
        ("OBJECT REFCOUNT g", ":2147483647\r\n"),
        // Lists are always quicklists in 7.0.
        ("RPUSH l a", ":1\r\n"),
        ("OBJECT ENCODING l", "$9\r\nquicklist\r\n"),
        ("OBJECT REFCOUNT l", ":1\r\n"),
        // Hashes: listpack up to 128 fields of at most 64 bytes.
        ("HSET h f v", ":1\r\n"),
        ("OBJECT ENCODING h", "$8\r\nlistpack\r\n"),
        ("HSET h long 12345678901234567890123456789012345678901234567890123456789012345", ":1\r\n"),
        ("OBJECT ENCODING h", "$9\r\nhashtable\r\n"),
        ("HDEL h long", ":1\r\n"),
        ("OBJECT ENCODING h", "$9\r\nhashtable\r\n"),
        ("HSET h2 f 1234567890123456789012345678901234567890123456789012345678901234", ":1\r\n"),
        ("OBJECT ENCODING h2", "$8\r\nlistpack\r\n"),
        // Sets: intset up to 512 integers.
        ("SADD s 1 2 3", ":3\r\n"),
        ("OBJECT ENCODING s", "$6\r\nintset\r\n"),
        ("SADD s x", ":1\r\n"),
        ("OBJECT ENCODING s", "$9\r\nhashtable\r\n"),
        ("SREM s x", ":1\r\n"),
        ("OBJECT ENCODING s", "$9\r\nhashtable\r\n"),
        ("OBJECT ENCODING nope", "$-1\r\n"),
        ("OBJECT REFCOUNT nope", "$-1\r\n"),
        ("OBJECT IDLETIME nope", "$-1\r\n"),
        ("OBJECT FREQ nope", "$-1\r\n"),
        ("OBJECT FREQ s", "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"),
        ("OBJECT IDLETIME s", ":0\r\n"),
        ("OBJECT", "-ERR wrong number of arguments for 'object' command\r\n"),
        ("OBJECT foo", "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"),
        ("OBJECT foo bar", "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"),
        ("OBJECT ENCODING", "-ERR wrong number of arguments for 'object|encoding' command\r\n"),
        ("OBJECT ENCODING s x", "-ERR wrong number of arguments for 'object|encoding' command\r\n"),
        ("OBJECT REFCOUNT", "-ERR wrong number of arguments for 'object|refcount' command\r\n"),
        ("OBJECT IDLETIME s x", "-ERR wrong number of arguments for 'object|idletime' command\r\n"),
        ("OBJECT FREQ", "-ERR wrong number of arguments for 'object|freq' command\r\n"),
        ("OBJECT HELP", "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"),
        ("OBJECT help x", "-ERR wrong number of arguments for 'object|help' command\r\n"),
        ],
    );
}

/// The thresholds where Redis converts a collection (recorded from
/// redis-server 7.0.15).
#[test]
fn encodings_change_at_redis_thresholds() {
    let mut h = harness();
    let ints: Vec<String> = (0..513).map(|i| i.to_string()).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(ints[..512].iter().map(String::as_str));
    run(&mut h, &sadd);
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "s"]),
        b"$6\r\nintset\r\n"
    );
    run(&mut h, &["SADD", "s", "512"]);
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "s"]),
        b"$9\r\nhashtable\r\n"
    );
    // hash-max-listpack-entries is 512 in Redis 7.0.15.
    let mut hset = vec!["HSET", "h"];
    for i in &ints[..512] {
        hset.push(i);
        hset.push("v");
    }
    run(&mut h, &hset);
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "h"]),
        b"$8\r\nlistpack\r\n"
    );
    run(&mut h, &["HSET", "h", "512", "v"]);
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "h"]),
        b"$9\r\nhashtable\r\n"
    );
    let mut rpush = vec!["RPUSH", "l"];
    rpush.extend(ints.iter().map(String::as_str));
    run(&mut h, &rpush);
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "l"]),
        b"$9\r\nquicklist\r\n"
    );
}

/// Reads count as accesses, OBJECT and TYPE do not; the clock is the
/// shards' (100 ms ticks, set here by hand, by the tick in a server).
#[test]
fn idletime_follows_the_access_clock() {
    let mut h = inline();
    let keys = crate::testutil::keys_on_distinct_shards(&h, "k");
    let set_clock = |h: &mut kevy_rt::testing::Harness<crate::Redis>, s: u32| {
        for i in 0..crate::testutil::SHARDS {
            h.shard(i).dbs.iter_mut().for_each(|db| db.set_lru_clock(s));
        }
    };
    set_clock(&mut h, 10_000);
    for k in &keys {
        run(&mut h, &["SET", k, "v"]);
    }
    set_clock(&mut h, 10_100);
    let idle = |h: &mut _, k: &str| run(h, &["OBJECT", "IDLETIME", k]);
    assert_eq!(idle(&mut h, &keys[0]), b":10\r\n");
    run(&mut h, &["TYPE", &keys[0]]);
    run(&mut h, &["TTL", &keys[0]]);
    run(&mut h, &["EXISTS", &keys[0]]);
    run(&mut h, &["OBJECT", "ENCODING", &keys[0]]);
    assert_eq!(idle(&mut h, &keys[0]), b":10\r\n");
    run(&mut h, &["GET", &keys[0]]);
    assert_eq!(idle(&mut h, &keys[0]), b":0\r\n");
    run(&mut h, &["TOUCH", &keys[1], &keys[2]]);
    assert_eq!(idle(&mut h, &keys[1]), b":0\r\n");
    assert_eq!(idle(&mut h, &keys[2]), b":0\r\n");
    set_clock(&mut h, 10_150);
    run(&mut h, &["EXPIRE", &keys[1], "100"]);
    assert_eq!(idle(&mut h, &keys[1]), b":0\r\n");
    assert_eq!(idle(&mut h, &keys[2]), b":5\r\n");
    // A rename, a copy or an overwrite makes a fresh object.
    run(&mut h, &["RENAME", &keys[2], "renamed"]);
    assert_eq!(idle(&mut h, "renamed"), b":0\r\n");
}

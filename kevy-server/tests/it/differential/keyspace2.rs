//! More generic keyspace commands: RENAME, RENAMENX, COPY, MOVE, SWAPDB,
//! SELECT with FLUSHDB and DBSIZE per database, OBJECT, SORT, SORT_RO, SCAN
//! and RANDOMKEY.
//!
//! With two shards, `a`, `c`, `k`, `l`, `h`, `dst` live on shard 1 and `b`,
//! `g`, `k2`, `s`, `x`, `y`, `z` on shard 0, so most two-key steps cross
//! shards. SCAN steps here complete in one call (few keys); whole scans of
//! many keys are compared as sets of keys by `scans_return_the_same_keys`.

use std::collections::BTreeSet;

use super::{run_family, Pair, Seq};
use crate::util::{array_items, Raw};

pub const SEQUENCES: &[Seq] = &[
    // SORT and OBJECT over sorted sets; RENAME/COPY/MOVE carry them whole
    &[
        &[
            "ZADD", "zs", "3", "c", "1", "a", "2", "b", "10", "10", "-5", "-5",
        ],
        &["SORT", "zs", "ALPHA"],
        &["SORT", "zs", "BY", "nosort"],
        &["SORT", "zs", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &["SORT", "zs", "ALPHA", "DESC", "LIMIT", "0", "3"],
        &["SORT", "zs"],
        &["ZADD", "nums", "3", "30", "1", "10", "2", "20"],
        &["SORT", "nums"],
        &["SORT", "nums", "DESC"],
        &["SORT_RO", "nums", "BY", "nosort"],
        &["OBJECT", "ENCODING", "zs"],
        &["COPY", "zs", "zs2"],
        &["ZRANGE", "zs2", "0", "-1", "WITHSCORES"],
        &["RENAME", "zs2", "other"],
        &["ZRANGE", "other", "0", "-1", "WITHSCORES"],
        &["MOVE", "other", "3"],
        &["SELECT", "3"],
        &["ZCARD", "other"],
        &["TYPE", "other"],
    ],
    // RENAME and RENAMENX, on one shard (a, c) and across shards.
    &[
        &["SET", "a", "1"],
        &["RENAME", "a", "a"],
        &["RENAMENX", "a", "a"],
        &["RENAME", "nope", "nope"],
        &["RENAME", "nope", "b"],
        &["RENAMENX", "nope", "b"],
        &["SET", "b", "2"],
        &["RENAMENX", "a", "b"],
        &["RENAME", "a", "b"],
        &["MGET", "a", "b"],
        &["RENAME", "b", "c"],
        &["RENAME", "c", "g"],
        &["RENAMENX", "g", "x"],
        &["RENAMENX", "x", "k"],
        &["SET", "z", "9"],
        &["RENAMENX", "k", "z"],
        &["MGET", "a", "b", "c", "g", "x", "k", "z"],
        &["DBSIZE"],
        &["RENAME"],
        &["RENAME", "a"],
        &["RENAME", "a", "b", "c"],
        &["RENAMENX", "a"],
        &["RENAMENX", "a", "b", "c"],
    ],
    // Time to live and every type move along, replacing any type.
    &[
        &["SET", "k", "v", "EX", "100000"],
        &["RENAME", "k", "k2"],
        &["TTL", "k2"],
        &["EXISTS", "k"],
        &["RPUSH", "l", "1", "2", "3"],
        &["PEXPIRE", "l", "500000000"],
        &["RENAME", "l", "x"],
        &["LRANGE", "x", "0", "-1"],
        &["PTTL", "x"],
        &["HSET", "h", "f", "v", "g", "w"],
        &["RENAME", "h", "k2"],
        &["TYPE", "k2"],
        &["TTL", "k2"],
        &["HGETALL", "k2"],
        &["SADD", "s", "1", "2", "x"],
        &["EXPIRE", "s", "300000"],
        &["RENAMENX", "s", "a"],
        &["TTL", "a"],
        &["SMEMBERS", "a"],
        &["RENAME", "a", "x"],
        &["TYPE", "x"],
        &["TTL", "x"],
        &["OBJECT", "ENCODING", "x"],
    ],
    // In another database.
    &[
        &["SET", "a", "db0"],
        &["SELECT", "3"],
        &["SET", "a", "db3", "EX", "100000"],
        &["RENAME", "a", "b"],
        &["RENAMENX", "b", "g"],
        &["TTL", "g"],
        &["GET", "g"],
        &["SELECT", "0"],
        &["MGET", "a", "b", "g"],
    ],
    // COPY: options, errors, one shard (a, c) and two (a, b), databases.
    &[
        &["SET", "a", "hello"],
        &["COPY", "a", "a"],
        &["COPY", "a", "c"],
        &["COPY", "a", "c"],
        &["COPY", "a", "b"],
        &["COPY", "a", "b"],
        &["COPY", "a", "b", "REPLACE"],
        &["COPY", "a", "b", "replace", "REPLACE"],
        &["COPY", "a", "b", "DB", "0"],
        &["COPY", "a", "b", "DB", "1"],
        &["COPY", "a", "b", "DB", "1"],
        &["COPY", "a", "c", "db", "1"],
        &["COPY", "a", "a", "DB", "1"],
        &["COPY", "a", "a", "DB", "0"],
        &["COPY", "a", "b", "DB", "16"],
        &["COPY", "a", "b", "DB", "x"],
        &["COPY", "a", "b", "DB"],
        &["COPY", "a", "b", "FOO"],
        &["COPY", "a", "b", "DB", "16", "FOO"],
        &["COPY", "a", "b", "FOO", "DB", "16"],
        &["COPY", "a", "b", "DB", "99999999999"],
        &["COPY", "a", "b", "DB", "-1"],
        &["COPY", "nope", "x"],
        &["COPY", "nope", "nope"],
        &["COPY", "nope", "b", "DB", "1"],
        &["COPY", "a"],
        &["COPY"],
        &["SELECT", "1"],
        &["MGET", "a", "b", "c"],
    ],
    &[
        &["RPUSH", "l", "1", "2", "3"],
        &["EXPIRE", "l", "500000"],
        &["COPY", "l", "x"],
        &["TTL", "x"],
        &["RPUSH", "x", "4"],
        &["LRANGE", "l", "0", "-1"],
        &["LRANGE", "x", "0", "-1"],
        &["HSET", "h", "f", "v"],
        &["COPY", "h", "y", "DB", "2"],
        &["SADD", "s", "1", "2", "a"],
        &["COPY", "s", "g"],
        &["SREM", "g", "a"],
        &["SCARD", "s"],
        &["SCARD", "g"],
        &[
            "SET",
            "k",
            "12345678901234567890123456789012345678901234567890",
        ],
        &["COPY", "k", "b", "REPLACE"],
        &["OBJECT", "ENCODING", "b"],
        &["COPY", "l", "b", "REPLACE"],
        &["TYPE", "b"],
        &["SELECT", "2"],
        &["HGETALL", "y"],
        &["OBJECT", "ENCODING", "y"],
    ],
    // MOVE: the key keeps its shard and its time to live.
    &[
        &["SET", "k", "v", "EX", "100000"],
        &["MOVE", "k", "1"],
        &["MOVE", "k", "0"],
        &["MOVE", "k", "16"],
        &["MOVE", "k", "-1"],
        &["MOVE", "k", "x"],
        &["MOVE", "k", "99999999999"],
        &["MOVE", "nope", "1"],
        &["MOVE", "k", "1"],
        &["EXISTS", "k"],
        &["SELECT", "1"],
        &["TTL", "k"],
        &["GET", "k"],
        &["MOVE", "k", "0"],
        &["SELECT", "0"],
        &["SET", "k", "other"],
        &["SELECT", "1"],
        &["MOVE", "k", "0"],
        &["GET", "k"],
        &["MOVE"],
        &["MOVE", "k"],
        &["MOVE", "k", "1", "2"],
    ],
    // SWAPDB, FLUSHDB and DBSIZE per database.
    &[
        &["MSET", "a", "1", "b", "2", "g", "3"],
        &["SELECT", "1"],
        &["SET", "b", "in1"],
        &["DBSIZE"],
        &["SWAPDB", "0", "1"],
        &["DBSIZE"],
        &["MGET", "a", "b", "g"],
        &["SELECT", "0"],
        &["DBSIZE"],
        &["GET", "b"],
        &["SWAPDB", "0", "16"],
        &["SWAPDB", "x", "1"],
        &["SWAPDB", "1", "x"],
        &["SWAPDB", "99999999999", "1"],
        &["SWAPDB", "1", "99999999999"],
        &["SWAPDB", "-1", "0"],
        &["SWAPDB", "0", "-1"],
        &["SWAPDB", "0", "0"],
        &["SWAPDB", "1", "0"],
        &["DBSIZE"],
        &["FLUSHDB"],
        &["DBSIZE"],
        &["SELECT", "1"],
        &["DBSIZE"],
        &["KEYS", "*"],
        &["SELECT", "15"],
        &["SELECT", "16"],
        &["SELECT", "-1"],
        &["SELECT", "x"],
        &["SWAPDB"],
        &["SWAPDB", "0"],
        &["SWAPDB", "0", "1", "2"],
    ],
    // OBJECT.
    &[
        &["SET", "i", "7"],
        &["OBJECT", "ENCODING", "i"],
        &["OBJECT", "REFCOUNT", "i"],
        &["INCRBY", "i", "20000"],
        &["OBJECT", "ENCODING", "i"],
        &["OBJECT", "REFCOUNT", "i"],
        &["SET", "n", "-0"],
        &["OBJECT", "ENCODING", "n"],
        &["SET", "n", "12345678901234567890"],
        &["OBJECT", "ENCODING", "n"],
        &["SET", "e", "12345678901234567890123456789012345678901234"],
        &["OBJECT", "ENCODING", "e"],
        &["SET", "e", "123456789012345678901234567890123456789012345"],
        &["OBJECT", "ENCODING", "e"],
        &["OBJECT", "REFCOUNT", "e"],
        &["INCRBYFLOAT", "f", "3"],
        &["OBJECT", "ENCODING", "f"],
        &["RPUSH", "l", "a"],
        &["OBJECT", "ENCODING", "l"],
        &["HSET", "h", "f", "v"],
        &["OBJECT", "ENCODING", "h"],
        &[
            "HSET",
            "h",
            "long",
            "12345678901234567890123456789012345678901234567890123456789012345",
        ],
        &["OBJECT", "ENCODING", "h"],
        &["SADD", "s", "1", "2"],
        &["OBJECT", "ENCODING", "s"],
        &["SADD", "s", "x"],
        &["OBJECT", "ENCODING", "s"],
        &["OBJECT", "IDLETIME", "s"],
        &["OBJECT", "FREQ", "s"],
        &["OBJECT", "ENCODING", "nope"],
        &["OBJECT", "REFCOUNT", "nope"],
        // Small integers are shared unless a limit with an LRU or LFU
        // policy is set (maxmemory.tcl 'integers are not shared').
        &["SET", "si", "7"],
        &["CONFIG", "SET", "maxmemory", "1073741824"],
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"],
        &["SET", "si", "7"],
        &["OBJECT", "REFCOUNT", "si"],
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
        &["SET", "si", "7"],
        &["OBJECT", "REFCOUNT", "si"],
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lfu"],
        &["SET", "si", "8"],
        &["OBJECT", "REFCOUNT", "si"],
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        &["CONFIG", "SET", "maxmemory", "0"],
        &["SET", "si", "9"],
        &["OBJECT", "REFCOUNT", "si"],
        &["DEL", "si"],
        &["OBJECT", "IDLETIME", "nope"],
        &["OBJECT", "FREQ", "nope"],
        &["OBJECT"],
        &["OBJECT", "foo"],
        &["OBJECT", "ENCODING"],
        &["OBJECT", "ENCODING", "s", "x"],
        &["OBJECT", "HELP"],
        &["OBJECT", "help", "x"],
        &[
            "COMMAND",
            "INFO",
            "rename",
            "renamenx",
            "copy",
            "move",
            "swapdb",
            "randomkey",
            "scan",
            "sort",
            "sort_ro",
            "object|encoding",
            "object|refcount",
            "object|idletime",
            "object|freq",
            "object|help",
        ],
        &[
            "COMMAND", "GETKEYS", "SORT", "k", "STORE", "d", "STORE", "e",
        ],
        &[
            "COMMAND", "GETKEYS", "SORT", "k", "LIMIT", "STORE", "1", "STORE", "x",
        ],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "SORT",
            "k",
            "GET",
            "x",
            "STORE",
            "d",
        ],
        &["COMMAND", "GETKEYS", "SORT_RO", "k", "STORE", "d"],
        &["COMMAND", "GETKEYS", "COPY", "a", "b", "DB", "1"],
        &["COMMAND", "GETKEYS", "OBJECT", "ENCODING", "k"],
        &["COMMAND", "GETKEYS", "MOVE", "k", "1"],
        &["COMMAND", "GETKEYS", "SCAN", "0"],
        &["COMMAND", "GETKEYS", "SWAPDB", "0", "1"],
    ],
    // SORT: numbers, ALPHA, LIMIT, BY nosort, errors.
    &[
        &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5", "2e1", " 7"],
        &["SORT", "l"],
        &["SORT", "l", "DESC"],
        &["SORT", "l", "ALPHA"],
        &["SORT", "l", "ALPHA", "DESC", "LIMIT", "1", "3"],
        &["SORT", "l", "LIMIT", "1", "2"],
        &["SORT", "l", "LIMIT", "-1", "2"],
        &["SORT", "l", "LIMIT", "10", "2"],
        &["SORT", "l", "LIMIT", "0", "0"],
        &["SORT", "l", "BY", "nosort"],
        &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &["SORT_RO", "l", "DESC", "LIMIT", "0", "2"],
        &["SORT", "l", "LIMIT", "x", "2"],
        &["SORT", "l", "LIMIT", "1"],
        &["SORT", "l", "FOO"],
        &["SORT", "l", "STORE"],
        &["SORT_RO", "l", "STORE", "d"],
        &["SET", "str", "x"],
        &["SORT", "str"],
        &["SORT", "str", "FOO"],
        &["HSET", "hash", "f", "v"],
        &["SORT", "hash"],
        &["RPUSH", "bad", "a", "b", "1"],
        &["SORT", "bad"],
        &["SORT", "bad", "ALPHA"],
        &["SORT", "bad", "BY", "nosort"],
        &["SORT", "nope"],
        &["SORT"],
        &["SORT_RO"],
    ],
    // SORT BY and GET over keys on both shards, STORE on either.
    &[
        &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"],
        &[
            "MSET", "w_3", "1", "w_1", "3", "w_2", "2", "w_10", "0", "w_-5", "9", "w_1.5", "4",
        ],
        &["SORT", "l", "BY", "w_*"],
        &["SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*"],
        &[
            "SORT", "l", "BY", "w_*", "DESC", "LIMIT", "1", "3", "GET", "#",
        ],
        &["SORT", "l", "GET", "o_*", "GET", "#"],
        &["HSET", "h_3", "f", "30"],
        &["HSET", "h_1", "f", "10"],
        &["SORT", "l", "BY", "h_*->f", "GET", "h_*->f", "GET", "#"],
        &["SORT", "l", "BY", "h_*->f", "ALPHA"],
        &[
            "SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "STORE", "dst",
        ],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "l", "BY", "w_*", "STORE", "z"],
        &["LRANGE", "z", "0", "-1"],
        &["TTL", "z"],
        &["SORT", "l", "LIMIT", "0", "0", "STORE", "z"],
        &["EXISTS", "z"],
        &["SADD", "s", "5", "3", "9"],
        &["SORT", "s", "BY", "nosort", "DESC", "STORE", "g"],
        &["LRANGE", "g", "0", "-1"],
        &["SADD", "t", "b", "c", "a"],
        &["SORT", "t", "ALPHA"],
        &["SORT", "t", "BY", "nosort", "STORE", "g"],
        &["LRANGE", "g", "0", "-1"],
        &["SELECT", "2"],
        &["SORT", "l", "BY", "w_*"],
        &["RPUSH", "l", "2", "1"],
        &["SORT", "l", "BY", "w_*", "GET", "w_*"],
    ],
    // SCAN and RANDOMKEY (one call covers these few keys).
    &[
        &["SCAN", "0"],
        &["RANDOMKEY"],
        &["MSET", "a", "1", "b", "2", "c", "3"],
        &["RPUSH", "l", "x"],
        &["SCAN", "0"],
        &["SCAN", "0", "TYPE", "list"],
        &["SCAN", "0", "type", "STRING", "MATCH", "[ab]"],
        &["SCAN", "0", "TYPE", "foo"],
        &["SCAN", "0", "MATCH", "*", "COUNT", "100"],
        &["RANDOMKEY"],
        &["SCAN", "0", "COUNT", "0"],
        &["SCAN", "0", "COUNT", "-1"],
        &["SCAN", "0", "COUNT", "x"],
        &["SCAN", "0", "COUNT"],
        &["SCAN", "0", "MATCH"],
        &["SCAN", "0", "TYPE"],
        &["SCAN", "0", "FOO", "bar"],
        &["SCAN", "x"],
        &["SCAN", " 1"],
        &["SCAN", "18446744073709551616"],
        &["SCAN", "x", "COUNT", "0"],
        &["SCAN"],
        &["RANDOMKEY", "x"],
        &["SELECT", "9"],
        &["RANDOMKEY"],
        &["SCAN", "0"],
    ],
];

#[test]
fn keyspace2() {
    run_family("keyspace2", SEQUENCES);
}

#[test]
fn two_key_steps_cross_shards() {
    use crate::util::shard_of;
    let crossing = SEQUENCES
        .iter()
        .flat_map(|seq| seq.iter())
        .filter(|cmd| {
            ["RENAME", "RENAMENX", "COPY"].contains(&cmd[0]) && cmd.len() >= 3 && {
                shard_of(cmd[1]) != shard_of(cmd[2])
            }
        })
        .count();
    assert!(crossing >= 10, "only {crossing} two-key steps span shards");
}

/// Every key a full SCAN returns (cursor from 0 back to 0), on one
/// connection.
fn full_scan(c: &mut Raw, opts: &[&str]) -> BTreeSet<Vec<u8>> {
    let mut keys = BTreeSet::new();
    let mut cursor = b"0".to_vec();
    for _ in 0..100_000 {
        let cur = String::from_utf8_lossy(&cursor).into_owned();
        let mut args = vec!["SCAN", &cur];
        args.extend_from_slice(opts);
        let reply = c.call(&args);
        let items = array_items(&reply).expect("a SCAN reply");
        let found = array_items(items[1]).expect("SCAN's keys");
        keys.extend(
            found
                .iter()
                .map(|k| crate::util::bulk_body(k).unwrap_or(k).to_vec()),
        );
        cursor = crate::util::bulk_body(items[0]).expect("a cursor").to_vec();
        if cursor == b"0" {
            return keys;
        }
    }
    panic!("SCAN did not finish");
}

/// Many keys of every type in two databases: whole scans with MATCH, COUNT
/// and TYPE find the same keys on both servers, and RANDOMKEY only names
/// existing ones.
#[test]
fn scans_return_the_same_keys() {
    let pair = Pair::start();
    let (mut r, mut k) = pair.connect();
    for c in [&mut r, &mut k] {
        c.call(&["FLUSHALL"]);
        for db in ["0", "3"] {
            c.call(&["SELECT", db]);
            for i in 0..700 {
                let key = format!("{db}:key:{i}");
                match i % 4 {
                    0 => c.call(&["SET", &key, "v"]),
                    1 => c.call(&["RPUSH", &key, "x"]),
                    2 => c.call(&["SADD", &key, "x"]),
                    _ => c.call(&["HSET", &key, "f", "v"]),
                };
            }
        }
    }
    for db in ["0", "3"] {
        r.call(&["SELECT", db]);
        k.call(&["SELECT", db]);
        for opts in [
            &[][..],
            &["COUNT", "1"],
            &["COUNT", "1000"],
            &["MATCH", "*:1*"],
            &["TYPE", "list", "COUNT", "3"],
            &["TYPE", "hash", "MATCH", "*7"],
        ] {
            let (a, b) = (full_scan(&mut r, opts), full_scan(&mut k, opts));
            assert!(!a.is_empty(), "{db} {opts:?}");
            assert_eq!(a, b, "SCAN {opts:?} in database {db}");
        }
        let all = full_scan(&mut r, &[]);
        for _ in 0..50 {
            let key = k.call(&["RANDOMKEY"]);
            let key = crate::util::bulk_body(&key).expect("a key").to_vec();
            assert!(all.contains(&key), "RANDOMKEY gave {key:?}");
        }
    }
}

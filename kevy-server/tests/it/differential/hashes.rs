//! The hash family: HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN, HEXISTS, HKEYS,
//! HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HSTRLEN, HRANDFIELD, HSCAN; wrong types both
//! ways, arities, bad numbers, keys deleted with their last field.
//!
//! Small hashes reply in insertion order in both servers and are compared exactly;
//! large ones (a hash table in Redis) through the unordered rules.

use super::{run_family, run_generated, Seq};

pub const SEQUENCES: &[Seq] = &[
    &[
        // hset and hget
        &["HSET", "h", "f1", "v1", "f2", "v2"],
        &["HSET", "h", "f1", "x", "f3", "v3"],
        &["HGET", "h", "f1"],
        &["HGET", "h", "nope"],
        &["HGET", "missing", "f"],
        &["HGETALL", "h"],
        &["HKEYS", "h"],
        &["HVALS", "h"],
        &["HLEN", "h"],
        &["HLEN", "missing"],
        &["HEXISTS", "h", "f2"],
        &["HEXISTS", "h", "nope"],
        &["HEXISTS", "missing", "f"],
        &["HSTRLEN", "h", "f3"],
        &["HSTRLEN", "h", "nope"],
        &["HSTRLEN", "missing", "f"],
        &["TYPE", "h"],
        &["HSET", "h", "f"],
        &["HSET", "h", "f", "v", "g"],
        &["HSET", "h"],
        &["HMSET", "h", "a", "1", "b", "2"],
        &["HMSET", "h", "a"],
        &["HMSET", "h", "a", "1", "b"],
        &["HGETALL", "h"],
        &["HGETALL", "missing"],
        &["HKEYS", "missing"],
        &["HVALS", "missing"],
    ],
    &[
        // hsetnx hmget hdel
        &["HSETNX", "h", "f", "v"],
        &["HSETNX", "h", "f", "w"],
        &["HGET", "h", "f"],
        &["HSETNX", "h", "g", "w"],
        &["HMGET", "h", "f", "g", "nope"],
        &["HMGET", "missing", "a", "b"],
        &["HMGET", "h"],
        &["HDEL", "h", "f", "nope", "f"],
        &["HDEL", "h", "nope"],
        &["HDEL", "missing", "f"],
        &["HDEL", "h", "g"],
        &["EXISTS", "h"],
        &["HSET", "h", "a", "1", "b", "2", "c", "3"],
        &["HDEL", "h", "a", "b", "c", "d"],
        &["EXISTS", "h"],
        &["HDEL", "h"],
    ],
    &[
        // hash wrong type
        &["SET", "s", "x"],
        &["HSET", "s", "f", "v"],
        &["HMSET", "s", "f", "v"],
        &["HSETNX", "s", "f", "v"],
        &["HGET", "s", "f"],
        &["HMGET", "s", "f"],
        &["HDEL", "s", "f"],
        &["HLEN", "s"],
        &["HEXISTS", "s", "f"],
        &["HSTRLEN", "s", "f"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "f", "1"],
        &["HINCRBYFLOAT", "s", "f", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "1"],
        &["HSCAN", "s", "0"],
        &["HSET", "h", "f", "v"],
        &["GET", "h"],
        &["SET", "h", "x"],
        &["GET", "h"],
        &["TYPE", "h"],
    ],
    &[
        // hincrby
        &["HINCRBY", "h", "f", "5"],
        &["HINCRBY", "h", "f", "-10"],
        &["HGET", "h", "f"],
        &["HINCRBY", "h", "f", "9223372036854775807"],
        &["HINCRBY", "h", "f", "-9223372036854775808"],
        &["HGET", "h", "f"],
        &["HSET", "h", "big", "9223372036854775807"],
        &["HINCRBY", "h", "big", "1"],
        &["HINCRBY", "h", "big", "0"],
        &["HSET", "h", "str", "abc"],
        &["HINCRBY", "h", "str", "1"],
        &["HSET", "h", "sp", " 1"],
        &["HINCRBY", "h", "sp", "1"],
        &["HINCRBY", "h", "f", "x"],
        &["HINCRBY", "h", "f", "1.5"],
        &["HINCRBY", "missing", "f", "x"],
        &["HINCRBY", "h", "f"],
        &["HSET", "h", "neg", "-9223372036854775808"],
        &["HINCRBY", "h", "neg", "-1"],
    ],
    &[
        // hincrbyfloat
        &["HINCRBYFLOAT", "h", "f", "1.5"],
        &["HINCRBYFLOAT", "h", "f", "2.5"],
        &["HGET", "h", "f"],
        &["HINCRBYFLOAT", "h", "f", "-4"],
        &["HINCRBYFLOAT", "h", "g", "1e3"],
        &["HINCRBYFLOAT", "h", "g", "3.0e-2"],
        &["HSET", "h", "i", "10"],
        &["HINCRBYFLOAT", "h", "i", "0.1"],
        &["HSET", "h", "s", "abc"],
        &["HINCRBYFLOAT", "h", "s", "1"],
        &["HINCRBYFLOAT", "h", "f", "abc"],
        &["HINCRBYFLOAT", "h", "f", "inf"],
        &["HINCRBYFLOAT", "h", "f", "-inf"],
        &["HINCRBYFLOAT", "h", "f", "nan"],
        &["HINCRBYFLOAT", "missing", "f", "inf"],
        &["EXISTS", "missing"],
        &["HSET", "h", "huge", "1.5e308"],
        &["HINCRBYFLOAT", "h", "huge", "1.5e308"],
        &["HSET", "h", "max", "1e4932"],
        &["HINCRBYFLOAT", "h", "max", "1e4932"],
        &["HINCRBYFLOAT", "h", "f", ""],
        &["HINCRBYFLOAT", "h", "f", " 1"],
        &["HMGET", "h", "f", "g", "i", "s", "huge", "max"],
    ],
    &[
        // hrandfield errors
        &["HRANDFIELD", "missing"],
        &["HRANDFIELD", "missing", "3"],
        &["HRANDFIELD", "missing", "-3", "WITHVALUES"],
        &["HRANDFIELD", "missing", "x"],
        &["HRANDFIELD", "missing", "-9223372036854775808"],
        &["HRANDFIELD", "missing", "1", "FOO"],
        &["HRANDFIELD", "missing", "1", "WITHVALUES", "x"],
        &["HRANDFIELD", "missing", "4611686018427387904", "WITHVALUES"],
        &[
            "HRANDFIELD",
            "missing",
            "-4611686018427387904",
            "WITHVALUES",
        ],
        &["HSET", "h", "a", "1"],
        &["HRANDFIELD", "h"],
        &["HRANDFIELD", "h", "1"],
        &["HRANDFIELD", "h", "0"],
        &["HRANDFIELD", "h", "-2"],
        &["HRANDFIELD", "h", "5", "WITHVALUES"],
        &["HRANDFIELD", "h", "-2", "WITHVALUES"],
        &["HRANDFIELD", "h", "1", "withvalues"],
        &["HRANDFIELD", "h", "0", "WITHVALUES"],
        &["HRANDFIELD", "h", "1", "WITHVALUES", "FOO"],
    ],
    &[
        // hscan small
        &["HSET", "h", "a", "1", "b", "2", "c", "3", "ab", "4"],
        &["HSCAN", "h", "0"],
        &["HSCAN", "h", "0", "MATCH", "a*"],
        &["HSCAN", "h", "0", "MATCH", "*b", "COUNT", "1"],
        &["HSCAN", "h", "0", "COUNT", "100", "MATCH", "nope"],
        &["HSCAN", "h", "0", "MATCH", "*"],
        &["HSCAN", "h", "42"],
        &["HSCAN", "h", "0", "COUNT", "0"],
        &["HSCAN", "h", "0", "COUNT", "-1"],
        &["HSCAN", "h", "0", "COUNT", "x"],
        &["HSCAN", "h", "0", "MATCH"],
        &["HSCAN", "h", "0", "FOO", "bar"],
        &["HSCAN", "h", "x"],
        &["HSCAN", "h", "-1"],
        &["HSCAN", "h", ""],
        &["HSCAN", "missing", "0"],
        &["HSCAN", "missing", "0", "COUNT", "0"],
        &["HSCAN", "missing", "x"],
        &["HSCAN", "h"],
    ],
    &[
        // strings meet hashes
        &["HSET", "h", "f", "v"],
        &["GET", "h"],
        &["GETSET", "h", "x"],
        &["SETRANGE", "h", "0", "x"],
        &["INCRBYFLOAT", "h", "1"],
        &["MGET", "h"],
        &["SET", "h", "plain"],
        &["TYPE", "h"],
        &["HGET", "h", "f"],
        &["HSET", "h", "f", "v"],
    ],
    &[
        // expiring hashes
        &["HSET", "h", "a", "1", "b", "2"],
        &["EXPIRE", "h", "1000"],
        &["HDEL", "h", "a"],
        &["TTL", "h"],
        &["HDEL", "h", "b"],
        &["EXISTS", "h"],
        &["HSET", "h", "c", "3"],
        &["TTL", "h"],
        &["HSET", "h2", "x", "1"],
        &["PEXPIREAT", "h2", "1"],
        &["HGET", "h2", "x"],
        &["HLEN", "h2"],
        &["EXISTS", "h2"],
    ],
    &[
        // insertion order of small hashes
        &["HSET", "h", "z", "1", "y", "2", "x", "3"],
        &["HSET", "h", "y", "20", "w", "4"],
        &["HDEL", "h", "z"],
        &["HSET", "h", "z", "5"],
        &["HGETALL", "h"],
        &["HKEYS", "h"],
        &["HVALS", "h"],
        &["HSCAN", "h", "0"],
        &["HSCAN", "h", "0", "MATCH", "?"],
        &["HRANDFIELD", "h", "10"],
        &["HRANDFIELD", "h", "10", "WITHVALUES"],
        &["HINCRBY", "h", "x", "5"],
        &["HINCRBYFLOAT", "h", "w", "0.5"],
        &["HGETALL", "h"],
    ],
    // The command table against COMMAND INFO and key extraction.
    &[
        &[
            "COMMAND",
            "INFO",
            "hset",
            "hsetnx",
            "hmset",
            "hget",
            "hmget",
            "hdel",
            "hlen",
            "hexists",
            "hkeys",
            "hvals",
            "hgetall",
            "hincrby",
            "hincrbyfloat",
            "hstrlen",
            "hrandfield",
            "hscan",
        ],
        &["COMMAND", "GETKEYS", "HSET", "h", "f", "v"],
    ],
];

#[test]
fn hashes() {
    run_family("hashes", SEQUENCES);
}

fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Hashes past the packed thresholds (128 fields, 64-byte values).
#[test]
fn hashes_generated() {
    let mut s = Vec::new();
    let mut hset = cmd(&["HSET", "big"]);
    for i in 0..300 {
        hset.push(format!("field:{i}"));
        hset.push(format!("{}", i * 7));
    }
    s.push(hset);
    s.push(cmd(&["HLEN", "big"]));
    s.push(cmd(&["HGETALL", "big"]));
    s.push(cmd(&["HKEYS", "big"]));
    s.push(cmd(&["HVALS", "big"]));
    s.push(cmd(&[
        "HMGET",
        "big",
        "field:0",
        "field:299",
        "nope",
        "field:150",
    ]));
    s.push(cmd(&["HSCAN", "big", "0", "COUNT", "100000"]));
    s.push(cmd(&[
        "HSCAN", "big", "0", "COUNT", "100000", "MATCH", "field:1?",
    ]));
    s.push(cmd(&["HRANDFIELD", "big", "-50", "WITHVALUES"]));
    s.push(cmd(&["HRANDFIELD", "big", "1000"]));
    s.push(cmd(&["HINCRBY", "big", "field:3", "100"]));
    s.push(cmd(&["HINCRBYFLOAT", "big", "field:4", "0.25"]));
    let mut hdel = cmd(&["HDEL", "big"]);
    hdel.extend((0..300).step_by(2).map(|i| format!("field:{i}")));
    s.push(hdel);
    s.push(cmd(&["HLEN", "big"]));
    s.push(cmd(&["HGETALL", "big"]));
    // One long value converts a small hash.
    s.push(cmd(&["HSET", "long", "a", "1", "b", "2"]));
    s.push(cmd(&["HSET", "long", "c", &"v".repeat(65)]));
    s.push(cmd(&["HGETALL", "long"]));
    s.push(cmd(&["HSETNX", "long2", "f", &"v".repeat(64)]));
    s.push(cmd(&["HGETALL", "long2"]));
    s.push(cmd(&["HINCRBYFLOAT", "long2", &"k".repeat(100), "1.5"]));
    s.push(cmd(&["HGETALL", "long2"]));
    let mut hdel = cmd(&["HDEL", "big"]);
    hdel.extend((1..300).step_by(2).map(|i| format!("field:{i}")));
    s.push(hdel);
    s.push(cmd(&["EXISTS", "big"]));
    run_generated("hashes (generated)", &[s]);
}

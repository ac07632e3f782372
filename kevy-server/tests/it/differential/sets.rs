//! The set family: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP,
//! SRANDMEMBER, SMOVE, SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD, SSCAN;
//! wrong types both ways, arities, bad numbers, keys deleted with their last member.
//!
//! With two shards, `a` and `b` (also `k1` and `k2`, `dest` and `out`) live on
//! different shards, so multi-key commands over them run as cross-shard plans;
//! `{t}…` keys share one. Sets of at most 512 integers reply in ascending order in
//! both servers; others through the unordered rules, random picks by shape.

use super::{run_family, run_generated, Seq};

pub const SEQUENCES: &[Seq] = &[
    &[
        // sadd and members
        &["SADD", "s", "3", "1", "2", "3"],
        &["SADD", "s", "10", "-5"],
        &["SMEMBERS", "s"],
        &["SCARD", "s"],
        &["SISMEMBER", "s", "10"],
        &["SISMEMBER", "s", "010"],
        &["SISMEMBER", "s", "x"],
        &["SISMEMBER", "missing", "x"],
        &["SMISMEMBER", "s", "1", "x", "2"],
        &["SMISMEMBER", "missing", "a", "b"],
        &["SCARD", "missing"],
        &["SMEMBERS", "missing"],
        &["TYPE", "s"],
        &["SADD", "s", "x"],
        &["SCARD", "s"],
        &["SISMEMBER", "s", "10"],
        &["SISMEMBER", "s", "x"],
        &["SADD", "s"],
        &["SISMEMBER", "s"],
        &["SMISMEMBER", "s"],
        &[
            "SADD",
            "n",
            "9223372036854775807",
            "-9223372036854775808",
            "0",
            "-0",
            "007",
            "+1",
        ],
        &["SCARD", "n"],
        &["SISMEMBER", "n", "-0"],
        &["SISMEMBER", "n", "0"],
    ],
    &[
        // srem deletes
        &["SADD", "s", "a", "b", "c"],
        &["EXPIRE", "s", "1000"],
        &["SREM", "s", "a", "x"],
        &["SREM", "s", "b", "c"],
        &["EXISTS", "s"],
        &["SREM", "s", "a"],
        &["SREM", "missing", "a"],
        &["SADD", "s", "1", "2"],
        &["TTL", "s"],
        &["SREM", "s", "1", "2", "3"],
        &["EXISTS", "s"],
        &["SREM", "s"],
    ],
    &[
        // set wrong type
        &["SET", "str", "x"],
        &["SADD", "str", "a"],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SSCAN", "str", "0"],
        &["SINTER", "str"],
        &["SUNION", "str"],
        &["SDIFF", "str"],
        &["SINTERCARD", "1", "str"],
        &["SADD", "s", "a"],
        &["GET", "s"],
        &["INCR", "s"],
        &["TYPE", "s"],
        &["LPUSH", "s", "x"],
        &["HSET", "s", "f", "v"],
    ],
    &[
        // spop and srandmember shapes
        &["SADD", "s", "1"],
        &["SPOP", "s"],
        &["EXISTS", "s"],
        &["SPOP", "s"],
        &["SPOP", "s", "0"],
        &["SPOP", "s", "3"],
        &["SADD", "s", "1", "2", "3"],
        &["SPOP", "s", "0"],
        &["SPOP", "s", "3"],
        &["EXISTS", "s"],
        &["SADD", "s", "a"],
        &["SPOP", "s", "5"],
        &["SPOP", "s", "-1"],
        &["SPOP", "s", "x"],
        &["SPOP", "s", "1", "2"],
        &["SADD", "s", "x"],
        &["SRANDMEMBER", "s"],
        &["SRANDMEMBER", "s", "1"],
        &["SRANDMEMBER", "s", "0"],
        &["SRANDMEMBER", "s", "-3"],
        &["SRANDMEMBER", "s", "5"],
        &["SRANDMEMBER", "s", "x"],
        &["SRANDMEMBER", "s", "-9223372036854775808"],
        &["SRANDMEMBER", "s", "1", "2"],
        &["SRANDMEMBER", "missing"],
        &["SRANDMEMBER", "missing", "5"],
        &["SRANDMEMBER", "missing", "-5"],
        &["SADD", "ints", "5", "3", "1"],
        &["SPOP", "ints", "10"],
        &["SADD", "ints", "5", "3", "1"],
        &["SRANDMEMBER", "ints", "10"],
    ],
    &[
        // sscan
        &["SADD", "ints", "5", "3", "1", "20"],
        &["SSCAN", "ints", "0"],
        &["SSCAN", "ints", "0", "MATCH", "2*"],
        &["SSCAN", "ints", "99", "COUNT", "1"],
        &["SSCAN", "ints", "0", "COUNT", "0"],
        &["SSCAN", "ints", "0", "COUNT", "x"],
        &["SSCAN", "ints", "0", "MATCH"],
        &["SSCAN", "ints", "0", "FOO", "1"],
        &["SSCAN", "ints", "x"],
        &["SSCAN", "ints", "-1"],
        &["SSCAN", "missing", "0"],
        &["SSCAN", "missing", "0", "COUNT", "0"],
        &["SSCAN", "missing", "x"],
        &["SSCAN", "ints"],
    ],
    &[
        // smove same shard
        &["SADD", "{t}a", "1", "2", "x"],
        &["SMOVE", "{t}a", "{t}b", "1"],
        &["SMOVE", "{t}a", "{t}b", "1"],
        &["SMOVE", "{t}a", "{t}b", "nope"],
        &["SMEMBERS", "{t}b"],
        &["SMOVE", "{t}a", "{t}a", "2"],
        &["SMOVE", "{t}a", "{t}a", "9"],
        &["SMOVE", "{t}missing", "{t}b", "1"],
        &["SET", "{t}s", "x"],
        &["SMOVE", "{t}missing", "{t}s", "1"],
        &["SMOVE", "{t}s", "{t}a", "1"],
        &["SMOVE", "{t}a", "{t}s", "2"],
        &["SMOVE", "{t}a", "{t}s", "nope"],
        &["SMOVE", "{t}a", "{t}b", "2"],
        &["SMOVE", "{t}a", "{t}b", "x"],
        &["EXISTS", "{t}a"],
        &["SCARD", "{t}b"],
        &["SMOVE", "{t}a", "{t}b"],
    ],
    &[
        // smove across shards
        &["SADD", "a", "1", "2", "x"],
        &["SMOVE", "a", "b", "1"],
        &["SMOVE", "a", "b", "1"],
        &["SMOVE", "a", "b", "nope"],
        &["SMEMBERS", "b"],
        &["SMOVE", "missing", "b", "1"],
        &["SET", "g", "str"],
        &["SMOVE", "missing", "g", "1"],
        &["SMOVE", "g", "a", "1"],
        &["SMOVE", "a", "g", "2"],
        &["SMOVE", "a", "g", "nope"],
        &["SMOVE", "b", "a", "1"],
        &["SMOVE", "a", "b", "2"],
        &["SMOVE", "a", "b", "x"],
        &["EXISTS", "a"],
        &["SCARD", "b"],
        &["SMEMBERS", "a"],
    ],
    &[
        // algebra same shard
        &["SADD", "{t}a", "1", "2", "3", "4"],
        &["SADD", "{t}b", "3", "4", "5"],
        &["SADD", "{t}c", "x", "4", "y"],
        &["SINTER", "{t}a", "{t}b"],
        &["SINTER", "{t}a", "{t}b", "{t}c"],
        &["SINTER", "{t}a", "{t}missing"],
        &["SINTER", "{t}a"],
        &["SUNION", "{t}a", "{t}b"],
        &["SUNION", "{t}a", "{t}missing"],
        &["SDIFF", "{t}a", "{t}b"],
        &["SDIFF", "{t}a", "{t}a"],
        &["SDIFF", "{t}missing", "{t}a"],
        &["SDIFF", "{t}a", "{t}missing", "{t}b"],
        &["SINTERSTORE", "{t}d", "{t}a", "{t}b"],
        &["SMEMBERS", "{t}d"],
        &["SUNIONSTORE", "{t}d", "{t}a", "{t}b"],
        &["SMEMBERS", "{t}d"],
        &["SDIFFSTORE", "{t}d", "{t}a", "{t}b"],
        &["SMEMBERS", "{t}d"],
        &["SINTERSTORE", "{t}d", "{t}a", "{t}missing"],
        &["EXISTS", "{t}d"],
        &["SET", "{t}s", "x"],
        &["SINTER", "{t}missing", "{t}s"],
        &["SUNION", "{t}a", "{t}s"],
        &["SDIFF", "{t}missing", "{t}s"],
        &["SINTERSTORE", "{t}d", "{t}a", "{t}s"],
        &["SUNIONSTORE", "{t}s", "{t}a"],
        &["TYPE", "{t}s"],
        &["SMEMBERS", "{t}s"],
        &["SET", "{t}d", "x"],
        &["EXPIRE", "{t}d", "1000"],
        &["SDIFFSTORE", "{t}d", "{t}a"],
        &["TTL", "{t}d"],
        &["SDIFFSTORE", "{t}d", "{t}a", "{t}a"],
        &["EXISTS", "{t}d"],
        &["SINTER"],
        &["SINTERSTORE", "{t}d"],
        &["SUNIONSTORE", "{t}d", "{t}a", "{t}a"],
        &["SMEMBERS", "{t}d"],
    ],
    &[
        // algebra across shards
        &["SADD", "a", "1", "2", "3", "4"],
        &["SADD", "b", "3", "4", "5"],
        &["SADD", "g", "4", "6", "3"],
        &["SINTER", "a", "b", "g"],
        &["SINTER", "a", "b"],
        &["SINTER", "a", "b", "g", "missing"],
        &["SUNION", "a", "b", "g"],
        &["SDIFF", "a", "b", "g"],
        &["SDIFF", "b", "a"],
        &["SDIFF", "missing", "a"],
        &["SINTERSTORE", "d", "a", "b", "g"],
        &["SMEMBERS", "d"],
        &["SUNIONSTORE", "a", "a", "b"],
        &["SMEMBERS", "a"],
        &["SDIFFSTORE", "g", "g", "a"],
        &["EXISTS", "g"],
        &["SINTERSTORE", "d", "a", "b", "missing"],
        &["EXISTS", "d"],
        &["SET", "s", "str"],
        &["SINTER", "a", "b", "s"],
        &["SUNIONSTORE", "d", "a", "s"],
        &["SDIFF", "s", "a", "b"],
        &["SADD", "g", "x", "y"],
        &["SUNIONSTORE", "d", "a", "g"],
        &["SCARD", "d"],
        &["SMISMEMBER", "d", "x", "y", "1", "9"],
        &["SINTERSTORE", "d", "g", "a"],
        &["SMEMBERS", "d"],
    ],
    &[
        // sintercard
        &["SADD", "{t}a", "1", "2", "3", "4"],
        &["SADD", "{t}b", "2", "3", "4", "5"],
        &["SINTERCARD", "2", "{t}a", "{t}b"],
        &["SINTERCARD", "2", "{t}a", "{t}b", "LIMIT", "2"],
        &["SINTERCARD", "2", "{t}a", "{t}b", "LIMIT", "0"],
        &["SINTERCARD", "2", "{t}a", "{t}b", "limit", "10"],
        &["SINTERCARD", "1", "{t}a"],
        &["SINTERCARD", "2", "{t}a", "{t}missing"],
        &["SADD", "a", "1", "2", "3"],
        &["SADD", "b", "2", "3", "9"],
        &["SINTERCARD", "2", "a", "b"],
        &["SINTERCARD", "2", "a", "b", "LIMIT", "1"],
        &["SINTERCARD", "3", "a", "b", "g"],
        &["SINTERCARD", "0", "a"],
        &["SINTERCARD", "x", "a"],
        &["SINTERCARD", "3", "a", "b"],
        &["SINTERCARD", "1", "a", "LIMIT", "-1"],
        &["SINTERCARD", "1", "a", "LIMIT", "x"],
        &["SINTERCARD", "1", "a", "LIMIT"],
        &["SINTERCARD", "1", "a", "FOO", "1"],
        &["SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "2"],
        &["SET", "s", "x"],
        &["SINTERCARD", "2", "a", "s"],
        &["SINTERCARD", "2", "missing", "s"],
        &["SINTERCARD", "1"],
    ],
    &[
        // strings meet sets
        &["SADD", "s", "a", "b"],
        &["GET", "s"],
        &["GETSET", "s", "x"],
        &["APPEND", "s", "x"],
        &["STRLEN", "s"],
        &["INCR", "s"],
        &["MGET", "s"],
        &["SET", "s", "plain"],
        &["TYPE", "s"],
        &["SADD", "s", "x"],
    ],
    &[
        // smove across shards with every kind of destination
        &["SADD", "a", "1", "2", "x"],
        &["SMOVE", "a", "b", "1"],
        &["SMOVE", "a", "b", "1"],
        &["SMEMBERS", "b"],
        &["SMOVE", "b", "a", "1"],
        &["SMOVE", "a", "b", "nope"],
        &["SET", "b", "str"],
        &["SMOVE", "a", "b", "2"],
        &["SMOVE", "missing", "b", "2"],
        &["SMOVE", "b", "a", "2"],
        &["SMEMBERS", "a"],
        &["DEL", "b"],
        &["LPUSH", "b", "v"],
        &["SMOVE", "a", "b", "x"],
        &["SMOVE", "a", "b", "zzz"],
        &["DEL", "b"],
        &["SMOVE", "a", "b", "2"],
        &["SMOVE", "a", "b", "x"],
        &["SMOVE", "a", "b", "1"],
        &["EXISTS", "a"],
        &["SMEMBERS", "b"],
        &["SMOVE", "a", "b"],
    ],
    &[
        // algebra across shards with strings
        &["SADD", "a", "x", "y", "z", "1"],
        &["SADD", "b", "y", "z", "w", "2"],
        &["SADD", "k1", "z", "1", "2", "q"],
        &["SINTER", "a", "b"],
        &["SINTER", "a", "b", "k1"],
        &["SUNION", "a", "b"],
        &["SUNION", "a", "b", "k1", "missing"],
        &["SDIFF", "a", "b"],
        &["SDIFF", "a", "b", "k1"],
        &["SDIFF", "a", "missing"],
        &["SDIFF", "k2", "a"],
        &["SINTERSTORE", "k2", "a", "b"],
        &["SMEMBERS", "k2"],
        &["SUNIONSTORE", "out", "a", "b", "k1"],
        &["SCARD", "out"],
        &["SDIFFSTORE", "dest", "a", "b", "k1"],
        &["SMEMBERS", "dest"],
        &["SINTERCARD", "3", "a", "b", "k1"],
        &["SINTERCARD", "2", "a", "b", "LIMIT", "1"],
        &["SINTERCARD", "2", "a", "b"],
        &["SET", "str", "v"],
        &["SINTER", "a", "str"],
        &["SINTER", "missing", "str"],
        &["SUNION", "str", "a"],
        &["SDIFF", "a", "str"],
        &["SINTERSTORE", "dest", "a", "str"],
        &["SMEMBERS", "dest"],
        &["SINTERCARD", "2", "a", "str"],
        &["SINTERCARD", "2", "missing", "str"],
        &["SUNIONSTORE", "str", "a", "b"],
        &["TYPE", "str"],
        &["SINTERSTORE", "a", "a", "k1"],
        &["SMEMBERS", "a"],
        &["SINTERSTORE", "a", "a", "b"],
        &["EXISTS", "a"],
    ],
    &[
        // stores drop the destination time to live
        &["SADD", "a", "1", "2"],
        &["SADD", "b", "2", "3"],
        &["SET", "dest", "v", "EX", "1000"],
        &["SUNIONSTORE", "dest", "a", "b"],
        &["TTL", "dest"],
        &["SADD", "out", "9"],
        &["EXPIRE", "out", "1000"],
        &["SDIFFSTORE", "out", "a", "b"],
        &["TTL", "out"],
        &["SMEMBERS", "out"],
        &["EXPIRE", "out", "1000"],
        &["SINTERSTORE", "out", "a", "missing"],
        &["EXISTS", "out"],
    ],
    // Cross-shard set commands in another database.
    &[
        &["SELECT", "5"],
        &["SADD", "a", "1", "2"],
        &["SADD", "b", "2", "3"],
        &["SUNIONSTORE", "dest", "a", "b"],
        &["SMOVE", "a", "b", "1"],
        &["SINTERCARD", "2", "a", "b"],
        &["SELECT", "0"],
        &["EXISTS", "a", "b", "dest"],
        &["SELECT", "5"],
        &["SMEMBERS", "dest"],
        &["SMEMBERS", "b"],
    ],
    // The command table against COMMAND INFO and key extraction.
    &[
        &[
            "COMMAND",
            "INFO",
            "sadd",
            "srem",
            "smembers",
            "sismember",
            "smismember",
            "scard",
            "spop",
            "srandmember",
            "smove",
            "sinter",
            "sunion",
            "sdiff",
            "sinterstore",
            "sunionstore",
            "sdiffstore",
            "sintercard",
            "sscan",
        ],
        &[
            "COMMAND",
            "GETKEYS",
            "SINTERCARD",
            "2",
            "a",
            "b",
            "LIMIT",
            "1",
        ],
        &["COMMAND", "GETKEYSANDFLAGS", "SDIFFSTORE", "d", "a", "b"],
        &["COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"],
    ],
];

#[test]
fn sets() {
    run_family("sets", SEQUENCES);
}

fn cmd(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// `verb key` followed by `args`.
fn with(verb: &str, key: &str, args: impl IntoIterator<Item = String>) -> Vec<String> {
    [verb.to_string(), key.to_string()]
        .into_iter()
        .chain(args)
        .collect()
}

/// Sets past the intset threshold (512 integers), and large string sets, combined
/// across shards.
#[test]
fn sets_generated() {
    let mut s = Vec::new();
    s.push(with("SADD", "a", (0..512).map(|i| (i * 3).to_string())));
    s.push(cmd(&["SMEMBERS", "a"]));
    s.push(cmd(&["SADD", "a", "100000"]));
    s.push(cmd(&["SCARD", "a"]));
    s.push(with("SADD", "b", (0..700).map(|i| (i * 2).to_string())));
    s.push(with("SADD", "k1", (0..400).map(|i| format!("m{i}"))));
    s.push(with(
        "SADD",
        "k2",
        (0..400).step_by(3).map(|i| format!("m{i}")),
    ));
    for verb in ["SINTER", "SUNION", "SDIFF"] {
        s.push(cmd(&[verb, "a", "b"]));
        s.push(cmd(&[verb, "b", "a"]));
        s.push(cmd(&[verb, "k1", "k2"]));
        s.push(cmd(&[verb, "k2", "a", "k1"]));
    }
    s.push(cmd(&["SINTERCARD", "2", "a", "b"]));
    s.push(cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "10"]));
    s.push(cmd(&["SINTERSTORE", "dest", "a", "b"]));
    s.push(cmd(&["SMEMBERS", "dest"]));
    s.push(cmd(&["SUNIONSTORE", "out", "k1", "a"]));
    s.push(cmd(&["SCARD", "out"]));
    s.push(cmd(&["SDIFFSTORE", "out", "k1", "k2"]));
    s.push(cmd(&["SMEMBERS", "out"]));
    s.push(cmd(&["SSCAN", "k1", "0", "COUNT", "100000"]));
    s.push(cmd(&["SSCAN", "a", "0", "COUNT", "100000", "MATCH", "*7"]));
    s.push(cmd(&["SRANDMEMBER", "k1", "-30"]));
    s.push(cmd(&["SRANDMEMBER", "k1", "30"]));
    s.push(cmd(&["SRANDMEMBER", "k1", "1000"]));
    s.push(cmd(&["SMISMEMBER", "b", "0", "1", "2", "1398", "1400"]));
    s.push(with(
        "SREM",
        "b",
        (0..700).step_by(2).map(|i| (i * 2).to_string()),
    ));
    s.push(cmd(&["SCARD", "b"]));
    s.push(cmd(&["SPOP", "k2", "1000"]));
    s.push(cmd(&["EXISTS", "k2"]));
    s.push(cmd(&["SPOP", "out", "10"]));
    s.push(cmd(&["SCARD", "out"]));
    for i in 0..20 {
        s.push(cmd(&["SMOVE", "k1", "k2", &format!("m{i}")]));
    }
    s.push(cmd(&["SMEMBERS", "k2"]));
    run_generated("sets (generated)", &[s]);
}

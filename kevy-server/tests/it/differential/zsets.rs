//! The sorted set family: ZADD (NX, XX, GT, LT, CH, INCR), ZINCRBY, ZSCORE,
//! ZMSCORE, ZRANK, ZREVRANK, ZCARD, ZREM, the set operations (ZUNION, ZINTER,
//! ZDIFF, their STORE forms, ZINTERCARD) and large sets in the skiplist
//! encoding; [`ranges`] has the range commands, pops, ZRANDMEMBER and ZSCAN.
//!
//! With two shards, `k1`, `a`, `src`, `z2` and `big` live on shard 1 and
//! `k2`, `b`, `x`, `y`, `s` and `z1` on shard 0, so the multi-key commands
//! here cross shards.

use super::{run_family, run_generated, Seq};

mod ranges;

pub const SEQUENCES: &[Seq] = &[
    // zadd basics
    &[
        &["ZADD", "z", "1", "a"],
        &["ZADD", "z", "2", "b", "3", "c"],
        &["ZADD", "z", "1", "a"],
        &["ZADD", "z", "5", "a"],
        &["ZSCORE", "z", "a"],
        &["ZCARD", "z"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z"],
        &["ZADD", "z", "1"],
        &["ZADD", "z", "1", "a", "2"],
        &["ZADD", "z", "x", "a"],
        &["ZADD", "z", "nan", "a"],
        &["ZADD", "z", "inf", "i", "-inf", "j", "+inf", "k"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z", "1.1", "f", "0.1", "g", "-0", "h"],
        &["ZSCORE", "z", "f"],
        &["ZSCORE", "z", "g"],
        &["ZSCORE", "z", "h"],
        &["ZADD", "z", "1e400", "q"],
        &["ZADD", "z", "0x10", "hex"],
        &["ZSCORE", "z", "hex"],
        &["ZADD", "z", " 1", "sp"],
        &["ZADD", "z", "", "e"],
        &["TYPE", "z"],
        &["ZADD", "z", "1e-400", "tiny"],
    ],
    // zadd options
    &[
        &["ZADD", "z", "NX", "1", "a"],
        &["ZADD", "z", "NX", "2", "a", "3", "b"],
        &["ZSCORE", "z", "a"],
        &["ZADD", "z", "XX", "5", "a", "6", "c"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z", "NX", "XX", "1", "a"],
        &["ZADD", "z", "GT", "LT", "1", "a"],
        &["ZADD", "z", "GT", "NX", "1", "a"],
        &["ZADD", "z", "LT", "NX", "1", "a"],
        &["ZADD", "z", "XX", "GT", "1", "a"],
        &["ZADD", "z", "XX", "GT", "9", "a"],
        &["ZADD", "z", "GT", "CH", "1", "a", "10", "b", "4", "d"],
        &["ZADD", "z", "LT", "CH", "1", "a", "20", "b"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZADD", "z", "CH", "1", "a", "1", "b"],
        &["ZADD", "z", "ch", "xx", "nx", "1", "a"],
        &["ZADD", "z", "INCR", "1", "a", "2", "b"],
        &["ZADD", "z", "INCR", "2", "a"],
        &["ZADD", "z", "INCR", "XX", "2", "missing"],
        &["ZADD", "z", "INCR", "NX", "2", "a"],
        &["ZADD", "z", "INCR", "GT", "-1", "a"],
        &["ZADD", "z", "INCR", "LT", "-1", "a"],
        &["ZADD", "z", "INCR", "1.5", "new"],
        &["ZADD", "z", "incr", "ch", "1", "new"],
        &["ZADD", "nokey", "XX", "1", "a"],
        &["EXISTS", "nokey"],
        &["ZADD", "z", "NX"],
        &["ZADD", "z", "NX", "CH", "INCR"],
    ],
    // zadd nan and inf
    &[
        &["ZADD", "z", "inf", "a"],
        &["ZINCRBY", "z", "-inf", "a"],
        &["ZADD", "z", "INCR", "-inf", "a"],
        &["ZSCORE", "z", "a"],
        &["ZINCRBY", "z", "1", "a"],
        &["ZINCRBY", "z", "x", "a"],
        &["ZINCRBY", "z", "nan", "a"],
        &["ZINCRBY", "z", "1.5", "b"],
        &["ZINCRBY", "z", "1e308", "c"],
        &["ZINCRBY", "z", "1e308", "c"],
        &["ZINCRBY", "z", "nx", "a"],
        &["ZINCRBY", "z", "incr", "a"],
        &["ZINCRBY", "z"],
        &["ZADD", "z", "INCR", "inf", "b"],
        &["ZADD", "z", "INCR", "-inf", "b"],
    ],
    // zadd wrongtype
    &[
        &["SET", "s", "v"],
        &["ZADD", "s", "1", "a"],
        &["ZINCRBY", "s", "1", "a"],
        &["ZSCORE", "s", "a"],
        &["ZMSCORE", "s", "a"],
        &["ZRANK", "s", "a"],
        &["ZREVRANK", "s", "a"],
        &["ZCARD", "s"],
        &["ZREM", "s", "a"],
        &["ZADD", "z", "1", "a"],
        &["GET", "z"],
        &["INCR", "z"],
        &["APPEND", "z", "x"],
        &["STRLEN", "z"],
        &["SETRANGE", "z", "0", "x"],
        &["GETRANGE", "z", "0", "1"],
        &["MGET", "z", "s"],
        &["GETDEL", "z"],
        &["GETSET", "z", "v"],
        &["TYPE", "z"],
        &["SET", "z", "v"],
        &["TYPE", "z"],
    ],
    // zscore rank card
    &[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d"],
        &["ZSCORE", "z", "a"],
        &["ZSCORE", "z", "x"],
        &["ZSCORE", "nokey", "a"],
        &["ZMSCORE", "z", "a", "x", "c"],
        &["ZMSCORE", "nokey", "a", "b"],
        &["ZMSCORE", "z"],
        &["ZRANK", "z", "a"],
        &["ZRANK", "z", "d"],
        &["ZRANK", "z", "x"],
        &["ZRANK", "nokey", "a"],
        &["ZREVRANK", "z", "a"],
        &["ZREVRANK", "z", "d"],
        &["ZREVRANK", "z", "x"],
        &["ZRANK", "z", "a", "WITHSCORE"],
        &["ZCARD", "z"],
        &["ZCARD", "nokey"],
        &["ZCARD", "z", "x"],
    ],
    // zrem deletes empty
    &[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["ZREM", "z", "a", "x"],
        &["ZREM", "z", "x", "y"],
        &["ZREM", "nokey", "a"],
        &["ZREM", "z", "b", "c", "d"],
        &["EXISTS", "z"],
        &["ZREM", "z"],
        &["ZADD", "z", "1", "a"],
        &["ZREM", "z", "a", "a", "a"],
        &["EXISTS", "z"],
    ],
    // zunion zinter zdiff
    &[
        &["ZADD", "k1", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "k2", "10", "b", "20", "c", "30", "d"],
        &["ZADD", "b", "5", "c", "6", "e"],
        &["ZUNION", "2", "k1", "k2"],
        &["ZUNION", "2", "k1", "k2", "WITHSCORES"],
        &["ZUNION", "3", "k1", "k2", "b", "WITHSCORES"],
        &["ZUNION", "2", "k1", "k2", "WEIGHTS", "2", "3", "WITHSCORES"],
        &["ZUNION", "2", "k1", "k2", "AGGREGATE", "MIN", "WITHSCORES"],
        &["ZUNION", "2", "k1", "k2", "AGGREGATE", "MAX", "WITHSCORES"],
        &[
            "ZUNION",
            "2",
            "k1",
            "k2",
            "WEIGHTS",
            "1",
            "-1",
            "AGGREGATE",
            "SUM",
            "WITHSCORES",
        ],
        &["ZUNION", "2", "k1", "nokey", "WITHSCORES"],
        &["ZUNION", "1", "nokey"],
        &["ZINTER", "2", "k1", "k2"],
        &["ZINTER", "2", "k1", "k2", "WITHSCORES"],
        &["ZINTER", "3", "k1", "k2", "b", "WITHSCORES"],
        &[
            "ZINTER",
            "2",
            "k1",
            "k2",
            "WEIGHTS",
            "0.5",
            "2",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
        &["ZINTER", "2", "k1", "nokey"],
        &["ZINTER", "2", "k1", "k1", "WITHSCORES"],
        &["ZDIFF", "2", "k1", "k2"],
        &["ZDIFF", "2", "k1", "k2", "WITHSCORES"],
        &["ZDIFF", "3", "k2", "k1", "b", "WITHSCORES"],
        &["ZDIFF", "2", "k1", "k1"],
        &["ZDIFF", "1", "k1", "WITHSCORES"],
        &["ZDIFF", "2", "nokey", "k1"],
        &["ZDIFF", "2", "k1", "nokey"],
        &["ZINTERCARD", "2", "k1", "k2"],
        &["ZINTERCARD", "2", "k1", "k2", "LIMIT", "1"],
        &["ZINTERCARD", "2", "k1", "k2", "LIMIT", "0"],
        &["ZINTERCARD", "3", "k1", "k2", "b"],
        &["ZINTERCARD", "1", "nokey"],
    ],
    // setop errors
    &[
        &["ZADD", "k1", "1", "a"],
        &["SET", "s", "v"],
        &["ZUNION", "0", "k1"],
        &["ZUNION", "-1", "k1"],
        &["ZUNION", "x", "k1"],
        &["ZUNION", "3", "k1", "k2"],
        &["ZUNION", "2", "k1", "s"],
        &["ZUNION", "2", "k1", "s", "WEIGHTS", "x", "y"],
        &["ZUNION", "2", "k1", "k2", "WEIGHTS", "1"],
        &["ZUNION", "2", "k1", "k2", "WEIGHTS", "1", "x"],
        &["ZUNION", "2", "k1", "k2", "WEIGHTS", "1", "nan"],
        &["ZUNION", "2", "k1", "k2", "AGGREGATE", "foo"],
        &["ZUNION", "2", "k1", "k2", "AGGREGATE"],
        &["ZUNION", "2", "k1", "k2", "WITHSCORES", "WITHSCORES"],
        &["ZUNION", "2", "k1", "k2", "foo"],
        &["ZUNIONSTORE", "dst", "2", "k1", "k2", "WITHSCORES"],
        &["ZDIFF", "2", "k1", "k2", "WEIGHTS", "1", "2"],
        &["ZDIFF", "2", "k1", "k2", "AGGREGATE", "SUM"],
        &["ZINTERCARD", "0", "k1"],
        &["ZINTERCARD", "2", "k1", "k2", "LIMIT", "-1"],
        &["ZINTERCARD", "2", "k1", "k2", "LIMIT", "x"],
        &["ZINTERCARD", "2", "k1", "k2", "WITHSCORES"],
        &["ZINTERCARD", "2", "k1", "k2", "WEIGHTS", "1", "1"],
        &["ZINTERCARD", "2", "k1", "s"],
        &["ZINTER", "0", "k1"],
        &["ZDIFFSTORE", "dst", "0", "k1"],
        &["ZUNIONSTORE", "dst", "x", "k1"],
        &["ZINTERSTORE", "dst", "2", "k1", "s"],
        &["ZUNION", "1"],
        &["ZUNIONSTORE", "dst", "1"],
        &["ZINTERCARD", "1"],
    ],
    // setop store
    &[
        &["ZADD", "k1", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "k2", "10", "b", "20", "c", "30", "d"],
        &["SET", "dst", "old"],
        &["ZUNIONSTORE", "dst", "2", "k1", "k2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "dst", "2", "k1", "k2", "WEIGHTS", "2", "0.5"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZDIFFSTORE", "dst", "2", "k1", "k2"],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "dst", "2", "k1", "nokey"],
        &["EXISTS", "dst"],
        &["ZDIFFSTORE", "dst", "2", "k1", "k1"],
        &["ZUNIONSTORE", "k1", "2", "k1", "k2", "AGGREGATE", "MAX"],
        &["ZRANGE", "k1", "0", "-1", "WITHSCORES"],
        &["SET", "s", "v"],
        &["ZUNIONSTORE", "s", "1", "k2"],
        &["TYPE", "s"],
        &["ZUNIONSTORE", "dst", "1", "s"],
        &["ZDIFFSTORE", "dst", "1", "nokey"],
    ],
    // setop nan and inf
    &[
        &["ZADD", "i1", "inf", "a", "-inf", "b", "1", "c"],
        &["ZADD", "i2", "-inf", "a", "inf", "b", "0", "c"],
        &["ZUNION", "2", "i1", "i2", "WITHSCORES"],
        &["ZINTER", "2", "i1", "i2", "WITHSCORES"],
        &["ZUNION", "2", "i1", "i2", "WEIGHTS", "0", "1", "WITHSCORES"],
        &[
            "ZINTER",
            "2",
            "i1",
            "i2",
            "WEIGHTS",
            "0",
            "0",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &[
            "ZINTER",
            "2",
            "i1",
            "i2",
            "WEIGHTS",
            "1",
            "0",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
        &[
            "ZUNION",
            "2",
            "i1",
            "i2",
            "WEIGHTS",
            "inf",
            "-inf",
            "WITHSCORES",
        ],
        &["ZADD", "f1", "0.1", "a"],
        &["ZADD", "f2", "0.2", "a"],
        &["ZADD", "f3", "0.3", "a"],
        &["ZUNION", "3", "f1", "f2", "f3", "WITHSCORES"],
        &["ZUNION", "3", "f3", "f2", "f1", "WITHSCORES"],
        &["ZINTER", "3", "f1", "f2", "f3", "WITHSCORES"],
    ],
    // cross shard set operations
    &[
        &["ZADD", "k1", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "k2", "10", "b", "20", "c", "30", "d"],
        &["ZADD", "x", "0.5", "c", "7", "e"],
        &["ZUNION", "3", "k1", "k2", "x", "WITHSCORES"],
        &[
            "ZINTER",
            "3",
            "k1",
            "k2",
            "x",
            "WEIGHTS",
            "1",
            "2",
            "3",
            "WITHSCORES",
        ],
        &["ZDIFF", "2", "k1", "x", "WITHSCORES"],
        &["ZINTERCARD", "2", "k1", "k2"],
        &["ZUNIONSTORE", "y", "2", "k1", "k2"],
        &["ZRANGE", "y", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "a", "3", "k1", "k2", "x", "AGGREGATE", "MAX"],
        &["ZRANGE", "a", "0", "-1", "WITHSCORES"],
        &["ZDIFFSTORE", "a", "2", "k2", "k1"],
        &["ZRANGE", "a", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "a", "2", "k1", "missing"],
        &["EXISTS", "a"],
        &["SET", "s", "v"],
        &["ZUNION", "2", "k1", "s"],
        &["ZUNION", "2", "s", "k1", "WEIGHTS", "x", "y"],
        &["ZUNION", "2", "k1", "k2", "WEIGHTS", "x", "y"],
        &["ZUNIONSTORE", "y", "2", "k1", "s"],
        &["ZUNIONSTORE", "s", "2", "k1", "k2"],
        &["TYPE", "s"],
        &["ZRANGE", "s", "0", "-1"],
    ],
    // cross shard zmpop and zrangestore
    &[
        &["ZADD", "z1", "1", "a", "2", "b"],
        &["ZADD", "z2", "5", "x", "6", "y"],
        &["ZMPOP", "3", "missing", "z2", "z1", "MAX", "COUNT", "1"],
        &["ZMPOP", "3", "missing", "z1", "z2", "MIN", "COUNT", "5"],
        &["EXISTS", "z1"],
        &["ZMPOP", "2", "z1", "z2", "MAX"],
        &["ZMPOP", "2", "z1", "z2", "MAX"],
        &["SET", "y", "v"],
        &["ZADD", "z2", "1", "q"],
        &["ZMPOP", "2", "y", "z2", "MIN"],
        &["ZMPOP", "2", "z2", "y", "MIN"],
        &["ZADD", "k1", "1", "a", "2", "b", "3", "c"],
        &["ZRANGESTORE", "x", "k1", "0", "1"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        &[
            "ZRANGESTORE",
            "x",
            "k1",
            "(1",
            "+inf",
            "BYSCORE",
            "REV",
            "LIMIT",
            "0",
            "1",
        ],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "x", "k1", "[z", "+", "BYLEX"],
        &["EXISTS", "x"],
        &["ZRANGESTORE", "x", "y", "0", "1"],
        &["ZRANGESTORE", "y", "k1", "0", "0"],
        &["ZRANGE", "y", "0", "-1"],
        &[
            "ZRANGESTORE",
            "x",
            "k1",
            "0",
            "-1",
            "BYSCORE",
            "LIMIT",
            "0",
            "z",
        ],
    ],
];

/// Large sets (skiplist encoding): many members, ranks, ranges, removals,
/// conversions by member length, stores that come back compact.
fn large() -> Vec<Vec<Vec<String>>> {
    let cmd = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let mut big = cmd("ZADD big");
    for i in 0..150 {
        big.push(format!("{}", i % 50));
        big.push(format!("m{i:03}"));
    }
    let mut seq = vec![big];
    for c in [
        "ZCARD big",
        "ZRANK big m077",
        "ZREVRANK big m077",
        "ZSCORE big m149",
        "ZRANGE big 0 4 WITHSCORES",
        "ZRANGE big -3 -1",
        "ZRANGE big 70 72 REV",
        "ZRANGEBYSCORE big 10 10",
        "ZRANGEBYSCORE big (48 +inf WITHSCORES",
        "ZREVRANGEBYSCORE big 2 (1 LIMIT 1 2",
        "ZCOUNT big 10 20",
        "ZCOUNT big (10 (20",
        "ZINCRBY big 100 m000",
        "ZRANK big m000",
        "ZADD big -5 m149",
        "ZRANGE big 0 1",
        "ZREM big m001 m002",
        "ZREMRANGEBYRANK big 0 9",
        "ZRANGE big 0 2 WITHSCORES",
        "ZREMRANGEBYSCORE big 40 45",
        "ZCARD big",
        "ZPOPMAX big 2",
        "ZPOPMIN big",
        "ZRANDMEMBER big 1000 WITHSCORES",
        "ZSCAN big 0 COUNT 1000",
        "ZRANGESTORE small big 0 4",
        "ZRANGE small 0 -1 WITHSCORES",
        "ZSCAN small 0",
        "ZUNIONSTORE u 2 big small",
        "ZCARD u",
        "ZINTERSTORE i 2 big small WEIGHTS 1 0",
        "ZSCAN i 0",
        "ZDIFF 2 big small",
    ] {
        seq.push(cmd(c));
    }
    let mut lex = cmd("ZADD lex");
    for i in 0..140 {
        lex.push("0".into());
        lex.push(format!("w{i:03}"));
    }
    let mut lexseq = vec![lex];
    for c in [
        "ZRANGEBYLEX lex [w010 [w013",
        "ZREVRANGEBYLEX lex (w100 - LIMIT 0 3",
        "ZLEXCOUNT lex [w050 +",
        "ZLEXCOUNT lex (w050 (w060",
        "ZREMRANGEBYLEX lex - (w130",
        "ZRANGE lex 0 -1",
    ] {
        lexseq.push(cmd(c));
    }
    let long = "x".repeat(65);
    let mut member = vec![
        cmd(&format!("ZADD z 1 {long} 2 b -0 c")),
        cmd("ZSCORE z c"),
        cmd("ZRANGE z 0 -1 WITHSCORES"),
        cmd("ZSCAN z 0"),
        cmd("ZADD p 1 a -0 n"),
        cmd(&format!("ZADD p 2 {long}")),
        cmd("ZSCAN p 0"),
        cmd("ZSCORE p n"),
        cmd("ZINCRBY p -0 a"),
    ];
    member.push(cmd("ZREM p a n"));
    member.push(cmd(&format!("ZREM p {long}")));
    member.push(cmd("EXISTS p"));
    // A set reaching 129 members converts, one of 128 stays compact.
    let mut count = cmd("ZADD c");
    for i in 0..128 {
        count.push(format!("{i}"));
        count.push(format!("e{i}"));
    }
    let conv = vec![
        count,
        cmd("ZSCAN c 0 MATCH e12?"),
        cmd("ZADD c 1.5 extra"),
        cmd("ZSCAN c 0 MATCH e12? COUNT 1000"),
        cmd("ZREM c extra"),
        cmd("ZSCAN c 0 MATCH e12? COUNT 1000"),
    ];
    vec![seq, lexseq, member, conv]
}

#[test]
fn zsets() {
    run_family("zsets", SEQUENCES);
}

#[test]
fn zsets_ranges() {
    run_family("zsets ranges", ranges::SEQUENCES);
}

#[test]
fn zsets_large() {
    run_generated("zsets large", &large());
}

//! A sweep of every data-type command over every key type and argument
//! count: which error comes first (arity, syntax, a number out of range,
//! WRONGTYPE) and its exact text, or the reply. Each probe starts from the
//! same keys: `k` of one type (or none), nothing else.

use super::{cmd, with, Cmd};

/// Commands probed (blocking ones are not: an empty key would block them).
const COMMANDS: &[&str] = &[
    // Strings and bitmaps.
    "GET",
    "SET",
    "SETNX",
    "SETEX",
    "PSETEX",
    "GETSET",
    "GETDEL",
    "GETEX",
    "APPEND",
    "STRLEN",
    "SETRANGE",
    "GETRANGE",
    "SUBSTR",
    "INCR",
    "DECR",
    "INCRBY",
    "DECRBY",
    "INCRBYFLOAT",
    "MSETNX",
    "LCS",
    "SETBIT",
    "GETBIT",
    "BITCOUNT",
    "BITPOS",
    "BITOP",
    "BITFIELD",
    "BITFIELD_RO",
    // Lists.
    "LPUSH",
    "RPUSH",
    "LPUSHX",
    "RPUSHX",
    "LPOP",
    "RPOP",
    "LLEN",
    "LRANGE",
    "LINDEX",
    "LSET",
    "LINSERT",
    "LREM",
    "LTRIM",
    "LPOS",
    "LMOVE",
    "RPOPLPUSH",
    "LMPOP",
    // Hashes.
    "HSET",
    "HSETNX",
    "HMSET",
    "HGET",
    "HMGET",
    "HDEL",
    "HLEN",
    "HKEYS",
    "HVALS",
    "HGETALL",
    "HEXISTS",
    "HSTRLEN",
    "HINCRBY",
    "HINCRBYFLOAT",
    "HRANDFIELD",
    "HSCAN",
    // Sets.
    "SADD",
    "SREM",
    "SCARD",
    "SMEMBERS",
    "SISMEMBER",
    "SMISMEMBER",
    "SRANDMEMBER",
    "SMOVE",
    "SINTER",
    "SUNION",
    "SDIFF",
    "SINTERSTORE",
    "SUNIONSTORE",
    "SDIFFSTORE",
    "SINTERCARD",
    "SSCAN",
    // Sorted sets.
    "ZADD",
    "ZINCRBY",
    "ZREM",
    "ZCARD",
    "ZSCORE",
    "ZMSCORE",
    "ZRANK",
    "ZREVRANK",
    "ZRANGE",
    "ZREVRANGE",
    "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX",
    "ZREVRANGEBYLEX",
    "ZCOUNT",
    "ZLEXCOUNT",
    "ZREMRANGEBYRANK",
    "ZREMRANGEBYSCORE",
    "ZREMRANGEBYLEX",
    "ZPOPMIN",
    "ZPOPMAX",
    "ZUNION",
    "ZINTER",
    "ZDIFF",
    "ZUNIONSTORE",
    "ZINTERSTORE",
    "ZDIFFSTORE",
    "ZINTERCARD",
    "ZRANGESTORE",
    "ZMPOP",
    "ZSCAN",
    // Keys.
    "DEL",
    "EXISTS",
    "TYPE",
    "RENAME",
    "RENAMENX",
    "COPY",
    "MOVE",
    "EXPIRE",
    "PEXPIRE",
    "EXPIREAT",
    "PEXPIREAT",
    "PERSIST",
    "TOUCH",
    "UNLINK",
    "OBJECT",
    "SORT",
    "SORT_RO",
    // HyperLogLog, geo, streams.
    "PFADD",
    "PFCOUNT",
    "PFMERGE",
    "GEOADD",
    "GEODIST",
    "GEOHASH",
    "GEOPOS",
    "GEOSEARCH",
    "GEORADIUS",
    "XLEN",
    "XRANGE",
    "XREVRANGE",
    "XDEL",
    "XTRIM",
];

/// Commands that never change a key (the next probe needs no new setup).
const READS: &[&str] = &[
    "GET",
    "STRLEN",
    "GETRANGE",
    "SUBSTR",
    "LCS",
    "GETBIT",
    "BITCOUNT",
    "BITPOS",
    "BITFIELD_RO",
    "LLEN",
    "LRANGE",
    "LINDEX",
    "LPOS",
    "HGET",
    "HMGET",
    "HLEN",
    "HKEYS",
    "HVALS",
    "HGETALL",
    "HEXISTS",
    "HSTRLEN",
    "HRANDFIELD",
    "HSCAN",
    "SCARD",
    "SMEMBERS",
    "SISMEMBER",
    "SMISMEMBER",
    "SRANDMEMBER",
    "SINTER",
    "SUNION",
    "SDIFF",
    "SINTERCARD",
    "SSCAN",
    "ZCARD",
    "ZSCORE",
    "ZMSCORE",
    "ZRANK",
    "ZREVRANK",
    "ZRANGE",
    "ZREVRANGE",
    "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX",
    "ZREVRANGEBYLEX",
    "ZCOUNT",
    "ZLEXCOUNT",
    "ZUNION",
    "ZINTER",
    "ZDIFF",
    "ZINTERCARD",
    "ZSCAN",
    "EXISTS",
    "TYPE",
    "OBJECT",
    "SORT_RO",
    "GEODIST",
    "GEOHASH",
    "GEOPOS",
    "GEOSEARCH",
    "XLEN",
    "XRANGE",
    "XREVRANGE",
];

/// Arguments after the command, by position: two fillers, so a position
/// holds a key, a number or a word in one of them.
const FILLERS: &[&[&str]] = &[
    &["k", "1", "0", "a", "-1", "2"],
    &["k", "a", "-1", "k2", "1", "x"],
    // At and past the 64-bit limits (overflow errors).
    &[
        "k",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "4611686018427387904",
        "-1",
    ],
];

/// `k` as each type, and missing.
const SETUPS: &[&[&str]] = &[
    &[],
    &["SET", "k", "5"],
    &["RPUSH", "k", "a", "b"],
    &["HSET", "k", "a", "1"],
    &["SADD", "k", "a", "1"],
    &["ZADD", "k", "1", "a"],
    &["XADD", "k", "1-1", "f", "v"],
];

/// One sequence per key type: every argument count up to 5 with the first
/// filler, 2 to 4 with the second, 2 to 5 with the third (`full`), or 0
/// to 4, 3, and 2 and 3.
pub fn sequences(full: bool) -> Vec<Vec<Cmd>> {
    SETUPS
        .iter()
        .map(|setup| {
            let mut s = Vec::new();
            let mut dirty = true;
            for name in COMMANDS {
                for (f, filler) in FILLERS.iter().enumerate() {
                    let counts: &[usize] = match (f, full) {
                        (0, true) => &[0, 1, 2, 3, 4, 5],
                        (0, false) => &[0, 1, 2, 3, 4],
                        (1, true) => &[2, 3, 4],
                        (1, false) => &[3],
                        (_, true) => &[2, 3, 4, 5],
                        (_, false) => &[2, 3],
                    };
                    for &n in counts {
                        if dirty {
                            s.push(cmd(&["DEL", "k", "k2", "1", "0", "a", "-1", "2", "x"]));
                            if !setup.is_empty() {
                                s.push(cmd(setup));
                            }
                        }
                        let mut c = with(name, filler[..n].iter().map(|a| a.to_string()));
                        if name.ends_with("SCAN")
                            && c.get(2).is_some_and(|a| a.parse::<i128>().is_ok())
                        {
                            // Only cursor 0 compares: kevy's cursors are its own.
                            c[2] = "0".into();
                        }
                        if matches!(*name, "PSETEX" | "PEXPIRE" | "SETEX" | "EXPIRE")
                            && c.get(2).is_some_and(|a| a == "1")
                        {
                            // Not a time to live that may pass between the
                            // two servers' replies.
                            c[2] = "100000".into();
                        }
                        s.push(c);
                        dirty = !READS.contains(name);
                    }
                }
            }
            s
        })
        .collect()
}

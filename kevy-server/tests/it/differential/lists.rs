//! The list family: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX,
//! LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP; wrong types both ways,
//! arities, bad numbers, out-of-range indexes, keys deleted with their last element.
//!
//! With two shards, `a` and `b` (also `x` and `l`) live on different shards, so the
//! two-key commands between them run as cross-shard plans; `{t}…` keys share one.

use super::{run_family, run_generated, Seq};

pub const SEQUENCES: &[Seq] = &[
    &[
        // push and len
        &["LPUSH", "l", "a", "b", "c"],
        &["RPUSH", "l", "d", "e"],
        &["LRANGE", "l", "0", "-1"],
        &["LLEN", "l"],
        &["LLEN", "missing"],
        &["LPUSHX", "missing", "x"],
        &["RPUSHX", "missing", "x"],
        &["EXISTS", "missing"],
        &["LPUSHX", "l", "x", "y"],
        &["RPUSHX", "l", "z"],
        &["LRANGE", "l", "0", "-1"],
        &["TYPE", "l"],
        &["LPUSH", "l"],
        &["RPUSH"],
        &["LPUSHX", "l"],
        &["SET", "s", "str"],
        &["LPUSH", "s", "x"],
        &["RPUSH", "s", "x"],
        &["LPUSHX", "s", "x"],
        &["RPUSHX", "s", "x"],
        &["LLEN", "s"],
        &["GET", "l"],
        &["INCR", "l"],
        &["APPEND", "l", "x"],
        &["STRLEN", "l"],
    ],
    &[
        // pop counts
        &["RPUSH", "l", "a", "b", "c", "d", "e"],
        &["LPOP", "l"],
        &["RPOP", "l"],
        &["LPOP", "l", "2"],
        &["RPOP", "l", "0"],
        &["RPOP", "l", "1"],
        &["LRANGE", "l", "0", "-1"],
        &["LPOP", "l", "10"],
        &["EXISTS", "l"],
        &["LPOP", "l"],
        &["LPOP", "l", "0"],
        &["LPOP", "l", "2"],
        &["RPOP", "missing"],
        &["RPOP", "missing", "3"],
        &["LPOP", "l", "-1"],
        &["LPOP", "l", "abc"],
        &["LPOP", "l", "1", "2"],
        &["LPOP"],
        &["SET", "s", "x"],
        &["LPOP", "s"],
        &["RPOP", "s", "0"],
        &["LPOP", "s", "-1"],
    ],
    &[
        // pop deletes and drops ttl
        &["RPUSH", "l", "a", "b"],
        &["EXPIRE", "l", "1000"],
        &["TTL", "l"],
        &["LPOP", "l", "2"],
        &["EXISTS", "l"],
        &["RPUSH", "l", "c"],
        &["TTL", "l"],
    ],
    &[
        // lrange indexes
        &["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
        &["LRANGE", "l", "0", "0"],
        &["LRANGE", "l", "-1", "-1"],
        &["LRANGE", "l", "-3", "-1"],
        &["LRANGE", "l", "2", "100"],
        &["LRANGE", "l", "-100", "1"],
        &["LRANGE", "l", "4", "2"],
        &["LRANGE", "l", "6", "10"],
        &["LRANGE", "l", "-100", "-50"],
        &["LRANGE", "l", "0", "-7"],
        &["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        &["LRANGE", "l", "x", "1"],
        &["LRANGE", "l", "1", "1.5"],
        &["LRANGE", "missing", "0", "-1"],
        &["LRANGE", "missing", "x", "1"],
        &["SET", "s", "x"],
        &["LRANGE", "s", "0", "-1"],
        &["LRANGE", "s", "x", "1"],
        &["LRANGE", "l", "1"],
    ],
    &[
        // lindex and lset
        &["RPUSH", "l", "a", "b", "c"],
        &["LINDEX", "l", "0"],
        &["LINDEX", "l", "-1"],
        &["LINDEX", "l", "2"],
        &["LINDEX", "l", "3"],
        &["LINDEX", "l", "-4"],
        &["LINDEX", "l", "-9223372036854775808"],
        &["LINDEX", "l", "9223372036854775807"],
        &["LINDEX", "l", "x"],
        &["LINDEX", "missing", "x"],
        &["LINDEX", "missing", "0"],
        &["LSET", "l", "0", "A"],
        &["LSET", "l", "-1", "C"],
        &["LSET", "l", "3", "x"],
        &["LSET", "l", "-4", "x"],
        &["LSET", "l", "x", "y"],
        &["LSET", "missing", "0", "x"],
        &["LSET", "missing", "x", "x"],
        &["LRANGE", "l", "0", "-1"],
        &["SET", "s", "x"],
        &["LINDEX", "s", "0"],
        &["LINDEX", "s", "x"],
        &["LSET", "s", "0", "x"],
    ],
    &[
        // linsert
        &["RPUSH", "l", "a", "b", "c", "b"],
        &["LINSERT", "l", "BEFORE", "b", "x"],
        &["LINSERT", "l", "after", "b", "y"],
        &["LINSERT", "l", "AFTER", "c", "z"],
        &["LINSERT", "l", "before", "missing", "q"],
        &["LRANGE", "l", "0", "-1"],
        &["LINSERT", "l", "middle", "b", "q"],
        &["LINSERT", "missing", "BEFORE", "a", "b"],
        &["LINSERT", "missing", "MIDDLE", "a", "b"],
        &["EXISTS", "missing"],
        &["SET", "s", "x"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LINSERT", "s", "MIDDLE", "a", "b"],
        &["LINSERT", "l", "BEFORE", "a"],
    ],
    &[
        // lrem
        &["RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"],
        &["LREM", "l", "2", "a"],
        &["LRANGE", "l", "0", "-1"],
        &["LREM", "l", "-1", "a"],
        &["LRANGE", "l", "0", "-1"],
        &["LREM", "l", "0", "b"],
        &["LRANGE", "l", "0", "-1"],
        &["LREM", "l", "0", "zz"],
        &["LREM", "l", "0", "a"],
        &["LREM", "l", "5", "c"],
        &["EXISTS", "l"],
        &["LREM", "missing", "0", "a"],
        &["LREM", "l", "x", "a"],
        &["LREM", "missing", "x", "a"],
        &["SET", "s", "x"],
        &["LREM", "s", "0", "a"],
        &["LREM", "s", "x", "a"],
        &["RPUSH", "l2", "x", "x", "x"],
        &["LREM", "l2", "-9223372036854775808", "x"],
        &["EXISTS", "l2"],
    ],
    &[
        // ltrim
        &["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
        &["LTRIM", "l", "1", "-2"],
        &["LRANGE", "l", "0", "-1"],
        &["LTRIM", "l", "-100", "100"],
        &["LRANGE", "l", "0", "-1"],
        &["LTRIM", "l", "1", "1"],
        &["LRANGE", "l", "0", "-1"],
        &["LTRIM", "l", "2", "1"],
        &["EXISTS", "l"],
        &["LTRIM", "missing", "0", "1"],
        &["RPUSH", "l", "a", "b"],
        &["LTRIM", "l", "5", "10"],
        &["EXISTS", "l"],
        &["LTRIM", "l", "x", "1"],
        &["LTRIM", "missing", "x", "1"],
        &["SET", "s", "x"],
        &["LTRIM", "s", "0", "1"],
        &["LTRIM", "s", "x", "1"],
    ],
    &[
        // lpos
        &["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"],
        &["LPOS", "l", "c"],
        &["LPOS", "l", "c", "RANK", "2"],
        &["LPOS", "l", "c", "RANK", "-1"],
        &["LPOS", "l", "c", "RANK", "-3"],
        &["LPOS", "l", "c", "RANK", "4"],
        &["LPOS", "l", "c", "COUNT", "2"],
        &["LPOS", "l", "c", "COUNT", "0"],
        &["LPOS", "l", "c", "RANK", "-1", "COUNT", "2"],
        &["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3"],
        &["LPOS", "l", "c", "RANK", "-1", "MAXLEN", "2"],
        &["LPOS", "l", "c", "RANK", "2", "MAXLEN", "3"],
        &["LPOS", "l", "x"],
        &["LPOS", "l", "x", "COUNT", "5"],
        &["LPOS", "missing", "c"],
        &["LPOS", "missing", "c", "COUNT", "1"],
        &["LPOS", "missing", "c", "RANK", "0"],
        &["LPOS", "l", "c", "RANK", "0"],
        &["LPOS", "l", "c", "RANK", "-9223372036854775808"],
        &["LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "1"],
        &["LPOS", "l", "c", "RANK", "9223372036854775807"],
        &["LPOS", "l", "c", "COUNT", "-1"],
        &["LPOS", "l", "c", "COUNT", "x"],
        &["LPOS", "l", "c", "MAXLEN", "-1"],
        &["LPOS", "l", "c", "MAXLEN", "x"],
        &["LPOS", "l", "c", "RANK", "x"],
        &["LPOS", "l", "c", "rank", "1", "count", "1", "maxlen", "0", "RANK", "2"],
        &["LPOS", "l", "c", "FOO", "1"],
        &["LPOS", "l", "c", "RANK"],
        &["LPOS", "l", "c", "COUNT", "1", "MAXLEN"],
        &["SET", "s", "x"],
        &["LPOS", "s", "c"],
        &["LPOS", "s", "c", "RANK", "0"],
        &["LPOS", "s", "c", "COUNT", "1"],
        &["LPOS", "l"],
    ],
    &[
        // lmove same shard
        &["RPUSH", "{t}a", "1", "2", "3"],
        &["LMOVE", "{t}a", "{t}b", "LEFT", "RIGHT"],
        &["LMOVE", "{t}a", "{t}b", "RIGHT", "LEFT"],
        &["LRANGE", "{t}a", "0", "-1"],
        &["LRANGE", "{t}b", "0", "-1"],
        &["LMOVE", "{t}a", "{t}a", "LEFT", "RIGHT"],
        &["LRANGE", "{t}a", "0", "-1"],
        &["RPOPLPUSH", "{t}b", "{t}a"],
        &["RPOPLPUSH", "{t}b", "{t}a"],
        &["EXISTS", "{t}b"],
        &["RPOPLPUSH", "{t}b", "{t}a"],
        &["LRANGE", "{t}a", "0", "-1"],
        &["LMOVE", "{t}a", "{t}b", "left", "left"],
        &["LMOVE", "{t}a", "{t}b", "UP", "LEFT"],
        &["LMOVE", "{t}a", "{t}b", "LEFT", "DOWN"],
        &["LMOVE", "{t}missing", "{t}b", "UP", "LEFT"],
        &["SET", "{t}s", "x"],
        &["LMOVE", "{t}s", "{t}b", "LEFT", "LEFT"],
        &["LMOVE", "{t}a", "{t}s", "LEFT", "LEFT"],
        &["LMOVE", "{t}missing", "{t}s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "{t}a", "{t}s"],
        &["LRANGE", "{t}a", "0", "-1"],
        &["RPUSH", "{t}one", "x"],
        &["LMOVE", "{t}one", "{t}one", "LEFT", "LEFT"],
        &["LRANGE", "{t}one", "0", "-1"],
        &["LMOVE", "{t}a", "{t}b", "LEFT"],
        &["RPOPLPUSH", "{t}a"],
    ],
    &[
        // lmove across shards
        &["RPUSH", "a", "1", "2", "3"],
        &["LMOVE", "a", "b", "LEFT", "RIGHT"],
        &["LMOVE", "a", "b", "RIGHT", "LEFT"],
        &["LRANGE", "a", "0", "-1"],
        &["LRANGE", "b", "0", "-1"],
        &["RPOPLPUSH", "b", "g"],
        &["RPOPLPUSH", "b", "g"],
        &["EXISTS", "b"],
        &["RPOPLPUSH", "b", "g"],
        &["LRANGE", "g", "0", "-1"],
        &["LMOVE", "g", "a", "RIGHT", "LEFT"],
        &["LRANGE", "a", "0", "-1"],
        &["LMOVE", "a", "b", "UP", "LEFT"],
        &["SET", "s", "x"],
        &["LMOVE", "s", "a", "LEFT", "LEFT"],
        &["LMOVE", "a", "s", "LEFT", "LEFT"],
        &["LMOVE", "missing", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "a", "s"],
        &["RPOPLPUSH", "s", "a"],
        &["LRANGE", "a", "0", "-1"],
    ],
    &[
        // lmpop
        &["RPUSH", "{t}b", "1", "2", "3", "4"],
        &["LMPOP", "2", "{t}a", "{t}b", "LEFT"],
        &["LMPOP", "2", "{t}a", "{t}b", "RIGHT", "COUNT", "2"],
        &["LMPOP", "2", "{t}a", "{t}b", "left", "count", "10"],
        &["LMPOP", "2", "{t}a", "{t}b", "LEFT"],
        &["EXISTS", "{t}b"],
        &["LMPOP", "1", "{t}a", "RIGHT", "COUNT", "1"],
        &["RPUSH", "{t}a", "x"],
        &["SET", "{t}s", "str"],
        &["LMPOP", "3", "{t}missing", "{t}s", "{t}a", "LEFT"],
        &["LMPOP", "3", "{t}missing", "{t}a", "{t}s", "LEFT"],
        &["LMPOP", "0", "{t}a", "LEFT"],
        &["LMPOP", "-1", "{t}a", "LEFT"],
        &["LMPOP", "x", "{t}a", "LEFT"],
        &["LMPOP", "2", "{t}a", "LEFT"],
        &["LMPOP", "1", "{t}a", "MIDDLE"],
        &["LMPOP", "1", "{t}a", "LEFT", "COUNT", "0"],
        &["LMPOP", "1", "{t}a", "LEFT", "COUNT", "-1"],
        &["LMPOP", "1", "{t}a", "LEFT", "COUNT", "x"],
        &["LMPOP", "1", "{t}a", "LEFT", "COUNT", "1", "COUNT", "1"],
        &["LMPOP", "1", "{t}a", "LEFT", "COUNT"],
        &["LMPOP", "1", "{t}a", "LEFT", "FOO"],
        &["LMPOP", "1", "{t}a"],
        &["LMPOP", "9223372036854775807", "{t}a", "LEFT"],
    ],
    &[
        // lmpop across shards
        &["RPUSH", "g", "1", "2", "3"],
        &["RPUSH", "a", "x", "y"],
        &["LMPOP", "3", "b", "a", "g", "LEFT", "COUNT", "5"],
        &["LMPOP", "3", "b", "a", "g", "LEFT", "COUNT", "5"],
        &["LMPOP", "3", "b", "a", "g", "RIGHT"],
        &["LMPOP", "3", "b", "a", "g", "RIGHT"],
        &["EXISTS", "a", "g"],
        &["SET", "b", "str"],
        &["RPUSH", "g", "9"],
        &["LMPOP", "2", "g", "b", "LEFT"],
        &["LMPOP", "2", "b", "g", "LEFT"],
        &["LMPOP", "2", "a", "g", "LEFT"],
    ],
    &[
        // strings meet lists
        &["RPUSH", "l", "a", "b", "c"],
        &["GET", "l"],
        &["GETSET", "l", "x"],
        &["GETDEL", "l"],
        &["GETEX", "l"],
        &["GETEX", "l", "PERSIST"],
        &["SET", "l", "v", "GET"],
        &["SETNX", "l", "x"],
        &["SETRANGE", "l", "0", "x"],
        &["GETRANGE", "l", "0", "1"],
        &["SUBSTR", "l", "0", "1"],
        &["INCRBYFLOAT", "l", "1"],
        &["DECRBY", "l", "1"],
        &["DECR", "l"],
        &["INCRBY", "l", "1"],
        &["MGET", "l", "x", "l"],
        &["MSETNX", "l", "1", "other", "2"],
        &["EXISTS", "other"],
        &["LRANGE", "l", "0", "-1"],
        &["SET", "l", "plain"],
        &["TYPE", "l"],
        &["LLEN", "l"],
        &["SET", "l2", "v", "EX", "1000"],
        &["LPUSH", "l2", "x"],
        &["TTL", "l2"],
    ],
    &[
        // expiring lists
        &["RPUSH", "l", "a", "b", "c"],
        &["EXPIRE", "l", "1000"],
        &["LPUSH", "l", "z"],
        &["RPOP", "l"],
        &["TTL", "l"],
        &["LTRIM", "l", "5", "6"],
        &["EXISTS", "l"],
        &["TTL", "l"],
        &["RPUSH", "l2", "x"],
        &["PEXPIREAT", "l2", "1"],
        &["LLEN", "l2"],
        &["LPUSHX", "l2", "y"],
        &["EXISTS", "l2"],
        &["RPUSH", "l3", "x"],
        &["PEXPIRE", "l3", "100000"],
        &["LMOVE", "l3", "l4", "LEFT", "LEFT"],
        &["TTL", "l3"],
        &["TTL", "l4"],
    ],
    &[
        // lmove across two shards with every kind of destination
        &["RPUSH", "a", "1", "2", "3", "4"],
        &["LMOVE", "a", "b", "LEFT", "LEFT"],
        &["LMOVE", "a", "b", "RIGHT", "RIGHT"],
        &["LRANGE", "b", "0", "-1"],
        &["LMOVE", "b", "a", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "b", "a"],
        &["RPOPLPUSH", "b", "a"],
        &["LRANGE", "a", "0", "-1"],
        &["EXISTS", "b"],
        &["SET", "b", "str"],
        &["LMOVE", "a", "b", "LEFT", "LEFT"],
        &["RPOPLPUSH", "a", "b"],
        &["LRANGE", "a", "0", "-1"],
        &["LMOVE", "b", "a", "LEFT", "LEFT"],
        &["DEL", "b"],
        &["HSET", "b", "f", "v"],
        &["LMOVE", "a", "b", "LEFT", "LEFT"],
        &["LMOVE", "missing", "b", "LEFT", "LEFT"],
        &["LMOVE", "b", "missing", "LEFT", "LEFT"],
        &["LMOVE", "missing", "a", "LEFT", "LEFT"],
        &["LMOVE", "a", "b", "LEFT", "RIGHTER"],
        &["RPOPLPUSH", "a"],
        &["LRANGE", "a", "0", "-1"],
    ],
    &[
        // lmpop across shards
        &["RPUSH", "b", "1", "2"],
        &["RPUSH", "a", "3", "4", "5"],
        &["LMPOP", "2", "a", "b", "LEFT"],
        &["LMPOP", "2", "b", "a", "LEFT", "COUNT", "5"],
        &["LMPOP", "2", "b", "a", "RIGHT", "COUNT", "5"],
        &["LMPOP", "2", "b", "a", "RIGHT", "COUNT", "5"],
        &["LMPOP", "3", "x", "a", "b", "LEFT"],
        &["SET", "x", "str"],
        &["RPUSH", "a", "9"],
        &["LMPOP", "2", "a", "x", "LEFT"],
        &["LMPOP", "2", "x", "a", "LEFT"],
        &["LMPOP", "2", "missing", "x", "LEFT"],
        &["LMPOP", "2", "b", "missing", "LEFT"],
        &["LMPOP", "2", "a", "b", "MIDDLE"],
        &["LMPOP", "2", "a", "b", "LEFT", "COUNT", "0"],
    ],
    &[
        // long lists across nodes
        &["RPUSH", "l", "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", "1", "2", "3"],
        &["LINSERT", "l", "BEFORE", "2", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
        &["LRANGE", "l", "0", "-1"],
        &["LSET", "l", "0", "short"],
        &["LINDEX", "l", "0"],
        &["LPOS", "l", "3"],
    ],
    // Cross-shard moves in another database.
    &[
        &["SELECT", "2"],
        &["RPUSH", "a", "x", "y"],
        &["LMOVE", "a", "b", "LEFT", "LEFT"],
        &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"],
        &["LRANGE", "b", "0", "-1"],
        &["SELECT", "0"],
        &["EXISTS", "a", "b"],
        &["SELECT", "2"],
        &["EXISTS", "a", "b"],
    ],
    // The command table against COMMAND INFO and key extraction.
    &[
        &["COMMAND", "INFO", "lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset", "linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop"],
        &["COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"],
        &["COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "RIGHT"],
        &["COMMAND", "GETKEYSANDFLAGS", "RPOPLPUSH", "a", "b"],
        &["COMMAND", "GETKEYS", "LMPOP", "3", "a", "b", "LEFT"],
    ],
];

#[test]
fn lists() {
    run_family("lists", SEQUENCES);
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

/// Long lists over many nodes: elements of mixed sizes (some over a node's
/// 8 KB on their own), edited in the middle and at both ends; then the
/// same with `list-compress-depth` 1 and 3 (inner nodes compressed).
#[test]
fn lists_generated() {
    let seqs: Vec<Vec<Vec<String>>> = ["0", "1", "3"].iter().map(|d| long_lists(d)).collect();
    run_generated("lists (generated)", &seqs);
}

/// The steps of [`lists_generated`] at compression depth `depth`.
fn long_lists(depth: &str) -> Vec<Vec<String>> {
    let elems: Vec<String> = (0..3000)
        .map(|i| match i % 97 {
            0 => format!("{i}:{}", "x".repeat(9000)),
            1..=9 => format!("{i}:{}", "y".repeat(300)),
            _ => format!("e{}", i % 50),
        })
        .collect();
    let mut s = vec![cmd(&["CONFIG", "SET", "list-compress-depth", depth])];
    s.push(with("RPUSH", "a", elems[..1500].iter().cloned()));
    s.push(with("LPUSH", "a", elems[1500..].iter().cloned()));
    s.push(cmd(&["LLEN", "a"]));
    for (start, stop) in [
        ("0", "-1"),
        ("100", "200"),
        ("-300", "-250"),
        ("1499", "1502"),
        ("2990", "3100"),
    ] {
        s.push(cmd(&["LRANGE", "a", start, stop]));
    }
    for i in [
        0, 1, 97, 1000, 1500, 2999, 3000, -1, -97, -2999, -3000, -3001,
    ] {
        s.push(cmd(&["LINDEX", "a", &i.to_string()]));
    }
    s.push(cmd(&["LSET", "a", "1234", &"z".repeat(10000)]));
    s.push(cmd(&["LSET", "a", "-5", "short"]));
    s.push(cmd(&["LINSERT", "a", "BEFORE", "e7", &"w".repeat(8190)]));
    s.push(cmd(&["LINSERT", "a", "AFTER", "e49", "after"]));
    s.push(cmd(&["LRANGE", "a", "1200", "1300"]));
    s.push(cmd(&["LPOS", "a", "e3", "RANK", "-5", "COUNT", "10"]));
    s.push(cmd(&["LPOS", "a", "e3", "COUNT", "0", "MAXLEN", "1000"]));
    s.push(cmd(&["LREM", "a", "7", "e11"]));
    s.push(cmd(&["LREM", "a", "-7", "e12"]));
    s.push(cmd(&["LREM", "a", "0", "e13"]));
    s.push(cmd(&["LRANGE", "a", "0", "-1"]));
    // Through DUMP and RESTORE (compressed nodes are written compressed).
    s.push(cmd(&[
        "EVAL",
        "local d = redis.call('DUMP', KEYS[1]) \
         redis.call('RESTORE', KEYS[2], 0, d) \
         return redis.call('LRANGE', KEYS[2], 0, -1)",
        "2",
        "a",
        "{a}copy",
    ]));
    s.push(cmd(&["OBJECT", "ENCODING", "{a}copy"]));
    for _ in 0..20 {
        s.push(cmd(&["LMOVE", "a", "b", "LEFT", "RIGHT"]));
        s.push(cmd(&["RPOPLPUSH", "a", "b"]));
    }
    s.push(cmd(&["LRANGE", "b", "0", "-1"]));
    s.push(cmd(&["LTRIM", "a", "500", "-500"]));
    s.push(cmd(&["LLEN", "a"]));
    s.push(cmd(&["LPOP", "a", "700"]));
    s.push(cmd(&["RPOP", "a", "700"]));
    s.push(cmd(&["LMPOP", "2", "b", "a", "RIGHT", "COUNT", "5000"]));
    s.push(cmd(&["LMPOP", "2", "b", "a", "RIGHT", "COUNT", "5000"]));
    s.push(cmd(&["EXISTS", "a", "b"]));
    s.push(cmd(&["CONFIG", "SET", "list-compress-depth", "0"]));
    s
}

//! Scripts inside transactions: EVAL, EVALSHA and FCALL queued after MULTI
//! run inside EXEC, atomically, with their replies in EXEC's array — on one
//! shard, across both (declared keys and undeclared ones), in the database
//! a queued SELECT chose, with errors (a script error, `-NOSCRIPT`) as that
//! command's reply, and SCRIPT LOAD / FUNCTION LOAD queued beside them.
//!
//! With two shards, `a` lives on shard 1 and `b` on shard 0.

use super::{run_family, Seq};

const MOVE: &str = "local v = redis.call('decrby', KEYS[1], ARGV[1]) \
                    redis.call('incrby', KEYS[2], ARGV[1]) return v";
const UNDECLARED: &str = "redis.call('set', 'b', 'from-script') \
                          redis.call('incr', 'a') return redis.call('mget', 'a', 'b')";
const LIB: &str = "#!lua name=mylib\nredis.register_function('bump', \
                   function(keys, args) return redis.call('incrby', keys[1], args[1]) end)";

pub const SEQUENCES: &[Seq] = &[
    // one shard, both shards, undeclared keys
    &[
        &["MSET", "a", "100", "b", "100"],
        &["MULTI"],
        &["EVAL", "return redis.call('incr', KEYS[1])", "1", "a"],
        &["EVAL", MOVE, "2", "a", "b", "30"],
        &["SET", "c", "plain"],
        &["EVAL", UNDECLARED, "0"],
        &["EVAL", "return redis.call('get', 'c')", "0"],
        &["MGET", "a", "b", "c"],
        &["EXEC"],
        &["MGET", "a", "b", "c"],
    ],
    // EVALSHA after SCRIPT LOAD (queued too), NOSCRIPT, script errors
    &[
        &["SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"],
        &["MULTI"],
        &[
            "EVALSHA",
            "2bab3b661081db58bd2341920e0ba7cf5dc77b25",
            "1",
            "a",
        ],
        &[
            "EVALSHA",
            "ffffffffffffffffffffffffffffffffffffffff",
            "1",
            "a",
        ],
        &["EVAL", "return redis.call('nosuch')", "0"],
        &["EVAL", "return redis.pcall('incr', KEYS[1])", "1", "c"],
        &["SET", "c", "text"],
        &["EVAL", "return redis.pcall('incr', KEYS[1])", "1", "c"],
        &[
            "EVAL",
            "redis.call('set', KEYS[1], 'kept') error('halfway')",
            "1",
            "b",
        ],
        &["SCRIPT", "LOAD", "return 'loaded in multi'"],
        &["EXEC"],
        &["GET", "b"],
        &["EVALSHA", "0e76452e7282d23fb1445eb11f77fa401c0d7f1d", "0"],
        &[
            "SCRIPT",
            "EXISTS",
            "2bab3b661081db58bd2341920e0ba7cf5dc77b25",
        ],
    ],
    // FCALL, FUNCTION LOAD queued, read-only scripts
    &[
        &["FUNCTION", "FLUSH"],
        &["MULTI"],
        &["FUNCTION", "LOAD", LIB],
        &["FCALL", "bump", "1", "a", "5"],
        &["FCALL", "bump", "1", "b", "7"],
        &["FCALL_RO", "bump", "1", "a", "1"],
        &["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a"],
        &["EXEC"],
        &["MGET", "a", "b"],
        &["FUNCTION", "FLUSH"],
    ],
    // a queued SELECT: the script runs in database 1
    &[
        &["MULTI"],
        &["SELECT", "1"],
        &[
            "EVAL",
            "redis.call('set', KEYS[1], 'db1') return redis.call('get', 'b')",
            "1",
            "a",
        ],
        &["SELECT", "0"],
        &["EVAL", "return redis.call('exists', 'a', 'b')", "0"],
        &["EXEC"],
        &["SELECT", "1"],
        &["MGET", "a", "b"],
        &["FLUSHALL"],
    ],
    // a queuing error still aborts; DISCARD drops queued scripts
    &[
        &["MULTI"],
        &["EVAL", "return redis.call('set', 'a', 1)", "0"],
        &["EVAL"],
        &["EXEC"],
        &["EXISTS", "a"],
        &["MULTI"],
        &["EVAL", "return redis.call('set', 'a', 1)", "0"],
        &["DISCARD"],
        &["EXISTS", "a"],
    ],
];

#[test]
fn scripts_in_transactions() {
    run_family("scripting_multi", SEQUENCES);
}

//! Transactions: MULTI, EXEC, DISCARD — QUEUED replies, EXECABORT after a
//! queuing error (unknown command, wrong arity), runtime errors inside EXEC
//! not aborting the rest, nested MULTI, EXEC/DISCARD without MULTI, SELECT
//! inside a transaction, transactions whose keys (and multi-key
//! commands) span both shards, and a refused EXEC's effect on WATCH.
//!
//! With two shards, `a` lives on shard 1 and `b` on shard 0.

use super::{run_family, Seq};

pub const SEQUENCES: &[Seq] = &[
    // queued commands over both shards, multi-key ones included
    &[
        &["MULTI"],
        &["SET", "a", "1"],
        &["SET", "b", "2"],
        &["INCR", "a"],
        &["MSET", "c", "3", "d", "4", "e", "5"],
        &["MGET", "a", "b", "c", "d", "e"],
        &["RENAME", "c", "f"],
        &["EXISTS", "c", "f"],
        &["SADD", "s1", "x", "y"],
        &["SADD", "s2", "y", "z"],
        &["SINTERSTORE", "s3", "s1", "s2"],
        &["SMEMBERS", "s3"],
        &["DEL", "a", "b", "zz"],
        &["PING"],
        &["ECHO", "hi"],
        &["EXEC"],
        &["MGET", "a", "b", "f"],
        &["MULTI"],
        &["EXEC"],
    ],
    // runtime errors do not abort the rest
    &[
        &["SET", "a", "x"],
        &["MULTI"],
        &["INCR", "a"],
        &["LPUSH", "a", "v"],
        &["SET", "b", "ok"],
        &["GET", "b"],
        &["EXEC"],
        &["GET", "b"],
    ],
    // queuing errors abort the transaction
    &[
        &["MULTI"],
        &["SET", "a", "1"],
        &["NOSUCHCOMMAND", "x"],
        &["SET", "b"],
        &["EXEC"],
        &["GET", "a"],
        &["EXEC"],
        &["MULTI"],
        &["GET"],
        &["DISCARD"],
        &["GET", "a"],
    ],
    // nesting, DISCARD, EXEC without MULTI
    &[
        &["EXEC"],
        &["DISCARD"],
        &["MULTI"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "a", "2"],
        &["DISCARD"],
        &["GET", "a"],
        &["DISCARD"],
    ],
    // SELECT inside a transaction changes the database of what follows
    &[
        &["MULTI"],
        &["SELECT", "1"],
        &["SET", "a", "one"],
        &["SET", "b", "uno"],
        &["MGET", "a", "b"],
        &["SELECT", "0"],
        &["MGET", "a", "b"],
        &["EXEC"],
        &["MGET", "a", "b"],
        &["SELECT", "1"],
        &["MGET", "a", "b"],
    ],
    // whole-keyspace commands inside a transaction
    &[
        &["MSET", "a", "1", "b", "2"],
        &["MULTI"],
        &["DBSIZE"],
        &["FLUSHALL"],
        &["DBSIZE"],
        &["SET", "a", "3"],
        &["EXEC"],
        &["MGET", "a", "b"],
    ],
    // EXEC refused (wrong arity) discards and unwatches, in MULTI or not;
    // a plain EXEC without MULTI keeps the watches
    &[
        &["WATCH", "a"],
        &["EXEC", "x"],
        &["SET", "a", "1"],
        &["MULTI"],
        &["PING"],
        &["EXEC"],
        &["WATCH", "a"],
        &["MULTI"],
        &["PING"],
        &["EXEC", "x"],
        &["EXEC"],
        &["SET", "a", "2"],
        &["MULTI"],
        &["PING"],
        &["EXEC"],
        &["WATCH", "a"],
        &["EXEC"],
        &["SET", "a", "3"],
        &["MULTI"],
        &["PING"],
        &["EXEC"],
    ],
];

#[test]
fn transactions() {
    run_family("transactions", SEQUENCES);
}

//! Set family tests: replies recorded from redis-server 7.0.15 (random
//! replies and large sets are checked in `random`). Keys `a`, `b` and
//! `g` live on three different shards of the test harness; `{t}…` keys
//! share one.

use crate::testutil::{check, harness};

mod random;

#[test]
fn sadd_and_members() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD s 3 1 2 3", ":3\r\n"),
            ("SADD s 10 -5", ":2\r\n"),
            (
                "SMEMBERS s",
                "*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n",
            ),
            ("SCARD s", ":5\r\n"),
            ("SISMEMBER s 10", ":1\r\n"),
            ("SISMEMBER s 010", ":0\r\n"),
            ("SISMEMBER s x", ":0\r\n"),
            ("SISMEMBER missing x", ":0\r\n"),
            ("SMISMEMBER s 1 x 2", "*3\r\n:1\r\n:0\r\n:1\r\n"),
            ("SMISMEMBER missing a b", "*2\r\n:0\r\n:0\r\n"),
            ("SCARD missing", ":0\r\n"),
            ("SMEMBERS missing", "*0\r\n"),
            ("TYPE s", "+set\r\n"),
            ("SADD s x", ":1\r\n"),
            ("SCARD s", ":6\r\n"),
            ("SISMEMBER s 10", ":1\r\n"),
            ("SISMEMBER s x", ":1\r\n"),
            (
                "SADD s",
                "-ERR wrong number of arguments for 'sadd' command\r\n",
            ),
            (
                "SISMEMBER s",
                "-ERR wrong number of arguments for 'sismember' command\r\n",
            ),
            (
                "SMISMEMBER s",
                "-ERR wrong number of arguments for 'smismember' command\r\n",
            ),
            (
                "SADD n 9223372036854775807 -9223372036854775808 0 -0 007 +1",
                ":6\r\n",
            ),
            ("SCARD n", ":6\r\n"),
            ("SISMEMBER n -0", ":1\r\n"),
            ("SISMEMBER n 0", ":1\r\n"),
        ],
    );
}

#[test]
fn srem_deletes() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD s a b c", ":3\r\n"),
            ("EXPIRE s 1000", ":1\r\n"),
            ("SREM s a x", ":1\r\n"),
            ("SREM s b c", ":2\r\n"),
            ("EXISTS s", ":0\r\n"),
            ("SREM s a", ":0\r\n"),
            ("SREM missing a", ":0\r\n"),
            ("SADD s 1 2", ":2\r\n"),
            ("TTL s", ":-1\r\n"),
            ("SREM s 1 2 3", ":2\r\n"),
            ("EXISTS s", ":0\r\n"),
            (
                "SREM s",
                "-ERR wrong number of arguments for 'srem' command\r\n",
            ),
        ],
    );
}

#[test]
fn set_wrong_type() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET str x", "+OK\r\n"),
            (
                "SADD str a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SREM str a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMEMBERS str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SISMEMBER str a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMISMEMBER str a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SCARD str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SPOP str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SPOP str 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SRANDMEMBER str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SRANDMEMBER str 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SSCAN str 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SINTER str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SUNION str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SDIFF str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SINTERCARD 1 str",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SADD s a", ":1\r\n"),
            (
                "GET s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "INCR s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("TYPE s", "+set\r\n"),
            (
                "LPUSH s x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "HSET s f v",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ],
    );
}

#[test]
fn spop_and_srandmember_shapes() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD s 1", ":1\r\n"),
            ("SPOP s", "$1\r\n1\r\n"),
            ("EXISTS s", ":0\r\n"),
            ("SPOP s", "$-1\r\n"),
            ("SPOP s 0", "*0\r\n"),
            ("SPOP s 3", "*0\r\n"),
            ("SADD s 1 2 3", ":3\r\n"),
            ("SPOP s 0", "*0\r\n"),
            ("SPOP s 3", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
            ("EXISTS s", ":0\r\n"),
            ("SADD s a", ":1\r\n"),
            ("SPOP s 5", "*1\r\n$1\r\na\r\n"),
            ("SPOP s -1", "-ERR value is out of range, must be positive\r\n"),
            ("SPOP s x", "-ERR value is out of range, must be positive\r\n"),
            ("SPOP s 1 2", "-ERR syntax error\r\n"),
            ("SADD s x", ":1\r\n"),
            ("SRANDMEMBER s", "$1\r\nx\r\n"),
            ("SRANDMEMBER s 1", "*1\r\n$1\r\nx\r\n"),
            ("SRANDMEMBER s 0", "*0\r\n"),
            ("SRANDMEMBER s -3", "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n"),
            ("SRANDMEMBER s 5", "*1\r\n$1\r\nx\r\n"),
            ("SRANDMEMBER s x", "-ERR value is not an integer or out of range\r\n"),
            ("SRANDMEMBER s -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
            ("SRANDMEMBER s 1 2", "-ERR syntax error\r\n"),
            ("SRANDMEMBER missing", "$-1\r\n"),
            ("SRANDMEMBER missing 5", "*0\r\n"),
            ("SRANDMEMBER missing -5", "*0\r\n"),
            ("SADD ints 5 3 1", ":3\r\n"),
            ("SPOP ints 10", "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n"),
            ("SADD ints 5 3 1", ":3\r\n"),
            ("SRANDMEMBER ints 10", "*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n"),
        ],
    );
}

#[test]
fn sscan() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD ints 5 3 1 20", ":4\r\n"),
            (
                "SSCAN ints 0",
                "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n20\r\n",
            ),
            (
                "SSCAN ints 0 MATCH 2*",
                "*2\r\n$1\r\n0\r\n*1\r\n$2\r\n20\r\n",
            ),
            (
                "SSCAN ints 99 COUNT 1",
                "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n20\r\n",
            ),
            ("SSCAN ints 0 COUNT 0", "-ERR syntax error\r\n"),
            (
                "SSCAN ints 0 COUNT x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("SSCAN ints 0 MATCH", "-ERR syntax error\r\n"),
            ("SSCAN ints 0 FOO 1", "-ERR syntax error\r\n"),
            ("SSCAN ints x", "-ERR invalid cursor\r\n"),
            (
                "SSCAN ints -1",
                "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n20\r\n",
            ),
            ("SSCAN missing 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("SSCAN missing 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("SSCAN missing x", "-ERR invalid cursor\r\n"),
            (
                "SSCAN ints",
                "-ERR wrong number of arguments for 'sscan' command\r\n",
            ),
        ],
    );
}

#[test]
fn smove_same_shard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD {t}a 1 2 x", ":3\r\n"),
            ("SMOVE {t}a {t}b 1", ":1\r\n"),
            ("SMOVE {t}a {t}b 1", ":0\r\n"),
            ("SMOVE {t}a {t}b nope", ":0\r\n"),
            ("SMEMBERS {t}b", "*1\r\n$1\r\n1\r\n"),
            ("SMOVE {t}a {t}a 2", ":1\r\n"),
            ("SMOVE {t}a {t}a 9", ":0\r\n"),
            ("SMOVE {t}missing {t}b 1", ":0\r\n"),
            ("SET {t}s x", "+OK\r\n"),
            ("SMOVE {t}missing {t}s 1", ":0\r\n"),
            (
                "SMOVE {t}s {t}a 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMOVE {t}a {t}s 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMOVE {t}a {t}s nope",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SMOVE {t}a {t}b 2", ":1\r\n"),
            ("SMOVE {t}a {t}b x", ":1\r\n"),
            ("EXISTS {t}a", ":0\r\n"),
            ("SCARD {t}b", ":3\r\n"),
            (
                "SMOVE {t}a {t}b",
                "-ERR wrong number of arguments for 'smove' command\r\n",
            ),
        ],
    );
}

#[test]
fn smove_across_shards() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD a 1 2 x", ":3\r\n"),
            ("SMOVE a b 1", ":1\r\n"),
            ("SMOVE a b 1", ":0\r\n"),
            ("SMOVE a b nope", ":0\r\n"),
            ("SMEMBERS b", "*1\r\n$1\r\n1\r\n"),
            ("SMOVE missing b 1", ":0\r\n"),
            ("SET g str", "+OK\r\n"),
            ("SMOVE missing g 1", ":0\r\n"),
            (
                "SMOVE g a 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMOVE a g 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SMOVE a g nope",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SMOVE b a 1", ":1\r\n"),
            ("SMOVE a b 2", ":1\r\n"),
            ("SMOVE a b x", ":1\r\n"),
            ("EXISTS a", ":1\r\n"),
            ("SCARD b", ":2\r\n"),
            ("SMEMBERS a", "*1\r\n$1\r\n1\r\n"),
        ],
    );
}

#[test]
fn algebra_same_shard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD {t}a 1 2 3 4", ":4\r\n"),
            ("SADD {t}b 3 4 5", ":3\r\n"),
            ("SADD {t}c x 4 y", ":3\r\n"),
            ("SINTER {t}a {t}b", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            ("SINTER {t}a {t}b {t}c", "*1\r\n$1\r\n4\r\n"),
            ("SINTER {t}a {t}missing", "*0\r\n"),
            (
                "SINTER {t}a",
                "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n",
            ),
            (
                "SUNION {t}a {t}b",
                "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n",
            ),
            (
                "SUNION {t}a {t}missing",
                "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n",
            ),
            ("SDIFF {t}a {t}b", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("SDIFF {t}a {t}a", "*0\r\n"),
            ("SDIFF {t}missing {t}a", "*0\r\n"),
            ("SDIFF {t}a {t}missing {t}b", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("SINTERSTORE {t}d {t}a {t}b", ":2\r\n"),
            ("SMEMBERS {t}d", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            ("SUNIONSTORE {t}d {t}a {t}b", ":5\r\n"),
            (
                "SMEMBERS {t}d",
                "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n",
            ),
            ("SDIFFSTORE {t}d {t}a {t}b", ":2\r\n"),
            ("SMEMBERS {t}d", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("SINTERSTORE {t}d {t}a {t}missing", ":0\r\n"),
            ("EXISTS {t}d", ":0\r\n"),
            ("SET {t}s x", "+OK\r\n"),
            (
                "SINTER {t}missing {t}s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SUNION {t}a {t}s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SDIFF {t}missing {t}s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SINTERSTORE {t}d {t}a {t}s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SUNIONSTORE {t}s {t}a", ":4\r\n"),
            ("TYPE {t}s", "+set\r\n"),
            (
                "SMEMBERS {t}s",
                "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n",
            ),
            ("SET {t}d x", "+OK\r\n"),
            ("EXPIRE {t}d 1000", ":1\r\n"),
            ("SDIFFSTORE {t}d {t}a", ":4\r\n"),
            ("TTL {t}d", ":-1\r\n"),
            ("SDIFFSTORE {t}d {t}a {t}a", ":0\r\n"),
            ("EXISTS {t}d", ":0\r\n"),
            (
                "SINTER",
                "-ERR wrong number of arguments for 'sinter' command\r\n",
            ),
            (
                "SINTERSTORE {t}d",
                "-ERR wrong number of arguments for 'sinterstore' command\r\n",
            ),
            ("SUNIONSTORE {t}d {t}a {t}a", ":4\r\n"),
            (
                "SMEMBERS {t}d",
                "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n",
            ),
        ],
    );
}

#[test]
fn algebra_across_shards() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD a 1 2 3 4", ":4\r\n"),
            ("SADD b 3 4 5", ":3\r\n"),
            ("SADD g 4 6 3", ":3\r\n"),
            ("SINTER a b g", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            ("SINTER a b", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            ("SINTER a b g missing", "*0\r\n"),
            (
                "SUNION a b g",
                "*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n",
            ),
            ("SDIFF a b g", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ("SDIFF b a", "*1\r\n$1\r\n5\r\n"),
            ("SDIFF missing a", "*0\r\n"),
            ("SINTERSTORE d a b g", ":2\r\n"),
            ("SMEMBERS d", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            ("SUNIONSTORE a a b", ":5\r\n"),
            (
                "SMEMBERS a",
                "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n",
            ),
            ("SDIFFSTORE g g a", ":1\r\n"),
            ("EXISTS g", ":1\r\n"),
            ("SINTERSTORE d a b missing", ":0\r\n"),
            ("EXISTS d", ":0\r\n"),
            ("SET s str", "+OK\r\n"),
            (
                "SINTER a b s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SUNIONSTORE d a s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SDIFF s a b",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SADD g x y", ":2\r\n"),
            ("SUNIONSTORE d a g", ":8\r\n"),
            ("SCARD d", ":8\r\n"),
            ("SMISMEMBER d x y 1 9", "*4\r\n:1\r\n:1\r\n:1\r\n:0\r\n"),
            ("SINTERSTORE d g a", ":0\r\n"),
            ("SMEMBERS d", "*0\r\n"),
        ],
    );
}

#[test]
fn sintercard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SADD {t}a 1 2 3 4", ":4\r\n"),
            ("SADD {t}b 2 3 4 5", ":4\r\n"),
            ("SINTERCARD 2 {t}a {t}b", ":3\r\n"),
            ("SINTERCARD 2 {t}a {t}b LIMIT 2", ":2\r\n"),
            ("SINTERCARD 2 {t}a {t}b LIMIT 0", ":3\r\n"),
            ("SINTERCARD 2 {t}a {t}b limit 10", ":3\r\n"),
            ("SINTERCARD 1 {t}a", ":4\r\n"),
            ("SINTERCARD 2 {t}a {t}missing", ":0\r\n"),
            ("SADD a 1 2 3", ":3\r\n"),
            ("SADD b 2 3 9", ":3\r\n"),
            ("SINTERCARD 2 a b", ":2\r\n"),
            ("SINTERCARD 2 a b LIMIT 1", ":1\r\n"),
            ("SINTERCARD 3 a b g", ":0\r\n"),
            (
                "SINTERCARD 0 a",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "SINTERCARD x a",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "SINTERCARD 3 a b",
                "-ERR Number of keys can't be greater than number of args\r\n",
            ),
            (
                "SINTERCARD 1 a LIMIT -1",
                "-ERR LIMIT can't be negative\r\n",
            ),
            ("SINTERCARD 1 a LIMIT x", "-ERR LIMIT can't be negative\r\n"),
            ("SINTERCARD 1 a LIMIT", "-ERR syntax error\r\n"),
            ("SINTERCARD 1 a FOO 1", "-ERR syntax error\r\n"),
            ("SINTERCARD 1 a LIMIT 1 LIMIT 2", ":2\r\n"),
            ("SET s x", "+OK\r\n"),
            (
                "SINTERCARD 2 a s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SINTERCARD 2 missing s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SINTERCARD 1",
                "-ERR wrong number of arguments for 'sintercard' command\r\n",
            ),
        ],
    );
}

/// SDIFFSTORE's result takes the encoding Redis's chosen algorithm leaves
/// (replayed from redis-server 7.0.15): the second algorithm (less work with
/// small sets to subtract) fills the result with the whole first set first.
#[test]
fn sdiffstore_encoding_follows_the_algorithm() {
    let mut h = harness();
    let many: Vec<String> = (0..=1536).step_by(3).map(|i| i.to_string()).collect();
    check(
        &mut h,
        &[(&format!("SADD {{t}}a {} -1", many.join(" ")), ":514\r\n")],
    );
    check(
        &mut h,
        &[
            ("SADD {t}b 0 3 6", ":3\r\n"),
            ("SADD {t}b2 5", ":1\r\n"),
            // Algorithm 1 (514 <= 517): the result's own encoding.
            ("SDIFFSTORE {t}d {t}a {t}b", ":511\r\n"),
            ("OBJECT ENCODING {t}d", "$6\r\nintset\r\n"),
            // Algorithm 2 (771 > 518): past 512 members on the way.
            ("SDIFFSTORE {t}d2 {t}a {t}b {t}b2", ":511\r\n"),
            ("OBJECT ENCODING {t}d2", "$9\r\nhashtable\r\n"),
            ("SADD {t}k 1 2 3 4 5 6 x", ":7\r\n"),
            ("SADD {t}m x", ":1\r\n"),
            // Algorithm 2 (10 > 9): a string member on the way.
            ("SDIFFSTORE {t}r {t}k {t}m {t}m", ":6\r\n"),
            ("OBJECT ENCODING {t}r", "$9\r\nhashtable\r\n"),
            ("SADD {t}k2 1 2 x", ":3\r\n"),
            // Algorithm 1 (4 <= 5).
            ("SDIFFSTORE {t}r2 {t}k2 {t}m {t}m", ":2\r\n"),
            ("OBJECT ENCODING {t}r2", "$6\r\nintset\r\n"),
        ],
    );
}

//! RENAME, RENAMENX, COPY, MOVE and SWAPDB: scripts replaying redis-server
//! 7.0.15's replies byte for byte, over three shards (`a`, `c`, `k` live on
//! shard 2, `b`, `k2`, `s`, `y` on shard 0, `g`, `x` on shard 1), so most
//! two-key steps cross shards.

use crate::testutil::{check, harness, run};

#[test]
fn names_land_on_the_shards_the_scripts_assume() {
    let h = harness();
    let r = h.router();
    for (key, shard) in [("a", 2), ("c", 2), ("k", 2), ("l", 2), ("h", 2)] {
        assert_eq!(r.shard_of(key.as_bytes()), shard, "{key}");
    }
    for (key, shard) in [("b", 0), ("k2", 0), ("s", 0), ("y", 0), ("g", 1), ("x", 1)] {
        assert_eq!(r.shard_of(key.as_bytes()), shard, "{key}");
    }
}

#[test]
fn rename_and_renamenx() {
    let mut h = harness();
    check(
        &mut h,
        &[
            // Same shard (a, c) and across shards (a, b, g, x, y).
            ("SET a 1", "+OK\r\n"),
            ("RENAME a a", "+OK\r\n"),
            ("RENAMENX a a", ":0\r\n"),
            ("RENAME nope nope", "-ERR no such key\r\n"),
            ("RENAME nope b", "-ERR no such key\r\n"),
            ("RENAMENX nope b", "-ERR no such key\r\n"),
            ("SET b 2", "+OK\r\n"),
            ("RENAMENX a b", ":0\r\n"),
            ("RENAME a b", "+OK\r\n"),
            ("GET b", "$1\r\n1\r\n"),
            ("EXISTS a", ":0\r\n"),
            ("RENAME b c", "+OK\r\n"),
            ("GET c", "$1\r\n1\r\n"),
            ("RENAME c g", "+OK\r\n"),
            ("MGET a b c g", "*4\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\n1\r\n"),
            ("RENAMENX g x", ":1\r\n"),
            ("RENAMENX x y", ":1\r\n"),
            ("MGET g x y", "*3\r\n$-1\r\n$-1\r\n$1\r\n1\r\n"),
            ("SET z 9", "+OK\r\n"),
            ("RENAMENX y z", ":0\r\n"),
            ("MGET y z", "*2\r\n$1\r\n1\r\n$1\r\n9\r\n"),
            (
                "RENAME",
                "-ERR wrong number of arguments for 'rename' command\r\n",
            ),
            (
                "RENAME a",
                "-ERR wrong number of arguments for 'rename' command\r\n",
            ),
            (
                "RENAME a b c",
                "-ERR wrong number of arguments for 'rename' command\r\n",
            ),
            (
                "RENAMENX a",
                "-ERR wrong number of arguments for 'renamenx' command\r\n",
            ),
            // TTL and every type moves along.
            ("SET k v EX 1000", "+OK\r\n"),
            ("RENAME k k2", "+OK\r\n"),
            ("TTL k2", ":1000\r\n"),
            ("RENAME k2 k", "+OK\r\n"),
            ("TTL k", ":1000\r\n"),
            ("RPUSH l 1 2 3", ":3\r\n"),
            ("PEXPIRE l 5000000", ":1\r\n"),
            ("RENAME l x", "+OK\r\n"),
            ("LRANGE x 0 -1", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
            ("TTL x", ":5000\r\n"),
            ("TYPE l", "+none\r\n"),
            ("HSET h f v g w", ":2\r\n"),
            ("RENAME h y", "+OK\r\n"),
            (
                "HGETALL y",
                "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n",
            ),
            ("SADD s 1 2 x", ":3\r\n"),
            ("RENAMENX s g", ":1\r\n"),
            ("TYPE g", "+set\r\n"),
            ("SCARD g", ":3\r\n"),
            ("SET s2 old EX 100", "+OK\r\n"),
            ("RENAME g s2", "+OK\r\n"),
            ("TTL s2", ":-1\r\n"),
            ("TYPE s2", "+set\r\n"),
        ],
    );
}

#[test]
fn copy() {
    let mut h = harness();
    check(
        &mut h,
        &[
            // COPY on one shard (a, c) and across shards (a, b).
            ("SET a hello", "+OK\r\n"),
            (
                "COPY a a",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("COPY a c", ":1\r\n"),
            ("COPY a c", ":0\r\n"),
            ("COPY a b", ":1\r\n"),
            ("COPY a b", ":0\r\n"),
            ("COPY a b REPLACE", ":1\r\n"),
            ("COPY a b replace REPLACE", ":1\r\n"),
            ("COPY a b DB 0", ":0\r\n"),
            ("COPY a b DB 1", ":1\r\n"),
            ("COPY a b DB 1", ":0\r\n"),
            ("COPY a c db 1", ":1\r\n"),
            ("COPY a b DB 16", "-ERR DB index is out of range\r\n"),
            (
                "COPY a b DB x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("COPY a b DB", "-ERR syntax error\r\n"),
            ("COPY a b FOO", "-ERR syntax error\r\n"),
            ("COPY a b DB 16 FOO", "-ERR DB index is out of range\r\n"),
            ("COPY a b FOO DB 16", "-ERR syntax error\r\n"),
            (
                "COPY a b DB 99999999999",
                "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            ),
            ("COPY a b DB -1", "-ERR DB index is out of range\r\n"),
            ("COPY a a DB 1", ":1\r\n"),
            (
                "COPY a a DB 0",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("COPY nope x", ":0\r\n"),
            (
                "COPY nope nope",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("COPY nope b DB 1", ":0\r\n"),
            (
                "COPY a",
                "-ERR wrong number of arguments for 'copy' command\r\n",
            ),
            (
                "COPY",
                "-ERR wrong number of arguments for 'copy' command\r\n",
            ),
            // Every type, with its time to live, into other databases.
            ("RPUSH l 1 2 3", ":3\r\n"),
            ("EXPIRE l 5000", ":1\r\n"),
            ("COPY l x", ":1\r\n"),
            ("TTL x", ":5000\r\n"),
            ("LRANGE x 0 -1", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
            ("RPUSH x 4", ":4\r\n"),
            ("LLEN l", ":3\r\n"),
            ("HSET h f v", ":1\r\n"),
            ("COPY h y DB 2", ":1\r\n"),
            ("SELECT 2", "+OK\r\n"),
            ("HGETALL y", "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
            ("SELECT 0", "+OK\r\n"),
            ("SADD s 1 2 a", ":3\r\n"),
            ("COPY s g", ":1\r\n"),
            ("SCARD g", ":3\r\n"),
            ("SREM g a", ":1\r\n"),
            ("SCARD s", ":3\r\n"),
            ("SET k 5", "+OK\r\n"),
            ("COPY k b REPLACE", ":1\r\n"),
            ("GET b", "$1\r\n5\r\n"),
            ("SET big 12345678901234567890123", "+OK\r\n"),
            ("COPY big b REPLACE", ":1\r\n"),
            ("GET b", "$23\r\n12345678901234567890123\r\n"),
        ],
    );
}

#[test]
fn move_and_swapdb() {
    let mut h = harness();
    check(
        &mut h,
        &[
            // MOVE: the key stays on its shard, in another database.
            ("SET k v EX 1000", "+OK\r\n"),
            ("MOVE k 1", ":1\r\n"),
            (
                "MOVE k 0",
                "-ERR source and destination objects are the same\r\n",
            ),
            ("MOVE k 16", "-ERR DB index is out of range\r\n"),
            ("MOVE k -1", "-ERR DB index is out of range\r\n"),
            (
                "MOVE k x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "MOVE k 99999999999",
                "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            ),
            ("MOVE nope 1", ":0\r\n"),
            ("MOVE k 1", ":0\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("SELECT 1", "+OK\r\n"),
            ("TTL k", ":1000\r\n"),
            ("GET k", "$1\r\nv\r\n"),
            ("MOVE k 0", ":1\r\n"),
            ("SELECT 0", "+OK\r\n"),
            ("SET k other", "+OK\r\n"),
            ("SELECT 1", "+OK\r\n"),
            ("MOVE k 0", ":0\r\n"),
            ("GET k", "$-1\r\n"),
            (
                "MOVE",
                "-ERR wrong number of arguments for 'move' command\r\n",
            ),
            (
                "MOVE k",
                "-ERR wrong number of arguments for 'move' command\r\n",
            ),
            (
                "MOVE k 1 2",
                "-ERR wrong number of arguments for 'move' command\r\n",
            ),
            ("SELECT 0", "+OK\r\n"),
            // SWAPDB swaps on every shard.
            ("FLUSHALL", "+OK\r\n"),
            ("MSET a 1 b 2 g 3", "+OK\r\n"),
            ("SELECT 1", "+OK\r\n"),
            ("SET b in1", "+OK\r\n"),
            ("SWAPDB 0 1", "+OK\r\n"),
            ("DBSIZE", ":3\r\n"),
            ("MGET a b g", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
            ("SELECT 0", "+OK\r\n"),
            ("DBSIZE", ":1\r\n"),
            ("GET b", "$3\r\nin1\r\n"),
            ("SWAPDB 0 16", "-ERR DB index is out of range\r\n"),
            ("SWAPDB x 1", "-ERR invalid first DB index\r\n"),
            ("SWAPDB 1 x", "-ERR invalid second DB index\r\n"),
            ("SWAPDB 99999999999 1", "-ERR invalid first DB index\r\n"),
            ("SWAPDB 1 99999999999", "-ERR invalid second DB index\r\n"),
            ("SWAPDB -1 0", "-ERR DB index is out of range\r\n"),
            ("SWAPDB 0 -1", "-ERR DB index is out of range\r\n"),
            ("SWAPDB 0 0", "+OK\r\n"),
            ("DBSIZE", ":1\r\n"),
            ("SWAPDB 1 0", "+OK\r\n"),
            ("DBSIZE", ":3\r\n"),
            (
                "SWAPDB",
                "-ERR wrong number of arguments for 'swapdb' command\r\n",
            ),
            (
                "SWAPDB 0",
                "-ERR wrong number of arguments for 'swapdb' command\r\n",
            ),
            (
                "SWAPDB 0 1 2",
                "-ERR wrong number of arguments for 'swapdb' command\r\n",
            ),
        ],
    );
}

/// Values keep their encoding and content through every kind of move.
#[test]
fn values_move_whole_across_shards() {
    let mut h = harness();
    let members: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(members.iter().map(String::as_str));
    run(&mut h, &sadd);
    run(&mut h, &["PEXPIRE", "s", "100000000"]);
    assert_eq!(run(&mut h, &["RENAME", "s", "x"]), b"+OK\r\n");
    assert_eq!(
        run(&mut h, &["OBJECT", "ENCODING", "x"]),
        b"$9\r\nhashtable\r\n"
    );
    assert_eq!(run(&mut h, &["SCARD", "x"]), b":600\r\n");
    assert_eq!(run(&mut h, &["TTL", "x"]), b":100000\r\n");
    assert_eq!(run(&mut h, &["COPY", "x", "b", "DB", "3"]), b":1\r\n");
    assert_eq!(run(&mut h, &["MOVE", "x", "3"]), b":1\r\n");
    run(&mut h, &["SELECT", "3"]);
    assert_eq!(run(&mut h, &["SCARD", "b"]), b":600\r\n");
    assert_eq!(run(&mut h, &["TTL", "b"]), b":100000\r\n");
    assert_eq!(run(&mut h, &["SISMEMBER", "x", "m599"]), b":1\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":2\r\n");
    run(&mut h, &["SELECT", "0"]);
    assert_eq!(run(&mut h, &["DBSIZE"]), b":0\r\n");
}

/// Each connection has its own selected database; SWAPDB changes what every
/// connection sees, MOVE and COPY … DB reach another connection's database.
#[test]
fn databases_per_connection() {
    let mut h = harness();
    let other = h.connect();
    assert_eq!(h.run_on(other, &["SELECT", "1"]), b"+OK\r\n");
    run(&mut h, &["MSET", "a", "0", "b", "0", "g", "0"]);
    h.run_on(other, &["MSET", "a", "1", "x", "1"]);
    assert_eq!(run(&mut h, &["DBSIZE"]), b":3\r\n");
    assert_eq!(h.run_on(other, &["DBSIZE"]), b":2\r\n");
    assert_eq!(run(&mut h, &["SWAPDB", "0", "1"]), b"+OK\r\n");
    assert_eq!(
        run(&mut h, &["MGET", "a", "x", "g"]),
        b"*3\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n"
    );
    assert_eq!(h.run_on(other, &["DBSIZE"]), b":3\r\n");
    assert_eq!(h.run_on(other, &["MOVE", "g", "0"]), b":1\r\n");
    assert_eq!(h.run_on(other, &["COPY", "b", "y", "DB", "0"]), b":1\r\n");
    assert_eq!(
        run(&mut h, &["MGET", "g", "y"]),
        b"*2\r\n$1\r\n0\r\n$1\r\n0\r\n"
    );
    assert_eq!(h.run_on(other, &["FLUSHDB"]), b"+OK\r\n");
    assert_eq!(h.run_on(other, &["DBSIZE"]), b":0\r\n");
    assert_eq!(run(&mut h, &["DBSIZE"]), b":4\r\n");
    assert_eq!(run(&mut h, &["RENAME", "a", "b"]), b"+OK\r\n");
    assert_eq!(h.run_on(other, &["EXISTS", "a", "b"]), b":0\r\n");
}

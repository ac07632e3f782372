//! Bitmap family tests (and LCS): replies recorded from redis-server 7.0.15.
//! BITOP and LCS span shards (`dst` on shard 2, `k1` and `short` on 1, `k2`
//! on 0); `a` and `c` share shard 2.

use crate::testutil::{check, check_bytes, harness};

#[test]
fn setbit_getbit() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SETBIT k 7 1", ":0\r\n"),
            ("GET k", "$1\r\n\x01\r\n"),
            ("SETBIT k 7 0", ":1\r\n"),
            ("SETBIT k 7 1", ":0\r\n"),
            ("GETBIT k 7", ":1\r\n"),
            ("GETBIT k 6", ":0\r\n"),
            ("GETBIT k 100", ":0\r\n"),
            ("SETBIT k 100 1", ":0\r\n"),
            ("STRLEN k", ":13\r\n"),
            ("GETBIT k 100", ":1\r\n"),
            (
                "SETBIT k -1 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k x 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k 1 2",
                "-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k 1 -1",
                "-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k 1 x",
                "-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k 4294967296 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT k #1 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT k -1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT k x",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT k 4294967296",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            ("GETBIT nokey 5", ":0\r\n"),
            ("SET n 1", "+OK\r\n"),
            ("GETBIT n 2", ":1\r\n"),
            ("GETBIT n 7", ":1\r\n"),
            ("SETBIT n 6 1", ":0\r\n"),
            ("GET n", "$1\r\n3\r\n"),
            ("ZADD z 1 a", ":1\r\n"),
            (
                "SETBIT z 1 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "GETBIT z 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "GETBIT z x",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT z x 1",
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            ("SET t v EX 1000", "+OK\r\n"),
            ("SETBIT t 1 1", ":1\r\n"),
            ("TTL t", ":1000\r\n"),
        ],
    );
}

#[test]
fn bitcount() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET s foobar", "+OK\r\n"),
            ("BITCOUNT s", ":26\r\n"),
            ("BITCOUNT s 0 0", ":4\r\n"),
            ("BITCOUNT s 1 1", ":6\r\n"),
            ("BITCOUNT s 1 -2", ":18\r\n"),
            ("BITCOUNT s -2 -1", ":7\r\n"),
            ("BITCOUNT s -1 -2", ":0\r\n"),
            ("BITCOUNT s 5 30", ":4\r\n"),
            ("BITCOUNT s 0 -1 BYTE", ":26\r\n"),
            ("BITCOUNT s 5 30 BIT", ":17\r\n"),
            ("BITCOUNT s 0 7 BIT", ":4\r\n"),
            ("BITCOUNT s 1 6 BIT", ":4\r\n"),
            ("BITCOUNT s -3 -1 BIT", ":1\r\n"),
            ("BITCOUNT s 9 9 bit", ":1\r\n"),
            ("BITCOUNT s 0 -1 FOO", "-ERR syntax error\r\n"),
            ("BITCOUNT s 0", "-ERR syntax error\r\n"),
            ("BITCOUNT s 0 1 BIT x", "-ERR syntax error\r\n"),
            (
                "BITCOUNT s x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "BITCOUNT s 1 y",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("BITCOUNT s -1 -2 FOO", ":0\r\n"),
            ("BITCOUNT nokey", ":0\r\n"),
            ("BITCOUNT nokey x y", ":0\r\n"),
            ("BITCOUNT nokey 0", ":0\r\n"),
            ("SET n 12345", "+OK\r\n"),
            ("BITCOUNT n", ":17\r\n"),
            ("ZADD z 1 a", ":1\r\n"),
            (
                "BITCOUNT z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "BITCOUNT z x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("SET e \"\"", "+OK\r\n"),
            ("BITCOUNT e", ":0\r\n"),
            ("BITCOUNT e 0 -1", ":0\r\n"),
            ("BITCOUNT e 0 -1 BIT", ":0\r\n"),
            (
                "BITCOUNT s -9223372036854775808 9223372036854775807",
                ":26\r\n",
            ),
            (
                "BITCOUNT s -9223372036854775808 9223372036854775807 BIT",
                ":26\r\n",
            ),
        ],
    );
}

#[test]
fn bitpos() {
    let mut h = harness();
    check(
        &mut h,
        &[
            (
                "BITFIELD s SET u8 0 255 SET u8 8 240 SET u8 16 0",
                "*3\r\n:0\r\n:0\r\n:0\r\n",
            ),
            ("BITPOS s 0", ":12\r\n"),
            ("BITPOS s 1", ":0\r\n"),
            ("SETBIT z 0 0", ":0\r\n"),
            ("SET z \"\"", "+OK\r\n"),
            ("BITPOS z 0", ":-1\r\n"),
            ("BITPOS z 1", ":-1\r\n"),
            ("SET m foobar", "+OK\r\n"),
            ("BITPOS m 1", ":1\r\n"),
            ("BITPOS m 0", ":0\r\n"),
            ("BITPOS m 1 2", ":17\r\n"),
            ("BITPOS m 0 1 2", ":8\r\n"),
            ("BITPOS m 1 -1", ":41\r\n"),
            ("BITPOS m 0 -3 -1", ":24\r\n"),
            ("BITPOS m 1 7 15 BIT", ":9\r\n"),
            ("BITPOS m 0 7 15 BIT", ":7\r\n"),
            ("BITPOS m 1 0 -1 BIT", ":1\r\n"),
            ("BITPOS m 0 0 -1 BIT", ":0\r\n"),
            ("BITPOS m 1 9 9 bit", ":9\r\n"),
            ("BITPOS m 0 1 1 bit", ":-1\r\n"),
            ("BITPOS m 0 100", ":-1\r\n"),
            ("BITPOS m 1 100", ":-1\r\n"),
            ("BITPOS m 0 0 -1 FOO", "-ERR syntax error\r\n"),
            ("BITPOS m 2", "-ERR The bit argument must be 1 or 0.\r\n"),
            (
                "BITPOS m x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "BITPOS m 1 x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "BITPOS m 1 0 x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("BITPOS m 1 0 1 BIT x", "-ERR syntax error\r\n"),
            ("BITPOS nokey 1", ":-1\r\n"),
            ("BITPOS nokey 0", ":0\r\n"),
            ("BITPOS nokey 0 1 2 BIT extra", ":0\r\n"),
            (
                "BITPOS nokey 2",
                "-ERR The bit argument must be 1 or 0.\r\n",
            ),
            ("BITFIELD ones SET u16 0 65535", "*1\r\n:0\r\n"),
            ("BITPOS ones 0", ":16\r\n"),
            ("BITPOS ones 0 0", ":16\r\n"),
            ("BITPOS ones 0 0 -1", ":-1\r\n"),
            ("BITPOS ones 0 0 -1 BIT", ":-1\r\n"),
            ("BITPOS ones 0 3 12 BIT", ":-1\r\n"),
            ("ZADD zz 1 a", ":1\r\n"),
            (
                "BITPOS zz 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ],
    );
}

#[test]
fn bitop() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET k1 foobar", "+OK\r\n"),
            ("SET k2 abcdef", "+OK\r\n"),
            ("BITOP AND dst k1 k2", ":6\r\n"),
            ("GET dst", "$6\r\n`bc`ab\r\n"),
            ("BITOP OR dst k1 k2", ":6\r\n"),
            ("GET dst", "$6\r\ngoofev\r\n"),
            ("BITOP XOR dst k1 k2", ":6\r\n"),
            ("GET dst", "$6\r\n\x07\r\x0c\x06\x04\x14\r\n"),
            ("BITOP NOT dst k1", ":6\r\n"),
        ],
    );
    check_bytes(
        &mut h,
        &[("GET dst", b"$6\r\n\x99\x90\x90\x9d\x9e\x8d\r\n")],
    );
    check(
        &mut h,
        &[
            ("BITOP and dst k1 nokey", ":6\r\n"),
            ("GET dst", "$6\r\n\x00\x00\x00\x00\x00\x00\r\n"),
            ("BITOP or dst k1 nokey", ":6\r\n"),
            ("GET dst", "$6\r\nfoobar\r\n"),
            ("BITOP XOR dst nokey nokey2", ":0\r\n"),
            ("EXISTS dst", ":0\r\n"),
            (
                "BITOP NOT dst k1 k2",
                "-ERR BITOP NOT must be called with a single source key.\r\n",
            ),
            (
                "BITOP NOT dst",
                "-ERR wrong number of arguments for 'bitop' command\r\n",
            ),
            ("BITOP FOO dst k1", "-ERR syntax error\r\n"),
            ("SET short ab", "+OK\r\n"),
            ("BITOP AND dst k1 short", ":6\r\n"),
            ("GET dst", "$6\r\n`b\x00\x00\x00\x00\r\n"),
            ("BITOP OR dst short k1", ":6\r\n"),
            ("GET dst", "$6\r\ngoobar\r\n"),
            ("ZADD z 1 a", ":1\r\n"),
            (
                "BITOP AND dst k1 z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "BITOP NOT dst z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("BITOP FOO dst z", "-ERR syntax error\r\n"),
            ("SET dst x EX 1000", "+OK\r\n"),
            ("BITOP OR dst k1", ":6\r\n"),
            ("TTL dst", ":-1\r\n"),
            (
                "BITOP AND dst",
                "-ERR wrong number of arguments for 'bitop' command\r\n",
            ),
            ("BITOP AND dst k1", ":6\r\n"),
            ("GET dst", "$6\r\nfoobar\r\n"),
            ("SET n 5", "+OK\r\n"),
            ("BITOP OR dst n", ":1\r\n"),
            ("GET dst", "$1\r\n5\r\n"),
        ],
    );
}

#[test]
fn bitfield() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("BITFIELD bf SET i8 0 100", "*1\r\n:0\r\n"),
            ("BITFIELD bf GET i8 0", "*1\r\n:100\r\n"),
            ("BITFIELD bf INCRBY i8 0 100", "*1\r\n:-56\r\n"),
            ("BITFIELD bf OVERFLOW SAT INCRBY i8 0 100", "*1\r\n:44\r\n"),
            ("BITFIELD bf OVERFLOW FAIL INCRBY i8 0 100", "*1\r\n$-1\r\n"),
            ("BITFIELD bf OVERFLOW WRAP INCRBY i8 0 100", "*1\r\n:-112\r\n"),
            ("BITFIELD bf GET u8 0 GET i4 0 GET u4 4", "*3\r\n:144\r\n:-7\r\n:0\r\n"),
            ("BITFIELD bf SET u8 #1 255 GET u8 8 GET i8 #1", "*3\r\n:0\r\n:255\r\n:-1\r\n"),
            ("BITFIELD bf INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1", "*2\r\n:1\r\n:1\r\n"),
            ("BITFIELD bf OVERFLOW SAT SET u8 0 300 SET u8 0 -1 GET u8 0", "*3\r\n:144\r\n:255\r\n:255\r\n"),
            ("BITFIELD bf OVERFLOW FAIL SET u8 0 300 SET i8 0 200 GET u8 0", "*3\r\n$-1\r\n$-1\r\n:255\r\n"),
            ("BITFIELD bf OVERFLOW WRAP SET u8 0 300 GET u8 0 SET i8 0 200 GET i8 0", "*4\r\n:255\r\n:44\r\n:44\r\n:-56\r\n"),
            ("BITFIELD bf SET i64 0 -9223372036854775808 INCRBY i64 0 -1", "*2\r\n:-3963449147062747136\r\n:9223372036854775807\r\n"),
            ("BITFIELD bf OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1 INCRBY i64 0 -9223372036854775808", "*3\r\n:9223372036854775807\r\n:9223372036854775807\r\n:-1\r\n"),
            ("BITFIELD bf OVERFLOW SAT SET u63 0 0 INCRBY u63 0 -1 INCRBY u63 0 9223372036854775807 INCRBY u63 0 1", "*4\r\n:9223372036854775807\r\n:0\r\n:9223372036854775807\r\n:9223372036854775807\r\n"),
            ("BITFIELD bf SET i1 0 1 GET i1 0 GET u1 0", "*3\r\n:-1\r\n:-1\r\n:1\r\n"),
            ("BITFIELD bf GET u64 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i65 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i0 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET x8 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET \"\" 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i8 -1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET i8 #-1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET i8 4294967296", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET i8 #536870912", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET i8 x", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf SET i8 0 x", "-ERR value is not an integer or out of range\r\n"),
            ("BITFIELD bf SET i8 0", "-ERR syntax error\r\n"),
            ("BITFIELD bf GET i8", "-ERR syntax error\r\n"),
            ("BITFIELD bf OVERFLOW", "-ERR syntax error\r\n"),
            ("BITFIELD bf OVERFLOW FOO GET i8 0", "-ERR Invalid OVERFLOW type specified\r\n"),
            ("BITFIELD bf FOO", "-ERR syntax error\r\n"),
            ("BITFIELD bf GET i8 0 FOO", "-ERR syntax error\r\n"),
            ("BITFIELD bf", "*0\r\n"),
            ("BITFIELD nokey GET u8 0 GET i16 100", "*2\r\n:0\r\n:0\r\n"),
            ("EXISTS nokey", ":0\r\n"),
            ("BITFIELD new INCRBY u8 16 5", "*1\r\n:5\r\n"),
            ("GET new", "$3\r\n\x00\x00\x05\r\n"),
            ("BITFIELD_RO bf GET u8 0 GET i8 0", "*2\r\n:255\r\n:-1\r\n"),
            ("BITFIELD_RO bf SET u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            ("BITFIELD_RO bf GET u8 0 INCRBY u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            ("BITFIELD_RO bf GET i99 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD_RO nokey GET u8 0", "*1\r\n:0\r\n"),
            ("ZADD z 1 a", ":1\r\n"),
            ("BITFIELD z GET u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("BITFIELD z SET u8 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("BITFIELD_RO z GET u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("BITFIELD z GET i99 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("SET n 7", "+OK\r\n"),
            ("BITFIELD n GET u8 0 SET u8 8 65", "*2\r\n:55\r\n:0\r\n"),
            ("GET n", "$2\r\n7A\r\n"),
        ],
    );
}

#[test]
fn lcs() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET k1 ohmytext", "+OK\r\n"),
            ("SET k2 mynewtext", "+OK\r\n"),
            ("LCS k1 k2", "$6\r\nmytext\r\n"),
            ("LCS k1 k2 LEN", ":6\r\n"),
            ("LCS k1 k2 IDX", "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            ("LCS k1 k2 IDX MINMATCHLEN 4", "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"),
            ("LCS k1 k2 IDX MINMATCHLEN 4 WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"),
            ("LCS k1 k2 IDX WITHMATCHLEN MINMATCHLEN -5", "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"),
            ("LCS k1 k2 LEN IDX", "-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            ("LCS k1 k2 FOO", "-ERR syntax error\r\n"),
            ("LCS k1 k2 MINMATCHLEN", "-ERR syntax error\r\n"),
            ("LCS k1 k2 MINMATCHLEN x", "-ERR value is not an integer or out of range\r\n"),
            ("LCS k1 nokey", "$0\r\n\r\n"),
            ("LCS nokey nokey2 IDX", "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
            ("LCS k1 k1 LEN", ":8\r\n"),
            ("SET a 12345", "+OK\r\n"),
            ("SET c 2x4", "+OK\r\n"),
            ("LCS a c", "$2\r\n24\r\n"),
            ("LCS a c IDX WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:3\r\n:3\r\n*2\r\n:2\r\n:2\r\n:1\r\n*3\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:2\r\n"),
            ("ZADD z 1 a", ":1\r\n"),
            ("LCS k1 z", "-ERR The specified keys must contain string values\r\n"),
            ("LCS z k1 LEN", "-ERR The specified keys must contain string values\r\n"),
            ("LCS z k1 FOO", "-ERR The specified keys must contain string values\r\n"),
            ("LCS k1", "-ERR wrong number of arguments for 'lcs' command\r\n"),
        ],
    );
}

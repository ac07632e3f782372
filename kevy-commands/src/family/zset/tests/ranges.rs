//! Ranges, removal by range, pops, ZRANDMEMBER and ZSCAN.

use crate::testutil::{check, harness};

#[test]
fn zrange_by_rank() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZRANGE z 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE z 0 -1 WITHSCORES", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
            ("ZRANGE z 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGE z -2 -1", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE z -100 100", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE z 3 1", "*0\r\n"),
            ("ZRANGE z 5 10", "*0\r\n"),
            ("ZRANGE z -1 -2", "*0\r\n"),
            ("ZRANGE z 0 0 withscores", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZRANGE z 0 -1 REV", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZRANGE z 0 1 REV WITHSCORES", "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZRANGE z -2 -1 rev", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZREVRANGE z 0 -1", "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZREVRANGE z 0 1 WITHSCORES", "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZREVRANGE z 1 -2", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZREVRANGE z 0 -1 REV", "-ERR syntax error\r\n"),
            ("ZREVRANGE z 0 -1 BYSCORE", "-ERR syntax error\r\n"),
            ("ZREVRANGE z 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
            ("ZRANGE z a b", "-ERR value is not an integer or out of range\r\n"),
            ("ZRANGE z 0 1.5", "-ERR value is not an integer or out of range\r\n"),
            ("ZRANGE z 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
            ("ZRANGE z 0 -1 LIMIT 0 -1", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE z 0 -1 LIMIT 0", "-ERR syntax error\r\n"),
            ("ZRANGE z 0 -1 WITHSCORES WITHSCORES", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"),
            ("ZRANGE z 0 -1 foo", "-ERR syntax error\r\n"),
            ("ZRANGE nokey 0 -1", "*0\r\n"),
            ("ZRANGE z 9223372036854775807 -9223372036854775808", "*0\r\n"),
            ("ZRANGE z -9223372036854775808 9223372036854775807", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE z 0", "-ERR wrong number of arguments for 'zrange' command\r\n"),
        ],
    );
}

#[test]
fn zrange_by_score() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 4 d 5 e -inf n +inf p", ":7\r\n"),
            ("ZRANGEBYSCORE z 2 4", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYSCORE z (2 4", "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYSCORE z 2 (4", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGEBYSCORE z (2 (4 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGEBYSCORE z -inf +inf", "*7\r\n$1\r\nn\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\np\r\n"),
            ("ZRANGEBYSCORE z -inf +inf WITHSCORES", "*14\r\n$1\r\nn\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\np\r\n$3\r\ninf\r\n"),
            ("ZRANGEBYSCORE z (-inf (+inf", "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGEBYSCORE z (1 (1", "*0\r\n"),
            ("ZRANGEBYSCORE z 3 3", "*1\r\n$1\r\nc\r\n"),
            ("ZRANGEBYSCORE z 4 2", "*0\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 1 2", "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 1 -1", "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 0 0", "*0\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT -1 2", "*0\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 10 2", "*0\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 7 2", "*0\r\n"),
            ("ZRANGEBYSCORE z -inf inf LIMIT 6 10", "*1\r\n$1\r\np\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT x 2", "-ERR value is not an integer or out of range\r\n"),
            ("ZRANGEBYSCORE z 2 4 LIMIT 1", "-ERR syntax error\r\n"),
            ("ZRANGEBYSCORE z 2 4 WITHSCORES LIMIT 1 1 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGEBYSCORE z x 4", "-ERR min or max is not a float\r\n"),
            ("ZRANGEBYSCORE z 2 y", "-ERR min or max is not a float\r\n"),
            ("ZRANGEBYSCORE z nan 4", "-ERR min or max is not a float\r\n"),
            ("ZRANGEBYSCORE z ( 4", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYSCORE z \"\" 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("ZRANGEBYSCORE z \" 2\" 3", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGEBYSCORE z 2 \"3 \"", "-ERR min or max is not a float\r\n"),
            ("ZRANGEBYSCORE z 1e999 inf", "*1\r\n$1\r\np\r\n"),
            ("ZRANGEBYSCORE z 0x2 0x3", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGEBYSCORE z 2 4 REV", "-ERR syntax error\r\n"),
            ("ZRANGEBYSCORE z 2 4 BYSCORE", "-ERR syntax error\r\n"),
            ("ZREVRANGEBYSCORE z 4 2", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZREVRANGEBYSCORE z (4 2 WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            ("ZREVRANGEBYSCORE z +inf -inf LIMIT 1 3", "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"),
            ("ZREVRANGEBYSCORE z 2 4", "*0\r\n"),
            ("ZREVRANGEBYSCORE z 4 2 LIMIT 0 -5", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZRANGE z 2 4 BYSCORE", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGE z (2 4 BYSCORE WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZRANGE z 4 2 BYSCORE REV", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZRANGE z 4 (2 BYSCORE REV LIMIT 1 5 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGE z 2 4 BYSCORE REV", "*0\r\n"),
            ("ZRANGE z 2 4 BYSCORE BYLEX", "-ERR syntax error\r\n"),
            ("ZRANGE z 2 4 BYSCORE BYSCORE", "-ERR syntax error\r\n"),
            ("ZRANGE z 2 4 REV REV", "-ERR syntax error\r\n"),
            ("ZRANGEBYSCORE nokey 1 2", "*0\r\n"),
            ("ZRANGEBYSCORE nokey x 2", "-ERR min or max is not a float\r\n"),
        ],
    );
}

#[test]
fn zrange_by_lex() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 0 a 0 b 0 c 0 d 0 e 0 ff 0 g", ":7\r\n"),
            ("ZRANGEBYLEX z - +", "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nff\r\n$1\r\ng\r\n"),
            ("ZRANGEBYLEX z [b [d", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGEBYLEX z (b (d", "*1\r\n$1\r\nc\r\n"),
            ("ZRANGEBYLEX z (b [ff", "*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nff\r\n"),
            ("ZRANGEBYLEX z [f +", "*2\r\n$2\r\nff\r\n$1\r\ng\r\n"),
            ("ZRANGEBYLEX z - (c", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("ZRANGEBYLEX z + -", "*0\r\n"),
            ("ZRANGEBYLEX z - -", "*0\r\n"),
            ("ZRANGEBYLEX z + +", "*0\r\n"),
            ("ZRANGEBYLEX z [d [b", "*0\r\n"),
            ("ZRANGEBYLEX z - + LIMIT 2 3", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGEBYLEX z - + LIMIT -1 3", "*0\r\n"),
            ("ZRANGEBYLEX z - + LIMIT 0 -1", "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nff\r\n$1\r\ng\r\n"),
            ("ZRANGEBYLEX z - + LIMIT 6 5", "*1\r\n$1\r\ng\r\n"),
            ("ZRANGEBYLEX z b d", "-ERR min or max not valid string range item\r\n"),
            ("ZRANGEBYLEX z [b d", "-ERR min or max not valid string range item\r\n"),
            ("ZRANGEBYLEX z [b +x", "-ERR min or max not valid string range item\r\n"),
            ("ZRANGEBYLEX z -x +", "-ERR min or max not valid string range item\r\n"),
            ("ZRANGEBYLEX z \"\" +", "-ERR min or max not valid string range item\r\n"),
            ("ZRANGEBYLEX z [ +", "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nff\r\n$1\r\ng\r\n"),
            ("ZRANGEBYLEX z ( (", "*0\r\n"),
            ("ZRANGEBYLEX z - + WITHSCORES", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
            ("ZREVRANGEBYLEX z + -", "*7\r\n$1\r\ng\r\n$2\r\nff\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZREVRANGEBYLEX z [d [b", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZREVRANGEBYLEX z (ff - LIMIT 1 2", "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"),
            ("ZREVRANGEBYLEX z - +", "*0\r\n"),
            ("ZRANGE z [b [d BYLEX", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGE z [d [b BYLEX REV", "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZRANGE z + - BYLEX REV LIMIT 0 2", "*2\r\n$1\r\ng\r\n$2\r\nff\r\n"),
            ("ZRANGE z - + BYLEX WITHSCORES", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
            ("ZRANGE z - + BYLEX LIMIT 1 1", "*1\r\n$1\r\nb\r\n"),
            ("ZRANGEBYLEX nokey - +", "*0\r\n"),
            ("ZRANGEBYLEX nokey x +", "-ERR min or max not valid string range item\r\n"),
        ],
    );
}

#[test]
fn zcount_and_lexcount() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZCOUNT z 2 4", ":3\r\n"),
            ("ZCOUNT z (2 4", ":2\r\n"),
            ("ZCOUNT z -inf +inf", ":5\r\n"),
            ("ZCOUNT z (1 (2", ":0\r\n"),
            ("ZCOUNT z 4 2", ":0\r\n"),
            ("ZCOUNT z 6 7", ":0\r\n"),
            ("ZCOUNT z x 1", "-ERR min or max is not a float\r\n"),
            ("ZCOUNT nokey 1 2", ":0\r\n"),
            ("ZCOUNT nokey x 2", "-ERR min or max is not a float\r\n"),
            ("ZADD l 0 a 0 b 0 c 0 d", ":4\r\n"),
            ("ZLEXCOUNT l - +", ":4\r\n"),
            ("ZLEXCOUNT l [b (d", ":2\r\n"),
            ("ZLEXCOUNT l (a [a", ":0\r\n"),
            (
                "ZLEXCOUNT l x +",
                "-ERR min or max not valid string range item\r\n",
            ),
            ("ZLEXCOUNT nokey - +", ":0\r\n"),
            ("SET s v", "+OK\r\n"),
            (
                "ZCOUNT s 1 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZLEXCOUNT s - +",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZRANGEBYSCORE s 1 2",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZRANGE s 0 -1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZRANGEBYLEX s - +",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
        ],
    );
}

#[test]
fn zremrange() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZREMRANGEBYRANK z 0 0", ":1\r\n"),
            ("ZREMRANGEBYRANK z -1 -1", ":1\r\n"),
            ("ZREMRANGEBYRANK z 5 10", ":0\r\n"),
            ("ZREMRANGEBYRANK z 2 1", ":0\r\n"),
            ("ZRANGE z 0 -1", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            (
                "ZREMRANGEBYRANK z x 1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("ZREMRANGEBYRANK z 0 -1", ":3\r\n"),
            ("EXISTS z", ":0\r\n"),
            ("ZREMRANGEBYRANK nokey 0 -1", ":0\r\n"),
            ("ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZREMRANGEBYSCORE z (1 3", ":2\r\n"),
            ("ZREMRANGEBYSCORE z 10 20", ":0\r\n"),
            (
                "ZREMRANGEBYSCORE z x 1",
                "-ERR min or max is not a float\r\n",
            ),
            ("ZRANGE z 0 -1", "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZREMRANGEBYSCORE z -inf +inf", ":3\r\n"),
            ("EXISTS z", ":0\r\n"),
            ("ZADD l 0 a 0 b 0 c 0 d", ":4\r\n"),
            ("ZREMRANGEBYLEX l [b (d", ":2\r\n"),
            (
                "ZREMRANGEBYLEX l x +",
                "-ERR min or max not valid string range item\r\n",
            ),
            ("ZRANGE l 0 -1", "*2\r\n$1\r\na\r\n$1\r\nd\r\n"),
            ("ZREMRANGEBYLEX l - +", ":2\r\n"),
            ("EXISTS l", ":0\r\n"),
            ("SET s v", "+OK\r\n"),
            (
                "ZREMRANGEBYRANK s 0 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZREMRANGEBYSCORE s 0 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZREMRANGEBYLEX s - +",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZREMRANGEBYSCORE s x 1",
                "-ERR min or max is not a float\r\n",
            ),
        ],
    );
}

#[test]
fn zrangestore() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD src 1 a 2 b 3 c 4 d", ":4\r\n"),
            ("ZRANGESTORE dst src 0 -1", ":4\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZRANGESTORE dst src 1 2 REV", ":2\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGESTORE dst src (1 3 BYSCORE", ":2\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGESTORE dst src 3 1 BYSCORE REV LIMIT 0 1", ":1\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGESTORE dst src [a [b BYLEX", ":2\r\n"),
            ("ZRANGESTORE dst src 5 10", ":0\r\n"),
            ("EXISTS dst", ":0\r\n"),
            ("ZRANGESTORE dst src 0 -1 WITHSCORES", "-ERR syntax error\r\n"),
            ("ZRANGESTORE dst src 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
            ("ZRANGESTORE dst src x 1 BYSCORE", "-ERR min or max is not a float\r\n"),
            ("ZRANGESTORE dst nokey 0 -1", ":0\r\n"),
            ("SET str v", "+OK\r\n"),
            ("ZRANGESTORE dst str 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("ZRANGESTORE str src 0 0", ":1\r\n"),
            ("TYPE str", "+zset\r\n"),
            ("ZRANGE str 0 -1", "*1\r\n$1\r\na\r\n"),
            ("ZRANGESTORE src src 1 2", ":2\r\n"),
            ("ZRANGE src 0 -1", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGESTORE dst src", "-ERR wrong number of arguments for 'zrangestore' command\r\n"),
        ],
    );
}

#[test]
fn zpop() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 4 d", ":4\r\n"),
            ("ZPOPMIN z", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZPOPMAX z", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZPOPMIN z 0", "*0\r\n"),
            (
                "ZPOPMIN z 10",
                "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
            ),
            ("EXISTS z", ":0\r\n"),
            ("ZPOPMIN z", "*0\r\n"),
            ("ZPOPMAX nokey 2", "*0\r\n"),
            ("ZADD z 1 a 2 b 3 c", ":3\r\n"),
            (
                "ZPOPMAX z 2",
                "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
            ),
            (
                "ZPOPMIN z -1",
                "-ERR value is out of range, must be positive\r\n",
            ),
            (
                "ZPOPMIN z x",
                "-ERR value is out of range, must be positive\r\n",
            ),
            ("ZPOPMIN z 1 2", "-ERR syntax error\r\n"),
            ("SET s v", "+OK\r\n"),
            (
                "ZPOPMIN s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZPOPMIN s 0",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZPOPMAX s x",
                "-ERR value is out of range, must be positive\r\n",
            ),
        ],
    );
}

#[test]
fn zmpop() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z1 1 a 2 b", ":2\r\n"),
            ("ZADD z2 5 x 6 y 7 w", ":3\r\n"),
            (
                "ZMPOP 2 missing z1 MIN",
                "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            ),
            (
                "ZMPOP 2 z1 z2 MAX COUNT 10",
                "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            ),
            (
                "ZMPOP 2 z1 z2 min count 2",
                "*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nx\r\n$1\r\n5\r\n*2\r\n$1\r\ny\r\n$1\r\n6\r\n",
            ),
            (
                "ZMPOP 2 z1 z2 MIN",
                "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nw\r\n$1\r\n7\r\n",
            ),
            ("EXISTS z1 z2", ":0\r\n"),
            ("ZMPOP 1 z2 MIN", "*-1\r\n"),
            (
                "ZMPOP 0 z1 MIN",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "ZMPOP -1 z1 MIN",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            (
                "ZMPOP x z1 MIN",
                "-ERR numkeys should be greater than 0\r\n",
            ),
            ("ZMPOP 3 z1 z2 MIN", "-ERR syntax error\r\n"),
            ("ZMPOP 1 z1 FOO", "-ERR syntax error\r\n"),
            (
                "ZMPOP 1 z1 MIN COUNT 0",
                "-ERR count should be greater than 0\r\n",
            ),
            (
                "ZMPOP 1 z1 MIN COUNT -1",
                "-ERR count should be greater than 0\r\n",
            ),
            (
                "ZMPOP 1 z1 MIN COUNT x",
                "-ERR count should be greater than 0\r\n",
            ),
            ("ZMPOP 1 z1 MIN COUNT 1 COUNT 2", "-ERR syntax error\r\n"),
            ("ZMPOP 1 z1 MIN COUNT", "-ERR syntax error\r\n"),
            ("ZMPOP 1 z1 MIN foo", "-ERR syntax error\r\n"),
            (
                "ZMPOP 1 z1",
                "-ERR wrong number of arguments for 'zmpop' command\r\n",
            ),
            ("SET s v", "+OK\r\n"),
            ("ZADD z3 1 a", ":1\r\n"),
            (
                "ZMPOP 2 s z3 MIN",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZMPOP 2 z3 s MIN",
                "*2\r\n$2\r\nz3\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            ),
            (
                "ZMPOP 2 missing s MAX",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("ZMPOP 9223372036854775807 z1 MIN", "-ERR syntax error\r\n"),
        ],
    );
}

#[test]
fn zrandmember_deterministic() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c", ":3\r\n"),
            ("ZRANDMEMBER z 3", "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZRANDMEMBER z 10 WITHSCORES", "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZRANDMEMBER z 0", "*0\r\n"),
            ("ZRANDMEMBER z 0 WITHSCORES", "*0\r\n"),
            ("ZRANDMEMBER nokey", "$-1\r\n"),
            ("ZRANDMEMBER nokey 5", "*0\r\n"),
            ("ZRANDMEMBER nokey -5 WITHSCORES", "*0\r\n"),
            ("ZRANDMEMBER z x", "-ERR value is not an integer or out of range\r\n"),
            ("ZRANDMEMBER z 1 FOO", "-ERR syntax error\r\n"),
            ("ZRANDMEMBER z 1 WITHSCORES x", "-ERR syntax error\r\n"),
            ("ZRANDMEMBER z -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
            ("ZRANDMEMBER z 9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n"),
            ("ZRANDMEMBER z -4611686018427387904 WITHSCORES", "-ERR value is out of range\r\n"),
            ("ZADD one 7 only", ":1\r\n"),
            ("ZRANDMEMBER one", "$4\r\nonly\r\n"),
            ("ZRANDMEMBER one -3", "*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n"),
            ("ZRANDMEMBER one -2 WITHSCORES", "*4\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n"),
            ("ZRANDMEMBER one 1 WITHSCORES", "*2\r\n$4\r\nonly\r\n$1\r\n7\r\n"),
            ("SET s v", "+OK\r\n"),
            ("ZRANDMEMBER s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("ZRANDMEMBER s 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ],
    );
}

#[test]
fn zscan_small() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2.5 b -0 c 1e17 d 1e20 e inf f -inf g 1.1 h", ":8\r\n"),
            ("ZSCAN z 0", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z 0 COUNT 1", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z 123", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z 0 MATCH ?", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z 0 MATCH [a-c] COUNT 100", "*2\r\n$1\r\n0\r\n*6\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"),
            ("ZSCAN z 0 MATCH *", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z 0 COUNT 0", "-ERR syntax error\r\n"),
            ("ZSCAN z 0 COUNT x", "-ERR value is not an integer or out of range\r\n"),
            ("ZSCAN z 0 MATCH", "-ERR syntax error\r\n"),
            ("ZSCAN z 0 TYPE zset", "-ERR syntax error\r\n"),
            ("ZSCAN z x", "-ERR invalid cursor\r\n"),
            ("ZSCAN z -1", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z \"\"", "*2\r\n$1\r\n0\r\n*16\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nh\r\n$18\r\n1.1000000000000001\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nd\r\n$18\r\n100000000000000000\r\n$1\r\ne\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
            ("ZSCAN z \" 1\"", "-ERR invalid cursor\r\n"),
            ("ZSCAN z 18446744073709551616", "-ERR invalid cursor\r\n"),
            ("ZSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("ZSCAN nokey 0 COUNT 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("SET s v", "+OK\r\n"),
            ("ZSCAN s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("ZSCAN s x", "-ERR invalid cursor\r\n"),
        ],
    );
}

//! Stream family tests: replies recorded from redis-server 7.0.15, on the
//! 3-shard harness (XREAD over keys on different shards included).

use crate::testutil::{check, harness};

#[test]
fn xadd_xrange_xlen() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("XADD s 1-1 a 1 b 2", "$3\r\n1-1\r\n"),
            ("XADD s 1-* a 3 b 4", "$3\r\n1-2\r\n"),
            ("XADD s 1 c 5", "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"),
            ("XADD s 0-0 a 1", "-ERR The ID specified in XADD must be greater than 0-0\r\n"),
            ("XADD s 2-0 a", "-ERR wrong number of arguments for 'xadd' command\r\n"),
            ("XLEN s", ":2\r\n"),
            ("XRANGE s (1-1 + COUNT 1", "*1\r\n*2\r\n$3\r\n1-2\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"),
            ("XREVRANGE s + - COUNT 0", "*-1\r\n"),
            ("XRANGE s (0-0 (0-0", "-ERR invalid end ID for the interval\r\n"),
            ("XDEL s 1-2 9-9", ":1\r\n"),
            ("XADD s MAXLEN = 1 5-0 f v", "$3\r\n5-0\r\n"),
            ("XLEN s", ":1\r\n"),
            ("XADD n NOMKSTREAM 1-1 a b", "$-1\r\n"),
            ("EXISTS n", ":0\r\n"),
            ("TYPE s", "+stream\r\n"),
            ("OBJECT ENCODING s", "$6\r\nstream\r\n"),
        ],
    );
}

#[test]
fn groups_pending_and_claims() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("XGROUP CREATE s g $", "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"),
            ("XGROUP CREATE s g $ MKSTREAM", "+OK\r\n"),
            ("XGROUP CREATE s g $", "-BUSYGROUP Consumer Group name already exists\r\n"),
            ("XADD s 1-0 f v", "$3\r\n1-0\r\n"),
            ("XADD s 2-0 f w", "$3\r\n2-0\r\n"),
            ("XREADGROUP GROUP g c COUNT 1 STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
            ("XPENDING s g", "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"),
            ("XACK s g 1-0 1-0", ":1\r\n"),
            ("XREADGROUP GROUP g c STREAMS s 0", "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n"),
            ("XREADGROUP GROUP g d STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nw\r\n"),
            ("XCLAIM s g c 0 2-0 JUSTID", "*1\r\n$3\r\n2-0\r\n"),
            ("XDEL s 2-0", ":1\r\n"),
            ("XAUTOCLAIM s g d 0 0", "*3\r\n$3\r\n0-0\r\n*0\r\n*1\r\n$3\r\n2-0\r\n"),
            ("XGROUP DELCONSUMER s g c", ":0\r\n"),
            ("XGROUP DESTROY s g", ":1\r\n"),
            ("XREADGROUP GROUP g c STREAMS s >", "-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n"),
        ],
    );
}

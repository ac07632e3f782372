//! Set operations and large (skiplist) sets.

use crate::testutil::{check, harness};

#[test]
fn zunion_zinter_zdiff() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD k1 1 a 2 b 3 c", ":3\r\n"),
            ("ZADD k2 10 b 20 c 30 d", ":3\r\n"),
            ("ZADD b 5 c 6 e", ":2\r\n"),
            ("ZUNION 2 k1 k2", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZUNION 2 k1 k2 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZUNION 3 k1 k2 b WITHSCORES", "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\ne\r\n$1\r\n6\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n28\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZUNION 2 k1 k2 WEIGHTS 2 3 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$2\r\n34\r\n$1\r\nc\r\n$2\r\n66\r\n$1\r\nd\r\n$2\r\n90\r\n"),
            ("ZUNION 2 k1 k2 AGGREGATE MIN WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZUNION 2 k1 k2 AGGREGATE MAX WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZUNION 2 k1 k2 WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES", "*8\r\n$1\r\nd\r\n$3\r\n-30\r\n$1\r\nc\r\n$3\r\n-17\r\n$1\r\nb\r\n$2\r\n-8\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZUNION 2 k1 nokey WITHSCORES", "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZUNION 1 nokey", "*0\r\n"),
            ("ZINTER 2 k1 k2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZINTER 2 k1 k2 WITHSCORES", "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n"),
            ("ZINTER 3 k1 k2 b WITHSCORES", "*2\r\n$1\r\nc\r\n$2\r\n28\r\n"),
            ("ZINTER 2 k1 k2 WEIGHTS 0.5 2 AGGREGATE MAX WITHSCORES", "*4\r\n$1\r\nb\r\n$2\r\n20\r\n$1\r\nc\r\n$2\r\n40\r\n"),
            ("ZINTER 2 k1 nokey", "*0\r\n"),
            ("ZINTER 2 k1 k1 WITHSCORES", "*6\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n6\r\n"),
            ("ZDIFF 2 k1 k2", "*1\r\n$1\r\na\r\n"),
            ("ZDIFF 2 k1 k2 WITHSCORES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZDIFF 3 k2 k1 b WITHSCORES", "*2\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZDIFF 2 k1 k1", "*0\r\n"),
            ("ZDIFF 1 k1 WITHSCORES", "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZDIFF 2 nokey k1", "*0\r\n"),
            ("ZDIFF 2 k1 nokey", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZINTERCARD 2 k1 k2", ":2\r\n"),
            ("ZINTERCARD 2 k1 k2 LIMIT 1", ":1\r\n"),
            ("ZINTERCARD 2 k1 k2 LIMIT 0", ":2\r\n"),
            ("ZINTERCARD 3 k1 k2 b", ":1\r\n"),
            ("ZINTERCARD 1 nokey", ":0\r\n"),
        ],
    );
}

#[test]
fn setop_errors() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD k1 1 a", ":1\r\n"),
            ("SET s v", "+OK\r\n"),
            (
                "ZUNION 0 k1",
                "-ERR at least 1 input key is needed for 'zunion' command\r\n",
            ),
            (
                "ZUNION -1 k1",
                "-ERR at least 1 input key is needed for 'zunion' command\r\n",
            ),
            (
                "ZUNION x k1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("ZUNION 3 k1 k2", "-ERR syntax error\r\n"),
            (
                "ZUNION 2 k1 s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZUNION 2 k1 s WEIGHTS x y",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("ZUNION 2 k1 k2 WEIGHTS 1", "-ERR syntax error\r\n"),
            (
                "ZUNION 2 k1 k2 WEIGHTS 1 x",
                "-ERR weight value is not a float\r\n",
            ),
            (
                "ZUNION 2 k1 k2 WEIGHTS 1 nan",
                "-ERR weight value is not a float\r\n",
            ),
            ("ZUNION 2 k1 k2 AGGREGATE foo", "-ERR syntax error\r\n"),
            ("ZUNION 2 k1 k2 AGGREGATE", "-ERR syntax error\r\n"),
            (
                "ZUNION 2 k1 k2 WITHSCORES WITHSCORES",
                "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            ),
            ("ZUNION 2 k1 k2 foo", "-ERR syntax error\r\n"),
            (
                "ZUNIONSTORE dst 2 k1 k2 WITHSCORES",
                "-ERR syntax error\r\n",
            ),
            ("ZDIFF 2 k1 k2 WEIGHTS 1 2", "-ERR syntax error\r\n"),
            ("ZDIFF 2 k1 k2 AGGREGATE SUM", "-ERR syntax error\r\n"),
            (
                "ZINTERCARD 0 k1",
                "-ERR at least 1 input key is needed for 'zintercard' command\r\n",
            ),
            (
                "ZINTERCARD 2 k1 k2 LIMIT -1",
                "-ERR LIMIT can't be negative\r\n",
            ),
            (
                "ZINTERCARD 2 k1 k2 LIMIT x",
                "-ERR LIMIT can't be negative\r\n",
            ),
            ("ZINTERCARD 2 k1 k2 WITHSCORES", "-ERR syntax error\r\n"),
            ("ZINTERCARD 2 k1 k2 WEIGHTS 1 1", "-ERR syntax error\r\n"),
            (
                "ZINTERCARD 2 k1 s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZINTER 0 k1",
                "-ERR at least 1 input key is needed for 'zinter' command\r\n",
            ),
            (
                "ZDIFFSTORE dst 0 k1",
                "-ERR at least 1 input key is needed for 'zdiffstore' command\r\n",
            ),
            (
                "ZUNIONSTORE dst x k1",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "ZINTERSTORE dst 2 k1 s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZUNION 1",
                "-ERR wrong number of arguments for 'zunion' command\r\n",
            ),
            (
                "ZUNIONSTORE dst 1",
                "-ERR wrong number of arguments for 'zunionstore' command\r\n",
            ),
            (
                "ZINTERCARD 1",
                "-ERR wrong number of arguments for 'zintercard' command\r\n",
            ),
        ],
    );
}

#[test]
fn setop_store() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD k1 1 a 2 b 3 c", ":3\r\n"),
            ("ZADD k2 10 b 20 c 30 d", ":3\r\n"),
            ("SET dst old", "+OK\r\n"),
            ("ZUNIONSTORE dst 2 k1 k2", ":4\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("ZINTERSTORE dst 2 k1 k2 WEIGHTS 2 0.5", ":2\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n9\r\n$1\r\nc\r\n$2\r\n16\r\n"),
            ("ZDIFFSTORE dst 2 k1 k2", ":1\r\n"),
            ("ZRANGE dst 0 -1 WITHSCORES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZINTERSTORE dst 2 k1 nokey", ":0\r\n"),
            ("EXISTS dst", ":0\r\n"),
            ("ZDIFFSTORE dst 2 k1 k1", ":0\r\n"),
            ("ZUNIONSTORE k1 2 k1 k2 AGGREGATE MAX", ":4\r\n"),
            ("ZRANGE k1 0 -1 WITHSCORES", "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n"),
            ("SET s v", "+OK\r\n"),
            ("ZUNIONSTORE s 1 k2", ":3\r\n"),
            ("TYPE s", "+zset\r\n"),
            ("ZUNIONSTORE dst 1 s", ":3\r\n"),
            ("ZDIFFSTORE dst 1 nokey", ":0\r\n"),
        ],
    );
}

#[test]
fn setop_nan_and_inf() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD i1 inf a -inf b 1 c", ":3\r\n"),
            ("ZADD i2 -inf a inf b 0 c", ":3\r\n"),
            (
                "ZUNION 2 i1 i2 WITHSCORES",
                "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n1\r\n",
            ),
            (
                "ZINTER 2 i1 i2 WITHSCORES",
                "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n1\r\n",
            ),
            (
                "ZUNION 2 i1 i2 WEIGHTS 0 1 WITHSCORES",
                "*6\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nb\r\n$3\r\ninf\r\n",
            ),
            (
                "ZINTER 2 i1 i2 WEIGHTS 0 0 AGGREGATE MIN WITHSCORES",
                "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n",
            ),
            (
                "ZINTER 2 i1 i2 WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
                "*6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$3\r\ninf\r\n",
            ),
            (
                "ZUNION 2 i1 i2 WEIGHTS inf -inf WITHSCORES",
                "*6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nc\r\n$3\r\ninf\r\n",
            ),
            ("ZADD f1 0.1 a", ":1\r\n"),
            ("ZADD f2 0.2 a", ":1\r\n"),
            ("ZADD f3 0.3 a", ":1\r\n"),
            (
                "ZUNION 3 f1 f2 f3 WITHSCORES",
                "*2\r\n$1\r\na\r\n$19\r\n0.60000000000000009\r\n",
            ),
            (
                "ZUNION 3 f3 f2 f1 WITHSCORES",
                "*2\r\n$1\r\na\r\n$19\r\n0.59999999999999998\r\n",
            ),
            (
                "ZINTER 3 f1 f2 f3 WITHSCORES",
                "*2\r\n$1\r\na\r\n$19\r\n0.60000000000000009\r\n",
            ),
        ],
    );
}

#[test]
fn large_sets_skiplist() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD big 0 m000 1 m001 2 m002 3 m003 4 m004 5 m005 6 m006 7 m007 8 m008 9 m009 10 m010 11 m011 12 m012 13 m013 14 m014 15 m015 16 m016 17 m017 18 m018 19 m019 20 m020 21 m021 22 m022 23 m023 24 m024 25 m025 26 m026 27 m027 28 m028 29 m029 30 m030 31 m031 32 m032 33 m033 34 m034 35 m035 36 m036 37 m037 38 m038 39 m039 40 m040 41 m041 42 m042 43 m043 44 m044 45 m045 46 m046 47 m047 48 m048 49 m049 0 m050 1 m051 2 m052 3 m053 4 m054 5 m055 6 m056 7 m057 8 m058 9 m059 10 m060 11 m061 12 m062 13 m063 14 m064 15 m065 16 m066 17 m067 18 m068 19 m069 20 m070 21 m071 22 m072 23 m073 24 m074 25 m075 26 m076 27 m077 28 m078 29 m079 30 m080 31 m081 32 m082 33 m083 34 m084 35 m085 36 m086 37 m087 38 m088 39 m089 40 m090 41 m091 42 m092 43 m093 44 m094 45 m095 46 m096 47 m097 48 m098 49 m099 0 m100 1 m101 2 m102 3 m103 4 m104 5 m105 6 m106 7 m107 8 m108 9 m109 10 m110 11 m111 12 m112 13 m113 14 m114 15 m115 16 m116 17 m117 18 m118 19 m119 20 m120 21 m121 22 m122 23 m123 24 m124 25 m125 26 m126 27 m127 28 m128 29 m129 30 m130 31 m131 32 m132 33 m133 34 m134 35 m135 36 m136 37 m137 38 m138 39 m139 40 m140 41 m141 42 m142 43 m143 44 m144 45 m145 46 m146 47 m147 48 m148 49 m149", ":150\r\n"),
            ("ZCARD big", ":150\r\n"),
            ("ZRANK big m077", ":82\r\n"),
            ("ZREVRANK big m077", ":67\r\n"),
            ("ZRANK big m149", ":149\r\n"),
            ("ZSCORE big m149", "$2\r\n49\r\n"),
            ("ZRANGE big 0 4 WITHSCORES", "*10\r\n$4\r\nm000\r\n$1\r\n0\r\n$4\r\nm050\r\n$1\r\n0\r\n$4\r\nm100\r\n$1\r\n0\r\n$4\r\nm001\r\n$1\r\n1\r\n$4\r\nm051\r\n$1\r\n1\r\n"),
            ("ZRANGE big -3 -1", "*3\r\n$4\r\nm049\r\n$4\r\nm099\r\n$4\r\nm149\r\n"),
            ("ZRANGE big 70 72 REV", "*3\r\n$4\r\nm076\r\n$4\r\nm026\r\n$4\r\nm125\r\n"),
            ("ZRANGEBYSCORE big 10 10", "*3\r\n$4\r\nm010\r\n$4\r\nm060\r\n$4\r\nm110\r\n"),
            ("ZRANGEBYSCORE big (48 +inf WITHSCORES", "*6\r\n$4\r\nm049\r\n$2\r\n49\r\n$4\r\nm099\r\n$2\r\n49\r\n$4\r\nm149\r\n$2\r\n49\r\n"),
            ("ZREVRANGEBYSCORE big 2 (1 LIMIT 1 2", "*2\r\n$4\r\nm052\r\n$4\r\nm002\r\n"),
            ("ZCOUNT big 10 20", ":33\r\n"),
            ("ZCOUNT big (10 (20", ":27\r\n"),
            ("ZINCRBY big 100 m000", "$3\r\n100\r\n"),
            ("ZRANK big m000", ":149\r\n"),
            ("ZADD big -5 m149", ":0\r\n"),
            ("ZRANGE big 0 1", "*2\r\n$4\r\nm149\r\n$4\r\nm050\r\n"),
            ("ZREM big m001 m002", ":2\r\n"),
            ("ZCARD big", ":148\r\n"),
            ("ZREMRANGEBYRANK big 0 9", ":10\r\n"),
            ("ZRANGE big 0 2 WITHSCORES", "*6\r\n$4\r\nm004\r\n$1\r\n4\r\n$4\r\nm054\r\n$1\r\n4\r\n$4\r\nm104\r\n$1\r\n4\r\n"),
            ("ZREMRANGEBYSCORE big 40 45", ":18\r\n"),
            ("ZCARD big", ":120\r\n"),
            ("ZPOPMAX big 2", "*4\r\n$4\r\nm000\r\n$3\r\n100\r\n$4\r\nm099\r\n$2\r\n49\r\n"),
            ("ZPOPMIN big", "*2\r\n$4\r\nm004\r\n$1\r\n4\r\n"),
            ("ZRANDMEMBER big 1000", "*117\r\n$4\r\nm049\r\n$4\r\nm148\r\n$4\r\nm098\r\n$4\r\nm048\r\n$4\r\nm147\r\n$4\r\nm097\r\n$4\r\nm047\r\n$4\r\nm146\r\n$4\r\nm096\r\n$4\r\nm046\r\n$4\r\nm139\r\n$4\r\nm089\r\n$4\r\nm039\r\n$4\r\nm138\r\n$4\r\nm088\r\n$4\r\nm038\r\n$4\r\nm137\r\n$4\r\nm087\r\n$4\r\nm037\r\n$4\r\nm136\r\n$4\r\nm086\r\n$4\r\nm036\r\n$4\r\nm135\r\n$4\r\nm085\r\n$4\r\nm035\r\n$4\r\nm134\r\n$4\r\nm084\r\n$4\r\nm034\r\n$4\r\nm133\r\n$4\r\nm083\r\n$4\r\nm033\r\n$4\r\nm132\r\n$4\r\nm082\r\n$4\r\nm032\r\n$4\r\nm131\r\n$4\r\nm081\r\n$4\r\nm031\r\n$4\r\nm130\r\n$4\r\nm080\r\n$4\r\nm030\r\n$4\r\nm129\r\n$4\r\nm079\r\n$4\r\nm029\r\n$4\r\nm128\r\n$4\r\nm078\r\n$4\r\nm028\r\n$4\r\nm127\r\n$4\r\nm077\r\n$4\r\nm027\r\n$4\r\nm126\r\n$4\r\nm076\r\n$4\r\nm026\r\n$4\r\nm125\r\n$4\r\nm075\r\n$4\r\nm025\r\n$4\r\nm124\r\n$4\r\nm074\r\n$4\r\nm024\r\n$4\r\nm123\r\n$4\r\nm073\r\n$4\r\nm023\r\n$4\r\nm122\r\n$4\r\nm072\r\n$4\r\nm022\r\n$4\r\nm121\r\n$4\r\nm071\r\n$4\r\nm021\r\n$4\r\nm120\r\n$4\r\nm070\r\n$4\r\nm020\r\n$4\r\nm119\r\n$4\r\nm069\r\n$4\r\nm019\r\n$4\r\nm118\r\n$4\r\nm068\r\n$4\r\nm018\r\n$4\r\nm117\r\n$4\r\nm067\r\n$4\r\nm017\r\n$4\r\nm116\r\n$4\r\nm066\r\n$4\r\nm016\r\n$4\r\nm115\r\n$4\r\nm065\r\n$4\r\nm015\r\n$4\r\nm114\r\n$4\r\nm064\r\n$4\r\nm014\r\n$4\r\nm113\r\n$4\r\nm063\r\n$4\r\nm013\r\n$4\r\nm112\r\n$4\r\nm062\r\n$4\r\nm012\r\n$4\r\nm111\r\n$4\r\nm061\r\n$4\r\nm011\r\n$4\r\nm110\r\n$4\r\nm060\r\n$4\r\nm010\r\n$4\r\nm109\r\n$4\r\nm059\r\n$4\r\nm009\r\n$4\r\nm108\r\n$4\r\nm058\r\n$4\r\nm008\r\n$4\r\nm107\r\n$4\r\nm057\r\n$4\r\nm007\r\n$4\r\nm106\r\n$4\r\nm056\r\n$4\r\nm006\r\n$4\r\nm105\r\n$4\r\nm055\r\n$4\r\nm005\r\n$4\r\nm104\r\n$4\r\nm054\r\n"),
            ("ZRANGESTORE small big 0 4", ":5\r\n"),
            ("ZRANGE small 0 -1 WITHSCORES", "*10\r\n$4\r\nm054\r\n$1\r\n4\r\n$4\r\nm104\r\n$1\r\n4\r\n$4\r\nm005\r\n$1\r\n5\r\n$4\r\nm055\r\n$1\r\n5\r\n$4\r\nm105\r\n$1\r\n5\r\n"),
            ("ZSCAN small 0", "*2\r\n$1\r\n0\r\n*10\r\n$4\r\nm054\r\n$1\r\n4\r\n$4\r\nm104\r\n$1\r\n4\r\n$4\r\nm005\r\n$1\r\n5\r\n$4\r\nm055\r\n$1\r\n5\r\n$4\r\nm105\r\n$1\r\n5\r\n"),
        ],
    );
}

#[test]
fn large_lex_skiplist() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD lex 0 w000 0 w001 0 w002 0 w003 0 w004 0 w005 0 w006 0 w007 0 w008 0 w009 0 w010 0 w011 0 w012 0 w013 0 w014 0 w015 0 w016 0 w017 0 w018 0 w019 0 w020 0 w021 0 w022 0 w023 0 w024 0 w025 0 w026 0 w027 0 w028 0 w029 0 w030 0 w031 0 w032 0 w033 0 w034 0 w035 0 w036 0 w037 0 w038 0 w039 0 w040 0 w041 0 w042 0 w043 0 w044 0 w045 0 w046 0 w047 0 w048 0 w049 0 w050 0 w051 0 w052 0 w053 0 w054 0 w055 0 w056 0 w057 0 w058 0 w059 0 w060 0 w061 0 w062 0 w063 0 w064 0 w065 0 w066 0 w067 0 w068 0 w069 0 w070 0 w071 0 w072 0 w073 0 w074 0 w075 0 w076 0 w077 0 w078 0 w079 0 w080 0 w081 0 w082 0 w083 0 w084 0 w085 0 w086 0 w087 0 w088 0 w089 0 w090 0 w091 0 w092 0 w093 0 w094 0 w095 0 w096 0 w097 0 w098 0 w099 0 w100 0 w101 0 w102 0 w103 0 w104 0 w105 0 w106 0 w107 0 w108 0 w109 0 w110 0 w111 0 w112 0 w113 0 w114 0 w115 0 w116 0 w117 0 w118 0 w119 0 w120 0 w121 0 w122 0 w123 0 w124 0 w125 0 w126 0 w127 0 w128 0 w129 0 w130 0 w131 0 w132 0 w133 0 w134 0 w135 0 w136 0 w137 0 w138 0 w139", ":140\r\n"),
            ("ZRANGEBYLEX lex [w010 [w013", "*4\r\n$4\r\nw010\r\n$4\r\nw011\r\n$4\r\nw012\r\n$4\r\nw013\r\n"),
            ("ZREVRANGEBYLEX lex (w100 - LIMIT 0 3", "*3\r\n$4\r\nw099\r\n$4\r\nw098\r\n$4\r\nw097\r\n"),
            ("ZLEXCOUNT lex [w050 +", ":90\r\n"),
            ("ZLEXCOUNT lex (w050 (w060", ":9\r\n"),
            ("ZREMRANGEBYLEX lex - (w130", ":130\r\n"),
            ("ZRANGE lex 0 -1", "*10\r\n$4\r\nw130\r\n$4\r\nw131\r\n$4\r\nw132\r\n$4\r\nw133\r\n$4\r\nw134\r\n$4\r\nw135\r\n$4\r\nw136\r\n$4\r\nw137\r\n$4\r\nw138\r\n$4\r\nw139\r\n"),
            ("ZCARD lex", ":10\r\n"),
        ],
    );
}

#[test]
fn long_member_skiplist() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 2 b -0 c", ":3\r\n"),
            ("ZSCORE z c", "$2\r\n-0\r\n"),
            ("ZRANGE z 0 -1 WITHSCORES", "*6\r\n$1\r\nc\r\n$2\r\n-0\r\n$65\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            ("ZSCAN z 0 MATCH b", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            ("ZREM z b c", ":2\r\n"),
            ("ZRANGE z 0 -1", "*1\r\n$65\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
            ("ZADD p 1 a", ":1\r\n"),
            ("ZADD p 2 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", ":1\r\n"),
            ("ZSCAN p 0 MATCH a", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZINCRBY p -0 a", "$1\r\n1\r\n"),
        ],
    );
}

#[test]
fn zrangestore_cross_shard() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD k1 1 a 2 b 3 c", ":3\r\n"),
            ("ZRANGESTORE b k1 0 1", ":2\r\n"),
            (
                "ZRANGE b 0 -1 WITHSCORES",
                "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
            ),
            ("ZRANGESTORE b k1 (1 +inf BYSCORE REV LIMIT 0 1", ":0\r\n"),
            ("ZRANGE b 0 -1 WITHSCORES", "*0\r\n"),
            ("ZRANGESTORE b k1 [z + BYLEX", ":0\r\n"),
            ("EXISTS b", ":0\r\n"),
            ("SET s v", "+OK\r\n"),
            (
                "ZRANGESTORE b s 0 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("ZRANGESTORE s k1 0 0", ":1\r\n"),
            ("ZRANGE s 0 -1", "*1\r\n$1\r\na\r\n"),
            (
                "ZRANGESTORE b k1 0 -1 BYSCORE LIMIT 0 x",
                "-ERR value is not an integer or out of range\r\n",
            ),
        ],
    );
}

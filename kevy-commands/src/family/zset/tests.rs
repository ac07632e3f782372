//! Sorted set family tests: replies recorded from redis-server 7.0.15 (three
//! shards, so multi-key commands span shards: `k1` is on shard 1, `k2`, `b`,
//! `s` and `nokey` on shard 0, `a`, `z2`, `src` and `dst` on shard 2).

use crate::testutil::{check, harness, run};

mod ops;
mod ranges;

#[test]
fn keys_span_shards() {
    let h = harness();
    let r = h.router();
    let shard = |k: &str| r.shard_of(k.as_bytes());
    assert_eq!(
        [
            shard("k1"),
            shard("k2"),
            shard("b"),
            shard("a"),
            shard("z1"),
            shard("z2")
        ],
        [1, 0, 0, 2, 1, 2]
    );
}

#[test]
fn large_set_scan_returns_every_member_once() {
    let mut h = harness();
    let mut zadd = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..300 {
        zadd.push(format!("{}", i % 7));
        zadd.push(format!("m{i}"));
    }
    assert_eq!(
        run(&mut h, &zadd.iter().map(String::as_str).collect::<Vec<_>>()),
        b":300\r\n"
    );
    let (mut cursor, mut seen) = ("0".to_string(), Vec::new());
    loop {
        let reply = run(&mut h, &["ZSCAN", "big", &cursor, "COUNT", "17"]);
        let text = String::from_utf8(reply).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        cursor = lines[2].to_string();
        let items: Vec<&str> = lines[4..].iter().copied().skip(1).step_by(2).collect();
        for pair in items.chunks(2).filter(|p| p.len() == 2) {
            seen.push((pair[0].to_string(), pair[1].to_string()));
        }
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 300);
    assert!(seen.contains(&("m8".to_string(), "1".to_string())));
}

#[test]
fn zrandmember_samples_members() {
    let mut h = harness();
    run(
        &mut h,
        &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
    );
    for _ in 0..20 {
        let r = String::from_utf8(run(&mut h, &["ZRANDMEMBER", "z", "2"])).unwrap();
        let items: Vec<&str> = r
            .split("\r\n")
            .skip(2)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(items.len(), 2, "{r}");
        assert_ne!(items[0], items[1]);
        let r = String::from_utf8(run(&mut h, &["ZRANDMEMBER", "z", "-5", "WITHSCORES"])).unwrap();
        assert!(r.starts_with("*10\r\n"), "{r}");
        let one = String::from_utf8(run(&mut h, &["ZRANDMEMBER", "z"])).unwrap();
        assert!(
            ["$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n", "$1\r\nd\r\n"].contains(&one.as_str())
        );
    }
    assert_eq!(
        run(&mut h, &["ZRANDMEMBER", "z", "-100000000"]),
        b"-ERR count is too large for a reply\r\n"
    );
}

#[test]
fn zadd_basics() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a", ":1\r\n"),
            ("ZADD z 2 b 3 c", ":2\r\n"),
            ("ZADD z 1 a", ":0\r\n"),
            ("ZADD z 5 a", ":0\r\n"),
            ("ZSCORE z a", "$1\r\n5\r\n"),
            ("ZCARD z", ":3\r\n"),
            ("ZRANGE z 0 -1 WITHSCORES", "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n5\r\n"),
            ("ZADD z", "-ERR wrong number of arguments for 'zadd' command\r\n"),
            ("ZADD z 1", "-ERR wrong number of arguments for 'zadd' command\r\n"),
            ("ZADD z 1 a 2", "-ERR syntax error\r\n"),
            ("ZADD z x a", "-ERR value is not a valid float\r\n"),
            ("ZADD z nan a", "-ERR value is not a valid float\r\n"),
            ("ZADD z inf i -inf j +inf k", ":3\r\n"),
            ("ZRANGE z 0 -1 WITHSCORES", "*12\r\n$1\r\nj\r\n$4\r\n-inf\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\ni\r\n$3\r\ninf\r\n$1\r\nk\r\n$3\r\ninf\r\n"),
            ("ZADD z 1.1 f 0.1 g -0 h", ":3\r\n"),
            ("ZSCORE z f", "$18\r\n1.1000000000000001\r\n"),
            ("ZSCORE z g", "$19\r\n0.10000000000000001\r\n"),
            ("ZSCORE z h", "$1\r\n0\r\n"),
            ("ZADD z 1e400 q", "-ERR value is not a valid float\r\n"),
            ("ZADD z 0x10 hex", ":1\r\n"),
            ("ZSCORE z hex", "$2\r\n16\r\n"),
            ("ZADD z \" 1\" sp", "-ERR value is not a valid float\r\n"),
            ("ZADD z \"\" e", "-ERR value is not a valid float\r\n"),
            ("TYPE z", "+zset\r\n"),
            ("ZADD z 1e-400 tiny", "-ERR value is not a valid float\r\n"),
        ],
    );
}

#[test]
fn zadd_options() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z NX 1 a", ":1\r\n"),
            ("ZADD z NX 2 a 3 b", ":1\r\n"),
            ("ZSCORE z a", "$1\r\n1\r\n"),
            ("ZADD z XX 5 a 6 c", ":0\r\n"),
            (
                "ZRANGE z 0 -1 WITHSCORES",
                "*4\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n5\r\n",
            ),
            (
                "ZADD z NX XX 1 a",
                "-ERR XX and NX options at the same time are not compatible\r\n",
            ),
            (
                "ZADD z GT LT 1 a",
                "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
            ),
            (
                "ZADD z GT NX 1 a",
                "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
            ),
            (
                "ZADD z LT NX 1 a",
                "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
            ),
            ("ZADD z XX GT 1 a", ":0\r\n"),
            ("ZADD z XX GT 9 a", ":0\r\n"),
            ("ZADD z GT CH 1 a 10 b 4 d", ":2\r\n"),
            ("ZADD z LT CH 1 a 20 b", ":1\r\n"),
            (
                "ZRANGE z 0 -1 WITHSCORES",
                "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nb\r\n$2\r\n10\r\n",
            ),
            ("ZADD z CH 1 a 1 b", ":1\r\n"),
            (
                "ZADD z ch xx nx 1 a",
                "-ERR XX and NX options at the same time are not compatible\r\n",
            ),
            (
                "ZADD z INCR 1 a 2 b",
                "-ERR INCR option supports a single increment-element pair\r\n",
            ),
            ("ZADD z INCR 2 a", "$1\r\n3\r\n"),
            ("ZADD z INCR XX 2 missing", "$-1\r\n"),
            ("ZADD z INCR NX 2 a", "$-1\r\n"),
            ("ZADD z INCR GT -1 a", "$-1\r\n"),
            ("ZADD z INCR LT -1 a", "$1\r\n2\r\n"),
            ("ZADD z INCR 1.5 new", "$3\r\n1.5\r\n"),
            ("ZADD z incr ch 1 new", "$3\r\n2.5\r\n"),
            ("ZADD nokey XX 1 a", ":0\r\n"),
            ("EXISTS nokey", ":0\r\n"),
            (
                "ZADD z NX",
                "-ERR wrong number of arguments for 'zadd' command\r\n",
            ),
            ("ZADD z NX CH INCR", "-ERR syntax error\r\n"),
        ],
    );
}

#[test]
fn zadd_nan_and_inf() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z inf a", ":1\r\n"),
            (
                "ZINCRBY z -inf a",
                "-ERR resulting score is not a number (NaN)\r\n",
            ),
            (
                "ZADD z INCR -inf a",
                "-ERR resulting score is not a number (NaN)\r\n",
            ),
            ("ZSCORE z a", "$3\r\ninf\r\n"),
            ("ZINCRBY z 1 a", "$3\r\ninf\r\n"),
            ("ZINCRBY z x a", "-ERR value is not a valid float\r\n"),
            ("ZINCRBY z nan a", "-ERR value is not a valid float\r\n"),
            ("ZINCRBY z 1.5 b", "$3\r\n1.5\r\n"),
            ("ZINCRBY z 1e308 c", "$6\r\n1e+308\r\n"),
            ("ZINCRBY z 1e308 c", "$3\r\ninf\r\n"),
            ("ZINCRBY z nx a", "-ERR syntax error\r\n"),
            ("ZINCRBY z incr a", "-ERR syntax error\r\n"),
            (
                "ZINCRBY z",
                "-ERR wrong number of arguments for 'zincrby' command\r\n",
            ),
            ("ZADD z INCR inf b", "$3\r\ninf\r\n"),
            (
                "ZADD z INCR -inf b",
                "-ERR resulting score is not a number (NaN)\r\n",
            ),
        ],
    );
}

#[test]
fn zadd_wrongtype() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET s v", "+OK\r\n"),
            (
                "ZADD s 1 a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZINCRBY s 1 a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZSCORE s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZMSCORE s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZRANK s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZREVRANK s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZCARD s",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "ZREM s a",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("ZADD z 1 a", ":1\r\n"),
            (
                "GET z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "INCR z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "APPEND z x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "STRLEN z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SETRANGE z 0 x",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "GETRANGE z 0 1",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("MGET z s", "*2\r\n$-1\r\n$1\r\nv\r\n"),
            (
                "GETDEL z",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "GETSET z v",
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("TYPE z", "+zset\r\n"),
            ("SET z v", "+OK\r\n"),
            ("TYPE z", "+string\r\n"),
        ],
    );
}

#[test]
fn zscore_rank_card() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c 3 d", ":4\r\n"),
            ("ZSCORE z a", "$1\r\n1\r\n"),
            ("ZSCORE z x", "$-1\r\n"),
            ("ZSCORE nokey a", "$-1\r\n"),
            ("ZMSCORE z a x c", "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n"),
            ("ZMSCORE nokey a b", "*2\r\n$-1\r\n$-1\r\n"),
            (
                "ZMSCORE z",
                "-ERR wrong number of arguments for 'zmscore' command\r\n",
            ),
            ("ZRANK z a", ":0\r\n"),
            ("ZRANK z d", ":3\r\n"),
            ("ZRANK z x", "$-1\r\n"),
            ("ZRANK nokey a", "$-1\r\n"),
            ("ZREVRANK z a", ":3\r\n"),
            ("ZREVRANK z d", ":0\r\n"),
            ("ZREVRANK z x", "$-1\r\n"),
            (
                "ZRANK z a WITHSCORE",
                "-ERR wrong number of arguments for 'zrank' command\r\n",
            ),
            ("ZCARD z", ":4\r\n"),
            ("ZCARD nokey", ":0\r\n"),
            (
                "ZCARD z x",
                "-ERR wrong number of arguments for 'zcard' command\r\n",
            ),
        ],
    );
}

#[test]
fn zrem_deletes_empty() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("ZADD z 1 a 2 b 3 c", ":3\r\n"),
            ("ZREM z a x", ":1\r\n"),
            ("ZREM z x y", ":0\r\n"),
            ("ZREM nokey a", ":0\r\n"),
            ("ZREM z b c d", ":2\r\n"),
            ("EXISTS z", ":0\r\n"),
            (
                "ZREM z",
                "-ERR wrong number of arguments for 'zrem' command\r\n",
            ),
            ("ZADD z 1 a", ":1\r\n"),
            ("ZREM z a a a", ":1\r\n"),
            ("EXISTS z", ":0\r\n"),
        ],
    );
}

//! SCAN and RANDOMKEY: errors and small replies replayed from redis-server
//! 7.0.15; full scans over three shards compared as sets, also while keys
//! come and go.

use std::collections::HashSet;

use crate::testutil::{check, harness, inline, items, run};

#[test]
fn scan_and_randomkey_like_redis() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SCAN 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("RANDOMKEY", "$-1\r\n"),
            ("SET a 1", "+OK\r\n"),
            ("SCAN 0", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"),
            ("RANDOMKEY", "$1\r\na\r\n"),
            ("SCAN 0 COUNT 0", "-ERR syntax error\r\n"),
            ("SCAN 0 COUNT -1", "-ERR syntax error\r\n"),
            (
                "SCAN 0 COUNT x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("SCAN 0 COUNT", "-ERR syntax error\r\n"),
            ("SCAN 0 MATCH", "-ERR syntax error\r\n"),
            ("SCAN 0 TYPE", "-ERR syntax error\r\n"),
            ("SCAN 0 TYPE foo", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("SCAN 0 TYPE STRING", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"),
            ("SCAN 0 TYPE list", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("SCAN 0 FOO bar", "-ERR syntax error\r\n"),
            ("SCAN x", "-ERR invalid cursor\r\n"),
            ("SCAN \" 1\"", "-ERR invalid cursor\r\n"),
            ("SCAN 1x", "-ERR invalid cursor\r\n"),
            ("SCAN 18446744073709551616", "-ERR invalid cursor\r\n"),
            ("SCAN x COUNT 0", "-ERR invalid cursor\r\n"),
            ("SCAN 0 COUNT 0 MATCH", "-ERR syntax error\r\n"),
            (
                "SCAN 0 MATCH a* COUNT 5 TYPE string",
                "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n",
            ),
            ("SCAN 0 MATCH b*", "*2\r\n$1\r\n0\r\n*0\r\n"),
            (
                "SCAN",
                "-ERR wrong number of arguments for 'scan' command\r\n",
            ),
            (
                "RANDOMKEY x",
                "-ERR wrong number of arguments for 'randomkey' command\r\n",
            ),
        ],
    );
}

/// One SCAN call: the next cursor and the keys.
fn scan(
    h: &mut kevy_rt::testing::Harness<crate::Redis>,
    cursor: u64,
    extra: &[&str],
) -> (u64, Vec<String>) {
    let c = cursor.to_string();
    let mut args = vec!["SCAN", &c];
    args.extend_from_slice(extra);
    let reply = items(&run(h, &args));
    let next = reply[0].parse().expect("a cursor");
    (next, reply[1..].to_vec())
}

/// Every key of a full scan, with how many calls it took.
fn full_scan(
    h: &mut kevy_rt::testing::Harness<crate::Redis>,
    extra: &[&str],
) -> (HashSet<String>, usize) {
    let (mut seen, mut cursor, mut calls) = (HashSet::new(), 0, 0);
    loop {
        let (next, keys) = scan(h, cursor, extra);
        seen.extend(keys);
        calls += 1;
        cursor = next;
        if cursor == 0 {
            return (seen, calls);
        }
    }
}

#[test]
fn full_scans_return_every_key_of_every_shard() {
    let mut h = inline();
    let keys: Vec<String> = (0..1000).map(|i| format!("key:{i}")).collect();
    for k in &keys {
        run(&mut h, &["SET", k, "v"]);
    }
    run(&mut h, &["RPUSH", "list:1", "x"]);
    let all: HashSet<String> = keys.iter().cloned().chain(["list:1".to_string()]).collect();
    let (seen, calls) = full_scan(&mut h, &[]);
    assert_eq!(seen, all);
    assert!(calls > 50, "COUNT 10 takes many calls, not {calls}");
    let (seen, calls) = full_scan(&mut h, &["COUNT", "1000"]);
    assert_eq!(seen, all);
    assert!(calls <= 4, "{calls} calls");
    let (seen, _) = full_scan(&mut h, &["MATCH", "key:1*", "COUNT", "7"]);
    assert_eq!(
        seen,
        all.iter()
            .filter(|k| k.starts_with("key:1"))
            .cloned()
            .collect()
    );
    let (seen, _) = full_scan(&mut h, &["TYPE", "LIST"]);
    assert_eq!(seen, HashSet::from(["list:1".to_string()]));
    let (seen, _) = full_scan(&mut h, &["TYPE", "hash"]);
    assert!(seen.is_empty());
}

/// Redis's SCAN guarantee: a key present from the first call to the last is
/// returned, however many keys are added (tables grow) or removed (tables
/// shrink) in between.
#[test]
fn scan_returns_every_stable_key_while_keys_come_and_go() {
    let mut h = inline();
    for i in 0..500 {
        run(&mut h, &["SET", &format!("stable:{i}"), "v"]);
    }
    let (mut seen, mut cursor, mut round) = (HashSet::new(), 0, 0);
    loop {
        let (next, keys) = scan(&mut h, cursor, &["COUNT", "5"]);
        seen.extend(keys);
        cursor = next;
        round += 1;
        if round < 60 {
            for j in 0..100 {
                run(&mut h, &["SET", &format!("new:{round}:{j}"), "v"]);
            }
        } else if round < 120 {
            for j in 0..100 {
                run(&mut h, &["DEL", &format!("new:{}:{j}", round - 59)]);
            }
            h.tick();
        }
        if cursor == 0 {
            break;
        }
    }
    for i in 0..500 {
        assert!(seen.contains(&format!("stable:{i}")), "stable:{i} missed");
    }
}

#[test]
fn expired_keys_are_neither_scanned_nor_random() {
    let mut h = inline();
    for i in 0..30 {
        run(&mut h, &["SET", &format!("gone:{i}"), "v", "PX", "1"]);
    }
    run(&mut h, &["SET", "live", "v"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (seen, _) = full_scan(&mut h, &[]);
    assert_eq!(seen, HashSet::from(["live".to_string()]));
    for _ in 0..10 {
        assert_eq!(run(&mut h, &["RANDOMKEY"]), b"$4\r\nlive\r\n");
    }
    assert_eq!(run(&mut h, &["DBSIZE"]), b":1\r\n");
}

#[test]
fn randomkey_reaches_every_shard() {
    let mut h = harness();
    let keys = crate::testutil::keys_on_distinct_shards(&h, "r");
    for k in &keys {
        run(&mut h, &["SET", k, "v"]);
    }
    let mut seen = HashSet::new();
    for _ in 0..300 {
        seen.extend(items(&run(&mut h, &["RANDOMKEY"])));
    }
    assert_eq!(seen, keys.iter().cloned().collect());
}

#[test]
fn scan_and_randomkey_stay_in_the_selected_database() {
    let mut h = inline();
    run(&mut h, &["MSET", "a", "1", "b", "2", "g", "3"]);
    run(&mut h, &["SELECT", "4"]);
    assert_eq!(run(&mut h, &["RANDOMKEY"]), b"$-1\r\n");
    assert_eq!(run(&mut h, &["SCAN", "0"]), b"*2\r\n$1\r\n0\r\n*0\r\n");
    run(&mut h, &["SET", "x", "1"]);
    assert_eq!(run(&mut h, &["RANDOMKEY"]), b"$1\r\nx\r\n");
    assert_eq!(full_scan(&mut h, &[]).0, HashSet::from(["x".to_string()]));
}

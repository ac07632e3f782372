//! SLOWLOG and LATENCY on the harness: logs kept per shard, merged in
//! global order.

use crate::testutil::{check, harness, items, keys_on_distinct_shards, run};

/// The commands of a `SLOWLOG GET` reply (first argument of each entry)
/// with their ids, newest first.
fn entries(reply: &[u8]) -> Vec<(i64, String)> {
    let text = String::from_utf8_lossy(reply).into_owned();
    let mut out = Vec::new();
    let mut lines = text.split("\r\n").peekable();
    while let Some(l) = lines.next() {
        // An entry: `*6`, `:id`, `:time`, `:usec`, `*argc`, `$n`, `arg0`.
        if l == "*6" {
            let id: i64 = lines.next().and_then(|s| s[1..].parse().ok()).unwrap_or(-1);
            lines.next();
            lines.next();
            lines.next();
            lines.next();
            out.push((id, lines.next().unwrap_or_default().to_string()));
        }
    }
    out
}

#[test]
fn slowlog_merges_shards_in_global_order() {
    let mut h = harness();
    let keys = keys_on_distinct_shards(&h, "s");
    check(
        &mut h,
        &[
            ("SLOWLOG GET", "*0\r\n"),
            ("SLOWLOG LEN", ":0\r\n"),
            ("CONFIG SET slowlog-log-slower-than 0", "+OK\r\n"),
        ],
    );
    let mut sent = Vec::new();
    for round in 0..2 {
        for k in &keys {
            let v = format!("v{round}");
            run(&mut h, &["SET", k, &v]);
            sent.push(format!("SET {k}"));
        }
    }
    run(&mut h, &["MGET", &keys[0], &keys[1], &keys[2]]);
    let got = entries(&run(&mut h, &["SLOWLOG", "GET", "-1"]));
    let names: Vec<&str> = got.iter().map(|(_, n)| n.as_str()).collect();
    // Newest first: MGET, the six SETs backwards, then CONFIG SET.
    assert_eq!(
        names,
        ["MGET", "SET", "SET", "SET", "SET", "SET", "SET", "CONFIG"]
    );
    assert!(got.windows(2).all(|w| w[0].0 > w[1].0), "{got:?}");
    let two = entries(&run(&mut h, &["SLOWLOG", "GET", "2"]));
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].1, "SLOWLOG");
    check(
        &mut h,
        &[
            (
                "SLOWLOG GET x",
                "-ERR count should be greater than or equal to -1\r\n",
            ),
            (
                "SLOWLOG GET -2",
                "-ERR count should be greater than or equal to -1\r\n",
            ),
            ("SLOWLOG GET 0", "*0\r\n"),
            ("CONFIG SET slowlog-max-len 3", "+OK\r\n"),
            ("SLOWLOG LEN", ":3\r\n"),
            ("SLOWLOG RESET", "+OK\r\n"),
            ("CONFIG SET slowlog-log-slower-than -1", "+OK\r\n"),
            ("SLOWLOG LEN", ":1\r\n"),
        ],
    );
    // The one entry left is the RESET's own.
    assert_eq!(entries(&run(&mut h, &["SLOWLOG", "GET"]))[0].1, "SLOWLOG");
}

#[test]
fn slowlog_entries_have_redis_shape() {
    let mut h = harness();
    run(&mut h, &["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    run(&mut h, &["CLIENT", "SETNAME", "me"]);
    run(&mut h, &["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    let reply = run(&mut h, &["SLOWLOG", "GET", "1"]);
    let it = items(&reply);
    // id, time, usec, "CONFIG" "SET" "slowlog-log-slower-than" "0", peer, name.
    assert_eq!(it.len(), 9, "{it:?}");
    assert_eq!(&it[3..7], ["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    assert_eq!(it[8], "me");
    // HELLO's credentials are redacted, as in Redis.
    run(
        &mut h,
        &["HELLO", "2", "AUTH", "default", "secret", "SETNAME", "me"],
    );
    let it = items(&run(&mut h, &["SLOWLOG", "GET", "1"]));
    assert_eq!(
        &it[3..10],
        [
            "HELLO",
            "2",
            "AUTH",
            "(redacted)",
            "(redacted)",
            "SETNAME",
            "me"
        ]
    );
}

#[test]
fn latency_monitor_is_off_by_default_and_samples_when_on() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("LATENCY LATEST", "*0\r\n"),
            ("LATENCY HISTORY command", "*0\r\n"),
            ("LATENCY RESET", ":0\r\n"),
            ("LATENCY RESET a b", ":0\r\n"),
            (
                "LATENCY FOO",
                "-ERR unknown subcommand 'FOO'. Try LATENCY HELP.\r\n",
            ),
            ("CONFIG SET latency-monitor-threshold 1", "+OK\r\n"),
        ],
    );
    h.commands()
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    check(&mut h, &[("DEBUG SLEEP 0.003", "+OK\r\n")]);
    let latest = items(&run(&mut h, &["LATENCY", "LATEST"]));
    assert_eq!(latest[0], "command");
    assert!(latest[2].parse::<u64>().unwrap() >= 3, "{latest:?}");
    let history = items(&run(&mut h, &["LATENCY", "HISTORY", "command"]));
    assert_eq!(history.len(), 2);
    check(
        &mut h,
        &[
            ("LATENCY RESET command nope", ":1\r\n"),
            ("LATENCY LATEST", "*0\r\n"),
        ],
    );
    let hist = String::from_utf8_lossy(&run(&mut h, &["LATENCY", "HISTOGRAM", "debug", "nope"]))
        .into_owned();
    assert!(
        hist.starts_with(
            "*2\r\n$5\r\ndebug\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n"
        ),
        "{hist}"
    );
    let all = items(&run(&mut h, &["LATENCY", "HISTOGRAM"]));
    assert!(all.contains(&"latency|reset".to_string()), "{all:?}");
    // RESP3: maps all the way down, as Redis 7.0 writes them.
    run(&mut h, &["HELLO", "3"]);
    let hist =
        String::from_utf8_lossy(&run(&mut h, &["LATENCY", "HISTOGRAM", "debug"])).into_owned();
    assert!(
        hist.starts_with(
            "%1\r\n$5\r\ndebug\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%"
        ),
        "{hist}"
    );
}

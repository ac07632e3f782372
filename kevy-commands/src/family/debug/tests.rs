//! DEBUG and MEMORY on the harness; error texts recorded from
//! redis-server 7.0.15.

use crate::testutil::{check, harness, inline, items, run};

fn debug_inline() -> kevy_rt::testing::Harness<crate::Redis> {
    let h = inline();
    h.commands()
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("enable DEBUG");
    h
}

#[test]
fn debug_is_refused_unless_enabled() {
    let mut h = harness();
    let reply = String::from_utf8_lossy(&run(&mut h, &["DEBUG", "SLEEP", "0"])).into_owned();
    assert!(reply.starts_with("-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\""), "{reply}");
    // "local" lets local connections in; the harness's have no address.
    let h2 = harness();
    h2.commands()
        .config()
        .load("enable-debug-command", &["local"])
        .expect("local");
    assert_eq!(
        h2.commands()
            .config()
            .get("enable-debug-command")
            .as_deref(),
        Some("local")
    );
}

#[test]
fn debug_subcommands() {
    let mut h = debug_inline();
    check(
        &mut h,
        &[
            ("DEBUG SLEEP 0", "+OK\r\n"),
            ("DEBUG SLEEP abc", "+OK\r\n"),
            ("DEBUG SLEEP", "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n"),
            ("DEBUG foo", "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n"),
            ("DEBUG OBJECT nokey", "-ERR no such key\r\n"),
            ("DEBUG SET-ACTIVE-EXPIRE 0", "+OK\r\n"),
        ],
    );
    assert!(!h
        .commands()
        .shared()
        .active_expire
        .load(std::sync::atomic::Ordering::Relaxed));
    check(&mut h, &[("DEBUG SET-ACTIVE-EXPIRE 1", "+OK\r\n")]);
    assert!(h
        .commands()
        .shared()
        .active_expire
        .load(std::sync::atomic::Ordering::Relaxed));
    run(&mut h, &["SET", "i", "1"]);
    run(&mut h, &["SET", "s", "hello"]);
    run(&mut h, &["RPUSH", "l", "a", "b", "c"]);
    run(&mut h, &["HSET", "h", "a", "b"]);
    run(&mut h, &["SADD", "st", "1", "2"]);
    let object = |h: &mut kevy_rt::testing::Harness<crate::Redis>, key: &str| {
        let r = String::from_utf8_lossy(&run(h, &["DEBUG", "OBJECT", key])).into_owned();
        let (addr, rest) = r.split_once(" refcount:").unwrap_or_else(|| panic!("{r}"));
        assert!(addr.starts_with("+Value at:0x"), "{r}");
        // The access data vary with the clock: checked for shape only.
        let (head, tail) = rest
            .trim_end()
            .split_once(" lru:")
            .unwrap_or_else(|| panic!("{r}"));
        let (lru, after) = tail
            .split_once(" lru_seconds_idle:")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(lru.parse::<u32>().is_ok_and(|n| n < 1 << 24), "{r}");
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        format!("refcount:{head}{after}")
    };
    assert_eq!(
        object(&mut h, "i"),
        "refcount:1 encoding:int serializedlength:2"
    );
    assert_eq!(
        object(&mut h, "s"),
        "refcount:1 encoding:embstr serializedlength:6"
    );
    assert_eq!(
        object(&mut h, "h"),
        "refcount:1 encoding:listpack serializedlength:14"
    );
    assert_eq!(
        object(&mut h, "st"),
        "refcount:1 encoding:intset serializedlength:13"
    );
    let l = object(&mut h, "l");
    assert!(
        l.starts_with("refcount:1 encoding:quicklist serializedlength:19 "),
        "{l}"
    );
    assert!(l.ends_with(" ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:9"), "{l}");
    assert!(items(&run(&mut h, &["DEBUG", "HELP"]))[0].starts_with("DEBUG <subcommand>"));
}

#[test]
fn memory_subcommands() {
    let mut h = inline();
    run(&mut h, &["SET", "small", "1"]);
    run(&mut h, &["SET", "big", &"x".repeat(1000)]);
    let usage = |h: &mut kevy_rt::testing::Harness<crate::Redis>, args: &[&str]| -> i64 {
        let r = String::from_utf8_lossy(&run(h, args)).into_owned();
        r.trim_start_matches(':')
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("{r}"))
    };
    let small = usage(&mut h, &["MEMORY", "USAGE", "small"]);
    let big = usage(&mut h, &["MEMORY", "USAGE", "big"]);
    assert!(small > 0 && big >= small + 1000, "{small} {big}");
    let members: Vec<String> = (0..1000)
        .map(|i| format!("member-{i:05}-padding"))
        .collect();
    let mut sadd = vec!["SADD", "set"];
    sadd.extend(members.iter().map(String::as_str));
    run(&mut h, &sadd);
    let sampled = usage(&mut h, &["MEMORY", "USAGE", "set"]);
    let all = usage(&mut h, &["MEMORY", "USAGE", "set", "SAMPLES", "0"]);
    assert!(sampled > 20_000 && all > 20_000, "{sampled} {all}");
    check(
        &mut h,
        &[
            ("MEMORY USAGE nokey", "$-1\r\n"),
            (
                "MEMORY USAGE small samples x",
                "-ERR value is not an integer or out of range\r\n",
            ),
            ("MEMORY USAGE small samples -1", "-ERR syntax error\r\n"),
            ("MEMORY USAGE small foo 1", "-ERR syntax error\r\n"),
            (
                "MEMORY USAGE",
                "-ERR wrong number of arguments for 'memory|usage' command\r\n",
            ),
            (
                "MEMORY MALLOC-STATS",
                "$45\r\nStats not supported for the current allocator\r\n",
            ),
            ("MEMORY PURGE", "+OK\r\n"),
        ],
    );
    let stats = items(&run(&mut h, &["MEMORY", "STATS"]));
    let at = stats
        .iter()
        .position(|s| s == "keys.count")
        .expect("keys.count");
    assert_eq!(stats[at + 1], "3");
    assert!(stats.iter().any(|s| s == "peak.allocated"));
    let doctor = String::from_utf8_lossy(&run(&mut h, &["MEMORY", "DOCTOR"])).into_owned();
    assert!(doctor.contains("Sam"), "{doctor}");
    assert_eq!(items(&run(&mut h, &["MEMORY", "HELP"])).len(), 14);
    // RESP3: STATS is a map with doubles, DOCTOR verbatim text.
    run(&mut h, &["HELLO", "3"]);
    let stats = run(&mut h, &["MEMORY", "STATS"]);
    let text = String::from_utf8_lossy(&stats);
    assert!(
        text.starts_with("%14\r\n$14\r\npeak.allocated\r\n:"),
        "{text}"
    );
    assert!(text.contains("$18\r\ndataset.percentage\r\n,"), "{text}");
    assert!(text.contains("$13\r\nfragmentation\r\n,"), "{text}");
    let doctor = run(&mut h, &["MEMORY", "DOCTOR"]);
    let text = String::from_utf8_lossy(&doctor);
    // "Hi Sam" or "Sam, I detected…": the figures are the whole test
    // process's, which other tests running alongside move.
    assert!(
        text.starts_with('=') && text.contains("\r\ntxt:") && text.contains("Sam"),
        "{text}"
    );
}

/// MEMORY USAGE is exact for small encodings: a node block (the 48-byte
/// head and the key, as glibc rounds it) and a 9-byte bucket, plus the
/// value's one block (none when it fits inside the value).
#[test]
fn memory_usage_of_small_encodings_is_exact() {
    let mut h = harness();
    let usage = |h: &mut crate::testutil::Kevy, args: &[&str]| -> i64 {
        let r = String::from_utf8_lossy(&run(h, args)).into_owned();
        r.trim_start_matches(':')
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("{r}"))
    };
    run(&mut h, &["SET", "small", "1"]);
    let small = usage(&mut h, &["MEMORY", "USAGE", "small"]);
    assert_eq!(small, 64 + 9);
    run(
        &mut h,
        &[
            "SADD", "ints", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
        ],
    );
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "ints"]), 64 + 9);
    run(&mut h, &["RPUSH", "list", "a", "b", "c"]);
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "list"]), 64 + 9);
    let mut hset = vec!["HSET", "hash"];
    let fields: Vec<String> = (0..10)
        .flat_map(|j| [format!("field:{j}"), format!("v{j:07}")])
        .collect();
    hset.extend(fields.iter().map(String::as_str));
    run(&mut h, &hset);
    // 10 x (8 + 9) = 170 bytes of entries (a length byte before each
    // field and value): a 192-byte block.
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "hash"]), 64 + 9 + 192);
    // Keys up to 11 bytes share the 64-byte block; 12 to 27 bytes take 80.
    run(&mut h, &["SET", "key:1234567", "1"]);
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "key:1234567"]), 64 + 9);
    run(&mut h, &["SET", "key:12345678", "1"]);
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "key:12345678"]), 80 + 9);
    run(&mut h, &["ZADD", "z", "1", "a", "2.5", "b"]);
    assert_eq!(usage(&mut h, &["MEMORY", "USAGE", "z"]), 64 + 9);
}

#[test]
fn debug_change_repl_id_and_stringmatch_test() {
    let mut h = debug_inline();
    let replid = |h: &mut kevy_rt::testing::Harness<crate::Redis>| {
        let info = String::from_utf8_lossy(&run(h, &["INFO", "replication"])).into_owned();
        info.lines()
            .find_map(|l| l.strip_prefix("master_replid:").map(str::to_string))
            .expect("master_replid")
    };
    let before = replid(&mut h);
    assert_eq!(run(&mut h, &["DEBUG", "CHANGE-REPL-ID"]), b"+OK\r\n");
    let after = replid(&mut h);
    assert_ne!(before, after);
    assert_eq!(after.len(), 40);
    assert_eq!(
        run(&mut h, &["DEBUG", "STRINGMATCH-TEST"]),
        b"+Apparently Redis did not crash: test passed\r\n"
    );
}

#[test]
fn debug_protocol_shapes() {
    let mut h = debug_inline();
    assert_eq!(
        run(&mut h, &["DEBUG", "PROTOCOL", "bignum"]),
        b"$37\r\n1234567999999999999999999999999999999\r\n"
    );
    assert_eq!(
        run(&mut h, &["DEBUG", "PROTOCOL", "attrib"]),
        b"$39\r\nSome real reply following the attribute\r\n"
    );
    assert_eq!(
        run(&mut h, &["DEBUG", "PROTOCOL", "push"]),
        b"-ERR RESP2 is not supported by this command\r\n"
    );
    assert_eq!(
        run(&mut h, &["DEBUG", "PROTOCOL", "map"]),
        b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"
    );
}

/// DEBUG PAUSE-CRON stops the periodic work: a key past its deadline
/// stays (as an expired key not yet reclaimed, which DBSIZE counts) until
/// the cron runs again.
#[test]
fn pause_cron_stops_the_active_expiry_until_resumed() {
    let mut h = debug_inline();
    check(
        &mut h,
        &[
            ("DEBUG PAUSE-CRON 1", "+OK\r\n"),
            ("SET k v PX 1", "+OK\r\n"),
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(5));
    h.tick();
    check(
        &mut h,
        &[("DBSIZE", ":1\r\n"), ("DEBUG PAUSE-CRON 0", "+OK\r\n")],
    );
    h.tick();
    check(&mut h, &[("DBSIZE", ":0\r\n")]);
}

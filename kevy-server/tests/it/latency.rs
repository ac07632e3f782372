//! LATENCY DOCTOR, GRAPH and LATEST with a real sample on both sides: one
//! `DEBUG SLEEP` over `latency-monitor-threshold` in kevy and in
//! redis-server (debug commands enabled), in RESP2 and RESP3. The measured
//! milliseconds (and a graph label's age) may differ by one, so replies are
//! compared with every run of digits masked; the rest — the report's
//! sentences and advice, the chart, the shapes — must be the same bytes.

use kevy_commands::Redis;

use crate::util::{escape, kevy_with, Raw, RedisServer};

/// `reply` with each run of ASCII digits replaced by one `#`.
fn masked(reply: &[u8]) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for &b in reply {
        if b.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(b as char);
            in_digits = false;
        }
    }
    out
}

/// kevy (2 shards) with `DEBUG` enabled.
fn kevy_with_debug() -> kevy_rt::Server {
    let commands = Redis::default();
    commands
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    kevy_with(commands)
}

#[test]
fn latency_reports_with_a_sample_match_redis() {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let server = kevy_with_debug();
    for resp3 in [false, true] {
        let mut r = Raw::connect(redis.addr());
        let mut k = Raw::connect(server.addr());
        if resp3 {
            r.call(&["HELLO", "3"]);
            k.call(&["HELLO", "3"]);
        }
        // Monitoring is on only around the sleep (250 ms: nothing but the
        // sleep is that slow, even in a debug build on a loaded machine),
        // then off: the reports read one sample whatever the later steps
        // take. Off, the events recorded are still reported (and reset);
        // at the end it is on again at a threshold nothing reaches.
        let steps: &[(&[&str], bool)] = &[
            (&["LATENCY", "RESET"], false),
            (
                &["CONFIG", "SET", "latency-monitor-threshold", "250"],
                false,
            ),
            (&["DEBUG", "SLEEP", "0.3"], false),
            (&["CONFIG", "SET", "latency-monitor-threshold", "0"], false),
            (&["LATENCY", "DOCTOR"], true),
            (&["LATENCY", "GRAPH", "command"], true),
            (&["LATENCY", "LATEST"], true),
            (&["LATENCY", "HISTORY", "command"], true),
            (&["LATENCY", "GRAPH", "fast-command"], false),
            (&["LATENCY", "RESET", "COMMAND"], false),
            (&["LATENCY", "DOCTOR"], false),
            (
                &["CONFIG", "SET", "latency-monitor-threshold", "1000000"],
                false,
            ),
            (&["LATENCY", "DOCTOR"], false),
            (&["CONFIG", "SET", "latency-monitor-threshold", "0"], false),
        ];
        for (args, mask) in steps {
            let theirs = r.call(args);
            let ours = k.call(args);
            let label = format!("{args:?} (RESP{})", if resp3 { 3 } else { 2 });
            if *mask {
                assert_eq!(masked(&ours), masked(&theirs), "{label}");
            } else {
                assert_eq!(escape(&ours), escape(&theirs), "{label}");
            }
        }
    }
    server.stop();
}

/// `DEBUG SLEEP` stops every shard, as it stops Redis's one thread (each
/// shard's part sleeps; the origin's once its parts left): from
/// connections on each shard, the reply comes after the whole sleep and
/// the command's own duration in the slow log is the sleep.
#[test]
fn debug_sleep_stops_every_shard_for_the_whole_sleep() {
    let server = kevy_with_debug();
    let conns = crate::util::conns_per_shard(&server, 2);
    for (shard, pair) in conns.into_iter().enumerate() {
        let [mut sleeper, mut other]: [Raw; 2] = pair.try_into().ok().expect("two connections");
        sleeper.call(&["SLOWLOG", "RESET"]);
        sleeper.call(&["CONFIG", "SET", "slowlog-log-slower-than", "100000"]);
        let t0 = std::time::Instant::now();
        assert_eq!(sleeper.call(&["DEBUG", "SLEEP", "0.3"]), b"+OK\r\n");
        assert!(t0.elapsed() >= std::time::Duration::from_millis(300));
        let slow = String::from_utf8_lossy(&other.call(&["SLOWLOG", "GET"])).into_owned();
        let micros: u64 = slow
            .lines()
            .nth(4)
            .and_then(|l| l.strip_prefix(':'))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("shard {shard}: SLOWLOG GET {slow:?}"));
        assert!(micros >= 300_000, "shard {shard}: logged {micros} µs");
        assert!(slow.contains("SLEEP"), "{slow}");
    }
    server.stop();
}

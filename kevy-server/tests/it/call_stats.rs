//! Command and error statistics (`INFO commandstats`, `INFO errorstats`)
//! against redis-server 7.0 where the counting is not a plain call:
//! connection commands queued in MULTI and run by EXEC, commands refused
//! while queueing, blocked calls that time out or are unblocked with
//! an error, and SORT refusing its BY/GET options for ACL reasons.

use crate::util::{same_as_redis, Raw, Transcript};

/// Calls, rejected and failed calls of every command (not the times), and
/// the error counts, sorted.
pub(crate) fn stats(admin: &mut Raw) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["commandstats", "errorstats"] {
        let body = String::from_utf8_lossy(&admin.call(&["INFO", section])).into_owned();
        out.extend(
            body.lines()
                .filter(|l| l.starts_with("cmdstat_") || l.starts_with("errorstat_"))
                .filter(|l| !l.starts_with("cmdstat_info:") && !l.starts_with("cmdstat_client|"))
                .map(|l| {
                    l.split(',')
                        .filter(|f| !f.contains("usec"))
                        .collect::<Vec<_>>()
                        .join(",")
                }),
        );
    }
    out.sort();
    out
}

fn session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut admin = Raw::connect(addr);
    let mut out = Transcript::default();
    out.call(&mut admin, &["CONFIG", "RESETSTAT"]);
    // A connection command inside EXEC fails: counted as its own call.
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["SET", "a", "b"]);
    out.call(&mut c, &["AUTH", "a"]);
    out.call(&mut c, &["SELECT", "1"]);
    out.call(&mut c, &["SELECT", "0"]);
    out.call(&mut c, &["EXEC"]);
    out.call(&mut c, &["EXEC"]);
    // Refused while queueing: rejected calls, and EXECABORT.
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["SET"]);
    out.call(&mut c, &["NOSUCH"]);
    out.call(&mut c, &["WATCH", "a"]);
    out.call(&mut c, &["EXEC"]);
    // A blocked call that times out, and one unblocked with an error.
    out.call(&mut c, &["BLPOP", "nolist", "0.01"]);
    let id = String::from_utf8_lossy(&c.call(&["CLIENT", "ID"]))
        .trim_start_matches(':')
        .trim()
        .to_string();
    c.send(&crate::util::encode_str(&["BLPOP", "nolist", "0"]));
    // Unblocked once it is parked (CLIENT UNBLOCK answers 0 until then).
    while admin.call(&["CLIENT", "UNBLOCK", &id, "ERROR"]) != b":1\r\n" {
        std::thread::yield_now();
    }
    let unblocked = String::from_utf8_lossy(&c.reply()).into_owned();
    out.call(&mut admin, &["PING"]);
    // SORT BY / GET refused by SORT's own ACL check (a user without every
    // key): failed calls, not rejected ones; a key the user may not touch
    // is a rejected call.
    out.call(&mut admin, &["RPUSH", "l1", "3", "1", "2"]);
    out.call(
        &mut admin,
        &["ACL", "SETUSER", "s", "on", "nopass", "+@all", "~l*"],
    );
    out.call(&mut c, &["AUTH", "s", "x"]);
    out.call(&mut c, &["SORT", "l1", "BY", "w*"]);
    out.call(&mut c, &["SORT", "l1", "GET", "#"]);
    out.call(&mut c, &["SORT_RO", "l1", "GET", "w*"]);
    out.call(&mut c, &["SORT", "l1"]);
    out.call(&mut c, &["SORT", "other"]);
    // Refused multi-shard commands: a key the user may not touch, a
    // write over maxmemory, a command in RESP2 subscribed mode.
    out.call(&mut c, &["MSET", "l1", "1", "other", "2"]);
    out.call(&mut c, &["MGET", "l1", "l2", "l3", "l4"]);
    out.call(&mut admin, &["ACL", "DELUSER", "s"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(
        &mut admin,
        &["MSET", "a", "1", "b", "2", "c", "3", "d", "4"],
    );
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    let mut sub = Raw::connect(addr);
    out.call(&mut sub, &["SUBSCRIBE", "ch"]);
    out.call(&mut sub, &["MGET", "a", "b", "c", "d"]);
    out.call(&mut sub, &["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]);
    let mut out = out.0;
    out.push(unblocked);
    out.extend(stats(&mut admin));
    out
}

#[test]
fn unusual_calls_are_counted_as_redis_counts_them() {
    let want = same_as_redis(session);
    assert!(
        want.iter()
            .any(|l| l.starts_with("errorstat_UNBLOCKED:count=1")),
        "{want:?}"
    );
}

/// Errors inside scripts: a call's error is counted once, where the call
/// ran or was refused, and the script's reply quoting it is not counted
/// again (Redis's `ignore_error_stats_update`); a script's own error is.
fn script_errors(addr: std::net::SocketAddr) -> Vec<(String, Vec<u8>, Vec<String>)> {
    let cases: &[(&str, &str, bool)] = &[
        ("oom call", "return redis.call('set','x','y')", true),
        (
            "oom pcall caught",
            "local t = redis.pcall('set','x','y') return 1",
            true,
        ),
        (
            "oom pcall returned",
            "return redis.pcall('set','x','y')",
            true,
        ),
        ("unknown call", "return redis.call('nosuch')", false),
        ("unknown pcall", "return redis.pcall('nosuch')", false),
        (
            "wrong type",
            "redis.call('set','s','v') return redis.call('lpush','s','a')",
            false,
        ),
        (
            "wrong type pcall",
            "redis.call('set','s','v') return redis.pcall('lpush','s','a')",
            false,
        ),
        ("wrong arity", "return redis.call('get')", false),
        ("no arguments", "return redis.call()", false),
        ("not from scripts", "return redis.call('multi')", false),
        ("lua error", "error('x')", false),
        ("error table", "return {err='My Error'}", false),
        ("error_reply", "return redis.error_reply('X y')", false),
        (
            "nested error",
            "return {1, redis.pcall('lpush','s','a')}",
            false,
        ),
    ];
    let mut admin = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    let mut seen = Vec::new();
    for &(name, body, oom) in cases {
        admin.call(&["FLUSHALL"]);
        admin.call(&["SET", "s", "v"]);
        admin.call(&["CONFIG", "RESETSTAT"]);
        if oom {
            admin.call(&["CONFIG", "SET", "maxmemory", "1"]);
        }
        let reply = c.call(&["EVAL", body, "2", "x", "s"]);
        if oom {
            admin.call(&["CONFIG", "SET", "maxmemory", "0"]);
        }
        let mut counts = stats(&mut admin);
        counts.retain(|l| {
            !l.starts_with("cmdstat_config")
                && !l.starts_with("cmdstat_flushall")
                && !l.starts_with("cmdstat_set:calls=1,")
        });
        seen.push((name.to_string(), reply, counts));
    }
    seen
}

#[test]
fn script_errors_are_counted_once() {
    same_as_redis(script_errors);
}

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

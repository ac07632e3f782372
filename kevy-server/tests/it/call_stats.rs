//! Command and error statistics (`INFO commandstats`, `INFO errorstats`)
//! against redis-server 7.0 where the counting is not a plain call:
//! connection commands queued in MULTI and run by EXEC, commands refused
//! while queueing, and blocked calls that time out or are unblocked with
//! an error.

use crate::util::{same_as_redis, Raw};

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
    let mut out = Vec::new();
    let mut call = |c: &mut Raw, args: &[&str]| {
        out.push(String::from_utf8_lossy(&c.call(args)).into_owned());
    };
    call(&mut admin, &["CONFIG", "RESETSTAT"]);
    // A connection command inside EXEC fails: counted as its own call.
    call(&mut c, &["MULTI"]);
    call(&mut c, &["SET", "a", "b"]);
    call(&mut c, &["AUTH", "a"]);
    call(&mut c, &["SELECT", "1"]);
    call(&mut c, &["SELECT", "0"]);
    call(&mut c, &["EXEC"]);
    call(&mut c, &["EXEC"]);
    // Refused while queueing: rejected calls, and EXECABORT.
    call(&mut c, &["MULTI"]);
    call(&mut c, &["SET"]);
    call(&mut c, &["NOSUCH"]);
    call(&mut c, &["WATCH", "a"]);
    call(&mut c, &["EXEC"]);
    // A blocked call that times out, and one unblocked with an error.
    call(&mut c, &["BLPOP", "nolist", "0.01"]);
    let id = String::from_utf8_lossy(&c.call(&["CLIENT", "ID"]))
        .trim_start_matches(':')
        .trim()
        .to_string();
    c.send(&crate::util::encode_str(&["BLPOP", "nolist", "0"]));
    // Unblocked once it is parked (CLIENT UNBLOCK answers 0 until then).
    while admin.call(&["CLIENT", "UNBLOCK", &id, "ERROR"]) != b":1\r\n" {
        std::thread::yield_now();
    }
    out.push(String::from_utf8_lossy(&c.reply()).into_owned());
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

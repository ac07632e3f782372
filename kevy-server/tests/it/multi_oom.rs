//! Queue-time `-OOM` inside MULTI over `maxmemory`, compared with
//! redis-server 7.0: every queued command is refused (not only `denyoom`
//! ones) and EXEC answers `-EXECABORT`; DISCARD and EXEC themselves run.

use crate::util::{same_as_redis, Raw, Transcript};

fn session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut admin = Raw::connect(addr);
    let mut out = Transcript::default();
    out.call(&mut c, &["DEL", "foo1{t}", "foo2{t}"]);
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["SET", "foo1{t}", "bar1"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(&mut c, &["LPUSH", "mylist{t}", "myvalue"]);
    out.call(&mut c, &["GET", "foo1{t}"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    out.call(&mut c, &["SET", "foo2{t}", "bar2"]);
    out.call(&mut c, &["EXEC"]);
    out.call(&mut c, &["EXISTS", "foo1{t}", "foo2{t}"]);
    // DISCARD still runs over the limit.
    out.call(&mut c, &["MULTI"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(&mut c, &["PING"]);
    out.call(&mut c, &["DISCARD"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    out.0
}

#[test]
fn queued_commands_are_refused_over_maxmemory() {
    let want = same_as_redis(session);
    assert!(want[4].starts_with("-OOM"), "{want:?}");
    assert!(want[8].starts_with("-EXECABORT"), "{want:?}");
}

/// Memory over the limit only at EXEC: a transaction that queued a
/// `denyoom` command is discarded with `-EXECABORT … OOM …` (one rejected
/// call of EXEC, one error reply), one with only reads runs.
fn exec_session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut admin = Raw::connect(addr);
    let mut out = Transcript::default();
    out.call(&mut admin, &["CONFIG", "RESETSTAT"]);
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["SET", "x", "1"]);
    out.call(&mut c, &["GET", "x"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(&mut c, &["EXEC"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["GET", "x"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(&mut c, &["EXEC"]);
    out.call(&mut admin, &["CONFIG", "SET", "maxmemory", "0"]);
    out.call(&mut c, &["EXISTS", "x"]);
    // EXEC's calls, rejected and failed calls, and the error counts.
    let mut out = out.0;
    out.extend(
        crate::call_stats::stats(&mut admin)
            .into_iter()
            .filter(|l| l.starts_with("cmdstat_exec:") || l.starts_with("errorstat_")),
    );
    out
}

#[test]
fn exec_of_a_denyoom_transaction_is_refused_over_maxmemory() {
    let want = same_as_redis(exec_session);
    assert!(
        want[5].starts_with("-EXECABORT") && want[5].contains("OOM"),
        "{want:?}"
    );
}

/// Memory over the limit only while EXEC runs (the transaction itself sets
/// `maxmemory`): nothing in it is refused for memory, on either shard —
/// Redis checks a transaction once, when EXEC starts.
fn inside_session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c = Raw::connect(addr);
    let mut out = Transcript::default();
    out.call(&mut c, &["DEL", "a", "b", "c", "d", "l"]);
    out.call(&mut c, &["MULTI"]);
    out.call(&mut c, &["SET", "a", "1"]);
    out.call(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    out.call(&mut c, &["SET", "b", "2"]);
    out.call(&mut c, &["MSET", "c", "1", "d", "2"]);
    out.call(&mut c, &["RPUSH", "l", "x"]);
    out.call(&mut c, &["EXEC"]);
    // Outside a transaction the limit holds again.
    out.call(&mut c, &["SET", "e", "1"]);
    out.call(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    out.call(&mut c, &["MGET", "a", "b", "c", "d"]);
    out.call(&mut c, &["DEL", "a", "b", "c", "d", "l"]);
    out.0
}

#[test]
fn nothing_inside_exec_is_refused_for_memory() {
    let want = same_as_redis(inside_session);
    assert_eq!(
        want[7], "*5\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n",
        "{want:?}"
    );
    assert!(want[8].starts_with("-OOM"), "{want:?}");
}

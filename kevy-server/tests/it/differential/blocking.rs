//! Blocking commands against redis-server 7.0, in RESP2 and RESP3: BLPOP,
//! BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP — served
//! at once, timing out (short timeouts), their argument and timeout errors,
//! WRONGTYPE, their non-blocking form inside MULTI, CLIENT UNBLOCK's
//! errors; then scripted scenarios over several connections (a client
//! parked while others write, hang-ups, CLIENT UNBLOCK, a key type change
//! while parked), whose every reply is compared.
//!
//! With two shards, `a` lives on shard 1 and `b` on shard 0, so the
//! multi-key calls span both.

use std::time::Duration;

use super::{run_family, Pair, Proto, Seq};
use crate::util::{escape, Raw};

pub const SEQUENCES: &[Seq] = &[
    // served at once, leftmost non-empty key first
    &[
        &["RPUSH", "b", "1", "2"],
        &["RPUSH", "a", "3"],
        &["BLPOP", "nokey", "a", "b", "0"],
        &["BLPOP", "nokey", "a", "b", "0"],
        &["BRPOP", "b", "0.5"],
        &["EXISTS", "a", "b"],
        &["RPUSH", "l", "x", "y", "z"],
        &["BRPOPLPUSH", "l", "a", "0"],
        &["BLMOVE", "l", "b", "LEFT", "RIGHT", "0"],
        &["BLMOVE", "l", "l", "RIGHT", "LEFT", "0"],
        &["LRANGE", "a", "0", "-1"],
        &["LRANGE", "b", "0", "-1"],
        &["LRANGE", "l", "0", "-1"],
        &["RPUSH", "m", "1", "2", "3", "4"],
        &["BLMPOP", "0", "2", "nokey", "m", "LEFT", "COUNT", "3"],
        &["BLMPOP", "0", "2", "nokey", "m", "RIGHT"],
        &["ZADD", "z", "1", "one", "2.5", "two", "3", "three"],
        &["BZPOPMIN", "nokey", "z", "0"],
        &["BZPOPMAX", "z", "0"],
        &["ZADD", "z", "4", "four", "5", "five"],
        &["BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "2"],
        &["BZMPOP", "1", "1", "z", "MAX"],
        &["EXISTS", "z", "m"],
    ],
    // timeouts (short ones)
    &[
        &["BLPOP", "nokey", "0.01"],
        &["BRPOP", "nokey", "other", "0.01"],
        &["BRPOPLPUSH", "nokey", "dst", "0.01"],
        &["BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.01"],
        &["BLMPOP", "0.01", "1", "nokey", "LEFT"],
        &["BZPOPMIN", "nokey", "0.01"],
        &["BZPOPMAX", "nokey", "0.01"],
        &["BZMPOP", "0.01", "1", "nokey", "MAX", "COUNT", "2"],
        &["EXISTS", "dst"],
    ],
    // timeout and argument errors
    &[
        &["BLPOP", "k", "-1"],
        &["BLPOP", "k", "abc"],
        &["BLPOP", "k", "nan"],
        &["BLPOP", "k", " 1"],
        &["BLPOP", "k", "1e20"],
        &["BLPOP", "k", "inf"],
        &["BLPOP", "k", ""],
        &["BRPOP", "k"],
        &["BRPOPLPUSH", "k", "d", "-0.5"],
        &["BLMOVE", "k", "d", "UP", "LEFT", "-1"],
        &["BLMOVE", "k", "d", "LEFT", "LEFT", "x"],
        &["BLMPOP", "-1", "1", "k", "LEFT"],
        &["BLMPOP", "0", "0", "k", "LEFT"],
        &["BLMPOP", "0", "1", "k", "UP"],
        &["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"],
        &["BLMPOP", "x", "1", "k"],
        &["BZPOPMIN", "k", "-2"],
        &["BZMPOP", "-1", "1", "k", "MIN"],
        &["BZMPOP", "0", "1", "k", "UP"],
        &["BZMPOP", "0", "x", "k", "MIN"],
        &["BZMPOP", "0", "1", "k", "MIN", "COUNT", "-1"],
    ],
    // WRONGTYPE on the first attempt
    &[
        &["SET", "s", "x"],
        &["BLPOP", "nokey", "s", "0"],
        &["BRPOP", "s", "nokey", "0"],
        &["BZPOPMIN", "s", "0"],
        &["BLMPOP", "0", "2", "nokey", "s", "LEFT"],
        &["BZMPOP", "0", "1", "s", "MIN"],
        &["BRPOPLPUSH", "s", "d", "0"],
        &["RPUSH", "l", "v"],
        &["BLMOVE", "l", "s", "LEFT", "LEFT", "0"],
        &["LRANGE", "l", "0", "-1"],
        &["ZADD", "z", "1", "m"],
        &["BLPOP", "z", "0"],
    ],
    // inside MULTI nothing blocks
    &[
        &["MULTI"],
        &["BLPOP", "nokey", "0"],
        &["BRPOP", "nokey", "0"],
        &["BRPOPLPUSH", "nokey", "d", "0"],
        &["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "nokey", "LEFT"],
        &["BZPOPMIN", "nokey", "0"],
        &["BZMPOP", "0", "1", "nokey", "MIN"],
        &["RPUSH", "a", "1"],
        &["BLPOP", "a", "0"],
        &["EXEC"],
        &["RPUSH", "q", "1", "2"],
        &["MULTI"],
        &["BLPOP", "q", "0"],
        &["BRPOP", "q", "0"],
        &["BLPOP", "q", "0"],
        &["EXEC"],
    ],
    // inside MULTI with keys on both shards: the leftmost existing key
    // serves, else a null reply at once
    &[
        &["RPUSH", "b", "1", "2", "3"],
        &["ZADD", "a", "1", "m", "2", "n"],
        &["MULTI"],
        &["BLPOP", "a2", "nokey", "b", "0"],
        &["BRPOP", "nokey", "b", "a2", "0"],
        &["BLPOP", "b", "a", "0"],
        &["BRPOP", "a", "b", "0"],
        &["BZPOPMIN", "b2", "nokey", "a", "0"],
        &["BZPOPMAX", "a", "b", "0"],
        &["BZPOPMIN", "b", "a", "0"],
        &["BZPOPMAX", "nokey", "a", "b2", "0"],
        &[
            "BLMPOP", "0", "3", "nokey", "a2", "b", "RIGHT", "COUNT", "5",
        ],
        &["BZMPOP", "0", "2", "b", "a", "MIN"],
        &["BLPOP", "a", "b", "a2", "0"],
        &["EXEC"],
        &["RPUSH", "b", "x", "y"],
        &["SELECT", "1"],
        &["RPUSH", "a", "z"],
        &["SELECT", "0"],
        &["MULTI"],
        &["BLMOVE", "b", "a", "LEFT", "RIGHT", "0"],
        &["BRPOPLPUSH", "b", "a", "0"],
        &["BRPOPLPUSH", "b", "a", "0"],
        &["BLMOVE", "nokey", "a", "LEFT", "RIGHT", "0"],
        &["SELECT", "1"],
        &["BLPOP", "b", "a", "0"],
        &["BLPOP", "b", "a", "0"],
        &["EXEC"],
        &["LRANGE", "a", "0", "-1"],
        &["EXISTS", "a", "b"],
    ],
    // CLIENT UNBLOCK's errors and misses
    &[
        &["CLIENT", "UNBLOCK", "999999"],
        &["CLIENT", "UNBLOCK", "999999", "ERROR"],
        &["CLIENT", "UNBLOCK", "999999", "MAYBE"],
        &["CLIENT", "UNBLOCK", "x"],
        &["CLIENT", "UNBLOCK"],
    ],
];

#[test]
fn blocking() {
    run_family("blocking", SEQUENCES);
}

/// One step of a scenario over several connections.
#[derive(Clone, Copy, Debug)]
pub(super) enum Step {
    /// Send on connection `n` and wait for the reply.
    Call(usize, &'static [&'static str]),
    /// Send a blocking command on connection `n` and wait until the server
    /// counts `blocked` blocked clients (its reply is read later).
    Park(usize, &'static [&'static str], u64),
    /// Read the reply connection `n` owes.
    Reply(usize),
    /// Connection `n` hangs up; wait until `blocked` clients are blocked.
    HangUp(usize, u64),
    /// CLIENT UNBLOCK connection `n`'s id, with this reason, from connection 0.
    Unblock(usize, &'static str),
}

pub(super) use Step::*;

/// Scenarios: connection 0 writes, the others park.
const SCENARIOS: &[&[Step]] = &[
    // a push wakes the waiter; the leftmost ready key serves a multi-key one
    &[
        Park(1, &["BLPOP", "a", "b", "0"], 1),
        Call(0, &["RPUSH", "b", "x"]),
        Reply(1),
        Call(0, &["LRANGE", "b", "0", "-1"]),
        Park(1, &["BRPOP", "a", "b", "c", "0"], 1),
        Call(0, &["MULTI"]),
        Call(0, &["RPUSH", "c", "1"]),
        Call(0, &["RPUSH", "a", "2"]),
        Call(0, &["EXEC"]),
        Reply(1),
        Call(0, &["LRANGE", "a", "0", "-1"]),
        Call(0, &["LRANGE", "c", "0", "-1"]),
    ],
    // waiters on one key are served in order; one push serves as many as it can
    &[
        Park(1, &["BLPOP", "q", "0"], 1),
        Park(2, &["BLPOP", "q", "0"], 2),
        Park(3, &["BLPOP", "q", "0"], 3),
        Call(0, &["RPUSH", "q", "1", "2"]),
        Reply(1),
        Reply(2),
        Call(0, &["INFO", "nosuchsection"]),
        Call(0, &["RPUSH", "q", "3"]),
        Reply(3),
        Call(0, &["EXISTS", "q"]),
    ],
    // BLMOVE feeding another waiter; BRPOPLPUSH
    &[
        Park(1, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"], 1),
        Park(2, &["BLPOP", "b", "0"], 2),
        Call(0, &["RPUSH", "a", "v"]),
        Reply(1),
        Reply(2),
        Call(0, &["EXISTS", "a", "b"]),
        Park(1, &["BRPOPLPUSH", "src", "b", "0"], 1),
        Call(0, &["LPUSH", "src", "w"]),
        Reply(1),
        Call(0, &["LRANGE", "b", "0", "-1"]),
    ],
    // sorted sets, BLMPOP and BZMPOP counts
    &[
        Park(1, &["BZPOPMIN", "z", "0"], 1),
        Park(2, &["BZMPOP", "0", "2", "y", "z", "MAX", "COUNT", "5"], 2),
        Call(0, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]),
        Reply(1),
        Reply(2),
        Park(1, &["BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "2"], 1),
        Call(0, &["RPUSH", "l", "1", "2", "3"]),
        Reply(1),
        Call(0, &["LRANGE", "l", "0", "-1"]),
    ],
    // a key of another type: the waiter stays; then a list serves it
    &[
        Park(1, &["BLPOP", "k", "0"], 1),
        Call(0, &["SET", "k", "str"]),
        Call(0, &["DEL", "k"]),
        Call(0, &["ZADD", "k", "1", "m"]),
        Call(0, &["INFO", "nosuchsection"]),
        Call(0, &["DEL", "k"]),
        Call(0, &["RPUSH", "k", "v"]),
        Reply(1),
        Park(1, &["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"], 1),
        Call(0, &["SET", "dst", "str"]),
        Call(0, &["RPUSH", "src", "e"]),
        Reply(1),
        Call(0, &["LRANGE", "src", "0", "-1"]),
    ],
    // a waiter that hangs up takes nothing; CLIENT UNBLOCK TIMEOUT / ERROR
    &[
        Park(1, &["BLPOP", "h", "0"], 1),
        Park(2, &["BLPOP", "h", "0"], 2),
        HangUp(1, 1),
        Call(0, &["RPUSH", "h", "1"]),
        Reply(2),
        Park(2, &["BRPOP", "u", "0"], 1),
        Unblock(2, "TIMEOUT"),
        Reply(2),
        Park(2, &["BLMOVE", "u", "v", "LEFT", "LEFT", "0"], 1),
        Unblock(2, "TIMEOUT"),
        Reply(2),
        Park(2, &["BZMPOP", "0", "1", "u", "MIN"], 1),
        Unblock(2, "ERROR"),
        Reply(2),
        Call(0, &["RPUSH", "u", "1"]),
        Call(0, &["LLEN", "u"]),
    ],
    // a serve is a write: it breaks a WATCH on a move's destination and
    // emits the pop's keyspace events (then `del` for an emptied key)
    &[
        Call(0, &["WATCH", "dst"]),
        Park(1, &["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"], 1),
        Call(2, &["RPUSH", "src", "v"]),
        Reply(1),
        Call(0, &["MULTI"]),
        Call(0, &["SET", "dst", "x"]),
        Call(0, &["EXEC"]),
        Call(0, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]),
        Call(3, &["PSUBSCRIBE", "__keyevent@0__:*"]),
        Park(1, &["BLPOP", "q", "0"], 1),
        Call(2, &["RPUSH", "q", "a"]),
        Reply(1),
        Reply(3),
        Reply(3),
        Reply(3),
        Park(1, &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"], 1),
        Call(2, &["ZADD", "z", "1", "m"]),
        Reply(1),
        Reply(3),
        Reply(3),
        Reply(3),
        // the non-blocking form inside MULTI names the same events (keys
        // of one shard: a cross-shard move's events are the move's)
        Call(0, &["RPUSH", "{q}x", "a", "b"]),
        Call(0, &["MULTI"]),
        Call(0, &["BLPOP", "{q}x", "0"]),
        Call(0, &["BRPOPLPUSH", "{q}x", "{q}d", "0"]),
        Call(0, &["BZPOPMIN", "{q}x", "0"]),
        Call(0, &["EXEC"]),
        Reply(3),
        Reply(3),
        Reply(3),
        Reply(3),
        Reply(3),
        Call(0, &["CONFIG", "SET", "notify-keyspace-events", ""]),
    ],
    // streams: XREAD BLOCK on both shards woken by XADD, `$` and IDs
    &[
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Park(
            1,
            &["XREAD", "BLOCK", "0", "STREAMS", "s", "h", "$", "$"],
            1,
        ),
        Call(0, &["XADD", "h", "5-0", "a", "b"]),
        Reply(1),
        Park(
            1,
            &[
                "XREAD", "BLOCK", "0", "COUNT", "1", "STREAMS", "s", "h", "1-0", "9-0",
            ],
            1,
        ),
        Call(0, &["XADD", "h", "6-0", "a", "b"]),
        Call(0, &["XADD", "s", "2-0", "f", "w"]),
        Reply(1),
        Call(0, &["XREAD", "BLOCK", "0", "STREAMS", "s", "h", "0", "0"]),
    ],
    // streams: XREADGROUP BLOCK readers served in turn, then their group goes
    &[
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(
            1,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        ),
        Park(
            2,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c2",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            2,
        ),
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Reply(1),
        Call(0, &["XADD", "s", "2-0", "f", "w"]),
        Reply(2),
        Call(0, &["XPENDING", "s", "g"]),
        Park(
            1,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c1",
                "BLOCK",
                "0",
                "NOACK",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        ),
        Call(0, &["XGROUP", "DESTROY", "s", "g"]),
        Reply(1),
    ],
    // streams: a reader that hangs up takes nothing; unblocked readers
    &[
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(
            1,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        ),
        HangUp(1, 0),
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Call(0, &["XPENDING", "s", "g"]),
        Call(0, &["XREADGROUP", "GROUP", "g", "c0", "STREAMS", "s", ">"]),
        Park(2, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], 1),
        Unblock(2, "TIMEOUT"),
        Reply(2),
        Park(
            2,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c2",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        ),
        Unblock(2, "ERROR"),
        Reply(2),
        Call(0, &["XREAD", "BLOCK", "10", "STREAMS", "s", "$"]),
        Call(0, &["MULTI"]),
        Call(0, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]),
        Call(
            0,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c3",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
        ),
        Call(0, &["EXEC"]),
        Call(0, &["XINFO", "GROUPS", "s"]),
    ],
];

/// Waiters on one key name in different databases: a write in one
/// database serves only its own waiters; SWAPDB and MOVE serve by the
/// keys they bring.
const DATABASES: &[Step] = &[
    Call(1, &["SELECT", "1"]),
    Park(1, &["BLPOP", "k", "0"], 1),
    Park(2, &["BRPOP", "k", "other", "0"], 2),
    Call(0, &["RPUSH", "k", "a", "b"]),
    Reply(2),
    Call(0, &["LRANGE", "k", "0", "-1"]),
    Call(0, &["SELECT", "1"]),
    Call(0, &["RPUSH", "k", "c"]),
    Reply(1),
    Call(0, &["EXISTS", "k"]),
    Call(2, &["SELECT", "2"]),
    Park(2, &["BLPOP", "k", "0"], 1),
    Call(0, &["SWAPDB", "0", "2"]),
    Reply(2),
    Call(0, &["SELECT", "0"]),
    Call(0, &["EXISTS", "k"]),
    Park(3, &["BLPOP", "m", "0"], 1),
    Call(0, &["SELECT", "1"]),
    Call(0, &["RPUSH", "m", "z"]),
    Call(0, &["MOVE", "m", "0"]),
    Reply(3),
];

/// How many clients the server counts as blocked.
fn blocked(c: &mut Raw) -> u64 {
    let info = c.call(&["INFO", "clients"]);
    let text = String::from_utf8_lossy(&info);
    text.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits until `c`'s server counts `n` blocked clients (failing after a
/// minute, as a reply that never comes does: a loaded machine may take
/// seconds).
fn wait_blocked(c: &mut Raw, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut last = 0;
    while std::time::Instant::now() < deadline {
        last = blocked(c);
        if last == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the server never counted {n} blocked clients (last {last})");
}

/// Runs one scenario on one server; returns every reply in step order.
pub(super) fn run_scenario(pair: &Pair, proto: Proto, steps: &[Step], redis: bool) -> Vec<String> {
    let mut conns: Vec<Raw> = (0..4)
        .map(|_| {
            let (r, k) = pair.connect_in(proto);
            if redis {
                r
            } else {
                k
            }
        })
        .collect();
    conns[0].call(&["FLUSHALL"]);
    let ids: Vec<String> = conns
        .iter_mut()
        .map(|c| String::from_utf8_lossy(&c.call(&["CLIENT", "ID"])).trim()[1..].to_string())
        .collect();
    let mut seen = Vec::new();
    for step in steps {
        match *step {
            Call(n, args) => seen.push(escape(&conns[n].call(args))),
            Park(n, args, count) => {
                let bytes = crate::util::encode_str(args);
                conns[n].send(&bytes);
                if blocked(&mut conns[0]) != count {
                    std::thread::sleep(Duration::from_millis(50));
                    if let Some(r) = conns[n].reply_within(Duration::from_millis(100)) {
                        panic!("{args:?} answered at once: {}", escape(&r));
                    }
                }
                wait_blocked(&mut conns[0], count);
            }
            Reply(n) => seen.push(escape(&conns[n].reply())),
            HangUp(n, count) => {
                let c = std::mem::replace(&mut conns[n], {
                    let (r, k) = pair.connect_in(proto);
                    if redis {
                        r
                    } else {
                        k
                    }
                });
                drop(c.into_stream());
                wait_blocked(&mut conns[0], count);
            }
            Unblock(n, why) => {
                let id = ids[n].as_str();
                seen.push(escape(&conns[0].call(&["CLIENT", "UNBLOCK", id, why])));
            }
        }
    }
    seen
}

#[test]
fn blocking_scenarios() {
    let pair = Pair::start();
    let mut failures = Vec::new();
    for proto in [Proto::Resp2, Proto::Resp3] {
        for (i, steps) in SCENARIOS.iter().chain([&DATABASES]).enumerate() {
            let r = run_scenario(&pair, proto, steps, true);
            let k = run_scenario(&pair, proto, steps, false);
            if r != k {
                failures.push(format!(
                    "[blocking scenario {proto:?} #{i}]\n  redis: {r:?}\n  kevy:  {k:?}"
                ));
            }
        }
    }
    println!(
        "differential blocking scenarios: {} (RESP2 and RESP3), {} differ",
        (SCENARIOS.len() + 1) * 2,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

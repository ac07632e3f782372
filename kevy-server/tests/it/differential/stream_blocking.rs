//! Blocking stream reads against redis-server 7.0, in RESP2 and RESP3,
//! over several connections (the scenario steps of `blocking`): parked
//! XREADGROUP readers answered when their stream is deleted, replaced by
//! another type, flushed, renamed, swapped away or expired (`-UNBLOCKED`)
//! or comes back without their group (`-NOGROUP`), while XREAD readers
//! keep waiting; a first attempt over streams on both shards served from every
//! stream with data in one reply; the 1,000-entry cap of a parked read
//! without COUNT; and the keyspace events of XADD's trim and of consumers
//! that reads and claims create.
//!
//! With two shards, `h` lives on shard 1, `s` on shard 0.

use super::blocking::{run_scenario, Step, Step::*};
use super::{Pair, Proto};

const RG_S: &[&str] = &[
    "XREADGROUP",
    "GROUP",
    "g",
    "c1",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
];
const RG_S2: &[&str] = &[
    "XREADGROUP",
    "GROUP",
    "g",
    "c2",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
];
const RG_SH: &[&str] = &[
    "XREADGROUP",
    "GROUP",
    "g",
    "c1",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    "h",
    ">",
    ">",
];
const XR_S: &[&str] = &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"];

/// Adds 1,005 entries with explicit IDs to `KEYS[1]` in one command.
const ADD_1005: &[&str] = &[
    "EVAL",
    "for i = 1, 1005 do redis.call('XADD', KEYS[1], i .. '-0', 'f', i) end",
    "1",
    "s",
];

const SCENARIOS: &[&[Step]] = &[
    // the same in another database (a deleted stream signalled its
    // readers in database 0 only)
    &[
        Call(0, &["SELECT", "9"]),
        Call(1, &["SELECT", "9"]),
        Call(2, &["SELECT", "9"]),
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Park(2, XR_S, 2),
        Call(0, &["DEL", "s"]),
        Reply(1),
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Reply(2),
        Call(0, &["SELECT", "0"]),
        Call(0, &["EXISTS", "s"]),
        Call(0, &["SELECT", "9"]),
        Call(0, &["FLUSHDB"]),
    ],
    // a deleted stream answers its group readers, not its XREAD readers
    &[
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Park(2, RG_S2, 2),
        Park(3, XR_S, 3),
        Call(0, &["DEL", "s"]),
        Reply(1),
        Reply(2),
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Reply(3),
        Call(0, &["EXISTS", "s"]),
    ],
    // replaced by another type, flushed, renamed, swapped away; back
    // without the group; one stream of two on the other shard deleted
    &[
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Call(0, &["SET", "s", "str"]),
        Reply(1),
        Call(0, &["DEL", "s"]),
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Call(0, &["FLUSHALL"]),
        Reply(1),
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Call(0, &["RENAME", "s", "h"]),
        Reply(1),
        Call(0, &["RENAME", "h", "s"]),
        Park(1, RG_S, 1),
        Call(0, &["SWAPDB", "0", "1"]),
        Reply(1),
        Call(0, &["SWAPDB", "0", "1"]),
        Park(1, RG_S, 1),
        Call(0, &["MULTI"]),
        Call(0, &["DEL", "s"]),
        Call(0, &["XADD", "s", "1-0", "f", "v"]),
        Call(0, &["EXEC"]),
        Reply(1),
        Call(0, &["XGROUP", "CREATE", "s", "g", "$"]),
        Call(0, &["XGROUP", "CREATE", "h", "g", "$", "MKSTREAM"]),
        Park(1, RG_SH, 1),
        Call(0, &["DEL", "h"]),
        Reply(1),
        Call(0, &["XINFO", "GROUPS", "s"]),
        // expired (the active expiry deletes it while nobody looks)
        Park(1, RG_S, 1),
        Call(0, &["PEXPIRE", "s", "100"]),
        Reply(1),
        Call(0, &["EXISTS", "s"]),
    ],
    // a first attempt over both shards serves every stream with data
    &[
        Call(0, &["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]),
        Call(0, &["XGROUP", "CREATE", "h", "g", "$", "MKSTREAM"]),
        Call(0, &["XADD", "s", "1-0", "f", "s1"]),
        Call(0, &["XADD", "h", "1-0", "f", "h1"]),
        Call(1, RG_SH),
        Call(0, &["XADD", "h", "2-0", "f", "h2"]),
        Call(1, RG_SH),
        Call(1, &["XREAD", "BLOCK", "0", "STREAMS", "s", "h", "0", "0"]),
        Park(1, RG_SH, 1),
        Call(0, &["XADD", "s", "2-0", "f", "s2"]),
        Reply(1),
        Call(0, &["XPENDING", "s", "g"]),
        Call(0, &["XPENDING", "h", "g"]),
    ],
    // a parked read without COUNT takes 1,000 entries; at once, all
    &[
        Park(1, XR_S, 1),
        Call(0, ADD_1005),
        Reply(1),
        Call(0, &["XGROUP", "CREATE", "s", "g", "$"]),
        Park(1, RG_S, 1),
        Call(0, &["DEL", "s"]),
        Reply(1),
        Call(0, &["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]),
        Park(1, RG_S, 1),
        Call(0, ADD_1005),
        Reply(1),
        Call(0, &["XPENDING", "s", "g"]),
        Call(0, &["XGROUP", "SETID", "s", "g", "0"]),
        Call(
            2,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c9",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
        ),
        Call(0, &["XPENDING", "s", "g"]),
    ],
    // keyspace events: XADD's trim after its "xadd", consumers created by
    // reads (served at once or parked), XCLAIM and XAUTOCLAIM
    &[
        Call(0, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]),
        Call(3, &["PSUBSCRIBE", "__keyevent@0__:*"]),
        Call(0, &["XADD", "s", "MAXLEN", "0", "1-0", "f", "v"]),
        Reply(3),
        Reply(3),
        Call(0, &["XADD", "s", "MAXLEN", "2", "2-0", "f", "v"]),
        Reply(3),
        Call(0, &["XADD", "s", "MINID", "3-0", "3-0", "f", "v"]),
        Reply(3),
        Reply(3),
        Call(0, &["XADD", "s", "MAXLEN", "~", "1", "4-0", "f", "v"]),
        Reply(3),
        Call(0, &["XGROUP", "CREATE", "s", "g", "0"]),
        Reply(3),
        Call(0, &["XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"]),
        Reply(3),
        Call(0, &["XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0"]),
        Call(0, &["XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", "0"]),
        Reply(3),
        Call(0, &["XCLAIM", "s", "g", "c", "0", "3-0"]),
        Reply(3),
        Call(0, &["XCLAIM", "s", "g", "d", "999999999", "3-0"]),
        Call(0, &["XAUTOCLAIM", "s", "g", "e", "0", "0"]),
        Reply(3),
        Call(0, &["XGROUP", "CREATECONSUMER", "s", "g", "f"]),
        Reply(3),
        Park(
            1,
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "p",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        ),
        Call(0, &["XADD", "s", "5-0", "f", "v"]),
        Reply(1),
        Reply(3),
        Reply(3),
        Call(0, &["CONFIG", "SET", "notify-keyspace-events", ""]),
    ],
];

#[test]
fn stream_blocking_scenarios() {
    let pair = Pair::start();
    let mut failures = Vec::new();
    for proto in [Proto::Resp2, Proto::Resp3] {
        for (i, steps) in SCENARIOS.iter().enumerate() {
            let r = run_scenario(&pair, proto, steps, true);
            let k = run_scenario(&pair, proto, steps, false);
            if r != k {
                failures.push(format!(
                    "[stream blocking scenario {proto:?} #{i}]\n  redis: {r:?}\n  kevy:  {k:?}"
                ));
            }
        }
    }
    println!(
        "differential stream blocking scenarios: {} (RESP2 and RESP3), {} differ",
        SCENARIOS.len() * 2,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

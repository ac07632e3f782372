//! Strings: SET with every option combination (and invalid ones), GETEX,
//! GETDEL, APPEND, SETRANGE and GETRANGE at edge offsets, counters at the
//! 64-bit limits, INCRBYFLOAT's formatting, LCS.

use super::{cmd, other_type, with, Cmd, Gen, FLOATS};

const KEYS: &[&str] = &["s0", "s1", "s2", "s3", "s4", "s5"];
const VALUES: &[&str] = &[
    "",
    "a",
    "ab",
    "abc",
    "ohmytext",
    "mynewtext",
    "0",
    "1",
    "-1",
    "10",
    "3.5",
    "1e2",
    "007",
    "9223372036854775807",
    "-9223372036854775808",
    "inf",
    " 2",
    "nan",
];
const OFFSETS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "-1",
    "-2",
    "-3",
    "-5",
    "-100",
    "100",
    "9223372036854775807",
    "-9223372036854775808",
    "x",
];
/// Expirations, none short enough to pass during a run: times to live (in
/// seconds or milliseconds), Unix times past or future, out of range or not numbers.
const TIMES: &[&str] = &[
    "100000",
    "1000000000",
    "0",
    "-1",
    "x",
    "4102444800",
    "4102444800000",
    "9223372036854775807",
    "9223372036854775806",
    "1.5",
];

fn value(g: &mut Gen) -> String {
    if g.one_in(30) {
        "v".repeat(g.below(80))
    } else {
        g.pick(VALUES)
    }
}

/// A random SET option list: flags, expirations, sometimes contradicting.
fn set_options(g: &mut Gen) -> Vec<String> {
    let mut o = Vec::new();
    for _ in 0..g.below(4) {
        match g.below(9) {
            0 => o.push("NX".into()),
            1 => o.push("XX".into()),
            2 => o.push("GET".into()),
            3 => o.push("KEEPTTL".into()),
            4 => o.push(g.pick(&["nx", "get", "keepttl", "Xx"])),
            _ => {
                o.push(g.pick(&["EX", "PX", "EXAT", "PXAT", "ex"]));
                if !g.one_in(10) {
                    o.push(g.pick(TIMES));
                }
            }
        }
    }
    o
}

fn one(g: &mut Gen) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let c: Cmd = match g.below(42) {
        0..=3 => {
            let mut c = with("SET", [k, value(g)]);
            c.extend(set_options(g));
            c
        }
        4 => with("SETNX", [k, value(g)]),
        5 => with(
            g.pick(&["SETEX", "PSETEX"]).as_str(),
            [k, g.pick(TIMES), value(g)],
        ),
        6 | 7 => with("GET", [k]),
        8 => with("GETDEL", [k]),
        9 => {
            let mut c = with("GETEX", [k]);
            match g.below(4) {
                0 => {}
                1 => c.push(g.pick(&["PERSIST", "persist"])),
                _ => {
                    c.push(g.pick(&["EX", "PX", "EXAT", "PXAT", "KEEPTTL"]));
                    c.push(g.pick(TIMES));
                    if g.one_in(4) {
                        c.push(g.pick(&["PERSIST", "EX", "100"]));
                    }
                }
            }
            c
        }
        10 => with("GETSET", [k, value(g)]),
        11..=13 => with("APPEND", [k, value(g)]),
        14 => with("STRLEN", [k]),
        15..=17 => {
            let off = match g.below(6) {
                // Past 512 MB with any value (not at it: a 512 MB string
                // takes seconds to build and compare).
                0 => g.pick(&["536870912", "536870913", "-1", "9223372036854775807", "x"]),
                _ => g.below(12).to_string(),
            };
            with("SETRANGE", [k, off, value(g)])
        }
        18..=20 => with(
            g.pick(&["GETRANGE", "SUBSTR"]).as_str(),
            [k, g.pick(OFFSETS), g.pick(OFFSETS)],
        ),
        21 => with(g.pick(&["INCR", "DECR"]).as_str(), [k]),
        22 | 23 => with(g.pick(&["INCRBY", "DECRBY"]).as_str(), [k, g.int()]),
        24..=26 => with("INCRBYFLOAT", [k, g.pick(FLOATS)]),
        27 => with("SET", [k, g.pick(FLOATS)]),
        28 | 29 => {
            let mut c = with("LCS", [k, k2]);
            match g.below(5) {
                0 => c.push("LEN".into()),
                1 | 2 => {
                    c.push("IDX".into());
                    if g.one_in(2) {
                        c.extend(["MINMATCHLEN".into(), g.pick(&["0", "1", "2", "3", "-1"])]);
                    }
                    if g.one_in(2) {
                        c.push("WITHMATCHLEN".into());
                    }
                }
                3 => c.extend(cmd(&["LEN", "IDX"])),
                _ => {}
            }
            c
        }
        30 => with(g.pick(&["TTL", "PTTL"]).as_str(), [k]),
        31 => with("PERSIST", [k]),
        32 => with("EXPIRE", [k, g.pick(&["100000", "0", "-5", "x"])]),
        33 => with("EXISTS", [k, k2]),
        34 => with("DEL", [k]),
        35 => with("TYPE", [k]),
        // Not REFCOUNT: a small integer COPY made is shared in kevy, not
        // in Redis (a documented difference, limits.rs).
        36 => with("OBJECT", ["ENCODING".into(), k]),
        37 => other_type(g, &k),
        38 => with("MSETNX", [k, value(g), k2, value(g)]),
        39 => with("COPY", [k, k2, "REPLACE".into()]),
        40 => with("SETBIT", [k, g.below(400).to_string(), "1".into()]),
        _ => with(
            "SET",
            [k, g.pick(&["12345", "-42", "99999999999999999999", "1e10"])],
        ),
    };
    g.push(c);
}

/// One seeded sequence, ending with every key's value.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    Gen::sequence(
        seed,
        one,
        KEYS,
        |k| [cmd(&["GET", k]), cmd(&["TYPE", k])],
        &[],
    )
}

//! Hashes: HSET/HMSET/HSETNX, HINCRBY at the 64-bit limits, HINCRBYFLOAT's
//! formatting and errors, HRANDFIELD with every kind of count (compared by
//! shape), HSTRLEN, HDEL until the key goes, encodings past the listpack
//! limits.

use super::{cmd, other_type, with, Cmd, Gen, FLOATS};

const KEYS: &[&str] = &["h0", "h1", "h2", "h3"];
const FIELDS: &[&str] = &["f", "g", "a", "1", "", "n", "fl", "big"];
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "abc",
    "",
    "3.5",
    "10.50",
    "1e2",
    "9223372036854775807",
    "-9223372036854775808",
    "007",
    " 3",
    "inf",
];

fn value(g: &mut Gen) -> String {
    if g.one_in(30) {
        "v".repeat(65)
    } else {
        g.pick(VALUES)
    }
}

fn field(g: &mut Gen) -> String {
    if g.one_in(40) {
        format!("long{}", "f".repeat(64))
    } else {
        g.pick(FIELDS)
    }
}

fn one(g: &mut Gen) {
    let k = g.pick(KEYS);
    let c: Cmd = match g.below(34) {
        // Limits moving under existing hashes (reset at the end).
        32 => with(
            "CONFIG",
            [
                "SET".into(),
                "hash-max-listpack-entries".into(),
                g.pick(&["2", "4", "128"]),
            ],
        ),
        33 => with(
            "CONFIG",
            [
                "SET".into(),
                "hash-max-listpack-value".into(),
                g.pick(&["4", "64"]),
            ],
        ),
        0..=3 => {
            let mut c = with(g.pick(&["HSET", "HSET", "HMSET"]).as_str(), [k]);
            for _ in 0..1 + g.below(3) {
                c.push(field(g));
                c.push(value(g));
            }
            c
        }
        4 => {
            // Past the listpack's 128 entries.
            let mut c = with("HSET", [k]);
            for i in 0..130 {
                c.push(format!("m{i}"));
                c.push(i.to_string());
            }
            c
        }
        5 | 6 => with("HSETNX", [k, field(g), value(g)]),
        7 | 8 => with("HGET", [k, field(g)]),
        9 => with("HMGET", [k, field(g), field(g), field(g)]),
        10 | 11 => with("HDEL", [k, field(g), field(g)]),
        12 => with(g.pick(&["HLEN", "HKEYS", "HVALS", "HGETALL"]).as_str(), [k]),
        13..=15 => with("HINCRBY", [k, field(g), g.int()]),
        16..=19 => with("HINCRBYFLOAT", [k, field(g), g.pick(FLOATS)]),
        20 => with("HSET", [k, field(g), g.pick(FLOATS)]),
        21 => with("HEXISTS", [k, field(g)]),
        22 => with("HSTRLEN", [k, field(g)]),
        23 | 24 => {
            let mut c = with("HRANDFIELD", [k]);
            if !g.one_in(4) {
                c.push(g.pick(&[
                    "0",
                    "1",
                    "2",
                    "5",
                    "-1",
                    "-3",
                    "-10",
                    "200",
                    "x",
                    "-9223372036854775808",
                    "9223372036854775807",
                ]));
                if g.one_in(2) {
                    c.push(g.pick(&["WITHVALUES", "withvalues", "WITHSCORES"]));
                }
            }
            c
        }
        // As it is: a scan cut short stops at a cursor of its own.
        25 => {
            return g.exact(with(
                "HSCAN",
                [k, "0".into(), "COUNT".into(), "1000".into()],
            ))
        }
        26 => with("OBJECT", ["ENCODING".into(), k]),
        27 => other_type(g, &k),
        28 => with("DEL", [k]),
        29 => with("TYPE", [k]),
        _ => with("HGETALL", [k]),
    };
    g.push(c);
}

/// One seeded sequence, ending with every key's contents.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    Gen::sequence(
        seed,
        one,
        KEYS,
        |k| [cmd(&["HGETALL", k]), cmd(&["OBJECT", "ENCODING", k])],
        &[
            &["CONFIG", "SET", "hash-max-listpack-entries", "128"],
            &["CONFIG", "SET", "hash-max-listpack-value", "64"],
        ],
    )
}

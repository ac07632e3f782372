//! Sets: integer sets converting to hash tables (by a string member or by
//! size), SINTERCARD with LIMIT, SMISMEMBER, SRANDMEMBER with negative and
//! positive counts (compared by shape), SPOP of whole sets, the set
//! algebra and its STORE forms across shards, SMOVE.

use super::{cmd, other_type, with, Cmd, Gen};

const KEYS: &[&str] = &["t0", "t1", "t2", "t3", "t4"];
const MEMBERS: &[&str] = &[
    "1",
    "2",
    "3",
    "-1",
    "0",
    "10",
    "007",
    "a",
    "b",
    "c",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "1.0",
];

fn member(g: &mut Gen) -> String {
    if g.one_in(50) {
        "m".repeat(70)
    } else {
        g.pick(MEMBERS)
    }
}

fn keys(g: &mut Gen, n: usize) -> Vec<String> {
    (0..n).map(|_| g.pick(KEYS)).collect()
}

fn one(g: &mut Gen) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let c: Cmd = match g.below(31) {
        // The limit moving under existing sets (reset at the end).
        30 => with(
            "CONFIG",
            [
                "SET".into(),
                "set-max-intset-entries".into(),
                g.pick(&["2", "4", "512"]),
            ],
        ),
        0..=4 => {
            let mut c = with("SADD", [k]);
            for _ in 0..1 + g.below(4) {
                c.push(member(g));
            }
            c
        }
        5 => {
            // Integers past the intset's 512 entries, or strings past 128.
            let mut c = with("SADD", [k]);
            match g.below(2) {
                0 => c.extend((0..513).map(|i| (i * 3).to_string())),
                _ => c.extend((0..130).map(|i| format!("e{i}"))),
            }
            c
        }
        6 | 7 => with("SREM", [k, member(g), member(g)]),
        8 => with(g.pick(&["SCARD", "SMEMBERS"]).as_str(), [k]),
        9 => with("SISMEMBER", [k, member(g)]),
        10 | 11 => with("SMISMEMBER", [k, member(g), member(g), member(g)]),
        12 | 13 => {
            let n = g.below(4);
            let mut c = with("SINTERCARD", [g.pick(&["1", "2", "3", "0", "-1", "x"])]);
            c.extend(keys(g, n));
            if g.one_in(2) {
                c.extend(["LIMIT".into(), g.pick(&["0", "1", "2", "-1", "x", "100"])]);
            }
            c
        }
        14 | 15 => {
            let mut c = with("SRANDMEMBER", [k]);
            if !g.one_in(4) {
                c.push(g.pick(&[
                    "0",
                    "1",
                    "2",
                    "3",
                    "-1",
                    "-5",
                    "-20",
                    "600",
                    "x",
                    "-9223372036854775808",
                    "9223372036854775807",
                ]));
            }
            c
        }
        16 => {
            // As it is: a dropped count would pop a random member.
            let count = g.pick(&["1000", "0", "-1", "x", "9223372036854775807"]);
            return g.exact(with("SPOP", [k, count]));
        }
        17 | 18 => {
            let n = 1 + g.below(3);
            with(g.pick(&["SINTER", "SUNION", "SDIFF"]).as_str(), keys(g, n))
        }
        19 | 20 => {
            let n = 1 + g.below(3);
            let mut c = with(
                g.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
                    .as_str(),
                [k],
            );
            c.extend(keys(g, n));
            c
        }
        21 => with("SMOVE", [k, k2, member(g)]),
        22 => with("OBJECT", ["ENCODING".into(), k]),
        23 => other_type(g, &k),
        24 => with("DEL", [k]),
        // As it is: a scan cut short stops at a cursor of its own.
        25 => {
            return g.exact(with(
                "SSCAN",
                [k, "0".into(), "COUNT".into(), "1000".into()],
            ))
        }
        26 => with("TYPE", [k]),
        _ => with("SMEMBERS", [k]),
    };
    g.push(c);
}

/// One seeded sequence, ending with every key's contents.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    Gen::sequence(
        seed,
        one,
        KEYS,
        |k| [cmd(&["SMEMBERS", k]), cmd(&["OBJECT", "ENCODING", k])],
        &[&["CONFIG", "SET", "set-max-intset-entries", "512"]],
    )
}

//! Lists: pushes and pops with counts, LPOS with RANK/COUNT/MAXLEN, LINSERT,
//! LSET and LINDEX at out-of-range indexes, LTRIM and LRANGE with negative
//! indexes, LREM, LMOVE/RPOPLPUSH/LMPOP across shards, encodings as lists
//! grow past the listpack limits and shrink.

use super::{cmd, other_type, with, Cmd, Gen};

const KEYS: &[&str] = &["l0", "l1", "l2", "l3", "l4"];
const VALUES: &[&str] = &["a", "b", "c", "a", "1", "-2", "", "10", "x y"];
const INDEXES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "-2",
    "-3",
    "5",
    "-6",
    "20",
    "-20",
    "100",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "x",
    "1.5",
];

fn value(g: &mut Gen) -> String {
    if g.one_in(25) {
        "w".repeat(60 + g.below(10))
    } else {
        g.pick(VALUES)
    }
}

fn end(g: &mut Gen) -> String {
    g.pick(&["LEFT", "RIGHT", "left", "right", "MIDDLE"])
}

fn one(g: &mut Gen) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let c: Cmd = match g.below(36) {
        0..=3 => {
            let mut c = with(g.pick(&["LPUSH", "RPUSH"]).as_str(), [k]);
            for _ in 0..1 + g.below(5) {
                c.push(value(g));
            }
            c
        }
        4 => {
            // A bulk push: past the listpack's 128 entries.
            let mut c = with("RPUSH", [k]);
            c.extend((0..130 + g.below(10)).map(|i| VALUES[i % VALUES.len()].to_string()));
            c
        }
        5 => with(
            g.pick(&["LPUSHX", "RPUSHX"]).as_str(),
            [k, value(g), value(g)],
        ),
        6 | 7 => with(g.pick(&["LPOP", "RPOP"]).as_str(), [k]),
        8 => with(
            g.pick(&["LPOP", "RPOP"]).as_str(),
            [
                k,
                g.pick(&["0", "1", "2", "5", "-1", "200", "x", "9223372036854775807"]),
            ],
        ),
        9 | 10 => with("LRANGE", [k, g.pick(INDEXES), g.pick(INDEXES)]),
        11 => with("LINDEX", [k, g.pick(INDEXES)]),
        12 => with("LSET", [k, g.pick(INDEXES), value(g)]),
        13 => with(
            "LINSERT",
            [
                k,
                g.pick(&["BEFORE", "AFTER", "after", "AROUND"]),
                value(g),
                value(g),
            ],
        ),
        14 => with("LREM", [k, g.pick(INDEXES), value(g)]),
        15 | 16 => with("LTRIM", [k, g.pick(INDEXES), g.pick(INDEXES)]),
        17 | 18 => {
            let mut c = with("LPOS", [k, value(g)]);
            for _ in 0..g.below(4) {
                match g.below(3) {
                    0 => c.extend([
                        "RANK".into(),
                        g.pick(&[
                            "1",
                            "-1",
                            "2",
                            "-2",
                            "0",
                            "-9223372036854775808",
                            "9223372036854775807",
                            "x",
                        ]),
                    ]),
                    1 => c.extend(["COUNT".into(), g.pick(&["0", "1", "2", "-1", "x"])]),
                    _ => c.extend(["MAXLEN".into(), g.pick(&["0", "1", "3", "-1", "x"])]),
                }
            }
            c
        }
        19 | 20 => with("LMOVE", [k, k2, end(g), end(g)]),
        21 => with("RPOPLPUSH", [k, k2]),
        22 | 23 => {
            let n = g.below(4);
            let mut c = with("LMPOP", [g.pick(&["1", "2", "3", "0", "-1", "x"])]);
            c.extend((0..n).map(|_| g.pick(KEYS)));
            c.push(end(g));
            if g.one_in(2) {
                c.extend(["COUNT".into(), g.pick(&["1", "2", "10", "0", "-1"])]);
            }
            c
        }
        24 => with("LLEN", [k]),
        25 => with("OBJECT", ["ENCODING".into(), k]),
        26 => with("TYPE", [k]),
        27 => other_type(g, &k),
        28 => with("DEL", [k]),
        29 => {
            // Non-blocking with data, an immediate timeout error otherwise.
            with(
                g.pick(&["BLPOP", "BRPOP"]).as_str(),
                [k, k2, g.pick(&["-1", "x", "0.001"])],
            )
        }
        30 => with("BLMOVE", [k, k2, end(g), end(g), g.pick(&["-1", "x"])]),
        31 => with("RENAME", [k, k2]),
        _ => with("LRANGE", [k, "0".into(), "-1".into()]),
    };
    g.push(c);
}

/// One seeded sequence, ending with every key's contents.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    Gen::sequence(
        seed,
        one,
        KEYS,
        |k| [cmd(&["LRANGE", k, "0", "-1"]), cmd(&["TYPE", k])],
        &[],
    )
}

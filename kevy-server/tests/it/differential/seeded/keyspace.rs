//! Keyspace: RENAME/RENAMENX/COPY/MOVE between keys of every type and
//! across databases, TYPE and OBJECT ENCODING after conversions, and SORT
//! (and SORT_RO) over lists, sets and sorted sets with BY, GET, LIMIT,
//! ALPHA, DESC and STORE, reading weights from strings and hash fields.

use super::{cmd, with, Cmd, Gen};

/// Sources (lists, sets, sorted sets, others) and the keys SORT reads.
const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4"];
const ITEMS: &[&str] = &[
    "1", "2", "3", "10", "-1", "2.5", "a", "b", "B", "", "1e1", "x",
];

fn items(g: &mut Gen, n: usize) -> Vec<String> {
    (0..n).map(|_| g.pick(ITEMS)).collect()
}

/// Weights `w_<item>` (strings) and `h_<item>` hashes with field `f`.
fn weights(g: &mut Gen) -> Cmd {
    let item = g.pick(ITEMS);
    let w = g.pick(&["5", "-3", "0", "2.5", "abc", "", "1e2", "inf", "7"]);
    match g.below(2) {
        0 => with("SET", [format!("w_{item}"), w]),
        _ => with("HSET", [format!("h_{item}"), "f".into(), w]),
    }
}

fn sort(g: &mut Gen, k: String) -> Cmd {
    let mut c = with(g.pick(&["SORT", "SORT", "SORT_RO"]).as_str(), [k]);
    // Redis leaves two orders to its hash tables and its unstable sort:
    // a set's unsorted (BY nosort) without STORE, and ALPHA's ties under
    // BY. So nosort comes with STORE (which sorts sets), and BY without
    // ALPHA (numeric ties fall back to comparing the elements).
    // (A pattern without `*` is nosort too.)
    let by = match g.below(3) {
        0 => None,
        1 => Some(g.pick(&["nosort", "w_"])),
        _ => Some(g.pick(&["w_*", "h_*->f", "missing_*", "h_*->", "*"])),
    };
    if let Some(by) = &by {
        c.extend(["BY".into(), by.clone()]);
    }
    if g.one_in(3) {
        c.extend([
            "LIMIT".into(),
            g.pick(&["0", "1", "2", "-1", "x"]),
            g.pick(&["1", "2", "0", "-1", "100"]),
        ]);
    }
    for _ in 0..g.below(3) {
        c.push("GET".into());
        c.push(g.pick(&["#", "w_*", "h_*->f", "nope_*", "h_*->g"]));
    }
    if by.is_none() && g.one_in(2) {
        c.push(g.pick(&["ALPHA", "alpha"]));
    }
    if g.one_in(3) {
        c.push(g.pick(&["DESC", "ASC"]));
    }
    let unsorted = matches!(by.as_deref(), Some("nosort" | "w_"));
    if unsorted || g.one_in(4) {
        c[0] = "SORT".into();
        c.extend(["STORE".into(), g.pick(&["dst", "k0", "k3"])]);
    }
    c
}

fn one(g: &mut Gen) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let n = 1 + g.below(5);
    let c: Cmd = match g.below(30) {
        0..=2 => {
            let mut c = with("RPUSH", [k]);
            c.extend(items(g, n));
            c
        }
        3 | 4 => {
            let mut c = with("SADD", [k]);
            c.extend(items(g, n));
            c
        }
        5 => {
            let mut c = with("ZADD", [k]);
            for item in items(g, n) {
                c.push(g.pick(&["1", "2", "0", "-1", "1.5"]));
                c.push(item);
            }
            c
        }
        6 => with("SET", [k, g.pick(ITEMS)]),
        7 => with("HSET", [k, "f".into(), g.pick(ITEMS)]),
        8..=10 => weights(g),
        11..=16 => {
            let c = sort(g, k);
            if c.iter().any(|a| a == "nosort" || a == "w_") {
                // As it is: without its STORE, a set's order is its hash table's.
                return g.exact(c);
            }
            c
        }
        17 => with(g.pick(&["RENAME", "RENAMENX"]).as_str(), [k, k2]),
        18 => {
            let mut c = with("COPY", [k, g.pick(&["k0", "k1", "k2", "k3", "k4", "dst"])]);
            if g.one_in(3) {
                c.extend(["DB".into(), g.pick(&["0", "1", "16", "-1", "x"])]);
            }
            if g.one_in(2) {
                c.push("REPLACE".into());
            }
            c
        }
        19 => with("MOVE", [k, g.pick(&["1", "0", "16", "x"])]),
        20 => with("SELECT", [g.pick(&["0", "0", "1"])]),
        21 | 22 => with("TYPE", [k]),
        // Not REFCOUNT: a small integer COPY made is shared in kevy, not
        // in Redis (a documented difference, limits.rs).
        23 | 24 => with("OBJECT", [g.pick(&["ENCODING", "FREQ", "encoding"]), k]),
        25 => with("EXISTS", [k, k2, "dst".into()]),
        26 => with("DEL", [k]),
        27 => with("LRANGE", ["dst".into(), "0".into(), "-1".into()]),
        28 => cmd(&["DBSIZE"]),
        _ => with("RENAME", [k, "dst".into()]),
    };
    g.push(c);
}

/// One seeded sequence, ending with every key's type and a sort of each.
pub fn sequence(seed: u64) -> Vec<Cmd> {
    let keys: Vec<&str> = KEYS.iter().copied().chain(["dst"]).collect();
    let read = |k: &str| [cmd(&["TYPE", k]), cmd(&["SORT", k, "ALPHA"])];
    Gen::sequence(seed, one, &keys, read, &[])
}

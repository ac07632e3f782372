//! HyperLogLog: PFADD, PFCOUNT (one key, cached; several keys across
//! shards), PFMERGE (across shards), in the sparse and dense encodings. `GET`
//! of an HLL key must give Redis's exact bytes. Wrong types, strings that
//! are not HLLs and corrupt HLLs included.
//!
//! With two shards, `a`, `h` and `h1` live on shard 1 and `b`, `x`, `y`,
//! `s` and `bad` on shard 0.

use super::{run_family, run_generated, Seq};

pub const SEQUENCES: &[Seq] = &[
    // PFDEBUG and PFSELFTEST (on `a` and `b`, on both shards).
    &[
        &["PFDEBUG", "ENCODING", "a"],
        &["PFADD", "a", "x", "y", "z", "w"],
        &["PFADD", "b", "1", "2"],
        &["PFDEBUG", "ENCODING", "a"],
        &["PFDEBUG", "DECODE", "a"],
        &["PFDEBUG", "decode", "b"],
        &["PFDEBUG", "NOPE", "a"],
        &["PFDEBUG", "NOPE", "missing"],
        &["PFDEBUG", "GETREG"],
        &["PFDEBUG", "GETREG", "a", "extra"],
        &["PFDEBUG", "TODENSE", "a"],
        &["PFDEBUG", "TODENSE", "a"],
        &["PFDEBUG", "ENCODING", "a"],
        &["PFDEBUG", "DECODE", "a"],
        &["GET", "a"],
        &["PFDEBUG", "GETREG", "b"],
        &["PFDEBUG", "ENCODING", "b"],
        &["PFCOUNT", "a", "b"],
        &["SET", "s", "text"],
        &["PFDEBUG", "ENCODING", "s"],
        &["LPUSH", "l", "x"],
        &["PFDEBUG", "ENCODING", "l"],
        &["PFSELFTEST"],
        &["PFSELFTEST", "x"],
    ],
    // small hlls and errors
    &[
        &["PFADD", "h", "a", "b", "c"],
        &["GET", "h"],
        &["PFADD", "h", "a"],
        &["PFCOUNT", "h"],
        &["GET", "h"],
        &["PFADD", "h"],
        &["PFADD", "new"],
        &["GET", "new"],
        &["PFCOUNT", "new"],
        &["PFCOUNT", "nokey"],
        &[
            "PFADD", "h", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
        ],
        &["GET", "h"],
        &["PFCOUNT", "h"],
        &["GET", "h"],
        &["SET", "s", "v"],
        &["PFADD", "s", "a"],
        &["PFCOUNT", "s"],
        &["PFCOUNT", "s", "h"],
        &["PFMERGE", "s"],
        &["PFMERGE", "x", "s"],
        &["SET", "n", "123"],
        &["PFADD", "n", "a"],
        &["PFCOUNT", "n"],
        &["ZADD", "z", "1", "a"],
        &["PFADD", "z", "a"],
        &["PFCOUNT", "z"],
        &["PFCOUNT", "h", "z"],
        &["PFMERGE", "x", "z"],
        &["PFCOUNT", "h", "z", "s"],
        &["PFCOUNT", "h", "s", "z"],
        &[
            "SET",
            "bad",
            "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        ],
        &["PFADD", "bad", "x"],
        &["PFCOUNT", "bad"],
        &["PFCOUNT", "bad", "h"],
        &["PFCOUNT", "h", "bad"],
        &["PFMERGE", "y", "bad"],
        &["PFMERGE", "y", "h", "bad"],
        &["EXISTS", "y"],
        &["SET", "short", "HYLL"],
        &["PFADD", "short", "a"],
        &[
            "SET",
            "enc",
            "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        ],
        &["PFCOUNT", "enc"],
        &[
            "SET",
            "dn",
            "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        ],
        &["PFCOUNT", "dn"],
        &["PFADD"],
        &["PFCOUNT"],
        &["PFMERGE"],
    ],
    // merges across shards
    &[
        &["PFADD", "a", "1", "2", "3", "4"],
        &["PFADD", "b", "3", "4", "5", "6", "7"],
        &["PFCOUNT", "a", "b"],
        &["PFCOUNT", "a", "b", "missing"],
        &["PFMERGE", "x", "a", "b"],
        &["PFCOUNT", "x"],
        &["GET", "x"],
        &["PFMERGE", "a", "b"],
        &["GET", "a"],
        &["PFCOUNT", "a"],
        &["PFMERGE", "b", "missing"],
        &["GET", "b"],
        &["PFMERGE", "nothing", "missing"],
        &["GET", "nothing"],
    ],
];

/// Larger HLLs: sparse growth to the dense promotion, counts and merges of
/// sparse and dense inputs on both shards.
fn larger() -> Vec<Vec<Vec<String>>> {
    let pfadd = |key: &str, prefix: &str, range: std::ops::Range<usize>| {
        let mut c = vec!["PFADD".to_string(), key.to_string()];
        c.extend(range.map(|i| format!("{prefix}{i}")));
        c
    };
    let cmd = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let mut grow = Vec::new();
    for n in [1, 10, 100, 300, 700, 1500, 3000, 10000] {
        grow.push(pfadd("h1", "e", 0..n));
        grow.push(cmd("PFCOUNT h1"));
        grow.push(cmd("STRLEN h1"));
        grow.push(cmd("GET h1"));
    }
    let merges = vec![
        pfadd("a", "x", 0..300),
        pfadd("b", "x", 200..5000),
        pfadd("y", "y", 0..40),
        cmd("PFCOUNT a b y"),
        cmd("PFMERGE x a y"),
        cmd("GET x"),
        cmd("PFCOUNT x"),
        cmd("PFMERGE x b"),
        cmd("GET x"),
        cmd("PFCOUNT x"),
        cmd("PFMERGE y a"),
        cmd("GET y"),
        cmd("PFMERGE a b"),
        cmd("PFCOUNT a"),
        cmd("GET a"),
        pfadd("a", "z", 0..100),
        cmd("PFCOUNT a"),
    ];
    vec![grow, merges]
}

/// The seeded random PFADD / PFCOUNT / PFMERGE / GET over `a`, `c` (shard 1)
/// and `b`, `x` (shard 0), sparse and dense.
fn random(seed: u64) -> Vec<Vec<String>> {
    let keys = ["a", "b", "c", "x"];
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut below = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    (0..150)
        .map(|_| {
            let key = keys[below(4)].to_string();
            match below(8) {
                0..=2 => {
                    let n = [1, 3, 20, 200][below(4)];
                    let pool = [50, 1000, 100_000][below(3)];
                    let mut c = vec!["PFADD".to_string(), key];
                    c.extend((0..n).map(|_| format!("e{}", below(pool))));
                    c
                }
                3 => vec!["PFCOUNT".into(), key],
                4 => vec!["PFCOUNT".into(), key, keys[below(4)].into()],
                5 => vec![
                    "PFMERGE".into(),
                    key,
                    keys[below(4)].into(),
                    keys[below(4)].into(),
                ],
                6 => vec!["GET".into(), key],
                _ => vec!["STRLEN".into(), key],
            }
        })
        .collect()
}

#[test]
fn hyperloglog_random() {
    super::run_seeded("hyperloglog random", &super::seeded::seeds(12), random);
}

#[test]
fn hyperloglog_random_mutated() {
    let seq = |seed| super::seeded::mutated(seed, random(seed));
    super::run_seeded("hyperloglog random mutated", &super::seeded::seeds(4), seq);
}

#[test]
fn hyperloglog() {
    run_family("hyperloglog", SEQUENCES);
}

#[test]
fn hyperloglog_larger() {
    run_generated("hyperloglog larger", &larger());
}

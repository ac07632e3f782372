//! Bitmaps and LCS: SETBIT, GETBIT, BITCOUNT (BYTE | BIT), BITPOS (BYTE |
//! BIT), BITOP (across shards), BITFIELD (GET, SET, INCRBY, OVERFLOW WRAP |
//! SAT | FAIL, `#` offsets, signed and unsigned types), BITFIELD_RO, LCS (LEN,
//! IDX, MINMATCHLEN, WITHMATCHLEN). Wrong types, bad offsets and values, and
//! edge ranges included.
//!
//! With two shards, `a`, `dst`, `k1`, `m` and `bf` live on shard 1 and `b`,
//! `x`, `k2`, `short` and `z` on shard 0.

use super::{run_family, Seq};

pub const SEQUENCES: &[Seq] = &[
    // setbit getbit
    &[
        &["SETBIT", "k", "7", "1"],
        &["GET", "k"],
        &["SETBIT", "k", "7", "0"],
        &["SETBIT", "k", "7", "1"],
        &["GETBIT", "k", "7"],
        &["GETBIT", "k", "6"],
        &["GETBIT", "k", "100"],
        &["SETBIT", "k", "100", "1"],
        &["STRLEN", "k"],
        &["GETBIT", "k", "100"],
        &["SETBIT", "k", "-1", "1"],
        &["SETBIT", "k", "x", "1"],
        &["SETBIT", "k", "1", "2"],
        &["SETBIT", "k", "1", "-1"],
        &["SETBIT", "k", "1", "x"],
        &["SETBIT", "k", "4294967296", "1"],
        &["SETBIT", "k", "#1", "1"],
        &["GETBIT", "k", "-1"],
        &["GETBIT", "k", "x"],
        &["GETBIT", "k", "4294967296"],
        &["GETBIT", "nokey", "5"],
        &["SET", "n", "1"],
        &["GETBIT", "n", "2"],
        &["GETBIT", "n", "7"],
        &["SETBIT", "n", "6", "1"],
        &["GET", "n"],
        &["ZADD", "z", "1", "a"],
        &["SETBIT", "z", "1", "1"],
        &["GETBIT", "z", "1"],
        &["GETBIT", "z", "x"],
        &["SETBIT", "z", "x", "1"],
        &["SET", "t", "v", "EX", "1000"],
        &["SETBIT", "t", "1", "1"],
        &["TTL", "t"],
    ],
    // bitcount
    &[
        &["SET", "s", "foobar"],
        &["BITCOUNT", "s"],
        &["BITCOUNT", "s", "0", "0"],
        &["BITCOUNT", "s", "1", "1"],
        &["BITCOUNT", "s", "1", "-2"],
        &["BITCOUNT", "s", "-2", "-1"],
        &["BITCOUNT", "s", "-1", "-2"],
        &["BITCOUNT", "s", "5", "30"],
        &["BITCOUNT", "s", "0", "-1", "BYTE"],
        &["BITCOUNT", "s", "5", "30", "BIT"],
        &["BITCOUNT", "s", "0", "7", "BIT"],
        &["BITCOUNT", "s", "1", "6", "BIT"],
        &["BITCOUNT", "s", "-3", "-1", "BIT"],
        &["BITCOUNT", "s", "9", "9", "bit"],
        &["BITCOUNT", "s", "0", "-1", "FOO"],
        &["BITCOUNT", "s", "0"],
        &["BITCOUNT", "s", "0", "1", "BIT", "x"],
        &["BITCOUNT", "s", "x", "1"],
        &["BITCOUNT", "s", "1", "y"],
        &["BITCOUNT", "s", "-1", "-2", "FOO"],
        &["BITCOUNT", "nokey"],
        &["BITCOUNT", "nokey", "x", "y"],
        &["BITCOUNT", "nokey", "0"],
        &["SET", "n", "12345"],
        &["BITCOUNT", "n"],
        &["ZADD", "z", "1", "a"],
        &["BITCOUNT", "z"],
        &["BITCOUNT", "z", "x"],
        &["SET", "e", ""],
        &["BITCOUNT", "e"],
        &["BITCOUNT", "e", "0", "-1"],
        &["BITCOUNT", "e", "0", "-1", "BIT"],
        &[
            "BITCOUNT",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
        ],
        &[
            "BITCOUNT",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
            "BIT",
        ],
    ],
    // bitpos
    &[
        &[
            "BITFIELD", "s", "SET", "u8", "0", "255", "SET", "u8", "8", "240", "SET", "u8", "16",
            "0",
        ],
        &["BITPOS", "s", "0"],
        &["BITPOS", "s", "1"],
        &["SETBIT", "z", "0", "0"],
        &["SET", "z", ""],
        &["BITPOS", "z", "0"],
        &["BITPOS", "z", "1"],
        &["SET", "m", "foobar"],
        &["BITPOS", "m", "1"],
        &["BITPOS", "m", "0"],
        &["BITPOS", "m", "1", "2"],
        &["BITPOS", "m", "0", "1", "2"],
        &["BITPOS", "m", "1", "-1"],
        &["BITPOS", "m", "0", "-3", "-1"],
        &["BITPOS", "m", "1", "7", "15", "BIT"],
        &["BITPOS", "m", "0", "7", "15", "BIT"],
        &["BITPOS", "m", "1", "0", "-1", "BIT"],
        &["BITPOS", "m", "0", "0", "-1", "BIT"],
        &["BITPOS", "m", "1", "9", "9", "bit"],
        &["BITPOS", "m", "0", "1", "1", "bit"],
        &["BITPOS", "m", "0", "100"],
        &["BITPOS", "m", "1", "100"],
        &["BITPOS", "m", "0", "0", "-1", "FOO"],
        &["BITPOS", "m", "2"],
        &["BITPOS", "m", "x"],
        &["BITPOS", "m", "1", "x"],
        &["BITPOS", "m", "1", "0", "x"],
        &["BITPOS", "m", "1", "0", "1", "BIT", "x"],
        &["BITPOS", "nokey", "1"],
        &["BITPOS", "nokey", "0"],
        &["BITPOS", "nokey", "0", "1", "2", "BIT", "extra"],
        &["BITPOS", "nokey", "2"],
        &["BITFIELD", "ones", "SET", "u16", "0", "65535"],
        &["BITPOS", "ones", "0"],
        &["BITPOS", "ones", "0", "0"],
        &["BITPOS", "ones", "0", "0", "-1"],
        &["BITPOS", "ones", "0", "0", "-1", "BIT"],
        &["BITPOS", "ones", "0", "3", "12", "BIT"],
        &["ZADD", "zz", "1", "a"],
        &["BITPOS", "zz", "1"],
    ],
    // bitop
    &[
        &["SET", "k1", "foobar"],
        &["SET", "k2", "abcdef"],
        &["BITOP", "AND", "dst", "k1", "k2"],
        &["GET", "dst"],
        &["BITOP", "OR", "dst", "k1", "k2"],
        &["GET", "dst"],
        &["BITOP", "XOR", "dst", "k1", "k2"],
        &["GET", "dst"],
        &["BITOP", "NOT", "dst", "k1"],
        &["GET", "dst"],
        &["BITOP", "and", "dst", "k1", "nokey"],
        &["GET", "dst"],
        &["BITOP", "or", "dst", "k1", "nokey"],
        &["GET", "dst"],
        &["BITOP", "XOR", "dst", "nokey", "nokey2"],
        &["EXISTS", "dst"],
        &["BITOP", "NOT", "dst", "k1", "k2"],
        &["BITOP", "NOT", "dst"],
        &["BITOP", "FOO", "dst", "k1"],
        &["SET", "short", "ab"],
        &["BITOP", "AND", "dst", "k1", "short"],
        &["GET", "dst"],
        &["BITOP", "OR", "dst", "short", "k1"],
        &["GET", "dst"],
        &["ZADD", "z", "1", "a"],
        &["BITOP", "AND", "dst", "k1", "z"],
        &["BITOP", "NOT", "dst", "z"],
        &["BITOP", "FOO", "dst", "z"],
        &["SET", "dst", "x", "EX", "1000"],
        &["BITOP", "OR", "dst", "k1"],
        &["TTL", "dst"],
        &["BITOP", "AND", "dst"],
        &["BITOP", "AND", "dst", "k1"],
        &["GET", "dst"],
        &["SET", "n", "5"],
        &["BITOP", "OR", "dst", "n"],
        &["GET", "dst"],
    ],
    // bitfield
    &[
        &["BITFIELD", "bf", "SET", "i8", "0", "100"],
        &["BITFIELD", "bf", "GET", "i8", "0"],
        &["BITFIELD", "bf", "INCRBY", "i8", "0", "100"],
        &[
            "BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "100",
        ],
        &[
            "BITFIELD", "bf", "GET", "u8", "0", "GET", "i4", "0", "GET", "u4", "4",
        ],
        &[
            "BITFIELD", "bf", "SET", "u8", "#1", "255", "GET", "u8", "8", "GET", "i8", "#1",
        ],
        &[
            "BITFIELD", "bf", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102",
            "1",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "0", "300", "SET", "u8", "0", "-1",
            "GET", "u8", "0",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "0", "300", "SET", "i8", "0", "200",
            "GET", "u8", "0",
        ],
        &[
            "BITFIELD", "bf", "OVERFLOW", "WRAP", "SET", "u8", "0", "300", "GET", "u8", "0", "SET",
            "i8", "0", "200", "GET", "i8", "0",
        ],
        &[
            "BITFIELD",
            "bf",
            "SET",
            "i64",
            "0",
            "-9223372036854775808",
            "INCRBY",
            "i64",
            "0",
            "-1",
        ],
        &[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "SET",
            "i64",
            "0",
            "9223372036854775807",
            "INCRBY",
            "i64",
            "0",
            "1",
            "INCRBY",
            "i64",
            "0",
            "-9223372036854775808",
        ],
        &[
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "SET",
            "u63",
            "0",
            "0",
            "INCRBY",
            "u63",
            "0",
            "-1",
            "INCRBY",
            "u63",
            "0",
            "9223372036854775807",
            "INCRBY",
            "u63",
            "0",
            "1",
        ],
        &[
            "BITFIELD", "bf", "SET", "i1", "0", "1", "GET", "i1", "0", "GET", "u1", "0",
        ],
        &["BITFIELD", "bf", "GET", "u64", "0"],
        &["BITFIELD", "bf", "GET", "i65", "0"],
        &["BITFIELD", "bf", "GET", "i0", "0"],
        &["BITFIELD", "bf", "GET", "x8", "0"],
        &["BITFIELD", "bf", "GET", "", "0"],
        &["BITFIELD", "bf", "GET", "i8", "-1"],
        &["BITFIELD", "bf", "GET", "i8", "#-1"],
        &["BITFIELD", "bf", "GET", "i8", "4294967296"],
        &["BITFIELD", "bf", "GET", "i8", "#536870912"],
        &["BITFIELD", "bf", "GET", "i8", "x"],
        &["BITFIELD", "bf", "SET", "i8", "0", "x"],
        &["BITFIELD", "bf", "SET", "i8", "0"],
        &["BITFIELD", "bf", "GET", "i8"],
        &["BITFIELD", "bf", "OVERFLOW"],
        &["BITFIELD", "bf", "OVERFLOW", "FOO", "GET", "i8", "0"],
        &["BITFIELD", "bf", "FOO"],
        &["BITFIELD", "bf", "GET", "i8", "0", "FOO"],
        &["BITFIELD", "bf"],
        &["BITFIELD", "nokey", "GET", "u8", "0", "GET", "i16", "100"],
        &["EXISTS", "nokey"],
        &["BITFIELD", "new", "INCRBY", "u8", "16", "5"],
        &["GET", "new"],
        &["BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i8", "0"],
        &["BITFIELD_RO", "bf", "SET", "u8", "0", "1"],
        &[
            "BITFIELD_RO",
            "bf",
            "GET",
            "u8",
            "0",
            "INCRBY",
            "u8",
            "0",
            "1",
        ],
        &["BITFIELD_RO", "bf", "GET", "i99", "0"],
        &["BITFIELD_RO", "nokey", "GET", "u8", "0"],
        &["ZADD", "z", "1", "a"],
        &["BITFIELD", "z", "GET", "u8", "0"],
        &["BITFIELD", "z", "SET", "u8", "0", "1"],
        &["BITFIELD_RO", "z", "GET", "u8", "0"],
        &["BITFIELD", "z", "GET", "i99", "0"],
        &["SET", "n", "7"],
        &["BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "8", "65"],
        &["GET", "n"],
    ],
    // lcs
    &[
        &["SET", "k1", "ohmytext"],
        &["SET", "k2", "mynewtext"],
        &["LCS", "k1", "k2"],
        &["LCS", "k1", "k2", "LEN"],
        &["LCS", "k1", "k2", "IDX"],
        &["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4"],
        &["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        &[
            "LCS",
            "k1",
            "k2",
            "IDX",
            "WITHMATCHLEN",
            "MINMATCHLEN",
            "-5",
        ],
        &["LCS", "k1", "k2", "LEN", "IDX"],
        &["LCS", "k1", "k2", "FOO"],
        &["LCS", "k1", "k2", "MINMATCHLEN"],
        &["LCS", "k1", "k2", "MINMATCHLEN", "x"],
        &["LCS", "k1", "nokey"],
        &["LCS", "nokey", "nokey2", "IDX"],
        &["LCS", "k1", "k1", "LEN"],
        &["SET", "a", "12345"],
        &["SET", "c", "2x4"],
        &["LCS", "a", "c"],
        &["LCS", "a", "c", "IDX", "WITHMATCHLEN"],
        &["ZADD", "z", "1", "a"],
        &["LCS", "k1", "z"],
        &["LCS", "z", "k1", "LEN"],
        &["LCS", "z", "k1", "FOO"],
        &["LCS", "k1"],
    ],
    // bitop and lcs across shards
    &[
        &["SET", "a", "foobar"],
        &["SET", "b", "abcdef"],
        &["BITOP", "AND", "x", "a", "b"],
        &["GET", "x"],
        &["BITOP", "XOR", "e", "a", "b", "missing"],
        &["GET", "e"],
        &["BITOP", "NOT", "b", "a"],
        &["GET", "b"],
        &["BITOP", "OR", "e", "missing", "nokey"],
        &["EXISTS", "e"],
        &["ZADD", "z", "1", "m"],
        &["BITOP", "OR", "e", "a", "z"],
        &["BITOP", "OR", "z", "a"],
        &["TYPE", "z"],
        &["LCS", "a", "b"],
        &["SET", "b", "ohmytext"],
        &["SET", "a", "mynewtext"],
        &["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        &["LCS", "b", "a", "LEN"],
        &["LCS", "a", "z"],
        &["LCS", "a", "missing", "IDX"],
    ],
    // Key positions and flags, and the table entries.
    &[
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "BITFIELD",
            "k",
            "GET",
            "u8",
            "0",
        ],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "BITFIELD",
            "k",
            "OVERFLOW",
            "SAT",
            "GET",
            "u8",
            "0",
        ],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "BITFIELD",
            "k",
            "SET",
            "u8",
            "0",
            "1",
        ],
        &["COMMAND", "GETKEYSANDFLAGS", "BITFIELD", "k"],
        &["COMMAND", "GETKEYSANDFLAGS", "BITFIELD", "k", "FOO"],
        &[
            "COMMAND",
            "GETKEYSANDFLAGS",
            "BITFIELD_RO",
            "k",
            "GET",
            "u8",
            "0",
        ],
        &["COMMAND", "GETKEYS", "BITOP", "AND", "d", "a", "b"],
        &["COMMAND", "GETKEYS", "LCS", "a", "b"],
        &["COMMAND", "GETKEYSANDFLAGS", "PFMERGE", "d", "a", "b"],
        &["COMMAND", "GETKEYS", "PFCOUNT", "a", "b"],
        &[
            "COMMAND", "INFO", "setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield",
        ],
        &[
            "COMMAND",
            "INFO",
            "bitfield_ro",
            "lcs",
            "pfadd",
            "pfcount",
            "pfmerge",
        ],
    ],
];

/// xorshift64: the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One random bitmap command over `a`, `c` (shard 1) and `b`, `x` (shard 0).
fn random_cmd(r: &mut Rng) -> Vec<String> {
    const KEYS: &[&str] = &["a", "b", "c", "x"];
    const IDX: &[&str] = &[
        "0", "1", "-1", "2", "-2", "3", "7", "-8", "15", "100", "-100",
    ];
    const VALS: &[&str] = &[
        "0",
        "1",
        "-1",
        "7",
        "100",
        "-100",
        "127",
        "128",
        "-129",
        "255",
        "1000000",
        "9223372036854775807",
        "-9223372036854775808",
    ];
    let key = r.pick(KEYS).to_string();
    let bit = (r.below(120)).to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match r.below(12) {
        0 | 1 => s(&["SETBIT", &key, &bit, r.pick(&["0", "1"])]),
        2 => s(&["GETBIT", &key, &bit]),
        3 => s(&[
            "BITCOUNT",
            &key,
            r.pick(IDX),
            r.pick(IDX),
            r.pick(&["BIT", "BYTE"]),
        ]),
        4 => s(&[
            "BITPOS",
            &key,
            r.pick(&["0", "1"]),
            r.pick(IDX),
            r.pick(IDX),
            r.pick(&["BIT", "BYTE"]),
        ]),
        5 => s(&["BITPOS", &key, r.pick(&["0", "1"]), r.pick(IDX)]),
        6 | 7 => {
            let mut c = s(&["BITFIELD", &key]);
            for _ in 0..1 + r.below(4) {
                let ty = format!("{}{}", r.pick(&["i", "u"]), 1 + r.below(64));
                let off = match r.below(3) {
                    0 => format!("#{}", r.below(6)),
                    _ => r.below(100).to_string(),
                };
                if r.below(3) == 0 {
                    c.extend(s(&["OVERFLOW", r.pick(&["WRAP", "SAT", "FAIL"])]));
                }
                match r.below(3) {
                    0 => c.extend([s(&["GET"]), vec![ty, off]].concat()),
                    1 => c.extend([s(&["SET"]), vec![ty, off], s(&[r.pick(VALS)])].concat()),
                    _ => c.extend([s(&["INCRBY"]), vec![ty, off], s(&[r.pick(VALS)])].concat()),
                }
            }
            c
        }
        8 => s(&[
            "BITOP",
            r.pick(&["AND", "OR", "XOR"]),
            r.pick(KEYS),
            &key,
            r.pick(KEYS),
        ]),
        9 => s(&["BITOP", "NOT", r.pick(KEYS), &key]),
        10 => s(&["GET", &key]),
        _ => s(&[
            "LCS",
            &key,
            r.pick(KEYS),
            r.pick(&["LEN", "IDX", "WITHMATCHLEN"]),
        ]),
    }
}

/// The seeded random sequence of bitmap commands of `seed`.
fn random(seed: u64) -> Vec<Vec<String>> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..300).map(|_| random_cmd(&mut r)).collect()
}

#[test]
fn bitmaps() {
    run_family("bitmaps", SEQUENCES);
}

#[test]
fn bitmaps_random_mutated() {
    let seq = |seed| super::seeded::mutated(seed, random(seed));
    super::run_seeded("bitmaps random mutated", &super::seeded::seeds(4), seq);
}

#[test]
fn bitmaps_random() {
    super::run_seeded("bitmaps random", &super::seeded::seeds(16), random);
}

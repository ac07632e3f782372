//! Seeded random generators for the data-type families (strings, lists,
//! hashes, sets, keyspace with SORT), the seeds every seeded family runs,
//! and a sweep of every data-type command over every key type and argument
//! count (`sweep.rs`).
//!
//! Each generator turns a seed into one sequence over a few keys on both
//! shards, where keys of other types collide with the family's commands
//! (wrong-type errors), numbers reach the 64-bit limits (overflow errors), and
//! [`Gen::push`] sometimes drops or adds arguments (arity and syntax errors)
//! and queues runs of commands in `MULTI`.
//! Random picks compare by shape only (see [`RULES`](super::RULES)); commands
//! that would leave random state behind (SPOP of part of a set) are not sent.
//!
//! [`mutated`] does the same to the other families' generated sequences
//! (their `*_mutated` tests).
//!
//! A family runs [`seeds`]`(n)`: its `n` default seeds, plus
//! `KEVY_DIFF_SEEDS=N` more (from `KEVY_DIFF_SEED=S`, default 1000, on): e.g.
//! `KEVY_DIFF_SEEDS=2000 cargo test -p kevy-server --test it differential::`
//! for a long run; a failure names its seed, which `KEVY_DIFF_SEED=S
//! KEVY_DIFF_SEEDS=1` replays.

mod hashes;
mod keyspace;
mod lists;
mod sets;
mod strings;
mod sweep;

use super::{run_family, run_seeded, Seq};

/// One command's arguments.
pub type Cmd = Vec<String>;

/// The seeds a seeded family runs: `1..=default`, then `KEVY_DIFF_SEEDS`
/// more from `KEVY_DIFF_SEED` (1000 when unset) on.
pub fn seeds(default: u64) -> Vec<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    let from = var("KEVY_DIFF_SEED").unwrap_or(1000);
    let extra = var("KEVY_DIFF_SEEDS").unwrap_or(0);
    (1..=default)
        .chain(from..from.saturating_add(extra))
        .collect()
}

/// xorshift64 over a seed, and the sequence being built.
pub struct Gen {
    state: u64,
    seq: Vec<Cmd>,
    /// Commands left to queue in the open `MULTI` (0: none open).
    queued: usize,
}

impl Gen {
    /// A generator for `seed` (the same seed, the same commands).
    pub fn new(seed: u64) -> Gen {
        Gen {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            seq: Vec::new(),
            queued: 0,
        }
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state % n as u64) as usize
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`.
    pub fn pick(&mut self, items: &[&str]) -> String {
        items[self.below(items.len())].to_string()
    }

    /// An integer argument: small ones mostly, sometimes the 64-bit limits,
    /// past them, or not a number.
    pub fn int(&mut self) -> String {
        if self.one_in(8) {
            self.pick(INTS)
        } else {
            (self.below(13) as i64 - 6).to_string()
        }
    }

    /// Appends `cmd`, sometimes with an argument dropped or one more added.
    /// Sometimes inside a `MULTI` … `EXEC` (or `DISCARD`) of a few commands,
    /// where an arity error aborts the transaction; not a command whose
    /// reply compares under a [`Rule`](super::Rule) (EXEC's compares exactly).
    pub fn push(&mut self, mut c: Cmd) {
        // As they are: random picks (a dropped count pops at random), scans
        // (cut short, they stop at a cursor of their own) and clock readings.
        let name = c[0].to_ascii_uppercase();
        if super::RULES
            .iter()
            .any(|(n, _)| n.split(' ').next() == Some(&name))
        {
            return self.exact(c);
        }
        match self.below(60) {
            0 if c.len() > 1 => {
                let at = self.below(c.len() - 1) + 1;
                c.truncate(at);
            }
            1 => c.push(self.pick(&["x", "1", "-1", "COUNT", "LIMIT"])),
            _ => {}
        }
        if self.queued == 0 && self.one_in(40) {
            self.seq.push(cmd(&["MULTI"]));
            self.queued = 1 + self.below(5);
        }
        self.seq.push(c);
        self.end_multi(false);
    }

    /// Counts one queued command; ends the transaction after the last (or
    /// with `now`).
    fn end_multi(&mut self, now: bool) {
        if self.queued == 0 {
            return;
        }
        self.queued -= 1;
        if now || self.queued == 0 {
            self.queued = 0;
            let end = if self.one_in(8) { "DISCARD" } else { "EXEC" };
            self.seq.push(cmd(&[end]));
        }
    }

    /// Appends `cmd` as it is (outside any transaction).
    pub fn exact(&mut self, cmd: Cmd) {
        self.end_multi(true);
        self.seq.push(cmd);
    }

    /// The sequence.
    pub fn finish(mut self) -> Vec<Cmd> {
        self.end_multi(true);
        self.seq
    }

    /// A family's seeded sequence: 300 commands from `one`, then, as they
    /// are, `read(key)` for every key (its contents, its type or encoding)
    /// and the commands of `after` (settings put back).
    pub fn sequence(
        seed: u64,
        one: fn(&mut Gen),
        keys: &[&str],
        read: impl Fn(&str) -> [Cmd; 2],
        after: &[&[&str]],
    ) -> Vec<Cmd> {
        let mut g = Gen::new(seed);
        for _ in 0..300 {
            one(&mut g);
        }
        for k in keys {
            read(k).into_iter().for_each(|c| g.exact(c));
        }
        after.iter().for_each(|c| g.exact(cmd(c)));
        g.finish()
    }
}

/// `seq` (another family's generated sequence) as [`Gen::push`] sends it:
/// arguments sometimes dropped or added, runs of commands in `MULTI`.
pub fn mutated(seed: u64, seq: Vec<Cmd>) -> Vec<Cmd> {
    let mut g = Gen::new(seed ^ 0x5EED_0F3A_7E00);
    for c in seq {
        g.push(c);
    }
    g.finish()
}

/// Integers at and past the limits, and not quite integers.
pub const INTS: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "4611686018427387904",
    "-4611686018427387904",
    "2147483648",
    "-2147483649",
    "007",
    "+1",
    "-0",
    " 1",
    "1.0",
    "1e3",
    "abc",
    "",
];

/// Floats: exact and inexact decimals, exponents, infinities, not numbers.
pub const FLOATS: &[&str] = &[
    "0",
    "1",
    "-1",
    "0.1",
    "1.5",
    "-2.25",
    "3.0e2",
    "1e-5",
    "1.7976931348623157e308",
    "1e308",
    "-1e308",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "5e-324",
    "0.3333333333333333",
    "10.50",
    "-0",
    " 1",
    "1 ",
    "0x10",
    "abc",
    "",
    "1e",
    "123456789012345678",
    "1.23456789012345678",
];

/// `parts` as owned arguments.
pub fn cmd(parts: &[&str]) -> Cmd {
    parts.iter().map(|s| s.to_string()).collect()
}

/// `verb` followed by `args`.
pub fn with(verb: &str, args: impl IntoIterator<Item = String>) -> Cmd {
    std::iter::once(verb.to_string()).chain(args).collect()
}

/// Puts a key of another type at `key` (for wrong-type errors).
pub fn other_type(g: &mut Gen, key: &str) -> Cmd {
    let k = key.to_string();
    match g.below(5) {
        0 => with("SET", [k, "1".into()]),
        1 => with("RPUSH", [k, "a".into()]),
        2 => with("SADD", [k, "a".into()]),
        3 => with("HSET", [k, "f".into(), "1".into()]),
        _ => with("ZADD", [k, "1".into(), "a".into()]),
    }
}

/// What the generators found, fixed: each case as a sequence of its own.
const REGRESSIONS: &[Seq] = &[
    // A blocking pop with a ready key on another shard (or a wrong type
    // there) answers it, however short its timeout: l3 and l4 live on one
    // shard, l0 and l6 on the other, so the pops on one shard's keys are
    // remote from the connection, and those over both cross shards.
    &[
        &["RPUSH", "l3", "1", "2", "3"],
        &["BRPOP", "l4", "l3", "0.001"],
        &["BLPOP", "l3", "0.001"],
        &["RPUSH", "l6", "x", "y"],
        &["BLPOP", "l6", "0.001"],
        &["BRPOP", "l4", "l6", "0.001"],
        &["BLPOP", "l6", "0.001"],
        &["RPUSH", "l4", "x"],
        &["BLPOP", "l4", "0.001"],
        &["BLPOP", "l4", "0.001"],
        &["SET", "l0", "s"],
        &["BLPOP", "l4", "l0", "0.001"],
        &["BLPOP", "l0", "0.001"],
        &["BLMOVE", "l3", "l4", "LEFT", "RIGHT", "0.001"],
        &["BLMPOP", "0.001", "2", "l4", "l3", "LEFT"],
        &["LRANGE", "l4", "0", "-1"],
    ],
    // Inside MULTI, arguments only the command itself rejects (numkeys,
    // timeouts, LIMIT, directions) are queued, their errors EXEC's replies;
    // a wrong arity fails the transaction.
    &[
        &["MULTI"],
        &["RPUSH", "l1", "a", "b"],
        &["LMPOP", "-1", "l1", "LEFT"],
        &["LMPOP", "1", "l1", "MIDDLE"],
        &["SINTERCARD", "0", "t"],
        &["ZINTERCARD", "0", "z"],
        &["ZMPOP", "0", "z", "MIN"],
        &["SORT", "l1", "LIMIT", "x", "1"],
        &["BLPOP", "l1", "x"],
        &["BRPOP", "l1", "l3", "-1"],
        &["LMOVE", "l1", "l2", "MIDDLE", "LEFT"],
        &["BLMOVE", "l1", "l2", "LEFT", "LEFT", "x"],
        &["BLMPOP", "x", "1", "l1", "LEFT"],
        &["BZMPOP", "0", "0", "z", "MIN"],
        &["MSETNX", "a", "1", "b"],
        &["HSET", "h", "f", "v", "g"],
        &["RPUSH", "l1", "c"],
        &["EXEC"],
        &["LRANGE", "l1", "0", "-1"],
        &["MULTI"],
        &["RPUSH", "l1", "d"],
        &["LMPOP", "1"],
        &["EXEC"],
        &["LRANGE", "l1", "0", "-1"],
    ],
    // Strings modified in place are `raw` whatever their length; an empty
    // SETRANGE leaves the encoding; INCRBYFLOAT and SET make them whole.
    &[
        &["SET", "s", "abc"],
        &["OBJECT", "ENCODING", "s"],
        &["APPEND", "s", "d"],
        &["OBJECT", "ENCODING", "s"],
        &["INCR", "n"],
        &["APPEND", "n", ""],
        &["OBJECT", "ENCODING", "n"],
        &["SET", "t", "abc"],
        &["SETRANGE", "t", "1", ""],
        &["OBJECT", "ENCODING", "t"],
        &["SETRANGE", "t", "1", "x"],
        &["OBJECT", "ENCODING", "t"],
        &["SETRANGE", "u", "3", "x"],
        &["OBJECT", "ENCODING", "u"],
        &["SETBIT", "b", "7", "1"],
        &["OBJECT", "ENCODING", "b"],
        &["PFADD", "p", "a"],
        &["OBJECT", "ENCODING", "p"],
        &["COPY", "s", "s2"],
        &["OBJECT", "ENCODING", "s2"],
        &["RENAME", "t", "t2"],
        &["OBJECT", "ENCODING", "t2"],
        &["SET", "f", "1.5"],
        &["APPEND", "f", "0"],
        &["INCRBYFLOAT", "f", "1"],
        &["OBJECT", "ENCODING", "f"],
        &["SET", "s", "abc", "GET"],
        &["OBJECT", "ENCODING", "s"],
        // A copy of a 33-44 byte string made whole stays `embstr`.
        &["SET", "s5", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"],
        &["SET", "s4", "abc"],
        &["APPEND", "s4", "x"],
        &["COPY", "s5", "s4", "REPLACE"],
        &["OBJECT", "ENCODING", "s4"],
        &["COPY", "s5", "{s5}6"],
        &["OBJECT", "ENCODING", "{s5}6"],
    ],
];

#[test]
fn seeded_regressions() {
    use crate::util::shard_of;
    assert_eq!(shard_of("l3"), shard_of("l4"), "the blocking case's keys");
    assert_ne!(shard_of("l3"), shard_of("l6"), "the blocking case's keys");
    assert_ne!(shard_of("l4"), shard_of("l0"), "the blocking case's keys");
    run_family("seeded regressions", REGRESSIONS);
}

#[test]
fn sweep() {
    // Every argument count in a long run (extra seeds), most without.
    let full = std::env::var_os("KEVY_DIFF_SEEDS").is_some();
    super::run_generated("sweep", &sweep::sequences(full));
}

#[test]
fn strings_random() {
    run_seeded("strings random", &seeds(12), strings::sequence);
}

#[test]
fn lists_random() {
    run_seeded("lists random", &seeds(12), lists::sequence);
}

#[test]
fn hashes_random() {
    run_seeded("hashes random", &seeds(12), hashes::sequence);
}

#[test]
fn sets_random() {
    run_seeded("sets random", &seeds(12), sets::sequence);
}

#[test]
fn keyspace_random() {
    run_seeded("keyspace random", &seeds(12), keyspace::sequence);
}

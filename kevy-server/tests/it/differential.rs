//! Differential tests: the same command sequences go to a real redis-server 7.0 and
//! to kevy (2 shards); the replies must be equal byte for byte.
//!
//! A family of commands is a module with a `SEQUENCES` table and one `#[test]`
//! calling [`run_family`]. Every sequence starts on a fresh connection to an
//! emptied server (`FLUSHALL`), and stops at its first mismatch (the states
//! differ from there on); the family's test fails listing every mismatch.
//!
//! Steps are compared exactly, except where Redis's reply is not a fixed byte
//! string; [`RULES`] names those commands:
//! - unordered arrays (`KEYS`) are compared after sorting their elements;
//! - clock-derived integers (`TTL`, `PTTL`, `EXPIRETIME`…) must, when they are not
//!   equal, both be positive times to live within 1% of each other ([`Rule::Ttl`]);
//! - `COMMAND COUNT` is only required to be an integer on both sides;
//! - set members and hash fields in Redis's hash-table encoding come in no defined
//!   order: SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS compare sorted, HGETALL as
//!   sorted pairs, SSCAN, HSCAN and ZSCAN as a cursor plus sorted elements (pairs);
//! - CONFIG GET lists its settings in hash order: compared as sorted pairs;
//! - random picks (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY) must have the same
//!   shape: the same kind of reply and, for arrays, the same length ([`Rule::Random`]);
//! - SCAN compares like SSCAN (sequences only use calls that finish the scan: kevy's
//!   cursors are its own), and `OBJECT IDLETIME` needs only an integer (a clock).
//!
//! The empty step `&[]` sends an empty multibulk (`*0\r\n`), which has no reply;
//! `QUIT` must close both connections (the sequence then goes on over new ones).
//!
//! `KEVY_DIFF_TRACE=1` prints every step with Redis's reply (`--nocapture`).
//!
//! [`run_raw`] compares raw request bytes instead (pipelines, inline quoting,
//! protocol errors): everything each server writes until it closes.
//!
//! To add a family (lists, hashes…): a module `differential/<family>.rs` with its
//! `SEQUENCES`, a `mod` line below, and rules for its unordered replies in
//! [`RULES`]. Once a family has a wrong-type error, its sequences also cover it.

mod bitmaps;
mod connection;
mod generated;
mod hashes;
mod hyperloglog;
mod keyspace;
mod keyspace2;
mod lists;
mod memory;
mod mixed;
mod raw;
mod server;
mod sets;
mod strings;
mod zsets;

use kevy_rt::Server;

use crate::util::{
    array_items, bulk_body, encode, encode_str, escape, integer, kevy, Raw, RedisServer,
};

/// A command sequence: each step is one command's arguments.
pub type Seq = &'static [&'static [&'static str]];

/// How two replies to one command are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Byte for byte.
    Exact,
    /// Arrays whose order Redis leaves undefined: equal once the elements are sorted.
    Unordered,
    /// A remaining time to live: equal, or both positive and within 1% (+1 for
    /// rounding to seconds) of each other. Sequences use large TTLs, so the few
    /// milliseconds between the two servers' replies are far inside that range, and
    /// any unit or offset mistake far outside it.
    Ttl,
    /// An absolute Unix time in seconds (or milliseconds with `true`): equal, or
    /// both in the future and, as times to live from now, agreeing like [`Rule::Ttl`].
    UnixTime(bool),
    /// Both integers, of any value.
    AnyInteger,
    /// Arrays of `field, value` pairs in no defined order: equal once the pairs are
    /// sorted.
    UnorderedPairs,
    /// A SCAN reply (`[cursor, [elements]]`): the same cursor, and the elements equal
    /// once sorted (as pairs with `true`).
    Scan(bool),
    /// Random picks: both errors and equal, or the same kind of reply and, for
    /// arrays, the same length.
    Random,
}

/// Commands whose replies are not compared exactly, by name (upper case), or by
/// `"NAME SUBCOMMAND"`.
pub const RULES: &[(&str, Rule)] = &[
    ("KEYS", Rule::Unordered),
    ("TTL", Rule::Ttl),
    ("PTTL", Rule::Ttl),
    ("EXPIRETIME", Rule::UnixTime(false)),
    ("PEXPIRETIME", Rule::UnixTime(true)),
    ("COMMAND COUNT", Rule::AnyInteger),
    ("SMEMBERS", Rule::Unordered),
    ("SINTER", Rule::Unordered),
    ("SUNION", Rule::Unordered),
    ("SDIFF", Rule::Unordered),
    ("HKEYS", Rule::Unordered),
    ("HVALS", Rule::Unordered),
    ("HGETALL", Rule::UnorderedPairs),
    ("CONFIG GET", Rule::UnorderedPairs),
    ("SSCAN", Rule::Scan(false)),
    ("HSCAN", Rule::Scan(true)),
    ("ZSCAN", Rule::Scan(true)),
    ("SPOP", Rule::Random),
    ("SRANDMEMBER", Rule::Random),
    ("HRANDFIELD", Rule::Random),
    ("SCAN", Rule::Scan(false)),
    ("RANDOMKEY", Rule::Random),
    ("OBJECT IDLETIME", Rule::AnyInteger),
];

fn rule_for(cmd: &[&str]) -> Rule {
    let name = cmd
        .first()
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    let full = match cmd.get(1) {
        Some(sub) => format!("{name} {}", sub.to_ascii_uppercase()),
        None => name.clone(),
    };
    RULES
        .iter()
        .find(|(n, _)| *n == full)
        .or_else(|| RULES.iter().find(|(n, _)| *n == name))
        .map_or(Rule::Exact, |&(_, r)| r)
}

/// Whether two replies to `cmd` agree under its [`Rule`].
pub fn agree(cmd: &[&str], redis: &[u8], kevy: &[u8]) -> bool {
    if redis == kevy {
        return true;
    }
    match rule_for(cmd) {
        Rule::Exact => false,
        Rule::Unordered => match (array_items(redis), array_items(kevy)) {
            (Some(mut a), Some(mut b)) => {
                a.sort_unstable();
                b.sort_unstable();
                a == b
            }
            _ => false,
        },
        Rule::Ttl => match (integer(redis), integer(kevy)) {
            (Some(a), Some(b)) => ttls_agree(a, b),
            _ => false,
        },
        Rule::UnixTime(millis) => match (integer(redis), integer(kevy)) {
            (Some(a), Some(b)) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("the clock is after 1970");
                let now = if millis {
                    now.as_millis()
                } else {
                    now.as_secs() as u128
                } as i64;
                ttls_agree(a - now, b - now)
            }
            _ => false,
        },
        Rule::AnyInteger => integer(redis).is_some() && integer(kevy).is_some(),
        Rule::UnorderedPairs => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) => sorted_pairs(&a) == sorted_pairs(&b),
            _ => false,
        },
        Rule::Scan(pairs) => match (array_items(redis), array_items(kevy)) {
            (Some(a), Some(b)) if a.len() == 2 && b.len() == 2 => {
                let (ea, eb) = (array_items(a[1]), array_items(b[1]));
                a[0] == b[0]
                    && match (ea, eb) {
                        (Some(mut x), Some(mut y)) if !pairs => {
                            x.sort_unstable();
                            y.sort_unstable();
                            x == y
                        }
                        (Some(x), Some(y)) => sorted_pairs(&x) == sorted_pairs(&y),
                        _ => false,
                    }
            }
            _ => false,
        },
        Rule::Random => match (redis.first(), kevy.first()) {
            (Some(b'*'), Some(b'*')) => match (array_items(redis), array_items(kevy)) {
                (Some(a), Some(b)) => a.len() == b.len(),
                (None, None) => true,
                _ => false,
            },
            (Some(b'$'), Some(b'$')) => bulk_body(redis).is_some() == bulk_body(kevy).is_some(),
            _ => false,
        },
    }
}

/// The `field, value` pairs of an array's items, sorted.
fn sorted_pairs<'a>(items: &[&'a [u8]]) -> Option<Vec<(&'a [u8], &'a [u8])>> {
    if !items.len().is_multiple_of(2) {
        return None;
    }
    let mut pairs: Vec<_> = items.chunks(2).map(|p| (p[0], p[1])).collect();
    pairs.sort_unstable();
    Some(pairs)
}

/// Two times to live agree: both positive and within 1% (+1) of each other.
fn ttls_agree(a: i64, b: i64) -> bool {
    a > 0 && b > 0 && a.abs_diff(b) <= a.max(b) as u64 / 100 + 1
}

/// A redis-server and a kevy, side by side.
pub struct Pair {
    redis: RedisServer,
    kevy: Server,
}

impl Pair {
    /// Starts both servers.
    pub fn start() -> Pair {
        Pair {
            redis: RedisServer::start(),
            kevy: kevy(),
        }
    }

    fn connect(&self) -> (Raw, Raw) {
        (
            Raw::connect(self.redis.addr()),
            Raw::connect(self.kevy.addr()),
        )
    }
}

/// The first disagreement in a sequence.
struct Mismatch {
    seq: usize,
    step: usize,
    cmd: String,
    redis: Vec<u8>,
    kevy: Vec<u8>,
}

/// What a family's run compared.
#[derive(Default)]
struct Tally {
    sequences: usize,
    commands: usize,
}

/// Runs every sequence against redis-server and kevy; fails listing the first
/// mismatch of each failing sequence, and prints how much was compared.
pub fn run_family(family: &str, seqs: &[Seq]) {
    run_sequences(family, seqs);
}

/// [`run_family`] for sequences built at run time (many keys, generated values).
pub fn run_generated(family: &str, seqs: &[Vec<Vec<String>>]) {
    let strs: Vec<Vec<Vec<&str>>> = seqs
        .iter()
        .map(|seq| {
            seq.iter()
                .map(|cmd| cmd.iter().map(String::as_str).collect())
                .collect()
        })
        .collect();
    let steps: Vec<Vec<&[&str]>> = strs
        .iter()
        .map(|seq| seq.iter().map(Vec::as_slice).collect())
        .collect();
    let views: Vec<&[&[&str]]> = steps.iter().map(Vec::as_slice).collect();
    run_sequences(family, &views);
}

fn run_sequences(family: &str, seqs: &[&[&[&str]]]) {
    let pair = Pair::start();
    let mut tally = Tally::default();
    let mut mismatches = Vec::new();
    for (i, seq) in seqs.iter().enumerate() {
        tally.sequences += 1;
        if let Err(m) = run_sequence(&pair, i, seq, &mut tally) {
            mismatches.push(m);
        }
    }
    let summary = format!(
        "differential {family}: {} sequences, {} commands compared, {} sequences differ",
        tally.sequences,
        tally.commands,
        mismatches.len()
    );
    println!("{summary}");
    if mismatches.is_empty() {
        return;
    }
    let mut report = summary;
    for m in &mismatches {
        report.push_str(&format!(
            "\n\n[{family} #{}, step {}] {}\n  redis: {}\n  kevy:  {}\n  sequence: {}",
            m.seq,
            m.step,
            m.cmd,
            escape(&m.redis),
            escape(&m.kevy),
            leading_steps(seqs[m.seq], m.step)
        ));
    }
    panic!("{report}");
}

/// Sends each input (then a multibulk `QUIT`) over a fresh connection to both
/// servers; what each writes until it closes must be equal.
pub fn run_raw(family: &str, inputs: &[&[u8]]) {
    let pair = Pair::start();
    let mut failures = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let (mut r, mut k) = pair.connect();
        let (fr, fk) = (r.call(&["FLUSHALL"]), k.call(&["FLUSHALL"]));
        assert_eq!(fr, fk, "FLUSHALL (setup)");
        let bytes = [*input, &encode(&[b"QUIT"])].concat();
        let _ = r.try_send(&bytes);
        let _ = k.try_send(&bytes);
        let (rr, kr) = (r.read_to_close(), k.read_to_close());
        if trace() {
            println!("[#{i}] {} -> {}", escape(input), escape(&rr));
        }
        if rr != kr {
            failures.push(format!(
                "[{family} #{i}] {}\n  redis: {}\n  kevy:  {}",
                escape(input),
                escape(&rr),
                escape(&kr)
            ));
        }
    }
    let summary = format!(
        "differential {family}: {} inputs compared, {} differ",
        inputs.len(),
        failures.len()
    );
    println!("{summary}");
    assert!(
        failures.is_empty(),
        "{summary}\n\n{}",
        failures.join("\n\n")
    );
}

/// The steps of `seq` up to `last`, the earlier ones elided past a dozen.
fn leading_steps(seq: &[&[&str]], last: usize) -> String {
    const SHOWN: usize = 12;
    let end = (last + 1).min(seq.len());
    let start = end.saturating_sub(SHOWN);
    let shown = format!("{:?}", &seq[start..end]);
    match start {
        0 => shown,
        n => format!("({n} earlier steps) … {shown}"),
    }
}

fn trace() -> bool {
    std::env::var_os("KEVY_DIFF_TRACE").is_some_and(|v| v != "0")
}

fn run_sequence(
    pair: &Pair,
    index: usize,
    seq: &[&[&str]],
    tally: &mut Tally,
) -> Result<(), Mismatch> {
    let (mut r, mut k) = pair.connect();
    let mismatch = |step: usize, cmd: String, redis: Vec<u8>, kevy: Vec<u8>| Mismatch {
        seq: index,
        step,
        cmd,
        redis,
        kevy,
    };
    let (fr, fk) = (r.call(&["FLUSHALL"]), k.call(&["FLUSHALL"]));
    if fr != fk {
        return Err(mismatch(0, "FLUSHALL (setup)".into(), fr, fk));
    }
    // An empty multibulk has no reply; a PING after it shows whether one came.
    let needs_ping = seq.last().is_some_and(|s| s.is_empty());
    let ping: &[&str] = &["PING"];
    let steps = seq.iter().copied().chain(needs_ping.then_some(ping));
    for (step, cmd) in steps.enumerate() {
        tally.commands += 1;
        if cmd.is_empty() {
            r.send(&encode(&[]));
            k.send(&encode(&[]));
            continue;
        }
        let bytes = encode_str(cmd);
        r.send(&bytes);
        k.send(&bytes);
        let (rr, kr) = (r.try_reply(), k.try_reply());
        let shown = format!("{cmd:?}");
        if trace() {
            let r = rr.as_deref().map_or("<closed>".into(), escape);
            println!("[#{index}.{step}] {shown} -> {r}");
        }
        match (rr, kr) {
            (Some(a), Some(b)) if agree(cmd, &a, &b) => {}
            (a, b) => {
                let closed = || b"<connection closed>".to_vec();
                return Err(mismatch(
                    step,
                    shown,
                    a.unwrap_or_else(closed),
                    b.unwrap_or_else(closed),
                ));
            }
        }
        if cmd[0].eq_ignore_ascii_case("QUIT") {
            // Both must close: a PING sent now gets no reply.
            let _ = r.try_send(&encode(&[b"PING"]));
            let _ = k.try_send(&encode(&[b"PING"]));
            let (rr, kr) = (r.try_reply(), k.try_reply());
            if rr.is_some() || kr.is_some() {
                let open = |x: Option<Vec<u8>>| {
                    x.map_or(b"<closed>".to_vec(), |v| [b"<open> ".to_vec(), v].concat())
                };
                return Err(mismatch(
                    step,
                    format!("{shown}, then PING on the same connection"),
                    open(rr),
                    open(kr),
                ));
            }
            (r, k) = pair.connect();
        }
    }
    Ok(())
}

#[test]
fn rules_tolerate_only_clock_drift_and_order() {
    assert!(agree(&["TTL", "a"], b":100000\r\n", b":99999\r\n"));
    assert!(!agree(&["TTL", "a"], b":100000\r\n", b":100000000\r\n"));
    assert!(!agree(&["TTL", "a"], b":-1\r\n", b":-2\r\n"));
    assert!(!agree(&["PTTL", "a"], b":5\r\n", b"$1\r\n5\r\n"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (a, b) = (
        format!(":{}\r\n", now + 100_000),
        format!(":{}\r\n", now + 99_999),
    );
    assert!(agree(&["EXPIRETIME", "a"], a.as_bytes(), b.as_bytes()));
    let c = format!(":{}\r\n", now + 1000);
    assert!(!agree(&["EXPIRETIME", "a"], a.as_bytes(), c.as_bytes()));
    assert!(agree(
        &["KEYS", "*"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["MGET", "a", "b"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(agree(&["command", "count"], b":240\r\n", b":57\r\n"));
    assert!(agree(
        &["HGETALL", "h"],
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
        b"*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"
    ));
    assert!(!agree(
        &["HGETALL", "h"],
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
        b"*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n"
    ));
    assert!(agree(
        &["SSCAN", "s", "0"],
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["SSCAN", "s", "0"],
        b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n",
        b"*2\r\n$1\r\n5\r\n*1\r\n$1\r\na\r\n"
    ));
    assert!(agree(&["SPOP", "s"], b"$1\r\na\r\n", b"$1\r\nb\r\n"));
    assert!(!agree(&["SPOP", "s"], b"$1\r\na\r\n", b"$-1\r\n"));
    assert!(!agree(
        &["SRANDMEMBER", "s", "-2"],
        b"*2\r\n$1\r\na\r\n$1\r\na\r\n",
        b"*1\r\n$1\r\na\r\n"
    ));
    assert!(!agree(
        &["SRANDMEMBER", "s", "x"],
        b"-ERR x\r\n",
        b"-ERR y\r\n"
    ));
    assert!(!agree(&["COMMAND", "COUNT"], b":240\r\n", b"-ERR x\r\n"));
}

/// The key positions of a multi-key sorted set, bitmap or HyperLogLog command.
fn typed_keys<'a>(cmd: &[&'a str]) -> Vec<&'a str> {
    let name = cmd[0].to_ascii_uppercase();
    let numkeys = |at: usize| -> Vec<&'a str> {
        let n: usize = cmd.get(at).and_then(|n| n.parse().ok()).unwrap_or(0);
        cmd.iter().skip(at + 1).take(n).copied().collect()
    };
    match name.as_str() {
        "ZUNION" | "ZINTER" | "ZDIFF" | "ZINTERCARD" | "ZMPOP" => numkeys(1),
        "ZUNIONSTORE" | "ZINTERSTORE" | "ZDIFFSTORE" => {
            let mut k = numkeys(2);
            k.push(cmd[1]);
            k
        }
        "BITOP" => cmd.iter().skip(2).copied().collect(),
        "PFCOUNT" | "PFMERGE" => cmd.iter().skip(1).copied().collect(),
        "LCS" | "ZRANGESTORE" => cmd.iter().skip(1).take(2).copied().collect(),
        _ => Vec::new(),
    }
}

#[test]
fn typed_multi_key_sequences_cross_shards() {
    use crate::util::shard_of;
    let families = [zsets::SEQUENCES, bitmaps::SEQUENCES, hyperloglog::SEQUENCES];
    let crossing: std::collections::HashSet<String> = families
        .iter()
        .flat_map(|f| f.iter())
        .flat_map(|seq| seq.iter())
        .filter(|cmd| {
            let shards: std::collections::HashSet<usize> =
                typed_keys(cmd).iter().map(|k| shard_of(k)).collect();
            shards.len() > 1
        })
        .map(|cmd| cmd[0].to_ascii_uppercase())
        .collect();
    for name in [
        "ZUNION",
        "ZINTER",
        "ZDIFF",
        "ZINTERCARD",
        "ZUNIONSTORE",
        "ZINTERSTORE",
        "ZDIFFSTORE",
        "ZMPOP",
        "ZRANGESTORE",
        "BITOP",
        "LCS",
        "PFCOUNT",
        "PFMERGE",
    ] {
        assert!(crossing.contains(name), "no {name} step spans shards");
    }
}

#[test]
fn collection_sequences_cross_shards() {
    use crate::util::shard_of;
    // Keys from index 1 to the end, except: numkeys commands (their keys follow
    // the count) and the fixed two-key moves.
    let crossing = |verb: &str| {
        [lists::SEQUENCES, sets::SEQUENCES]
            .iter()
            .flat_map(|f| f.iter())
            .flat_map(|seq| seq.iter())
            .filter(|cmd| cmd.first().is_some_and(|c| c.eq_ignore_ascii_case(verb)))
            .filter(|cmd| {
                let keys: Vec<&str> = match verb {
                    "LMPOP" | "SINTERCARD" => {
                        let n: usize = cmd.get(1).and_then(|n| n.parse().ok()).unwrap_or(0);
                        cmd.iter().skip(2).take(n).copied().collect()
                    }
                    "LMOVE" | "RPOPLPUSH" | "SMOVE" => {
                        cmd.iter().skip(1).take(2).copied().collect()
                    }
                    _ => cmd.iter().skip(1).copied().collect(),
                };
                let shards: std::collections::HashSet<usize> =
                    keys.iter().map(|k| shard_of(k)).collect();
                shards.len() > 1
            })
            .count()
    };
    for verb in [
        "LMOVE",
        "RPOPLPUSH",
        "LMPOP",
        "SMOVE",
        "SINTER",
        "SUNION",
        "SDIFF",
        "SINTERSTORE",
        "SUNIONSTORE",
        "SDIFFSTORE",
        "SINTERCARD",
    ] {
        assert!(
            crossing(verb) >= 2,
            "only {} {verb} steps span shards",
            crossing(verb)
        );
    }
}

#[test]
fn multi_key_sequences_cross_shards() {
    use crate::util::shard_of;
    const MULTI: &[&str] = &["MSET", "MSETNX", "MGET", "DEL", "UNLINK", "EXISTS", "TOUCH"];
    let families = [
        connection::SEQUENCES,
        keyspace::SEQUENCES,
        strings::SEQUENCES,
    ];
    let crossing = families
        .iter()
        .flat_map(|f| f.iter())
        .flat_map(|seq| seq.iter())
        .filter(|cmd| {
            cmd.first()
                .is_some_and(|c| MULTI.contains(&c.to_ascii_uppercase().as_str()))
        })
        .filter(|cmd| {
            let step = if cmd[0].to_ascii_uppercase().starts_with("MSET") {
                2
            } else {
                1
            };
            let shards: std::collections::HashSet<usize> =
                cmd[1..].iter().step_by(step).map(|k| shard_of(k)).collect();
            shards.len() > 1
        })
        .count();
    assert!(
        crossing >= 10,
        "only {crossing} multi-key steps span shards"
    );
}

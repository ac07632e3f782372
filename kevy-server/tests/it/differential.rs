//! Differential tests: the same command sequences go to a real redis-server 7.0 and
//! to kevy (2 shards); the replies must be equal byte for byte.
//!
//! A family of commands is a module with a `SEQUENCES` table and one `#[test]`
//! calling [`run_family`]. Every sequence starts on a fresh connection to an
//! emptied server (`FLUSHALL`), and stops at its first mismatch (the states
//! differ from there on); the family's test fails listing every mismatch.
//!
//! Steps are compared exactly, except where Redis's reply is not a fixed byte
//! string; [`RULES`](rules::RULES) names those commands:
//! - unordered arrays (`KEYS`) are compared after sorting their elements;
//! - clock-derived integers (`TTL`, `PTTL`, `EXPIRETIME`…) must, when they are not
//!   equal, both be positive times to live within 1% of each other
//!   ([`Rule::Ttl`](rules::Rule::Ttl));
//! - `COMMAND COUNT` is only required to be an integer on both sides;
//! - set members and hash fields in Redis's hash-table encoding come in no defined
//!   order: SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS compare sorted, HGETALL as
//!   sorted pairs, SSCAN, HSCAN and ZSCAN as a cursor plus sorted elements (pairs);
//! - CONFIG GET lists its settings in hash order: compared as sorted pairs;
//! - random picks (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY) must have the same
//!   shape: the same kind of reply and, for arrays, the same length
//!   ([`Rule::Random`](rules::Rule::Random));
//! - SCAN compares like SSCAN (sequences only use calls that finish the scan: kevy's
//!   cursors are its own), and `OBJECT IDLETIME` needs only an integer (a clock).
//!
//! Every family runs twice: in RESP2, then in RESP3 (each connection starts
//! with `HELLO 3`). RESP3's maps and sets compare under the same rules as
//! the arrays they replace (a map as its pairs), and must have the same type
//! on both sides. HELLO's reply is compared without its `id` field.
//!
//! The empty step `&[]` sends an empty multibulk (`*0\r\n`), which has no reply;
//! `QUIT` must close both connections (the sequence then goes on over new ones).
//!
//! `KEVY_DIFF_TRACE=1` prints every step with Redis's reply (`--nocapture`).
//!
//! Seeded random families ([`run_seeded`]: `seeded.rs` and the `random`
//! generators of the others) run their default seeds, plus
//! `KEVY_DIFF_SEEDS=N` more from `KEVY_DIFF_SEED` (1000 when unset) on;
//! a mismatch names its seed.
//!
//! [`run_raw`] compares raw request bytes instead (pipelines, inline quoting,
//! protocol errors): everything each server writes until it closes.
//!
//! To add a family (lists, hashes…): a module `differential/<family>.rs` with its
//! `SEQUENCES`, a `mod` line below, and rules for its unordered replies in
//! [`RULES`](rules::RULES). Once a family has a wrong-type error, its sequences
//! also cover it.

mod acl;
mod bitmaps;
mod blocking;
mod config_params;
mod connection;
pub(crate) mod digest;
mod encodings;
mod generated;
mod geo;
mod hashes;
mod hyperloglog;
mod info;
mod keyspace;
mod keyspace2;
mod lists;
mod memory;
mod mixed;
mod pubsub;
mod raw;
mod rules;
mod scripting;
mod scripting_acl;
mod scripting_global;
mod scripting_multi;
mod scripting_struct;
pub mod seeded;
mod server;
mod sets;
mod stream_blocking;
mod stream_groups;
mod stream_random;
mod streams;
mod strings;
mod transactions;
mod watch;
mod zsets;

use kevy_rt::Server;

use rules::agree;
#[allow(unused_imports)] // named by the docs above
pub use rules::{Rule, RULES};

use crate::util::{encode, encode_str, escape, kevy, Raw, RedisServer};

/// A command sequence: each step is one command's arguments.
pub type Seq = &'static [&'static [&'static str]];

/// The protocol a run speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// RESP2, every connection's default.
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
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

    /// Starts both servers with `DEBUG` enabled.
    pub fn start_debug() -> Pair {
        let commands = kevy_commands::Redis::default();
        commands
            .config()
            .load("enable-debug-command", &["yes"])
            .expect("debug on");
        Pair {
            redis: RedisServer::start_with(&["--enable-debug-command", "yes"]),
            kevy: crate::util::kevy_with(commands),
        }
    }

    fn connect(&self) -> (Raw, Raw) {
        (
            Raw::connect(self.redis.addr()),
            Raw::connect(self.kevy.addr()),
        )
    }

    /// Connects to both, in `proto`.
    pub(super) fn connect_in(&self, proto: Proto) -> (Raw, Raw) {
        let (mut r, mut k) = self.connect();
        if proto == Proto::Resp3 {
            for c in [&mut r, &mut k] {
                let reply = c.call(&["HELLO", "3"]);
                assert!(reply.starts_with(b"%7\r\n"), "HELLO 3: {}", escape(&reply));
            }
        }
        (r, k)
    }
}

/// The first disagreement in a sequence.
struct Mismatch {
    proto: Proto,
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
    with_views(seqs, |views| run_sequences(family, views));
}

/// [`run_generated`] over one sequence per seed, made by `sequence`; a mismatch
/// names its seed (see [`seeded::seeds`]).
pub fn run_seeded(family: &str, seeds: &[u64], sequence: impl Fn(u64) -> Vec<Vec<String>>) {
    let seqs: Vec<Vec<Vec<String>>> = seeds.iter().map(|&s| sequence(s)).collect();
    with_views(&seqs, |views| {
        run_sequences_labeled(Pair::start(), family, views, Some(seeds))
    });
}

/// Calls `f` with `seqs` borrowed as the runner's sequences of `&str` steps.
fn with_views(seqs: &[Vec<Vec<String>>], f: impl FnOnce(&[&[&[&str]]])) {
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
    f(&views);
}

/// [`run_family`] with `DEBUG` enabled on both servers.
pub fn run_family_debug(family: &str, seqs: &[Seq]) {
    run_sequences_on(Pair::start_debug(), family, seqs);
}

fn run_sequences(family: &str, seqs: &[&[&[&str]]]) {
    run_sequences_on(Pair::start(), family, seqs);
}

fn run_sequences_on(pair: Pair, family: &str, seqs: &[&[&[&str]]]) {
    run_sequences_labeled(pair, family, seqs, None);
}

/// Runs `seqs` (the seed of each in `seeds`, if they have one).
fn run_sequences_labeled(pair: Pair, family: &str, seqs: &[&[&[&str]]], seeds: Option<&[u64]>) {
    let mut tally = Tally::default();
    let mut mismatches = Vec::new();
    for proto in [Proto::Resp2, Proto::Resp3] {
        for (i, seq) in seqs.iter().enumerate() {
            tally.sequences += 1;
            if let Err(m) = run_sequence(&pair, proto, i, seq, &mut tally) {
                mismatches.push(m);
            }
        }
    }
    let summary = format!(
        "differential {family}: {} sequences (RESP2 and RESP3), {} commands compared, {} sequences differ",
        tally.sequences,
        tally.commands,
        mismatches.len()
    );
    println!("{summary}");
    if mismatches.is_empty() {
        return;
    }
    let mut report = summary;
    // Past a few dozen, more mismatches only repeat the first ones.
    for m in mismatches.iter().take(40) {
        let seed = seeds.map_or(String::new(), |s| format!(" (seed {})", s[m.seq]));
        report.push_str(&format!(
            "\n\n[{family} {:?} #{}{seed}, step {}] {}\n  redis: {}\n  kevy:  {}\n  sequence: {}",
            m.proto,
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
    proto: Proto,
    index: usize,
    seq: &[&[&str]],
    tally: &mut Tally,
) -> Result<(), Mismatch> {
    let (mut r, mut k) = pair.connect_in(proto);
    let mismatch = |step: usize, cmd: String, redis: Vec<u8>, kevy: Vec<u8>| Mismatch {
        proto,
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
            println!("[{proto:?} #{index}.{step}] {shown} -> {r}");
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
            (r, k) = pair.connect_in(proto);
        }
    }
    Ok(())
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

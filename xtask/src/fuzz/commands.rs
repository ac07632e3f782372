//! The command table, on the stable toolchain: random argument vectors
//! (verbs from `COMMAND LIST`, arguments from a vocabulary of keys,
//! numbers at the edges, option words and random bytes) run against an
//! in-process server of 2 shards (`kevy_rt::testing::Harness`). No command
//! may panic, and every reply must be well-formed RESP. The cargo-fuzz
//! target `fuzz/fuzz_targets/commands.rs` is the coverage-guided version.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use kevy_commands::Redis;
use kevy_rt::testing::{reply_len, Harness};

use crate::bench::Rng;

/// Verbs that stop, sleep, block the loop or write files.
const SKIP: &[&str] = &[
    "debug",
    "shutdown",
    "monitor",
    "save",
    "bgsave",
    "bgrewriteaof",
    "sync",
    "psync",
    "replicaof",
    "slaveof",
    "failover",
    "quit",
    "reset",
];

const WORDS: &[&str] = &[
    "k",
    "{t}a",
    "{t}b",
    "h",
    "z",
    "s",
    "l",
    "0",
    "1",
    "-1",
    "2",
    "100",
    "-100",
    "3.5",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "(1",
    "[a",
    "-",
    "+",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "4294967296",
    "",
    "*",
    "?",
    "[",
    "\\",
    "WITHSCORES",
    "LIMIT",
    "NX",
    "XX",
    "GT",
    "LT",
    "CH",
    "INCR",
    "COUNT",
    "MATCH",
    "TYPE",
    "EX",
    "PX",
    "KEEPTTL",
    "GET",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "WITHVALUES",
    "STORE",
    "ASC",
    "DESC",
    "ALPHA",
    "BY",
    "RANK",
    "MAXLEN",
    "IDLETIME",
    "FREQ",
    "REPLACE",
    "DB",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "ABSTTL",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "MIN",
    "MAX",
];

fn verbs(h: &mut Harness<Redis>) -> Vec<Vec<u8>> {
    let reply = h.run(&["COMMAND", "LIST"]);
    let mut names = Vec::new();
    let mut rest = &reply[..];
    while let Some(p) = rest.iter().position(|&b| b == b'$') {
        rest = &rest[p + 1..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&rest[..nl.saturating_sub(1)])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        let name = rest[nl + 1..nl + 1 + len].to_vec();
        rest = &rest[nl + 1 + len..];
        if !SKIP.contains(&String::from_utf8_lossy(&name).to_ascii_lowercase().as_str()) {
            names.push(name);
        }
    }
    names
}

fn argv(rng: &mut Rng, verbs: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut v = vec![verbs[(rng.next() % verbs.len() as u64) as usize].clone()];
    for _ in 0..rng.next() % 7 {
        let a = match rng.next() % 8 {
            0 => (0..rng.next() % 12).map(|_| rng.next() as u8).collect(),
            1 => (rng.next() as i64 % 2000 - 1000).to_string().into_bytes(),
            _ => WORDS[(rng.next() % WORDS.len() as u64) as usize]
                .as_bytes()
                .to_vec(),
        };
        v.push(a);
    }
    if v.len() > 1 && v[0].eq_ignore_ascii_case(b"config") && v[1].eq_ignore_ascii_case(b"rewrite")
    {
        v.truncate(1);
    }
    v
}

/// Runs random commands until `until`; the count, or the failing commands.
pub fn fuzz(rng: &mut Rng, until: Instant) -> Result<u64, String> {
    let mut cases = 0u64;
    let mut h = Harness::new(quiet_redis(), 2);
    let verbs = verbs(&mut h);
    if verbs.len() < 100 {
        return Err(format!("COMMAND LIST gave {} verbs", verbs.len()));
    }
    let mut history: Vec<Vec<Vec<u8>>> = Vec::new();
    while Instant::now() < until {
        if cases.is_multiple_of(64) {
            h = Harness::new(quiet_redis(), 2);
            history.clear();
        }
        let a = argv(rng, &verbs);
        history.push(a.clone());
        let outcome = catch_unwind(AssertUnwindSafe(|| h.run(&a)));
        let problem = match outcome {
            Err(_) => Some("panicked".to_string()),
            Ok(reply) => {
                let mut at = 0;
                while let Some(n) = reply_len(&reply[at..]).filter(|&n| n > 0) {
                    at += n;
                }
                (at != reply.len())
                    .then(|| format!("malformed reply {:?}", String::from_utf8_lossy(&reply)))
            }
        };
        if let Some(p) = problem {
            let shown: Vec<String> = history
                .iter()
                .map(|a| {
                    a.iter()
                        .map(|x| format!("{:?}", String::from_utf8_lossy(x)))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            return Err(format!(
                "command table: {p} after (since a fresh server):\n{}",
                shown.join("\n")
            ));
        }
        cases += 1;
    }
    Ok(cases)
}

/// The command set without Redis's built-in `save` rules: a fuzzed FLUSHALL
/// would otherwise write `dump.rdb` into the working directory.
fn quiet_redis() -> Redis {
    let redis = Redis::default();
    let _ = redis.config().load("save", &[""]);
    redis
}

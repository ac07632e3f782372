//! The Redis command table: random argument vectors run against a fresh
//! in-process server of 2 shards (`kevy_rt::testing::Harness` over
//! `kevy_commands::Redis`: the runtime's routing, planning and gathering,
//! without sockets). No command may panic, whatever its arguments.
//!
//! Input: lines (`\n`), one command each; a line's first byte picks the verb
//! from `COMMAND LIST` (so the fuzzer need not discover names), the rest is
//! its arguments separated by spaces. Verbs that stop, sleep, block or write
//! files are left out (`DEBUG`, `SHUTDOWN`, `MONITOR`, `CONFIG REWRITE`…).

#![no_main]

use std::sync::OnceLock;

use kevy_commands::Redis;
use kevy_rt::testing::Harness;
use libfuzzer_sys::fuzz_target;

const SKIP: &[&str] = &[
    "debug", "shutdown", "monitor", "save", "bgsave", "bgrewriteaof", "sync", "psync",
    "replicaof", "slaveof", "failover", "quit", "reset",
];

/// Commands per input at most (a long input is many commands, not one slow one).
const MAX_COMMANDS: usize = 64;

/// The verbs, from `COMMAND LIST` (bulk strings of a RESP array).
fn verbs() -> &'static [Vec<u8>] {
    static VERBS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    VERBS.get_or_init(|| {
        let mut h = Harness::new(Redis::default(), 1);
        let reply = h.run(&["COMMAND", "LIST"]);
        let mut names = Vec::new();
        let mut rest = &reply[..];
        while let Some(p) = rest.iter().position(|&b| b == b'$') {
            rest = &rest[p + 1..];
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else { break };
            let len: usize = std::str::from_utf8(&rest[..nl - 1]).unwrap().parse().unwrap();
            let name = rest[nl + 1..nl + 1 + len].to_vec();
            rest = &rest[nl + 1 + len..];
            let lower = String::from_utf8_lossy(&name).to_ascii_lowercase();
            if !SKIP.contains(&lower.as_str()) {
                names.push(name);
            }
        }
        names.sort();
        assert!(names.len() > 100, "COMMAND LIST gave {} verbs", names.len());
        names
    })
}

/// The end of the RESP2/RESP3 value starting at `at`, if it is well formed.
fn value(b: &[u8], at: usize) -> Option<usize> {
    let kind = *b.get(at)?;
    let nl = at + b[at..].windows(2).position(|w| w == b"\r\n")?;
    // Error and status lines may carry any bytes a client sent (but no CR/LF).
    let line = std::str::from_utf8(&b[at + 1..nl]).unwrap_or("");
    let next = nl + 2;
    match kind {
        b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => Some(next),
        b'$' | b'=' | b'!' => {
            let n: i64 = line.parse().ok()?;
            if n < 0 {
                return (n == -1).then_some(next);
            }
            let end = next + n as usize;
            (b.get(end..end + 2)? == b"\r\n").then_some(end + 2)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = line.parse().ok()?;
            if n < 0 {
                return (n == -1).then_some(next);
            }
            let items = if matches!(kind, b'%' | b'|') { 2 * n } else { n };
            let mut at = next;
            for _ in 0..items {
                at = value(b, at)?;
            }
            Some(at)
        }
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let verbs = verbs();
    let mut h = Harness::new(Redis::default(), 2);
    for line in data.split(|&b| b == b'\n').take(MAX_COMMANDS) {
        let Some((&pick, rest)) = line.split_first() else {
            continue;
        };
        let mut argv: Vec<&[u8]> = vec![&verbs[pick as usize % verbs.len()]];
        if !rest.is_empty() {
            argv.extend(rest.split(|&b| b == b' '));
        }
        if argv[0].eq_ignore_ascii_case(b"config")
            && argv.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"rewrite"))
        {
            continue;
        }
        let reply = h.run(&argv);
        let mut at = 0;
        while at < reply.len() {
            match value(&reply, at) {
                Some(next) => at = next,
                None => panic!("malformed reply {:?} to {argv:?}", String::from_utf8_lossy(&reply)),
            }
        }
    }
});

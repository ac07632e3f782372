//! The bank workload with Lua scripts, on 2 and 3 shards: 8 clients move
//! money between 60 accounts spread over every shard with `EVAL`, a third
//! of the transfers declaring both keys, a third only the source, a third
//! none (the keys passed as arguments, so the script finds them as it
//! runs), while 3 clients read every balance with MGET, with a script
//! reading them all without declaring them, and with `EVALSHA` of a
//! script declaring them all. The history goes through the checker
//! (`history.rs`): every read sums to the constant total, no update is
//! lost. Without the isolation of scripts' undeclared keys the undeclared
//! transfers are seen half-done.

use std::thread;

use kevy_commands::Redis;

use crate::history::{History, Transfer};
use crate::util::{kevy_on, Raw};

const ACCOUNTS: usize = 60;
const START: i64 = 1000;
const WRITERS: usize = 8;
const READERS: usize = 3;
/// Transfers per writer.
const PER_WRITER: usize = 300;

/// Moves ARGV-named or KEYS-named amounts: `k1 k2 amount` from its
/// arguments after the declared keys.
const TRANSFER: &str = "local k = {} \
    for i, v in ipairs(KEYS) do k[#k + 1] = v end \
    local n = #ARGV \
    for i = 1, n - 1 do k[#k + 1] = ARGV[i] end \
    local amount = ARGV[n] \
    local a = redis.call('DECRBY', k[1], amount) \
    local b = redis.call('INCRBY', k[2], amount) \
    return {a, b}";

/// Reads every account without declaring them.
const READ_ALL: &str = "local t = {} \
    for i = 0, tonumber(ARGV[1]) - 1 do t[#t + 1] = redis.call('GET', 'acct:' .. i) end \
    return t";

/// Reads the declared accounts.
const READ_KEYS: &str = "return redis.call('MGET', unpack(KEYS))";

fn name(a: usize) -> String {
    format!("acct:{a}")
}

/// The integers of an array reply of integers or bulk numbers.
fn ints(reply: &[u8]) -> Vec<i64> {
    let text = std::str::from_utf8(reply).expect("utf-8 reply");
    let mut lines = text.split("\r\n");
    let head = lines.next().unwrap_or("");
    assert!(head.starts_with('*'), "not an array: {text:?}");
    let mut out = Vec::new();
    while let Some(l) = lines.next() {
        if let Some(n) = l.strip_prefix(':') {
            out.push(n.parse().expect("integer"));
        } else if l.starts_with('$') {
            let v = lines.next().unwrap_or("");
            out.push(v.parse().expect("a numeric balance"));
        } else if !l.is_empty() {
            panic!("unexpected line {l:?} in {text:?}");
        }
    }
    out
}

fn run(shards: usize) -> History {
    let server = kevy_on(Redis::default(), shards);
    let mut c = Raw::connect(server.addr());
    for a in 0..ACCOUNTS {
        assert_eq!(c.call(&["SET", &name(a), &START.to_string()]), b"+OK\r\n");
    }
    let sha_reply = c.call(&["SCRIPT", "LOAD", READ_KEYS]);
    let sha = String::from_utf8_lossy(&sha_reply[5..45]).into_owned();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let mut c = Raw::connect(server.addr());
            thread::spawn(move || {
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ ((w as u64 + 1) << 17);
                let mut done = Vec::with_capacity(PER_WRITER);
                for i in 0..PER_WRITER {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let from = (x % ACCOUNTS as u64) as usize;
                    let to = ((x >> 16) % ACCOUNTS as u64) as usize;
                    let amount = ((x >> 32) % 20 + 1) as i64;
                    let (f, t, a) = (name(from), name(to), amount.to_string());
                    let args: Vec<&str> = match (i + w) % 3 {
                        0 => vec!["EVAL", TRANSFER, "2", &f, &t, &a],
                        1 => vec!["EVAL", TRANSFER, "1", &f, &t, &a],
                        _ => vec!["EVAL", TRANSFER, "0", &f, &t, &a],
                    };
                    let r = ints(&c.call(&args));
                    assert_eq!(r.len(), 2);
                    done.push(Transfer {
                        from,
                        to,
                        amount,
                        from_after: r[0],
                        to_after: r[1],
                    });
                }
                done
            })
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let mut c = Raw::connect(server.addr());
            let stop = stop.clone();
            let sha = sha.clone();
            thread::spawn(move || {
                let names: Vec<String> = (0..ACCOUNTS).map(name).collect();
                let mut mget = vec!["MGET"];
                mget.extend(names.iter().map(String::as_str));
                let n = ACCOUNTS.to_string();
                let mut evalsha = vec!["EVALSHA", sha.as_str(), n.as_str()];
                evalsha.extend(names.iter().map(String::as_str));
                let mut reads = Vec::new();
                let mut i = 0;
                while i < 10 || !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let reply = match (i + r) % 3 {
                        0 => c.call(&mget),
                        1 => c.call(&["EVAL", READ_ALL, "0", &n]),
                        _ => c.call(&evalsha),
                    };
                    reads.push(ints(&reply));
                    i += 1;
                }
                reads
            })
        })
        .collect();
    let mut h = History {
        initial: vec![START; ACCOUNTS],
        ..History::default()
    };
    for t in writers {
        h.transfers.extend(t.join().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in readers {
        h.reads.extend(t.join().unwrap());
    }
    let mut mget = vec!["MGET".to_string()];
    mget.extend((0..ACCOUNTS).map(name));
    let mget: Vec<&str> = mget.iter().map(String::as_str).collect();
    h.fin = ints(&c.call(&mget));
    h
}

#[test]
fn script_transfers_are_serializable() {
    for shards in [2, 3] {
        let h = run(shards);
        assert_eq!(h.transfers.len(), WRITERS * PER_WRITER);
        if let Err(e) = h.check() {
            panic!("{shards} shards: {e}");
        }
        eprintln!(
            "script bank on {shards} shards: {} transfers, {} reads of {ACCOUNTS} balances, history serializable",
            h.transfers.len(),
            h.reads.len()
        );
    }
}

//! The bank workload on 2 and 3 shards with real clients: 16 clients move
//! money between 100 accounts spread over every shard with MULTI / DECRBY /
//! INCRBY / EXEC, while 4 clients read every balance, with one MGET or with
//! MULTI and a GET per account. The history (every operation with its
//! result) goes through the checker (`history.rs`): every read sums to the
//! constant total, no update is lost.

use std::thread;

use kevy_commands::Redis;

use crate::history::{History, Transfer};
use crate::util::{encode_str, kevy_on, Raw};

const ACCOUNTS: usize = 100;
const START: i64 = 1000;
const WRITERS: usize = 16;
const READERS: usize = 4;
/// Transfers per writer (16 × 1250 = 20,000 per run).
const PER_WRITER: usize = 1250;

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
        } else if l.starts_with('*') {
            continue;
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
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let mut c = Raw::connect(server.addr());
            thread::spawn(move || {
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ ((w as u64 + 1) << 17);
                let mut done = Vec::with_capacity(PER_WRITER);
                for _ in 0..PER_WRITER {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let from = (x % ACCOUNTS as u64) as usize;
                    let to = ((x >> 16) % ACCOUNTS as u64) as usize;
                    let amount = ((x >> 32) % 20 + 1) as i64;
                    let mut req = encode_str(&["MULTI"]);
                    req.extend(encode_str(&["DECRBY", &name(from), &amount.to_string()]));
                    req.extend(encode_str(&["INCRBY", &name(to), &amount.to_string()]));
                    req.extend(encode_str(&["EXEC"]));
                    c.send(&req);
                    assert_eq!(c.reply(), b"+OK\r\n");
                    assert_eq!(c.reply(), b"+QUEUED\r\n");
                    assert_eq!(c.reply(), b"+QUEUED\r\n");
                    let r = ints(&c.reply());
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
            thread::spawn(move || {
                let names: Vec<String> = (0..ACCOUNTS).map(name).collect();
                let mut mget = vec!["MGET"];
                mget.extend(names.iter().map(String::as_str));
                let mut txn = encode_str(&["MULTI"]);
                for n in &names {
                    txn.extend(encode_str(&["GET", n]));
                }
                txn.extend(encode_str(&["EXEC"]));
                let mut reads = Vec::new();
                let mut i = 0;
                // At least a few reads each, then until the writers finish.
                while i < 20 || !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if (i + r) % 2 == 0 {
                        reads.push(ints(&c.call(&mget)));
                    } else {
                        c.send(&txn);
                        assert_eq!(c.reply(), b"+OK\r\n");
                        for _ in 0..ACCOUNTS {
                            assert_eq!(c.reply(), b"+QUEUED\r\n");
                        }
                        reads.push(ints(&c.reply()));
                    }
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
fn bank_transfers_are_serializable() {
    for shards in [2, 3] {
        let h = run(shards);
        assert_eq!(h.transfers.len(), WRITERS * PER_WRITER);
        if let Err(e) = h.check() {
            panic!("{shards} shards: {e}");
        }
        eprintln!(
            "bank on {shards} shards: {} transfers, {} reads of {ACCOUNTS} balances, history serializable",
            h.transfers.len(),
            h.reads.len()
        );
    }
}

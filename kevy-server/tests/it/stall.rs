//! One shard stalled (kevy's `DEBUG SHARD-SLEEP` blocks the shard serving
//! its connection) while clients homed on the other shard pipeline writes to
//! keys the stalled shard owns: the `kevy-server` binary's resident size
//! stays bounded, because a connection stops being read once it has a
//! bounded amount forwarded and unanswered.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use kevy_rt::Router;

use crate::binary::Binary;
use crate::util::{encode, encode_str, info_num, noise, Raw};

/// Shards of the binary under test.
const SHARDS: usize = 2;

/// The resident size of process `pid` in bytes (`VmRSS`).
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS")
        * 1024
}

/// The first `n` keys `prefix<i>` that live on `shard`.
fn keys_on(shard: usize, prefix: &str, n: usize) -> Vec<String> {
    let router = Router::new(SHARDS);
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .filter(|k| router.shard_of(k.as_bytes()) == shard)
        .take(n)
        .collect()
}

/// Connections to `addr` homed on another shard than `sleeper`'s, and the
/// shard `sleeper` is homed on. Learnt during a `DEBUG SHARD-SLEEP 2` of the
/// sleeper: a connection of the same shard answers nothing before the
/// sleeper's `+OK` (written in the iteration the sleep ends, before any
/// other input is read), one of another shard answers a `PING` at once,
/// and then a `GET` of a key of shard 0 at once unless shard 0 sleeps.
fn others(addr: std::net::SocketAddr, sleeper: &mut Raw) -> (Vec<Raw>, usize) {
    let probe = keys_on(0, "probe:", 1).remove(0);
    for _ in 0..5 {
        sleeper.send(&encode_str(&["DEBUG", "SHARD-SLEEP", "2"]));
        std::thread::sleep(Duration::from_millis(100));
        let mut cands: Vec<Raw> = (0..8).map(|_| Raw::connect(addr)).collect();
        for c in cands.iter_mut() {
            c.send(&encode_str(&["PING"]));
        }
        // Per candidate: replies seen while the sleeper had not answered
        // (1: the PONG; 2: and the probe's), and replies seen at all.
        let mut early = vec![0; cands.len()];
        let mut seen = vec![0; cands.len()];
        let mut probing = None;
        loop {
            for (k, c) in cands.iter_mut().enumerate() {
                while seen[k] < 2 && c.reply_within(Duration::from_millis(1)).is_some() {
                    seen[k] += 1;
                }
            }
            if let Some(r) = sleeper.reply_within(Duration::from_millis(1)) {
                assert_eq!(r, b"+OK\r\n");
                break;
            }
            early.clone_from(&seen);
            if probing.is_none() {
                probing = early.iter().position(|&n| n == 1);
                if let Some(k) = probing {
                    cands[k].send(&encode_str(&["GET", &probe]));
                }
            }
        }
        let mut stalled = None;
        let mut other = Vec::new();
        for (k, mut c) in cands.into_iter().enumerate() {
            let sent = if probing == Some(k) { 2 } else { 1 };
            for _ in seen[k]..sent {
                c.reply();
            }
            if probing == Some(k) {
                stalled = Some(if early[k] == 2 { 1 } else { 0 });
            }
            if early[k] > 0 {
                other.push(c);
            }
        }
        if let Some(s) = stalled {
            return (other, s);
        }
    }
    panic!("no connection landed on the other shard in 40 tries");
}

/// 200 MB of 10 KB `SET`s from up to four clients homed on one shard, all
/// to keys of the other shard, sent while that shard sleeps 5 s: the
/// server's peak resident size grows by less than 32 MB (+214 MB before
/// connections had an in-flight cap: the whole 200 MB sat in forwarded
/// batches; +10 MB with it),
/// and every write is answered once the stall ends.
#[test]
fn a_stalled_shard_does_not_let_pipelines_grow_memory() {
    const TOTAL: usize = 200 << 20;
    const VALUE: usize = 10 * 1024;
    const BOUND: u64 = 32 << 20;
    let server = Binary::spawn_debug();
    let mut sleeper = Raw::connect(server.addr);
    assert_eq!(sleeper.call(&["PING"]), b"+PONG\r\n");
    let (mut writers, stalled) = others(server.addr, &mut sleeper);
    writers.truncate(4);
    let keys = keys_on(stalled, "stall:", 16);
    let value = noise(VALUE, 7);
    let per_writer = TOTAL / VALUE / writers.len();
    let before = rss(server.pid());
    let peak = AtomicU64::new(before);
    let done = AtomicBool::new(false);
    sleeper.send(&encode_str(&["DEBUG", "SHARD-SLEEP", "5"]));
    std::thread::sleep(Duration::from_millis(200));
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(server.pid()), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let handles: Vec<_> = writers
            .iter_mut()
            .enumerate()
            .map(|(w, c)| {
                let (keys, value) = (&keys, &value);
                s.spawn(move || {
                    let mut reader = c.clone_reader();
                    let reads = std::thread::spawn(move || {
                        (0..per_writer).all(|_| reader.reply() == b"+OK\r\n")
                    });
                    let mut batch = Vec::new();
                    for i in 0..per_writer {
                        let key = &keys[(w + i) % keys.len()];
                        batch.extend(encode(&[b"SET", key.as_bytes(), value]));
                        if batch.len() >= 1 << 20 || i + 1 == per_writer {
                            c.send(&batch);
                            batch.clear();
                        }
                    }
                    reads.join().expect("reader")
                })
            })
            .collect();
        let all_ok = handles.into_iter().all(|h| h.join().expect("writer"));
        done.store(true, Ordering::Relaxed);
        assert!(all_ok, "every SET answered +OK");
    });
    assert_eq!(sleeper.reply(), b"+OK\r\n");
    let grown = peak.load(Ordering::Relaxed).saturating_sub(before);
    println!(
        "stall: {} writers, RSS before {:.1} MB, peak {:.1} MB (+{:.1} MB)",
        writers.len(),
        before as f64 / 1e6,
        peak.load(Ordering::Relaxed) as f64 / 1e6,
        grown as f64 / 1e6
    );
    assert!(
        grown < BOUND,
        "RSS grew by {grown} bytes during the stall (bound {BOUND})"
    );
}

/// `connected_clients` of `INFO clients`, through `c`.
fn connected(c: &mut Raw) -> u64 {
    info_num(c, "clients", "connected_clients").expect("connected_clients")
}

/// A client hangs up while its MSETNX over both shards is held between
/// rounds, waiting on a stalled shard: the operation still runs whole once
/// the stall ends (its keys are set), and the connection is freed then
/// with no further traffic of its own.
#[test]
fn a_held_client_that_hangs_up_is_freed_when_its_operation_ends() {
    let server = Binary::spawn_debug();
    let mut sleeper = Raw::connect(server.addr);
    assert_eq!(sleeper.call(&["PING"]), b"+PONG\r\n");
    let (mut others, stalled) = others(server.addr, &mut sleeper);
    let before = connected(&mut sleeper);
    let k_stalled = keys_on(stalled, "held:", 1).remove(0);
    let k_other = keys_on(1 - stalled, "held:", 1).remove(0);
    let mut x = others.remove(0);
    sleeper.send(&encode_str(&["DEBUG", "SHARD-SLEEP", "2"]));
    std::thread::sleep(Duration::from_millis(200));
    x.send(&encode_str(&["MSETNX", &k_stalled, "1", &k_other, "1"]));
    std::thread::sleep(Duration::from_millis(200));
    drop(x);
    assert_eq!(sleeper.reply(), b"+OK\r\n");
    let freed = (0..500).any(|_| {
        let gone = connected(&mut sleeper) == before - 1;
        if !gone {
            std::thread::sleep(Duration::from_millis(10));
        }
        gone
    });
    assert!(freed, "the hung-up client is still connected");
    assert_eq!(
        sleeper.call(&["MGET", &k_stalled, &k_other]),
        b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n"
    );
}

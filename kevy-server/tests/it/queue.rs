//! Blocking queues with real clients (the `redis` crate) on 2 shards: 50
//! consumers BRPOP-ing keys on both shards (one key, or keys of both
//! shards at once) while producers push 100,000 elements, with consumers
//! timing out mid-wait all along and parked clients hanging up: every
//! element is delivered exactly once. And a multi-key BLPOP whose two keys
//! become ready in one transaction: one serves it, the other stays.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{encode_str, info_num, kevy, shard_of, Raw};

const CONSUMERS: usize = 50;
const PRODUCERS: usize = 4;
const ELEMENTS: usize = 100_000;
/// Elements one producer pipeline pushes.
const BATCH: usize = 100;
/// Elements per LPUSH.
const PER_PUSH: usize = 10;

/// Queue keys, half of them on each shard.
fn queues() -> Vec<String> {
    let mut by_shard: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for i in 0.. {
        let k = format!("queue:{i}");
        let s = shard_of(&k);
        if by_shard[s].len() < 4 {
            by_shard[s].push(k);
        }
        if by_shard.iter().all(|v| v.len() == 4) {
            break;
        }
    }
    let [a, b] = by_shard;
    a.into_iter().zip(b).flat_map(|(x, y)| [x, y]).collect()
}

fn blocked(c: &mut Raw) -> u64 {
    info_num(c, "clients", "blocked_clients").unwrap_or(0)
}

/// Waits (without a deadline of its own: the caller's test does) until the
/// server counts `n` blocked clients.
fn wait_blocked(c: &mut Raw, n: u64) {
    while blocked(c) != n {
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn brpop_queue_delivers_every_element_exactly_once() {
    let server = kevy();
    let addr = server.addr();
    let keys = queues();
    let url = format!("redis://{addr}/");
    let mut admin = Raw::connect(addr);

    // Parked clients that hang up take nothing: 10 park on the queues,
    // hang up, and are gone before anything is pushed.
    let mut quitters: Vec<Raw> = (0..10).map(|_| Raw::connect(addr)).collect();
    for (i, q) in quitters.iter_mut().enumerate() {
        q.send(&encode_str(&["BRPOP", &keys[i % keys.len()], "0"]));
    }
    wait_blocked(&mut admin, 10);
    for q in quitters {
        drop(q.into_stream());
    }
    wait_blocked(&mut admin, 0);

    let received = Arc::new(Mutex::new(Vec::with_capacity(ELEMENTS)));
    let count = Arc::new(AtomicUsize::new(0));
    let timeouts = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for c in 0..CONSUMERS {
        let (received, count, timeouts) = (received.clone(), count.clone(), timeouts.clone());
        let client = redis::Client::open(url.as_str()).expect("client");
        // Even consumers wait on one key; odd ones on two keys of both shards.
        let mut mine = vec![keys[c % keys.len()].clone()];
        if c % 2 == 1 {
            mine.push(keys[(c + 1) % keys.len()].clone());
        }
        // Short timeouts: consumers time out mid-wait all along.
        let timeout = [0.01, 0.05, 0.2][c % 3];
        threads.push(std::thread::spawn(move || {
            let mut con = client.get_connection().expect("connect");
            let mut got = Vec::new();
            while count.load(Ordering::Acquire) < ELEMENTS {
                let r: Option<(String, String)> = redis::cmd("BRPOP")
                    .arg(&mine)
                    .arg(timeout)
                    .query(&mut con)
                    .expect("BRPOP");
                match r {
                    Some((_, v)) => {
                        got.push(v);
                        count.fetch_add(1, Ordering::AcqRel);
                    }
                    None => {
                        timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            received.lock().expect("lock").extend(got);
        }));
    }
    for p in 0..PRODUCERS {
        let client = redis::Client::open(url.as_str()).expect("client");
        let keys = keys.clone();
        threads.push(std::thread::spawn(move || {
            let mut con = client.get_connection().expect("connect");
            let mine = ELEMENTS / PRODUCERS;
            for start in (0..mine).step_by(BATCH) {
                let mut pipe = redis::pipe();
                for first in (start..(start + BATCH).min(mine)).step_by(PER_PUSH) {
                    let key = &keys[(first / PER_PUSH * 7 + p) % keys.len()];
                    let push = pipe.cmd("LPUSH").arg(key);
                    for n in first..(first + PER_PUSH).min(mine) {
                        push.arg(format!("{p}:{n}"));
                    }
                    push.ignore();
                }
                pipe.query::<()>(&mut con).expect("LPUSH");
            }
        }));
    }
    for t in threads {
        t.join().expect("a client thread failed");
    }
    let received = received.lock().expect("lock");
    let distinct: HashSet<&String> = received.iter().collect();
    println!(
        "queue: {} elements delivered ({} distinct) to {CONSUMERS} consumers on 2 shards, \
         {} consumer timeouts, 10 parked clients hung up",
        received.len(),
        distinct.len(),
        timeouts.load(Ordering::Relaxed)
    );
    assert_eq!(received.len(), ELEMENTS, "delivered");
    assert_eq!(distinct.len(), ELEMENTS, "duplicates");
    for p in 0..PRODUCERS {
        for n in 0..ELEMENTS / PRODUCERS {
            assert!(distinct.contains(&format!("{p}:{n}")), "{p}:{n} lost");
        }
    }
    for k in &keys {
        assert_eq!(admin.call(&["LLEN", k]), b":0\r\n", "{k} left over");
    }
    wait_blocked(&mut admin, 0);
}

#[test]
fn two_keys_ready_at_once_serve_one_waiter_once() {
    let server = kevy();
    let addr = server.addr();
    let (ka, kb) = ("a", "b");
    assert_ne!(shard_of(ka), shard_of(kb), "keys on both shards");
    let mut admin = Raw::connect(addr);
    for round in 0..20 {
        let mut waiter = Raw::connect(addr);
        waiter.send(&encode_str(&["BLPOP", ka, kb, "0"]));
        wait_blocked(&mut admin, 1);
        // Both keys become ready in one transaction.
        admin.call(&["MULTI"]);
        admin.call(&["RPUSH", kb, "from-b"]);
        admin.call(&["RPUSH", ka, "from-a"]);
        let exec = admin.call(&["EXEC"]);
        assert_eq!(exec, b"*2\r\n:1\r\n:1\r\n");
        let got = waiter.reply();
        let served_a = got == b"*2\r\n$1\r\na\r\n$6\r\nfrom-a\r\n";
        let served_b = got == b"*2\r\n$1\r\nb\r\n$6\r\nfrom-b\r\n";
        assert!(served_a || served_b, "round {round}: {got:?}");
        // The other key keeps its element.
        let (la, lb) = (admin.call(&["LLEN", ka]), admin.call(&["LLEN", kb]));
        let left = if served_a { (la, lb) } else { (lb, la) };
        assert_eq!(
            left,
            (b":0\r\n".to_vec(), b":1\r\n".to_vec()),
            "round {round}"
        );
        admin.call(&["DEL", ka, kb]);
    }
    wait_blocked(&mut admin, 0);
}

//! A stream work queue with real clients (the `redis` crate) on 2 shards:
//! 8 producers XADD 20,000 entries to two streams (one per shard) while 8
//! consumers of one group XREADGROUP BLOCK both and XACK what they get.
//! One consumer is "killed" after its first read (it never acknowledges);
//! its entries stay pending and XAUTOCLAIM hands them to a rescuer. Every
//! entry is delivered to exactly one live consumer (the killed one's once
//! more, to the rescuer), none is lost, and the PELs end empty.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use redis::Value;

use crate::util::{kevy, shard_of, Raw};

const PRODUCERS: usize = 8;
const CONSUMERS: usize = 8;
const ENTRIES: usize = 20_000;
/// Entries one producer pipeline adds.
const BATCH: usize = 50;

/// Two stream keys, one on each shard.
fn streams() -> [String; 2] {
    let mut found: [Option<String>; 2] = [None, None];
    for i in 0.. {
        let k = format!("jobs:{i}");
        let s = shard_of(&k);
        if found[s].is_none() {
            found[s] = Some(k);
        }
        if found.iter().all(Option::is_some) {
            break;
        }
    }
    found.map(|k| k.expect("a key per shard"))
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// The (stream, id, job) of each entry of an XREADGROUP / XAUTOCLAIM reply
/// part: `[[key, [[id, [field, value]]…]]…]`.
fn read_entries(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Value::Array(streams) = v else {
        return out;
    };
    for s in streams {
        let Value::Array(pair) = s else { continue };
        let key = text(&pair[0]);
        out.extend(
            entries(&pair[1])
                .into_iter()
                .map(|(id, job)| (key.clone(), id, job)),
        );
    }
    out
}

/// The (id, job) of each `[id, [field, value]]` of an entry array.
fn entries(v: &Value) -> Vec<(String, String)> {
    let Value::Array(items) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|e| match e {
            Value::Array(e) => match &e[1] {
                Value::Array(fv) => Some((text(&e[0]), text(&fv[1]))),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn xreadgroup_queue_delivers_every_entry_once() {
    let server = kevy();
    let addr = server.addr();
    let keys = streams();
    let url = format!("redis://{addr}/");
    let mut admin = Raw::connect(addr);
    for k in &keys {
        assert_eq!(
            admin.call(&["XGROUP", "CREATE", k, "g", "$", "MKSTREAM"]),
            b"+OK\r\n"
        );
    }
    let received = Arc::new(Mutex::new(Vec::with_capacity(ENTRIES)));
    let done = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for c in 0..CONSUMERS {
        let (received, done, killed) = (received.clone(), done.clone(), killed.clone());
        let keys = keys.clone();
        let client = redis::Client::open(url.as_str()).expect("client");
        threads.push(std::thread::spawn(move || {
            let mut con = client.get_connection().expect("connect");
            let name = format!("c{c}");
            let mut got = Vec::new();
            loop {
                let v: Value = redis::cmd("XREADGROUP")
                    .arg(&["GROUP", "g", &name, "COUNT", "20", "BLOCK", "50", "STREAMS"])
                    .arg(&keys[..])
                    .arg(&[">", ">"])
                    .query(&mut con)
                    .expect("XREADGROUP");
                let batch = read_entries(&v);
                if c == CONSUMERS - 1 && !batch.is_empty() {
                    // Killed mid-way: its entries stay pending.
                    done.fetch_add(batch.len(), Ordering::AcqRel);
                    killed.lock().expect("lock").extend(batch);
                    return;
                }
                for (key, id, job) in batch {
                    let n: i64 = redis::cmd("XACK")
                        .arg(&key)
                        .arg("g")
                        .arg(&id)
                        .query(&mut con)
                        .expect("XACK");
                    assert_eq!(n, 1, "{id} acknowledged once");
                    got.push(job);
                    done.fetch_add(1, Ordering::AcqRel);
                }
                if done.load(Ordering::Acquire) >= ENTRIES {
                    break;
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
            let mine = ENTRIES / PRODUCERS;
            for start in (0..mine).step_by(BATCH) {
                let mut pipe = redis::pipe();
                for n in start..(start + BATCH).min(mine) {
                    pipe.cmd("XADD")
                        .arg(&keys[(n + p) % 2])
                        .arg("*")
                        .arg("job")
                        .arg(format!("{p}:{n}"))
                        .ignore();
                }
                pipe.query::<()>(&mut con).expect("XADD");
            }
        }));
    }
    for t in threads {
        t.join().expect("a client thread failed");
    }
    let killed = killed.lock().expect("lock").clone();
    assert!(!killed.is_empty(), "the killed consumer read something");
    // The rescuer claims what the killed consumer left pending.
    let client = redis::Client::open(url.as_str()).expect("client");
    let mut con = client.get_connection().expect("connect");
    let mut rescued = Vec::new();
    for k in &keys {
        let v: Value = redis::cmd("XAUTOCLAIM")
            .arg(&[k.as_str(), "g", "rescuer", "0", "0", "COUNT", "1000"])
            .query(&mut con)
            .expect("XAUTOCLAIM");
        let Value::Array(parts) = v else {
            panic!("XAUTOCLAIM reply: {v:?}")
        };
        assert_eq!(text(&parts[0]), "0-0", "one call claims everything");
        for (id, job) in entries(&parts[1]) {
            let n: i64 = redis::cmd("XACK")
                .arg(k)
                .arg("g")
                .arg(&id)
                .query(&mut con)
                .expect("XACK");
            assert_eq!(n, 1);
            rescued.push(job);
        }
    }
    let mut all = received.lock().expect("lock").clone();
    let killed_jobs: HashSet<String> = killed.iter().map(|(_, _, j)| j.clone()).collect();
    let rescued_set: HashSet<String> = rescued.iter().cloned().collect();
    assert_eq!(
        killed_jobs, rescued_set,
        "XAUTOCLAIM hands over exactly the killed consumer's entries"
    );
    all.extend(rescued);
    let distinct: HashSet<&String> = all.iter().collect();
    println!(
        "stream queue: {} entries delivered ({} distinct) to {} live consumers on 2 shards, \
         {} left by the killed consumer and rescued by XAUTOCLAIM",
        all.len(),
        distinct.len(),
        CONSUMERS - 1,
        killed.len()
    );
    assert_eq!(all.len(), ENTRIES, "delivered once each");
    assert_eq!(distinct.len(), ENTRIES, "duplicates");
    for k in &keys {
        let pending = admin.call(&["XPENDING", k, "g"]);
        assert!(
            pending.starts_with(b"*4\r\n:0\r\n"),
            "{k}: {}",
            String::from_utf8_lossy(&pending)
        );
    }
    let total: i64 = keys
        .iter()
        .map(|k| {
            let r = admin.call(&["XLEN", k]);
            String::from_utf8_lossy(&r[1..r.len() - 2])
                .parse::<i64>()
                .expect("XLEN")
        })
        .sum();
    assert_eq!(total as usize, ENTRIES);
}

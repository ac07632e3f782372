//! The queue example end to end: the real runtime on 2 and 3 shards on a
//! free port, driven by the `redis` crate — TAKE served at once, parked
//! until a PUT on another shard, timing out, first come first served, and
//! many takers over queues of every shard receiving every job once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kevy_rt::{Router, Runtime, Server};
use queue::Queues;

fn start(shards: usize) -> Server {
    Runtime::builder(Queues)
        .bind("127.0.0.1:0")
        .shards(shards)
        .build()
        .expect("build")
        .start()
        .expect("start")
}

fn con(server: &Server) -> redis::Connection {
    redis::Client::open(format!("redis://{}/", server.addr()))
        .expect("client")
        .get_connection()
        .expect("connect")
}

/// Two queue names on different shards.
fn two_shards(shards: usize) -> (String, String) {
    let r = Router::new(shards);
    let a = "jobs:0".to_string();
    let b = (1..)
        .map(|i| format!("jobs:{i}"))
        .find(|k| r.shard_of(k.as_bytes()) != r.shard_of(a.as_bytes()))
        .expect("a key on another shard");
    (a, b)
}

type Taken = Option<(String, String)>;

fn blocked(c: &mut redis::Connection) -> i64 {
    redis::cmd("BLOCKED").query(c).expect("BLOCKED")
}

fn take(c: &mut redis::Connection, queues: &[&str], ms: u64) -> Taken {
    redis::cmd("TAKE")
        .arg(queues)
        .arg(ms)
        .query(c)
        .expect("TAKE")
}

#[test]
fn take_waits_for_a_put_on_any_shard() {
    for shards in [2, 3] {
        let server = start(shards);
        let (a, b) = two_shards(shards);
        let mut c = con(&server);
        let _: i64 = redis::cmd("PUT").arg(&b).arg("j1").query(&mut c).unwrap();
        // Served at once from the first queue holding a job.
        assert_eq!(take(&mut c, &[&a, &b], 0), Some((b.clone(), "j1".into())));
        // Times out.
        assert_eq!(take(&mut c, &[&a, &b], 20), None);
        // Parked, then served by a PUT from another connection.
        let waiter = {
            let (a, b, mut w) = (a.clone(), b.clone(), con(&server));
            std::thread::spawn(move || take(&mut w, &[&a, &b], 0))
        };
        while blocked(&mut c) != 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _: i64 = redis::cmd("PUT").arg(&a).arg("j2").query(&mut c).unwrap();
        assert_eq!(waiter.join().unwrap(), Some((a.clone(), "j2".into())));
        let n: i64 = redis::cmd("LEN").arg(&a).query(&mut c).unwrap();
        assert_eq!(n, 0);
    }
}

#[test]
fn takers_are_served_in_order_and_every_job_once() {
    let server = start(2);
    let (a, b) = two_shards(2);
    let mut c = con(&server);
    // First come, first served: three parked takers, one queue.
    let mut waiters = Vec::new();
    for i in 0..3 {
        let (a, mut w) = (a.clone(), con(&server));
        waiters.push(std::thread::spawn(move || take(&mut w, &[&a], 0)));
        // Parked in order: the next one starts once this one counts.
        while blocked(&mut c) != i + 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let _: i64 = redis::cmd("PUT")
        .arg(&a)
        .arg("0")
        .arg("1")
        .arg("2")
        .query(&mut c)
        .unwrap();
    for (i, w) in waiters.into_iter().enumerate() {
        assert_eq!(w.join().unwrap(), Some((a.clone(), i.to_string())));
    }
    // 8 takers over both shards' queues, 2,000 jobs: each taken once.
    let got = Arc::new(Mutex::new(Vec::new()));
    let mut takers = Vec::new();
    for _ in 0..8 {
        let (a, b, got, mut w) = (a.clone(), b.clone(), got.clone(), con(&server));
        takers.push(std::thread::spawn(move || {
            while let Some((_, job)) = take(&mut w, &[&a, &b], 200) {
                got.lock().unwrap().push(job);
            }
        }));
    }
    for n in 0..2000 {
        let q = if n % 3 == 0 { &a } else { &b };
        let _: i64 = redis::cmd("PUT").arg(q).arg(n).query(&mut c).unwrap();
    }
    for t in takers {
        t.join().unwrap();
    }
    let got = got.lock().unwrap();
    let distinct: HashSet<&String> = got.iter().collect();
    assert_eq!(got.len(), 2000);
    assert_eq!(distinct.len(), 2000);
}

//! The command set on a real runtime, through the `redis` crate.

use std::collections::HashMap;

use counters::Counters;
use kevy_rt::{Router, Runtime, Server};

fn start(shards: usize) -> Server {
    Runtime::builder(Counters)
        .bind("127.0.0.1:0")
        .shards(shards)
        .build()
        .expect("build")
        .start()
        .expect("start")
}

fn connect(server: &Server) -> redis::Connection {
    redis::Client::open(format!("redis://{}/", server.addr()))
        .unwrap()
        .get_connection()
        .unwrap()
}

#[test]
fn counters_are_forwarded_to_their_owners() {
    let server = start(3);
    let router = Router::new(3);
    let mut con = connect(&server);
    let home: usize = redis::cmd("HOME").query(&mut con).unwrap();
    let mut forwarded = 0;
    for i in 0..100 {
        let name = format!("c{i}");
        let owner: usize = redis::cmd("OWNER").arg(&name).query(&mut con).unwrap();
        assert_eq!(owner, router.shard_of(name.as_bytes()));
        if owner != home {
            forwarded += 1;
        }
        let n: i64 = redis::cmd("INCR")
            .arg(&name)
            .arg(i)
            .query(&mut con)
            .unwrap();
        assert_eq!(n, i);
    }
    assert!(forwarded > 0, "some counters live on other shards");
    let v: Option<i64> = redis::cmd("GET").arg("c7").query(&mut con).unwrap();
    assert_eq!(v, Some(7));
    let v: Option<i64> = redis::cmd("GET").arg("nope").query(&mut con).unwrap();
    assert_eq!(v, None);
    server.stop();
}

#[test]
fn pipelined_increments_keep_order_and_reduce_over_all_shards() {
    let server = start(3);
    let mut con = connect(&server);
    let mut pipe = redis::pipe();
    let mut model: HashMap<String, i64> = HashMap::new();
    let mut expect = Vec::new();
    for i in 0..2000i64 {
        let name = format!("hits:{}", i % 97);
        pipe.cmd("INCR").arg(&name).arg(i % 5);
        let v = model.entry(name).or_default();
        *v += i % 5;
        expect.push(*v);
    }
    let got: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(got, expect);
    let _: i64 = redis::cmd("INCR")
        .arg("misses")
        .arg(1000)
        .query(&mut con)
        .unwrap();

    let sum: i64 = redis::cmd("SUM").arg("hits:").query(&mut con).unwrap();
    assert_eq!(sum, model.values().sum::<i64>());
    let count: i64 = redis::cmd("COUNT").query(&mut con).unwrap();
    assert_eq!(count, 98);
    let top: Vec<(String, i64)> = redis::cmd("TOP")
        .arg(5)
        .arg("hits:")
        .query(&mut con)
        .unwrap();
    let mut ranked: Vec<(String, i64)> = model.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(5);
    assert_eq!(top, ranked);
    let names: Vec<String> = (0..97).rev().map(|i| format!("hits:{i}")).collect();
    let values: Vec<Option<i64>> = redis::cmd("MGET")
        .arg(&names)
        .arg("none")
        .query(&mut con)
        .unwrap();
    assert_eq!(values.len(), 98);
    assert_eq!(values[97], None);
    assert!(values[..97].iter().all(Option::is_some));
    server.stop();
}

#[test]
fn concurrent_clients_lose_no_increment() {
    let server = start(2);
    let addr = server.addr();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            std::thread::spawn(move || {
                let mut con = redis::Client::open(format!("redis://{addr}/"))
                    .unwrap()
                    .get_connection()
                    .unwrap();
                for round in 0..10 {
                    let mut pipe = redis::pipe();
                    for i in 0..100 {
                        pipe.cmd("INCR")
                            .arg(format!("shared:{}", (i + round) % 10))
                            .ignore();
                    }
                    let _: () = pipe.query(&mut con).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut con = connect(&server);
    let sum: i64 = redis::cmd("SUM").arg("shared:").query(&mut con).unwrap();
    assert_eq!(sum, 6 * 10 * 100);
    let values: Vec<i64> = redis::cmd("MGET")
        .arg((0..10).map(|i| format!("shared:{i}")).collect::<Vec<_>>())
        .query(&mut con)
        .unwrap();
    assert_eq!(values, vec![600; 10]);
    server.stop();
}

#[test]
fn errors_reach_the_client_and_quit_closes() {
    let server = start(2);
    let mut con = connect(&server);
    let e = redis::cmd("INCR")
        .arg("a")
        .arg("x")
        .query::<i64>(&mut con)
        .unwrap_err();
    assert!(e.to_string().contains("increment is not an integer"), "{e}");
    let e = redis::cmd("FLY").query::<i64>(&mut con).unwrap_err();
    assert!(e.to_string().contains("unknown command 'FLY'"), "{e}");
    let e = redis::cmd("TOP").query::<i64>(&mut con).unwrap_err();
    assert!(
        e.to_string()
            .contains("wrong number of arguments for 'top'"),
        "{e}"
    );
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let ok: String = redis::cmd("QUIT").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    assert!(redis::cmd("PING").query::<String>(&mut con).is_err());
    server.stop();
}

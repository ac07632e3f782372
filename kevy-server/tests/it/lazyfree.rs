//! Lazy freeing: the `lazyfree-lazy-*` settings as redis-server 7.0 takes
//! them, and UNLINK / DEL (with `lazyfree-lazy-user-del`) / FLUSHALL ASYNC
//! of big values counted in INFO's `lazyfreed_objects` once the lazy-free
//! thread freed them (the counters are the process's: other tests may add).

use std::time::{Duration, Instant};

use crate::util::{info_num, kevy, Raw, RedisServer};

fn info_field(c: &mut Raw, name: &str) -> u64 {
    info_num(c, "memory", name).unwrap_or_else(|| panic!("no {name} in INFO memory"))
}

/// Waits until `lazyfreed_objects` reaches `at_least`.
fn freed_reaches(c: &mut Raw, at_least: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = info_field(c, "lazyfreed_objects");
        if n >= at_least || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn big_set(c: &mut Raw, key: &str) {
    let members: Vec<String> = (0..2000).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", key];
    args.extend(members.iter().map(String::as_str));
    assert_eq!(c.call(&args), b":2000\r\n");
}

#[test]
fn settings_match_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let run = |addr| {
        let mut c = Raw::connect(addr);
        let mut out = Vec::new();
        for name in ["eviction", "expire", "server-del", "user-del", "user-flush"] {
            let p = format!("lazyfree-lazy-{name}");
            out.push(c.call(&["CONFIG", "SET", &p, "yes"]));
            out.push(c.call(&["CONFIG", "GET", &p]));
            out.push(c.call(&["CONFIG", "SET", &p, "maybe"]));
            out.push(c.call(&["CONFIG", "SET", &p, "no"]));
        }
        out
    };
    let want = run(redis.addr());
    let got = run(server.addr());
    server.stop();
    assert_eq!(want, got);
}

#[test]
fn big_values_are_freed_lazily() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    // UNLINK of keys on both shards.
    big_set(&mut c, "a");
    big_set(&mut c, "b");
    c.call(&["SET", "small", "x"]);
    let before = info_field(&mut c, "lazyfreed_objects");
    assert_eq!(c.call(&["UNLINK", "a", "b", "small"]), b":3\r\n");
    assert!(freed_reaches(&mut c, before + 2) >= before + 2);
    // DEL frees lazily only with lazyfree-lazy-user-del.
    big_set(&mut c, "a");
    c.call(&["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]);
    let before = info_field(&mut c, "lazyfreed_objects");
    assert_eq!(c.call(&["DEL", "a"]), b":1\r\n");
    assert!(freed_reaches(&mut c, before + 1) > before);
    c.call(&["CONFIG", "SET", "lazyfree-lazy-user-del", "no"]);
    // FLUSHALL ASYNC counts every key it hands over.
    c.call(&["MSET", "k1", "1", "k2", "2", "k3", "3"]);
    let before = info_field(&mut c, "lazyfreed_objects");
    assert_eq!(c.call(&["FLUSHALL", "ASYNC"]), b"+OK\r\n");
    assert!(freed_reaches(&mut c, before + 3) >= before + 3);
    assert_eq!(c.call(&["DBSIZE"]), b":0\r\n");
    server.stop();
}

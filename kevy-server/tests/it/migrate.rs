//! MIGRATE between kevy (2 shards) and real redis-servers, and WAIT without
//! replicas, compared with redis-server 7.0: keys of every type move from
//! kevy to redis-server and back (DUMP payloads byte-identical after the
//! round trip, TTLs kept), the KEYS form over both shards, COPY, REPLACE,
//! AUTH / AUTH2, `NOKEY`, the target's errors and `IOERR`, the change
//! counter; WAIT's immediate and timed-out answers, inside MULTI, and
//! CLIENT UNBLOCK.

use crate::util::{encode_str, integer, kevy, shard_of, Raw, RedisServer};

fn call(c: &mut Raw, args: &[&str]) -> String {
    String::from_utf8_lossy(&c.call(args)).into_owned()
}

/// Fills `c` with one key of each type (spread over both shards).
fn fill(c: &mut Raw) {
    for cmd in [
        &["SET", "s", "hello"][..],
        &["RPUSH", "l", "a", "b", "c"],
        &["HSET", "h", "f1", "v1", "f2", "2"],
        &["SADD", "set", "1", "2", "3"],
        &["SADD", "sset", "x", "y"],
        &["ZADD", "z", "1", "m1", "2.5", "m2"],
        &["XADD", "x", "1-1", "f", "v"],
        &["SET", "ttl", "v", "PX", "500000"],
    ] {
        let r = c.call(cmd);
        assert!(
            !r.starts_with(b"-"),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}

const KEYS: &[&str] = &["s", "l", "h", "set", "sset", "z", "x", "ttl"];

#[test]
fn keys_travel_to_redis_and_back() {
    let redis = RedisServer::start();
    let server = kevy();
    let rport = redis.addr().port().to_string();
    let kport = server.addr().port().to_string();
    let mut k = Raw::connect(server.addr());
    let mut r = Raw::connect(redis.addr());
    fill(&mut k);
    assert!(KEYS.iter().any(|key| shard_of(key) == 0));
    assert!(KEYS.iter().any(|key| shard_of(key) == 1));
    let before: Vec<Vec<u8>> = KEYS.iter().map(|key| k.call(&["DUMP", key])).collect();

    // One key, then the rest with KEYS (over both shards), to database 3.
    let r1 = call(&mut k, &["MIGRATE", "127.0.0.1", &rport, "s", "3", "5000"]);
    assert_eq!(r1, "+OK\r\n");
    let mut cmd = vec!["MIGRATE", "127.0.0.1", &rport, "", "3", "5000", "KEYS"];
    cmd.extend_from_slice(&KEYS[1..]);
    cmd.push("missing");
    assert_eq!(call(&mut k, &cmd), "+OK\r\n");
    assert_eq!(call(&mut k, &["DBSIZE"]), ":0\r\n");
    call(&mut r, &["SELECT", "3"]);
    assert_eq!(call(&mut r, &["DBSIZE"]), format!(":{}\r\n", KEYS.len()));
    assert_eq!(
        call(&mut r, &["LRANGE", "l", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(call(&mut r, &["ZSCORE", "z", "m2"]), "$3\r\n2.5\r\n");
    let pttl = integer(&r.call(&["PTTL", "ttl"])).unwrap();
    assert!(pttl > 0 && pttl <= 500000, "{pttl}");
    // Nothing left to move.
    assert_eq!(
        call(&mut k, &["MIGRATE", "127.0.0.1", &rport, "s", "3", "5000"]),
        "+NOKEY\r\n"
    );

    // And back, from redis-server into kevy's database 0.
    let mut back = vec!["MIGRATE", "127.0.0.1", &kport, "", "0", "5000", "KEYS"];
    back.extend_from_slice(KEYS);
    assert_eq!(call(&mut r, &back), "+OK\r\n");
    let after: Vec<Vec<u8>> = KEYS.iter().map(|key| k.call(&["DUMP", key])).collect();
    assert_eq!(before, after);
    let pttl = integer(&k.call(&["PTTL", "ttl"])).unwrap();
    assert!(pttl > 0 && pttl <= 500000, "{pttl}");
    server.stop();
}

#[test]
fn copy_replace_and_target_errors_match_redis() {
    let target = RedisServer::start();
    let source = RedisServer::start();
    let server = kevy();
    let tport = target.addr().port().to_string();
    let mut t = Raw::connect(target.addr());
    let mut got = Vec::new();
    let mut want = Vec::new();
    for (addr, out) in [(source.addr(), &mut want), (server.addr(), &mut got)] {
        let mut c = Raw::connect(addr);
        call(&mut t, &["FLUSHALL"]);
        c.call(&["SET", "a", "1"]);
        c.call(&["SET", "b", "2"]);
        let m = |extra: &[&str]| {
            let mut v = vec!["MIGRATE", "127.0.0.1", tport.as_str()];
            v.extend_from_slice(extra);
            v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let steps: Vec<Vec<String>> = vec![
            m(&["a", "0", "1000", "COPY"]),
            vec!["EXISTS".into(), "a".into()],
            m(&["a", "0", "1000"]),
            m(&["a", "0", "1000", "COPY", "REPLACE"]),
            m(&["", "0", "1000", "COPY", "REPLACE", "KEYS", "a", "b"]),
            m(&["", "0", "1000", "KEYS", "a", "b", "c"]),
            m(&["", "0", "1000", "KEYS", "nope"]),
            m(&["a", "0", "1000", "KEYS", "a"]),
            m(&["a", "0", "1000", "BOGUS"]),
            m(&["a", "0", "1000", "AUTH"]),
            m(&["a", "x", "1000"]),
            m(&["a", "0", "y"]),
            m(&["nope", "0", "1000"]),
            vec!["DBSIZE".into()],
        ];
        for s in &steps {
            let args: Vec<&str> = s.iter().map(String::as_str).collect();
            out.push(call(&mut c, &args));
        }
    }
    server.stop();
    assert_eq!(want, got);
    assert!(
        want[2].starts_with("-ERR Target instance replied with error: BUSYKEY"),
        "{want:?}"
    );
}

#[test]
fn auth_and_io_errors_match_redis() {
    let target = RedisServer::start();
    Raw::connect(target.addr()).call(&["CONFIG", "SET", "requirepass", "sekret"]);
    let source = RedisServer::start();
    let server = kevy();
    let tport = target.addr().port().to_string();
    let closed = crate::util::free_port().to_string();
    let mut want = Vec::new();
    let mut got = Vec::new();
    let mut t = Raw::connect(target.addr());
    t.call(&["AUTH", "sekret"]);
    for (addr, out) in [(source.addr(), &mut want), (server.addr(), &mut got)] {
        assert_eq!(call(&mut t, &["FLUSHALL"]), "+OK\r\n");
        let mut c = Raw::connect(addr);
        c.call(&["SET", "a", "1"]);
        c.call(&["SET", "b", "2"]);
        let h = "127.0.0.1";
        let steps: Vec<Vec<&str>> = vec![
            vec!["MIGRATE", h, &tport, "a", "0", "1000"],
            vec!["MIGRATE", h, &tport, "a", "0", "1000", "AUTH", "wrong"],
            vec!["MIGRATE", h, &tport, "a", "0", "1000", "AUTH", "sekret"],
            vec![
                "MIGRATE", h, &tport, "b", "0", "1000", "AUTH2", "default", "sekret",
            ],
            vec!["MIGRATE", h, &closed, "a", "0", "1000"],
            vec!["DBSIZE"],
        ];
        for s in &steps {
            out.push(call(&mut c, s));
        }
    }
    server.stop();
    assert_eq!(want, got);
    assert_eq!(want[2], "+OK\r\n");
    assert_eq!(want[4], "+NOKEY\r\n");
}

#[test]
fn migrate_counts_changes_and_info_shows_the_cached_socket() {
    let target = RedisServer::start();
    let server = kevy();
    let tport = target.addr().port().to_string();
    let mut c = Raw::connect(server.addr());
    c.call(&["CONFIG", "RESETSTAT"]);
    c.call(&["MSET", "a", "1", "b", "2", "c", "3"]);
    let dirty = |c: &mut Raw| -> i64 {
        let info = call(c, &["INFO", "persistence"]);
        let line = info
            .lines()
            .find(|l| l.starts_with("rdb_changes_since_last_save:"))
            .unwrap();
        line.split(':').nth(1).unwrap().trim().parse().unwrap()
    };
    let d0 = dirty(&mut c);
    let r = call(
        &mut c,
        &[
            "MIGRATE",
            "127.0.0.1",
            &tport,
            "",
            "0",
            "1000",
            "KEYS",
            "a",
            "b",
            "c",
        ],
    );
    assert_eq!(r, "+OK\r\n");
    assert_eq!(dirty(&mut c) - d0, 3);
    let info = call(&mut c, &["INFO", "stats"]);
    assert!(!info.contains("migrate_cached_sockets:0"), "{info}");
    server.stop();
}

#[test]
fn wait_without_replicas_matches_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let mut want = Vec::new();
    let mut got = Vec::new();
    for (addr, out) in [(redis.addr(), &mut want), (server.addr(), &mut got)] {
        let mut c = Raw::connect(addr);
        for s in [
            &["WAIT", "0", "0"][..],
            &["WAIT", "-1", "10"],
            &["WAIT", "1", "50"],
            &["WAIT", "x", "0"],
            &["WAIT", "1", "-1"],
            &["WAIT", "1", "1.5"],
            &["WAIT", "1"],
        ] {
            out.push(call(&mut c, s));
        }
        c.send(&encode_str(&["MULTI"]));
        c.send(&encode_str(&["WAIT", "5", "0"]));
        c.send(&encode_str(&["EXEC"]));
        for _ in 0..3 {
            out.push(String::from_utf8_lossy(&c.reply()).into_owned());
        }
        // A WAIT forever, ended by CLIENT UNBLOCK (as a timeout, then with
        // the error), the connection's next command answered after it.
        let mut w = Raw::connect(addr);
        let id = integer(&w.call(&["CLIENT", "ID"])).unwrap().to_string();
        for how in ["TIMEOUT", "ERROR"] {
            w.send(&encode_str(&["WAIT", "1", "0"]));
            w.send(&encode_str(&["PING"]));
            while call(&mut c, &["CLIENT", "UNBLOCK", &id, how]) != ":1\r\n" {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            out.push(String::from_utf8_lossy(&w.reply()).into_owned());
            out.push(String::from_utf8_lossy(&w.reply()).into_owned());
        }
    }
    server.stop();
    assert_eq!(want, got);
    assert_eq!(want[2], ":0\r\n");
}

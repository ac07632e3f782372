//! INFO against redis-server 7.0: every field name Redis prints, per
//! section, is printed by kevy; and the counters kevy measures (keyspace
//! hits and misses, expired keys, the change counter, per-db keys and
//! expires) agree after the same command sequence, in RESP2 and RESP3.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::util::{bulk_body, kevy, Raw, RedisServer};

/// Fields kevy adds to Redis's (kevy's own figures).
const KEVY_ONLY: &[&str] = &["kevy_version", "kevy_shards"];

/// Section title → field names (values kept too).
fn sections(c: &mut Raw) -> BTreeMap<String, BTreeMap<String, String>> {
    let reply = c.call(&["INFO", "everything"]);
    let body = match reply.first() {
        Some(b'=') => {
            // RESP3 verbatim: `=len\r\ntxt:…`.
            let start = reply.iter().position(|&b| b == b'\n').map_or(0, |i| i + 5);
            String::from_utf8_lossy(&reply[start..]).into_owned()
        }
        _ => String::from_utf8_lossy(bulk_body(&reply).expect("a bulk reply")).into_owned(),
    };
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut cur = String::new();
    for line in body.lines() {
        if let Some(t) = line.strip_prefix("# ") {
            cur = t.to_string();
            out.entry(cur.clone()).or_default();
        } else if let Some((k, v)) = line.split_once(':') {
            out.entry(cur.clone())
                .or_default()
                .insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// The same workload on a connection: counted reads, writes that change
/// and that do not, an error, a key that expires.
const WORKLOAD: &[&[&str]] = &[
    &["SET", "a", "1"],
    &["SETNX", "a", "2"],
    &["MSET", "b", "1", "c", "2", "d", "3"],
    &["MSETNX", "b", "1", "x", "2"],
    &["GET", "a"],
    &["GET", "zz"],
    &["EXISTS", "a", "zz", "b"],
    &["TYPE", "c"],
    &["STRLEN", "nope"],
    &["DEL", "a", "zz"],
    &["INCR", "n"],
    &["INCR", "b", "c"],
    &["LPUSH", "l", "1", "2", "3"],
    &["LPOP", "l", "2"],
    &["LRANGE", "l", "0", "-1"],
    &["SADD", "s", "x", "y"],
    &["SADD", "s", "x"],
    &["SISMEMBER", "s", "x"],
    &["HSET", "h", "f", "1", "g", "2"],
    &["HGET", "h", "f"],
    &["HGET", "nohash", "f"],
    &["EXPIRE", "d", "100"],
    &["PERSIST", "d"],
    &["SET", "e", "1", "PX", "1"],
    &["SET", "t", "1", "EX", "1000"],
    &["GET", "n", "extra"],
    &["SETBIT", "bb", "1", "1"],
    &["SETBIT", "bb", "1", "1"],
    // A new key, a longer string, then no change: the bit stays 0 throughout.
    &["SETBIT", "b0", "3", "0"],
    &["SETBIT", "b0", "100", "0"],
    &["SETBIT", "b0", "100", "0"],
    &["BITFIELD", "bf", "SET", "i5", "0", "0"],
    &["SELECT", "1"],
    &["MSET", "q", "1", "r", "2"],
    &["FLUSHDB"],
    &["SELECT", "0"],
];

fn run_workload(c: &mut Raw) {
    for step in WORKLOAD {
        c.call(step);
    }
    std::thread::sleep(Duration::from_millis(20));
    // A read of the dead key expires it (lazily, on both).
    c.call(&["GET", "e"]);
}

fn connect(addr: std::net::SocketAddr, resp3: bool) -> Raw {
    let mut c = Raw::connect(addr);
    if resp3 {
        c.call(&["HELLO", "3"]);
    }
    c
}

#[test]
fn every_field_redis_prints_and_its_counters() {
    let redis = RedisServer::start();
    let kv = kevy();
    for resp3 in [false, true] {
        let mut r = connect(redis.addr(), resp3);
        let mut k = connect(kv.addr(), resp3);
        for c in [&mut r, &mut k] {
            c.call(&["FLUSHALL"]);
            c.call(&["CONFIG", "RESETSTAT"]);
        }
        let dirty = |s: &BTreeMap<String, BTreeMap<String, String>>| -> i64 {
            s["Persistence"]["rdb_changes_since_last_save"]
                .parse()
                .expect("an integer")
        };
        let (r0, k0) = (dirty(&sections(&mut r)), dirty(&sections(&mut k)));
        run_workload(&mut r);
        run_workload(&mut k);
        let rs = sections(&mut r);
        let ks = sections(&mut k);
        let titles = |s: &BTreeMap<String, BTreeMap<String, String>>| -> BTreeSet<String> {
            s.keys().cloned().collect()
        };
        assert_eq!(titles(&rs), titles(&ks), "sections");
        for (title, fields) in &rs {
            let mine = &ks[title];
            let missing: Vec<&String> = fields.keys().filter(|f| !mine.contains_key(*f)).collect();
            assert!(missing.is_empty(), "{title}: kevy lacks {missing:?}");
            let extra: Vec<&String> = mine
                .keys()
                .filter(|f| !fields.contains_key(*f) && !KEVY_ONLY.contains(&f.as_str()))
                .collect();
            assert!(extra.is_empty(), "{title}: kevy adds {extra:?}");
        }
        for f in [
            "keyspace_hits",
            "keyspace_misses",
            "expired_keys",
            "total_error_replies",
        ] {
            assert_eq!(rs["Stats"][f], ks["Stats"][f], "{f} (resp3: {resp3})");
        }
        assert_eq!(
            dirty(&rs) - r0,
            dirty(&ks) - k0,
            "rdb_changes_since_last_save (resp3: {resp3})"
        );
        assert_eq!(
            rs["Keyspace"]["db0"].split(",avg_ttl").next(),
            ks["Keyspace"]["db0"].split(",avg_ttl").next()
        );
        assert_eq!(rs["Errorstats"], ks["Errorstats"]);
        let net: u64 = ks["Stats"]["total_net_input_bytes"].parse().expect("bytes");
        assert!(net > 0, "kevy counts input bytes");
    }
}

/// DEBUG PROTOCOL, in RESP2 and RESP3, byte for byte: every type the
/// test client's reply framing reads (not yet `bignum`, `attrib`, `push`).
#[test]
fn debug_protocol_matches_redis() {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let commands = kevy_commands::Redis::default();
    commands
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    let kv = crate::util::kevy_with(commands);
    let types = [
        "string", "integer", "double", "null", "array", "set", "map", "verbatim", "true", "false",
        "TRUE", "nope",
    ];
    for resp3 in [false, true] {
        let mut r = connect(redis.addr(), resp3);
        let mut k = connect(kv.addr(), resp3);
        for t in types {
            let step = ["DEBUG", "PROTOCOL", t];
            let (a, b) = (r.call(&step), k.call(&step));
            assert_eq!(
                crate::util::escape(&a),
                crate::util::escape(&b),
                "DEBUG PROTOCOL {t} (resp3: {resp3})"
            );
        }
    }
}

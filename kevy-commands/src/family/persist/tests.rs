//! SAVE, BGSAVE, DUMP, RESTORE and DEBUG RELOAD through a three-shard
//! server: every type round-trips, values restored on other shards, a
//! file saved and loaded back.

use crate::testutil::{harness, items, run, run_bytes, Kevy};

/// Keys of every type and encoding (small and large) in db 0.
fn fill(h: &mut Kevy) -> Vec<&'static str> {
    run(h, &["SET", "s:int", "12345"]);
    run(h, &["SET", "s:str", "hello world"]);
    let long = "x".repeat(500);
    run(h, &["SET", "s:long", &long]);
    run(h, &["RPUSH", "l:small", "a", "1", "b"]);
    for i in 0..300 {
        let v = format!("element-{i:040}");
        run(h, &["RPUSH", "l:big", &v]);
    }
    run(h, &["HSET", "h:small", "f", "v", "n", "7"]);
    for i in 0..600 {
        run(h, &["HSET", "h:big", &format!("f{i}"), &format!("v{i}")]);
    }
    run(h, &["SADD", "set:int", "1", "2", "300000"]);
    run(h, &["SADD", "set:str", "a", "b", "c"]);
    run(h, &["ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c"]);
    for i in 0..200 {
        run(h, &["ZADD", "z:big", &format!("{i}.5"), &format!("m{i}")]);
    }
    run(h, &["PFADD", "hll", "a", "b", "c"]);
    vec![
        "s:int", "s:str", "s:long", "l:small", "l:big", "h:small", "h:big", "set:int", "set:str",
        "z:small", "z:big", "hll",
    ]
}

/// A key's contents in a form that compares across encodings.
fn contents(h: &mut Kevy, key: &str) -> Vec<String> {
    let ty = String::from_utf8(run(h, &["TYPE", key])).unwrap();
    let mut out = match ty.trim_end() {
        "+string" => vec![String::from_utf8_lossy(&run(h, &["GET", key])).into_owned()],
        "+list" => items(&run(h, &["LRANGE", key, "0", "-1"])),
        "+hash" => {
            let mut v = items(&run(h, &["HGETALL", key]));
            v.sort();
            v
        }
        "+set" => {
            let mut v = items(&run(h, &["SMEMBERS", key]));
            v.sort();
            v
        }
        "+zset" => items(&run(h, &["ZRANGE", key, "0", "-1", "WITHSCORES"])),
        other => panic!("type {other}"),
    };
    out.push(ty);
    out.push(String::from_utf8_lossy(&run(h, &["OBJECT", "ENCODING", key])).into_owned());
    out
}

/// `contents` as a value loaded from a payload shows them: a short string
/// made `raw` in place (an HLL) loads whole, `embstr` (as in Redis 7.0).
fn loaded(mut c: Vec<String>) -> Vec<String> {
    let n = c.len();
    let short = c[0]
        .strip_prefix('$')
        .and_then(|s| s.split("\r\n").next())
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l <= 44);
    if n == 3 && c[1] == "+string\r\n" && c[2] == "$3\r\nraw\r\n" && short {
        c[2] = "$6\r\nembstr\r\n".into();
    }
    c
}

#[test]
fn dump_and_restore_every_type_across_shards() {
    let mut h = harness();
    for key in fill(&mut h) {
        let payload = run(&mut h, &["DUMP", key]);
        assert_eq!(payload[0], b'$', "{key}");
        let body = bulk(&payload);
        for other in ["copy-a", "copy-b", "{x}copy-c"] {
            let r = run_bytes(&mut h, &[b"RESTORE", other.as_bytes(), b"0", &body]);
            assert_eq!(r, b"+OK\r\n", "{key} → {other}");
            assert_eq!(
                loaded(contents(&mut h, key)),
                contents(&mut h, other),
                "{key}"
            );
            // The restored value dumps to the same payload.
            assert_eq!(run(&mut h, &["DUMP", other]), payload, "{key}");
            run(&mut h, &["DEL", other]);
        }
    }
    assert_eq!(run(&mut h, &["DUMP", "missing"]), b"$-1\r\n");
}

/// The bytes of a bulk reply.
fn bulk(reply: &[u8]) -> Vec<u8> {
    let nl = reply.iter().position(|&b| b == b'\n').unwrap();
    let n: usize = std::str::from_utf8(&reply[1..nl - 1])
        .unwrap()
        .parse()
        .unwrap();
    reply[nl + 1..nl + 1 + n].to_vec()
}

#[test]
fn restore_options_and_errors() {
    let mut h = harness();
    run(&mut h, &["SET", "k", "v"]);
    let p = bulk(&run(&mut h, &["DUMP", "k"]));
    let restore = |h: &mut Kevy, extra: &[&[u8]]| {
        let mut args: Vec<&[u8]> = vec![b"RESTORE", b"k", b"0", &p];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&run_bytes(h, &args)).into_owned()
    };
    assert_eq!(
        restore(&mut h, &[]),
        "-BUSYKEY Target key name already exists.\r\n"
    );
    assert_eq!(restore(&mut h, &[b"REPLACE"]), "+OK\r\n");
    assert_eq!(
        restore(&mut h, &[b"REPLACE", b"IDLETIME", b"-1"]),
        "-ERR Invalid IDLETIME value, must be >= 0\r\n"
    );
    assert_eq!(
        restore(&mut h, &[b"REPLACE", b"FREQ", b"256"]),
        "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
    );
    assert_eq!(
        restore(&mut h, &[b"REPLACE", b"FREQ", b"1", b"IDLETIME", b"1"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        restore(&mut h, &[b"REPLACE", b"IDLETIME", b"1000"]),
        "+OK\r\n"
    );
    let idle: i64 = String::from_utf8(run(&mut h, &["OBJECT", "IDLETIME", "k"])).unwrap()[1..]
        .trim()
        .parse()
        .unwrap();
    assert!(idle >= 1000, "idle {idle}");
    assert_eq!(
        restore(&mut h, &[b"REPLACE", b"BOGUS"]),
        "-ERR syntax error\r\n"
    );
    let mut bad = p.clone();
    bad[1] ^= 0x20;
    let r = run_bytes(&mut h, &[b"RESTORE", b"n", b"0", &bad]);
    assert_eq!(r, b"-ERR DUMP payload version or checksum are wrong\r\n");
    let r = run_bytes(&mut h, &[b"RESTORE", b"n", b"-1", &p]);
    assert_eq!(r, b"-ERR Invalid TTL value, must be >= 0\r\n");
    // A relative TTL, and an absolute one already past: nothing stored.
    assert_eq!(
        run_bytes(&mut h, &[b"RESTORE", b"t", b"100000", &p]),
        b"+OK\r\n"
    );
    let pttl: i64 = String::from_utf8(run(&mut h, &["PTTL", "t"])).unwrap()[1..]
        .trim()
        .parse()
        .unwrap();
    assert!(pttl > 90_000 && pttl <= 100_000, "pttl {pttl}");
    assert_eq!(
        run_bytes(&mut h, &[b"RESTORE", b"gone", b"1", &p, b"ABSTTL"]),
        b"+OK\r\n"
    );
    assert_eq!(run(&mut h, &["EXISTS", "gone"]), b":0\r\n");
}

#[test]
fn save_and_debug_reload_keep_every_key() {
    let mut h = harness();
    let name = format!("test-reload-{}.rdb", std::process::id());
    h.commands().config().load("dbfilename", &[&name]).unwrap();
    h.commands()
        .config()
        .load("enable-debug-command", &["yes"])
        .unwrap();
    let keys = fill(&mut h);
    run(&mut h, &["SELECT", "3"]);
    run(&mut h, &["SET", "in-db-3", "x"]);
    run(&mut h, &["SET", "ttl", "y", "PX", "500000"]);
    run(&mut h, &["SELECT", "0"]);
    let before: Vec<_> = keys.iter().map(|k| loaded(contents(&mut h, k))).collect();
    assert_eq!(run(&mut h, &["SAVE"]), b"+OK\r\n");
    assert!(std::path::Path::new(&name).exists());
    run(&mut h, &["SET", "after-save", "1"]);
    assert_eq!(run(&mut h, &["DEBUG", "RELOAD"]), b"+OK\r\n");
    let after: Vec<_> = keys.iter().map(|k| contents(&mut h, k)).collect();
    assert_eq!(before, after);
    assert_eq!(run(&mut h, &["EXISTS", "after-save"]), b":1\r\n");
    run(&mut h, &["SELECT", "3"]);
    assert_eq!(run(&mut h, &["GET", "in-db-3"]), b"$1\r\nx\r\n");
    let pttl: i64 = String::from_utf8(run(&mut h, &["PTTL", "ttl"])).unwrap()[1..]
        .trim()
        .parse()
        .unwrap();
    assert!(pttl > 400_000, "pttl {pttl}");
    run(&mut h, &["SELECT", "0"]);
    let info = String::from_utf8(run(&mut h, &["INFO", "persistence"])).unwrap();
    assert!(info.contains("rdb_changes_since_last_save:0"), "{info}");
    assert!(info.contains("rdb_saves:2"), "{info}");
    let _ = std::fs::remove_file(&name);
}

#[test]
fn bgsave_writes_the_file_in_the_background() {
    let mut h = harness();
    let name = format!("test-bgsave-{}.rdb", std::process::id());
    h.commands().config().load("dbfilename", &[&name]).unwrap();
    for i in 0..1000 {
        run(&mut h, &["SET", &format!("k{i}"), &i.to_string()]);
    }
    let last = run(&mut h, &["LASTSAVE"]);
    assert_eq!(run(&mut h, &["BGSAVE"]), b"+Background saving started\r\n");
    let again = run(&mut h, &["BGSAVE"]);
    assert!(
        again == b"-ERR Background save already in progress\r\n"
            || again == b"+Background saving started\r\n"
    );
    assert_eq!(run(&mut h, &["BGSAVE", "x"]), b"-ERR syntax error\r\n");
    // Writes while it runs are fine.
    run(&mut h, &["SET", "during", "1"]);
    let mut done = false;
    for _ in 0..600 {
        let info = String::from_utf8(run(&mut h, &["INFO", "persistence"])).unwrap();
        if info.contains("rdb_bgsave_in_progress:0")
            && info.contains("rdb_saves:")
            && !info.contains("rdb_saves:0")
        {
            done = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(done);
    let _ = last;
    let data = std::fs::read(&name).unwrap();
    let mut n = 0;
    crate::persist::rdb::load_rdb(
        &data,
        &Default::default(),
        16,
        None,
        crate::persist::rdb::Checks {
            checksum: true,
            deep: true,
        },
        |_, _| true,
        |l| {
            assert!(l.key.starts_with(b"k") || &l.key[..] == b"during");
            n += 1;
            Ok(())
        },
    )
    .unwrap();
    assert!(n >= 1000);
    let _ = std::fs::remove_file(&name);
}

#[test]
fn restore_asking_is_restore_outside_a_cluster() {
    let mut h = harness();
    run(&mut h, &["RPUSH", "l", "a", "b"]);
    let p = bulk(&run(&mut h, &["DUMP", "l"]));
    assert_eq!(
        run_bytes(&mut h, &[b"RESTORE-ASKING", b"l", b"0", &p]),
        b"-BUSYKEY Target key name already exists.\r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"RESTORE-ASKING", b"m", b"0", &p]),
        b"+OK\r\n"
    );
    assert_eq!(
        run(&mut h, &["LRANGE", "m", "0", "-1"]),
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"RESTORE-ASKING", b"m", b"0"]),
        b"-ERR wrong number of arguments for 'restore-asking' command\r\n"
    );
}

//! RDB files and DUMP payloads between kevy and a real redis-server 7.0, in
//! both directions, checked key by key; `redis-check-rdb` on kevy's file;
//! restarts of the binary with another shard count (keys re-homed) and the
//! final save of SHUTDOWN and SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use crate::binary::Binary;
use crate::util::{array_items, bulk_body, integer, Raw, RedisServer};

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    crate::persist_util::scratch("rdb", name)
}

/// Keys of every type, small and large encodings, several databases, TTLs.
fn fill(addr: SocketAddr) -> Vec<(usize, String)> {
    let mut c = Raw::connect(addr);
    let mut keys = Vec::new();
    for db in [0usize, 1, 9] {
        c.call(&["SELECT", &db.to_string()]);
        let mut add = |k: &str| keys.push((db, k.to_string()));
        c.call(&["SET", "s:int", "-12345"]);
        c.call(&["SET", "s:bigint", "1234567890123"]);
        c.call(&["SET", "s:str", "hello"]);
        c.call(&["SET", "s:long", &"abc".repeat(300)]);
        c.call(&["SET", "s:ttl", "v", "PX", "900000"]);
        for k in ["s:int", "s:bigint", "s:str", "s:long", "s:ttl"] {
            add(k);
        }
        c.call(&["RPUSH", "l:small", "a", "1", "-7", "b"]);
        for i in 0..400 {
            c.call(&[
                "RPUSH",
                "l:big",
                &format!("item-{i}-{}", "y".repeat(i % 50)),
            ]);
        }
        c.call(&["HSET", "h:small", "f", "v", "n", "300000"]);
        for i in 0..700 {
            c.call(&["HSET", "h:big", &format!("f{i}"), &i.to_string()]);
        }
        c.call(&["HSET", "h:long", "f", &"z".repeat(100)]);
        c.call(&["SADD", "set:int", "1", "-2", "70000", "5000000000"]);
        for i in 0..600 {
            c.call(&["SADD", "set:bigint", &i.to_string()]);
        }
        c.call(&["SADD", "set:str", "a", "b", "c"]);
        c.call(&[
            "ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c", "1e300", "d",
        ]);
        for i in 0..300 {
            c.call(&[
                "ZADD",
                "z:big",
                &format!("{}.25", i * 7 % 100),
                &format!("m{i}"),
            ]);
        }
        c.call(&["PFADD", "hll", "a", "b", "c"]);
        c.call(&["EXPIRE", "z:big", "5000"]);
        for k in [
            "l:small",
            "l:big",
            "h:small",
            "h:big",
            "h:long",
            "set:int",
            "set:bigint",
            "set:str",
            "z:small",
            "z:big",
            "hll",
        ] {
            add(k);
        }
    }
    c.call(&["SELECT", "0"]);
    keys
}

/// A key's contents in a form that compares across servers: type, value
/// (unordered collections sorted), and whether it has a TTL.
fn contents(c: &mut Raw, db: usize, key: &str) -> Vec<Vec<u8>> {
    c.call(&["SELECT", &db.to_string()]);
    let ty = c.call(&["TYPE", key]);
    let items = |r: Vec<u8>| -> Vec<Vec<u8>> {
        array_items(&r)
            .unwrap_or_default()
            .into_iter()
            .map(|i| i.to_vec())
            .collect()
    };
    let mut v = match &ty[..] {
        b"+string\r\n" => vec![c.call(&["GET", key])],
        b"+list\r\n" => items(c.call(&["LRANGE", key, "0", "-1"])),
        b"+hash\r\n" => {
            let mut v = items(c.call(&["HGETALL", key]));
            v.sort();
            v
        }
        b"+set\r\n" => {
            let mut v = items(c.call(&["SMEMBERS", key]));
            v.sort();
            v
        }
        b"+zset\r\n" => items(c.call(&["ZRANGE", key, "0", "-1", "WITHSCORES"])),
        other => panic!("{key}: type {}", String::from_utf8_lossy(other)),
    };
    let ttl = integer(&c.call(&["PTTL", key])).unwrap();
    v.push(ty);
    v.push(if ttl > 0 {
        b"ttl".to_vec()
    } else {
        ttl.to_string().into_bytes()
    });
    v
}

fn compare(keys: &[(usize, String)], a: SocketAddr, b: SocketAddr) {
    let (mut ca, mut cb) = (Raw::connect(a), Raw::connect(b));
    for (db, k) in keys {
        assert_eq!(
            contents(&mut ca, *db, k),
            contents(&mut cb, *db, k),
            "db {db} key {k}"
        );
    }
    for db in [0, 1, 9] {
        ca.call(&["SELECT", &db.to_string()]);
        cb.call(&["SELECT", &db.to_string()]);
        assert_eq!(ca.call(&["DBSIZE"]), cb.call(&["DBSIZE"]), "db {db}");
    }
}

fn kevy_in(dir: &std::path::Path, threads: usize, extra: &[&str]) -> Binary {
    crate::persist_util::kevy_rdb(dir, threads, extra)
}

#[test]
fn a_redis_dump_rdb_loads_into_kevy_key_by_key() {
    let dir = scratch("from-redis");
    let redis =
        RedisServer::start_with(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
    let keys = fill(redis.addr());
    assert_eq!(Raw::connect(redis.addr()).call(&["SAVE"]), b"+OK\r\n");
    let kevy = kevy_in(&dir, 3, &[]);
    compare(&keys, redis.addr(), kevy.addr);
    // And a file Redis writes without compression or checksum.
    let mut r = Raw::connect(redis.addr());
    r.call(&["CONFIG", "SET", "rdbcompression", "no"]);
    assert_eq!(r.call(&["SAVE"]), b"+OK\r\n");
    drop(kevy);
    let kevy = kevy_in(&dir, 2, &[]);
    compare(&keys, redis.addr(), kevy.addr);
}

#[test]
fn a_kevy_dump_rdb_passes_redis_check_rdb_and_loads_into_redis() {
    let dir = scratch("to-redis");
    let kevy = kevy_in(&dir, 3, &[]);
    let keys = fill(kevy.addr);
    assert_eq!(Raw::connect(kevy.addr).call(&["SAVE"]), b"+OK\r\n");
    let file = dir.join("dump.rdb");
    let out = Command::new("redis-check-rdb")
        .arg(&file)
        .output()
        .expect("run redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains("RDB looks OK!"),
        "{text}"
    );
    let redis =
        RedisServer::start_with(&["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"]);
    compare(&keys, redis.addr(), kevy.addr);
}

#[test]
fn dump_payloads_restore_both_ways() {
    let redis = RedisServer::start();
    let kevy = crate::util::kevy();
    let keys = fill(redis.addr());
    let (mut r, mut k) = (Raw::connect(redis.addr()), Raw::connect(kevy.addr()));
    for (db, key) in &keys {
        for c in [&mut r, &mut k] {
            c.call(&["SELECT", &db.to_string()]);
        }
        let p = r.call(&["DUMP", key]);
        let p = bulk_body(&p).unwrap().to_vec();
        assert_eq!(
            k.call_bytes(&[b"RESTORE", key.as_bytes(), b"0", &p]),
            b"+OK\r\n",
            "{key}"
        );
        // Back again: kevy's payload restores into Redis under another name.
        let q = k.call(&["DUMP", key]);
        let q = bulk_body(&q).unwrap().to_vec();
        let copy = format!("{key}:copy");
        assert_eq!(
            r.call_bytes(&[b"RESTORE", copy.as_bytes(), b"0", &q]),
            b"+OK\r\n",
            "{key}"
        );
        let mut a = contents(&mut r, *db, key);
        let b = contents(&mut r, *db, &copy);
        a.pop();
        let mut b2 = b.clone();
        b2.pop();
        assert_eq!(a, b2, "{key}");
        let mut kk = contents(&mut k, *db, key);
        kk.pop();
        assert_eq!(a, kk, "{key}");
    }
}

#[test]
fn a_restart_with_another_shard_count_keeps_every_key() {
    let dir = scratch("restart");
    let kevy = kevy_in(&dir, 2, &[]);
    let keys = fill(kevy.addr);
    let reference = RedisServer::start();
    fill(reference.addr());
    // SHUTDOWN SAVE writes the file on the way out.
    let mut c = Raw::connect(kevy.addr);
    c.send(&crate::util::encode_str(&["SHUTDOWN", "SAVE"]));
    let (status, _) = kevy.stop(0);
    assert!(status.success());
    assert!(dir.join("dump.rdb").exists());
    let kevy = kevy_in(&dir, 3, &[]);
    compare(&keys, reference.addr(), kevy.addr);
    // SIGTERM with a save rule saves too; NOSAVE does not.
    let mut c = Raw::connect(kevy.addr);
    c.call(&["CONFIG", "SET", "save", "3600 1"]);
    c.call(&["SET", "after-restart", "1"]);
    let (status, _) = kevy.stop(libc::SIGTERM);
    assert!(status.success());
    let kevy = kevy_in(&dir, 1, &[]);
    let mut c = Raw::connect(kevy.addr);
    assert_eq!(c.call(&["GET", "after-restart"]), b"$1\r\n1\r\n");
    c.call(&["SET", "lost", "1"]);
    c.send(&crate::util::encode_str(&["SHUTDOWN", "NOSAVE"]));
    let (status, _) = kevy.stop(0);
    assert!(status.success());
    let kevy = kevy_in(&dir, 2, &[]);
    let mut c = Raw::connect(kevy.addr);
    assert_eq!(c.call(&["EXISTS", "lost"]), b":0\r\n");
    assert_eq!(c.call(&["EXISTS", "after-restart"]), b":1\r\n");
}

#[test]
fn a_corrupt_file_stops_start_up() {
    let dir = scratch("corrupt");
    std::fs::write(dir.join("dump.rdb"), b"REDIS0010\xfa\x09redis-ver").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args([
            "--port",
            "0",
            "--threads",
            "2",
            "--dir",
            dir.to_str().unwrap(),
        ])
        .output()
        .expect("run kevy-server");
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    // As Redis: the reason and where, then the end.
    assert!(
        log.contains("Internal error in RDB reading offset 20 -> unexpected end of data"),
        "{log}"
    );
    assert!(
        log.contains("Terminating server after rdb file reading failure."),
        "{log}"
    );
}

/// Sends `cmds` as one pipeline and reads every reply.
fn pipeline(c: &mut Raw, cmds: &[Vec<String>]) {
    let mut bytes = Vec::new();
    for cmd in cmds {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        bytes.extend_from_slice(&crate::util::encode_str(&args));
    }
    c.send(&bytes);
    for _ in cmds {
        c.reply();
    }
}

fn sets(prefix: &str, n: usize, value: &str) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| vec!["SET".into(), format!("{prefix}{i}"), format!("{value}{i}")])
        .collect()
}

#[test]
fn writes_during_bgsave_are_all_present_after_a_restart() {
    let dir = scratch("during-bgsave");
    let kevy = kevy_in(&dir, 2, &[]);
    let mut c = Raw::connect(kevy.addr);
    for chunk in sets("k:", 20_000, "v").chunks(1000) {
        pipeline(&mut c, chunk);
    }
    assert_eq!(c.call(&["BGSAVE"]), b"+Background saving started\r\n");
    for chunk in sets("during:", 5_000, "d").chunks(500) {
        pipeline(&mut c, chunk);
    }
    pipeline(&mut c, &sets("k:", 1000, "new"));
    let mut done = false;
    for _ in 0..3000 {
        let info = String::from_utf8(c.call(&["INFO", "persistence"])).unwrap();
        if info.contains("rdb_bgsave_in_progress:0") && info.contains("rdb_saves:1") {
            done = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(done, "the background save did not finish");
    assert!(String::from_utf8(c.call(&["INFO", "persistence"]))
        .unwrap()
        .contains("rdb_last_bgsave_status:ok"));
    assert_eq!(integer(&c.call(&["DBSIZE"])), Some(25_000));
    c.send(&crate::util::encode_str(&["SHUTDOWN", "SAVE"]));
    let (status, _) = kevy.stop(0);
    assert!(status.success());
    let kevy = kevy_in(&dir, 3, &[]);
    let mut c = Raw::connect(kevy.addr);
    assert_eq!(integer(&c.call(&["DBSIZE"])), Some(25_000));
    assert_eq!(c.call(&["GET", "k:5"]), b"$4\r\nnew5\r\n");
    assert_eq!(c.call(&["GET", "k:15000"]), b"$6\r\nv15000\r\n");
    assert_eq!(c.call(&["GET", "during:4999"]), b"$5\r\nd4999\r\n");
}

#[test]
fn access_frequencies_travel_with_the_file_under_lfu() {
    let dir = scratch("lfu");
    let redis = RedisServer::start_with(&[
        "--dir",
        dir.to_str().unwrap(),
        "--dbfilename",
        "dump.rdb",
        "--maxmemory-policy",
        "allkeys-lfu",
    ]);
    let mut r = Raw::connect(redis.addr());
    r.call(&["SET", "hot", "1"]);
    r.call(&["SET", "cold", "1"]);
    for _ in 0..200 {
        r.call(&["GET", "hot"]);
    }
    let hot = integer(&r.call(&["OBJECT", "FREQ", "hot"])).unwrap();
    assert!(hot > 5, "{hot}");
    // Read before the save: the counters the file holds. Asked again
    // later, Redis would decay them once a minute boundary passes.
    let cold = r.call(&["OBJECT", "FREQ", "cold"]);
    assert_eq!(r.call(&["SAVE"]), b"+OK\r\n");
    let kevy = kevy_in(&dir, 2, &["--maxmemory-policy", "allkeys-lfu"]);
    let mut k = Raw::connect(kevy.addr);
    assert_eq!(integer(&k.call(&["OBJECT", "FREQ", "hot"])), Some(hot));
    assert_eq!(k.call(&["OBJECT", "FREQ", "cold"]), cold);
}

/// FLUSHALL with a save rule saves the emptied dataset at once (Redis's
/// `flushAllDataAndResetRDB`): what it removed does not come back after a
/// restart that does not save, libraries stay, the change counter is 0.
/// Without a rule it saves nothing, as Redis.
#[test]
fn flushall_with_a_save_rule_saves_the_empty_dataset() {
    let info_changes = |c: &mut Raw| {
        let info = String::from_utf8_lossy(&c.call(&["INFO", "persistence"])).into_owned();
        info.lines()
            .find_map(|l| {
                l.strip_prefix("rdb_changes_since_last_save:")
                    .map(str::to_string)
            })
            .unwrap()
    };
    for (rules, keys_back) in [("3600 1", ":0\r\n"), ("", ":1\r\n")] {
        let dir = scratch(&format!("flushall-{}", rules.is_empty()));
        let kevy = kevy_in(&dir, 2, &["--save", rules]);
        let mut c = Raw::connect(kevy.addr);
        c.call(&["SET", "a", "1"]);
        assert_eq!(c.call(&["SAVE"]), b"+OK\r\n");
        c.call(&["SET", "b", "1"]);
        let lib = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";
        c.call(&["FUNCTION", "LOAD", lib]);
        assert_eq!(c.call(&["FLUSHALL"]), b"+OK\r\n");
        if !rules.is_empty() {
            assert_eq!(info_changes(&mut c), "0");
        }
        c.send(&crate::util::encode_str(&["SHUTDOWN", "NOSAVE"]));
        let (status, _) = kevy.stop(0);
        assert!(status.success());
        let kevy = kevy_in(&dir, 3, &[]);
        let mut c = Raw::connect(kevy.addr);
        assert_eq!(c.call(&["DBSIZE"]), keys_back.as_bytes(), "save {rules:?}");
        if !rules.is_empty() {
            assert_eq!(c.call(&["FCALL", "f", "0"]), b":1\r\n");
        }
        let _ = kevy.stop(libc::SIGTERM);
    }
}

/// While the data loads (past `loading-process-events-interval-bytes`:
/// a smaller load is done before serving), the server serves (Redis's
/// `loading`): commands
/// without Redis's `loading` flag are answered `-LOADING`, INFO says
/// `loading:1`, CONFIG SET takes what it may take then and answers
/// `-LOADING` for `dir`; SHUTDOWN during the load saves nothing. Once
/// every shard has its keys, "Ready to accept connections", and they are
/// all there.
#[test]
fn commands_during_loading_are_answered_as_redis_answers_them() {
    use std::io::{BufRead, BufReader};
    let dir = scratch("loading");
    let bin = Binary::spawn_in(&dir, &["--enable-debug-command", "yes"]);
    let mut c = Raw::connect(bin.addr);
    assert_eq!(
        c.call(&["DEBUG", "POPULATE", "20000", "key", "100"]),
        b"+OK\r\n"
    );
    assert_eq!(c.call(&["SAVE"]), b"+OK\r\n");
    drop(c);
    bin.stop(libc::SIGKILL);
    // First a SHUTDOWN SAVE during the load, then a load to its end, which
    // finds every key: the shutdown saved nothing over the file.
    for shutdown in [true, false] {
        // 20,000 keys at 200 µs each: four seconds of loading.
        let port = crate::util::free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--threads", "2", "--save", "", "--key-load-delay", "200"])
            // Serve from the first kilobyte loaded (default: from 2 MB).
            .args(["--loading-process-events-interval-bytes", "1024"])
            .args(["--dir", dir.to_str().unwrap()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn kevy-server");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // The banner is out before the load: the port is open.
        while !line.contains("Running mode=standalone") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "exited early");
        }
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut c = Raw::connect(addr);
        let loading = b"-LOADING Redis is loading the dataset in memory\r\n";
        assert_eq!(c.call(&["GET", "key:1"]), loading);
        assert_eq!(c.call(&["PING"]), loading);
        assert_eq!(c.call(&["DBSIZE"]), loading);
        let info = String::from_utf8(c.call(&["INFO", "persistence"])).unwrap();
        assert!(info.contains("loading:1\r\n"), "{info}");
        assert_eq!(c.call(&["CONFIG", "SET", "loglevel", "debug"]), b"+OK\r\n");
        assert_eq!(c.call(&["CONFIG", "SET", "dir", "/tmp"]), loading);
        // In a transaction: refused as queued, so EXEC aborts.
        assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
        assert_eq!(c.call(&["SET", "k", "v"]), loading);
        assert_eq!(
            c.call(&["EXEC"]),
            b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
        if shutdown {
            // Nothing saved: the file is still the whole data set.
            c.send(&crate::util::encode_str(&["SHUTDOWN", "SAVE"]));
            let _ = c.try_reply();
            let status = child.wait().unwrap();
            assert!(status.success(), "{status}");
            continue;
        }
        while !line.contains("Ready to accept connections") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "exited early");
        }
        assert_eq!(c.call(&["DBSIZE"]), b":20000\r\n");
        let value = c.call(&["GET", "key:1"]);
        assert_eq!(bulk_body(&value).map(<[u8]>::len), Some(100));
        let info = String::from_utf8(c.call(&["INFO", "persistence"])).unwrap();
        assert!(info.contains("loading:0\r\n"), "{info}");
        let _ = child.kill();
        let _ = child.wait();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What a server saved and loaded back after keys had expired without being
/// deleted (active expiry off): the counts a restart reports in INFO, the
/// keys left, and `redis-check-rdb`'s verdict on the file.
fn expired_keys_story(addr: SocketAddr, restart: &mut dyn FnMut() -> SocketAddr) -> Vec<String> {
    let mut seen = Vec::new();
    let mut c = Raw::connect(addr);
    assert_eq!(c.call(&["DEBUG", "POPULATE", "100"]), b"+OK\r\n");
    assert_eq!(c.call(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    for j in 0..48 {
        c.call(&["SELECT", &(j % 16).to_string()]);
        assert_eq!(
            c.call(&["SET", &format!("gone:{j}"), "v", "PX", "10"]),
            b"+OK\r\n"
        );
    }
    c.call(&["SELECT", "0"]);
    c.call(&["SET", "kept", "v", "EX", "1000"]);
    std::thread::sleep(std::time::Duration::from_millis(30));
    assert_eq!(c.call(&["SAVE"]), b"+OK\r\n");
    let addr = restart();
    let mut c = Raw::connect(addr);
    for field in ["rdb_last_load_keys_expired", "rdb_last_load_keys_loaded"] {
        seen.push(format!(
            "{field}: {:?}",
            crate::util::info_num(&mut c, "persistence", field)
        ));
    }
    seen.push(format!("{:?}", c.call(&["DBSIZE"])));
    seen.push(format!("{:?}", c.call(&["EXISTS", "kept", "gone:0"])));
    seen
}

/// Keys past their deadline but not yet deleted are saved, as Redis 7.0's
/// `rdbSave` saves them, and a loading primary drops and counts them
/// (Redis's "Test RDB load info", `integration/rdb`).
#[test]
fn expired_keys_not_yet_deleted_are_saved_and_counted_at_load() {
    let rdir = scratch("expired-redis");
    let kdir = scratch("expired-kevy");
    let redis_args = ["--dbfilename", "dump.rdb", "--enable-debug-command", "yes"];
    let start_redis = || crate::persist_util::redis_in(&rdir, &redis_args);
    let mut redis = Some(start_redis());
    let first = redis.as_ref().unwrap().addr();
    let mut restart_redis = || {
        drop(redis.take());
        redis = Some(start_redis());
        redis.as_ref().unwrap().addr()
    };
    let want = expired_keys_story(first, &mut restart_redis);
    let debug = ["--enable-debug-command", "yes"];
    let mut kevy = Some(kevy_in(&kdir, 2, &debug));
    let first = kevy.as_ref().unwrap().addr;
    let mut restart_kevy = || {
        drop(kevy.take());
        kevy = Some(kevy_in(&kdir, 2, &debug));
        kevy.as_ref().unwrap().addr
    };
    let got = expired_keys_story(first, &mut restart_kevy);
    assert_eq!(got, want);
    assert!(want[0].ends_with("Some(48)"), "{want:?}");
}

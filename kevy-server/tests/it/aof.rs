//! The append-only file through the `kevy-server` binary: every type round
//! trips on 2 and 3 shards and across a restart with another shard count,
//! BGREWRITEAOF keeps every write, `redis-check-aof` accepts kevy's files,
//! a redis-server 7.0 `appendonlydir` loads into kevy key for key and
//! kevy's into redis-server, torn
//! tails and corruption are handled as Redis does, and the crash test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kevy_rt::Router;

use crate::binary::Binary;
use crate::persist_util::{kevy_in, redis_aof};

/// A fresh directory for one test's files.
pub(crate) fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kevy-aof-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// kevy-server with the AOF on in `dir`.
pub(crate) fn kevy(dir: &Path, shards: usize, fsync: &str) -> Binary {
    crate::persist_util::kevy_aof(dir, shards, &["--appendfsync", fsync])
}

pub(crate) fn con(addr: std::net::SocketAddr) -> redis::Connection {
    let client = redis::Client::open(format!("redis://{addr}/")).unwrap();
    client.get_connection().unwrap()
}

pub(crate) fn q(c: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Every key of every database: type, value (collections in a canonical
/// order) and absolute deadline.
pub(crate) fn dump(addr: std::net::SocketAddr) -> BTreeMap<(u32, Vec<u8>), String> {
    let mut c = con(addr);
    let mut all = BTreeMap::new();
    for db in 0..16u32 {
        q(&mut c, &["SELECT", &db.to_string()]);
        let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut c).unwrap();
        for k in keys {
            let t: String = redis::cmd("TYPE").arg(&k).query(&mut c).unwrap();
            let v = match t.as_str() {
                "string" => format!(
                    "{:?}",
                    redis::cmd("GET").arg(&k).query::<Vec<u8>>(&mut c).unwrap()
                ),
                "list" => format!(
                    "{:?}",
                    redis::cmd("LRANGE")
                        .arg(&k)
                        .arg(0)
                        .arg(-1)
                        .query::<Vec<Vec<u8>>>(&mut c)
                        .unwrap()
                ),
                "hash" => {
                    let mut h: Vec<(Vec<u8>, Vec<u8>)> =
                        redis::cmd("HGETALL").arg(&k).query(&mut c).unwrap();
                    h.sort();
                    format!("{h:?}")
                }
                "set" => {
                    let mut s: Vec<Vec<u8>> = redis::cmd("SMEMBERS").arg(&k).query(&mut c).unwrap();
                    s.sort();
                    format!("{s:?}")
                }
                "zset" => format!(
                    "{:?}",
                    redis::cmd("ZRANGE")
                        .arg(&k)
                        .arg(0)
                        .arg(-1)
                        .arg("WITHSCORES")
                        .query::<Vec<Vec<u8>>>(&mut c)
                        .unwrap()
                ),
                // Expired since KEYS listed it (`gone` lives 1 ms).
                "none" => continue,
                other => panic!("unexpected type {other}"),
            };
            let at: i64 = redis::cmd("PEXPIRETIME").arg(&k).query(&mut c).unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            if at == -2 || (at >= 0 && at < now + 1000) {
                // Gone (-2) or about to expire (`gone`): dumps taken apart disagree.
                continue;
            }
            all.insert((db, k), format!("{t} {v} at={at}"));
        }
    }
    all
}

/// Writes of every type, with deadlines, in several databases, through
/// single-shard, cross-shard and transactional commands.
pub(crate) fn write_everything(c: &mut redis::Connection, tag: &str) {
    let k = |name: &str| format!("{tag}:{name}");
    q(c, &["SET", &k("s"), "hello"]);
    q(c, &["SET", &k("n"), "10"]);
    q(c, &["INCRBY", &k("n"), "5"]);
    q(c, &["INCRBYFLOAT", &k("f"), "1.25"]);
    q(c, &["SET", &k("ttl"), "v", "EX", "1000"]);
    q(c, &["SETEX", &k("setex"), "2000", "v"]);
    q(c, &["SET", &k("gone"), "v", "PX", "1"]);
    q(c, &["APPEND", &k("s"), " world"]);
    q(c, &["RPUSH", &k("l"), "a", "b", "c", "d"]);
    q(c, &["LPOP", &k("l")]);
    q(c, &["LPUSH", &k("l"), "z"]);
    q(c, &["HSET", &k("h"), "f1", "v1", "f2", "v2"]);
    q(c, &["HINCRBYFLOAT", &k("h"), "fl", "0.5"]);
    q(c, &["HDEL", &k("h"), "f2"]);
    q(c, &["SADD", &k("si"), "1", "2", "3", "4"]);
    q(c, &["SADD", &k("ss"), "x", "y", "z", "w"]);
    q(c, &["SPOP", &k("ss")]);
    q(c, &["SPOP", &k("si"), "2"]);
    q(c, &["ZADD", &k("z"), "1.5", "a", "2", "b", "-3.25", "c"]);
    q(c, &["ZINCRBY", &k("z"), "10", "a"]);
    q(c, &["PFADD", &k("hll"), "a", "b", "c"]);
    q(c, &["EXPIRE", &k("l"), "5000"]);
    q(c, &["PEXPIREAT", &k("h"), "4102444800000"]);
    q(c, &["MSET", &k("m1"), "1", &k("m2"), "2", &k("m3"), "3"]);
    q(c, &["DEL", &k("m3"), &k("nothere")]);
    q(c, &["RENAME", &k("m2"), &k("m2b")]);
    q(c, &["SMOVE", &k("si"), &k("si2"), "1"]);
    q(c, &["SUNIONSTORE", &k("su"), &k("si"), &k("ss")]);
    q(c, &["ZUNIONSTORE", &k("zu"), "1", &k("z")]);
    q(c, &["LMOVE", &k("l"), &k("l2"), "LEFT", "RIGHT"]);
    q(c, &["SETBIT", &k("bits"), "7", "1"]);
    // Writes whose reply cannot show the change: a new all-zero string,
    // then a longer one; BITFIELD setting what was already there.
    q(c, &["SETBIT", &k("zeros"), "9", "0"]);
    q(c, &["SETBIT", &k("zeros"), "100", "0"]);
    q(
        c,
        &[
            "BITFIELD",
            &k("bf"),
            "SET",
            "u8",
            "0",
            "0",
            "SET",
            "u8",
            "8",
            "7",
        ],
    );
    q(c, &["SETNX", &k("s"), "ignored"]);
    q(c, &["GETSET", &k("gs"), "new"]);
    q(c, &["SELECT", "5"]);
    q(c, &["SET", &k("db5"), "five"]);
    q(c, &["SADD", &k("db5set"), "a"]);
    q(c, &["MULTI"]);
    q(c, &["INCR", &k("tx")]);
    q(c, &["SET", &k("tx2"), "t", "PX", "900000"]);
    q(c, &["MSET", &k("txa"), "1", &k("txb"), "2"]);
    q(c, &["SELECT", "6"]);
    q(c, &["RPUSH", &k("txl"), "1"]);
    q(c, &["EXEC"]);
    q(c, &["SELECT", "0"]);
}

pub(crate) fn check_aof(dir: &Path) {
    let manifest = dir.join("appendonlydir/appendonly.aof.manifest");
    let out = Command::new("redis-check-aof")
        .arg(&manifest)
        .output()
        .expect("redis-check-aof (redis-tools) is needed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-aof: {text}");
    assert!(text.contains("is valid"), "{text}");
}

pub(crate) fn kill(b: Binary) {
    let _ = b.stop(libc::SIGKILL);
}

#[test]
fn every_type_round_trips_across_shard_counts_and_rewrites() {
    for (first, second) in [(2, 3), (3, 2)] {
        let dir = temp(&format!("types{first}"));
        let a = kevy(&dir, first, "always");
        let mut c = con(a.addr);
        write_everything(&mut c, "one");
        q(&mut c, &["BGREWRITEAOF"]);
        write_everything(&mut c, "two");
        // The rewrite ends on its own thread; more writes meanwhile.
        for _ in 0..200 {
            let info: String = redis::cmd("INFO").arg("persistence").query(&mut c).unwrap();
            if info.contains("aof_rewrite_in_progress:0") {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        write_everything(&mut c, "three");
        let before = dump(a.addr);
        assert!(before.len() > 60, "{before:?}");
        kill(a);
        check_aof(&dir);
        let b = kevy(&dir, second, "everysec");
        assert_eq!(dump(b.addr), before, "{first} shards, then {second}");
        // Again after a rewrite on the new shard count.
        let mut c = con(b.addr);
        q(&mut c, &["BGREWRITEAOF"]);
        write_everything(&mut c, "four");
        let before = dump(b.addr);
        let _ = b.stop(libc::SIGTERM);
        check_aof(&dir);
        let again = kevy(&dir, first, "no");
        assert_eq!(dump(again.addr), before);
        kill(again);
        // And redis-server 7.0 reads kevy's directory key for key.
        let redis = redis_aof(&dir, &[]);
        assert_eq!(dump(redis.addr()), before);
        drop(redis);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn redis_appendonlydir_loads_into_kevy() {
    let dir = temp("fromredis");
    let redis = redis_aof(
        &dir,
        &["--aof-use-rdb-preamble", "no", "--appendfsync", "always"],
    );
    let mut c = con(redis.addr());
    write_everything(&mut c, "one");
    q(&mut c, &["BGREWRITEAOF"]);
    // The rewrite done (a base and a fresh increment), then more writes.
    wait_for(&mut c, "aof_rewrite_in_progress", |v| v == "0");
    wait_for(&mut c, "aof_rewrite_scheduled", |v| v == "0");
    write_everything(&mut c, "two");
    let expected = dump(redis.addr());
    drop(c);
    drop(redis);
    let k = kevy(&dir, 3, "everysec");
    assert_eq!(dump(k.addr), expected);
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn torn_tails_and_corruption() {
    let dir = temp("torn");
    let a = kevy(&dir, 2, "always");
    let mut c = con(a.addr);
    q(&mut c, &["SET", "a", "1"]);
    q(&mut c, &["RPUSH", "l", "x", "y"]);
    kill(a);
    let incr = dir.join("appendonlydir/appendonly.aof.1.incr.aof");
    let good = std::fs::read(&incr).unwrap();
    // A command cut short by a crash: truncated and loaded.
    let mut torn = good.clone();
    torn.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\n1");
    std::fs::write(&incr, &torn).unwrap();
    let b = kevy(&dir, 3, "always");
    let mut c = con(b.addr);
    assert_eq!(q(&mut c, &["EXISTS", "b"]), redis::Value::Int(0));
    assert_eq!(q(&mut c, &["LLEN", "l"]), redis::Value::Int(2));
    let _ = b.stop(libc::SIGTERM);
    // Cut back to the last complete command.
    assert_eq!(std::fs::read(&incr).unwrap(), good);
    // Refused with aof-load-truncated no.
    std::fs::write(&incr, &torn).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args([
            "--port",
            "0",
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
        ])
        .args(["--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("Unexpected end of file"));
    // Garbage in the middle: start-up stops, naming the file and offset.
    let mut bad = good.clone();
    bad.extend_from_slice(b"garbage\r\n");
    bad.extend_from_slice(&good);
    std::fs::write(&incr, &bad).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args(["--port", "0", "--appendonly", "yes"])
        .args(["--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(!status.status.success());
    assert!(
        text.contains(&format!(
            "appendonly.aof.1.incr.aof at offset {}",
            good.len()
        )),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two keys owned by different shards of a 2-shard server.
fn split_pair() -> (String, String) {
    let r = Router::new(2);
    let a = "pair:a".to_string();
    let b = (0..)
        .map(|i| format!("pair:b{i}"))
        .find(|b| r.shard_of(b.as_bytes()) != r.shard_of(a.as_bytes()))
        .unwrap();
    (a, b)
}

/// What one client had acknowledged.
#[derive(Default, Clone)]
struct Acked {
    incrs: i64,
    pushes: i64,
}

#[test]
fn crash_test_acknowledged_writes_survive_sigkill() {
    let dir = temp("crash");
    let (pa, pb) = split_pair();
    const CLIENTS: usize = 4;
    let mut acked = vec![Acked::default(); CLIENTS];
    let mut mset_seen = 0i64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..20 {
        let server = kevy(&dir, 2, "always");
        let addr = server.addr;
        // Verify what the last round acknowledged.
        let mut c = con(addr);
        for (i, a) in acked.iter().enumerate() {
            let n: Option<i64> = redis::cmd("GET")
                .arg(format!("ctr:{i}"))
                .query(&mut c)
                .unwrap();
            let n = n.unwrap_or(0);
            // Every acknowledged INCR is there; at most the one in flight more.
            assert!(
                n == a.incrs || n == a.incrs + 1,
                "round {round} client {i}: {n} vs {}",
                a.incrs
            );
            let items: Vec<i64> = redis::cmd("LRANGE")
                .arg(format!("list:{i}"))
                .arg(0)
                .arg(-1)
                .query(&mut c)
                .unwrap();
            assert!(items.len() as i64 == a.pushes || items.len() as i64 == a.pushes + 1);
            // Each push once, in order: nothing applied twice.
            assert!(
                items.iter().enumerate().all(|(j, &v)| v == j as i64),
                "client {i}: {items:?}"
            );
        }
        let va: Option<i64> = redis::cmd("GET").arg(&pa).query(&mut c).unwrap();
        let vb: Option<i64> = redis::cmd("GET").arg(&pb).query(&mut c).unwrap();
        assert_eq!(va, vb, "a cross-shard MSET half applied");
        assert!(va.unwrap_or(0) >= mset_seen, "an acknowledged MSET lost");
        // Bring the acknowledged counts up to what is there (a write in
        // flight at the kill may have made it).
        for (i, a) in acked.iter_mut().enumerate() {
            let n: Option<i64> = redis::cmd("GET")
                .arg(format!("ctr:{i}"))
                .query(&mut c)
                .unwrap();
            a.incrs = n.unwrap_or(0);
            let len: i64 = redis::cmd("LLEN")
                .arg(format!("list:{i}"))
                .query(&mut c)
                .unwrap();
            a.pushes = len;
        }
        mset_seen = va.unwrap_or(0);
        if round % 5 == 4 {
            // Writes racing a rewrite must all survive too.
            q(&mut c, &["BGREWRITEAOF"]);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let stop = stop.clone();
                let mut a = acked[i].clone();
                let (pa, pb) = (pa.clone(), pb.clone());
                let start_m = mset_seen;
                std::thread::spawn(move || {
                    let mut m = start_m;
                    let Ok(client) = redis::Client::open(format!("redis://{addr}/")) else {
                        return (a, m);
                    };
                    let Ok(mut c) = client.get_connection() else {
                        return (a, m);
                    };
                    let mut step = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        step += 1;
                        let r: redis::RedisResult<()> = match step % 3 {
                            0 => redis::cmd("INCR")
                                .arg(format!("ctr:{i}"))
                                .query::<i64>(&mut c)
                                .map(|_| a.incrs += 1),
                            1 => redis::cmd("RPUSH")
                                .arg(format!("list:{i}"))
                                .arg(a.pushes)
                                .query::<i64>(&mut c)
                                .map(|_| a.pushes += 1),
                            // Only client 0 writes the pair: its value only grows.
                            _ if i == 0 => redis::cmd("MSET")
                                .arg(&pa)
                                .arg(m + 1)
                                .arg(&pb)
                                .arg(m + 1)
                                .query::<()>(&mut c)
                                .map(|_| m += 1),
                            _ => Ok(()),
                        };
                        if r.is_err() {
                            break;
                        }
                    }
                    (a, m)
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 450));
        kill(server);
        stop.store(true, Ordering::Relaxed);
        for (i, w) in workers.into_iter().enumerate() {
            let (a, m) = w.join().unwrap();
            acked[i] = a;
            if i == 0 {
                mset_seen = m;
            }
        }
    }
    let server = kevy(&dir, 3, "always");
    let mut c = con(server.addr);
    let total: i64 = (0..CLIENTS)
        .map(|i| {
            redis::cmd("GET")
                .arg(format!("ctr:{i}"))
                .query::<Option<i64>>(&mut c)
                .unwrap()
                .unwrap_or(0)
        })
        .sum();
    assert!(total >= acked.iter().map(|a| a.incrs).sum::<i64>());
    eprintln!(
        "crash test: 20 SIGKILLs, {} INCRs, {} RPUSHes, {} cross-shard MSETs acknowledged and found",
        acked.iter().map(|a| a.incrs).sum::<i64>(),
        acked.iter().map(|a| a.pushes).sum::<i64>(),
        mset_seen
    );
    kill(server);
    check_aof(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

pub(crate) fn info_field(c: &mut redis::Connection, name: &str) -> String {
    let info: String = redis::cmd("INFO").arg("persistence").query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn wait_for(c: &mut redis::Connection, name: &str, want: impl Fn(&str) -> bool) {
    for _ in 0..500 {
        if want(&info_field(c, name)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{name} stayed {}", info_field(c, name));
}

#[test]
fn turned_on_at_run_time_and_rewritten_automatically() {
    let dir = temp("runtime");
    let a = kevy_in(&dir, 2, &[]);
    let mut c = con(a.addr);
    write_everything(&mut c, "before");
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    // The rewrite that makes the base from what is in memory.
    wait_for(&mut c, "aof_rewrites", |v| v == "1");
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    write_everything(&mut c, "after");
    // Automatic rewrite once the file doubled past the minimum size.
    q(
        &mut c,
        &["CONFIG", "SET", "auto-aof-rewrite-min-size", "1kb"],
    );
    // Values LZF cannot shrink much (the base is an RDB file by default).
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for i in 0..20 {
        let big: String = crate::util::noise(8192, i)
            .iter()
            .map(|b| alphabet[(b % 64) as usize] as char)
            .collect();
        q(&mut c, &["SET", &format!("big:{i}"), &big]);
    }
    wait_for(&mut c, "aof_rewrites", |v| {
        v.parse::<u64>().unwrap_or(0) >= 2
    });
    wait_for(&mut c, "aof_rewrite_in_progress", |v| v == "0");
    let base: u64 = info_field(&mut c, "aof_base_size").parse().unwrap();
    // The automatic rewrite may start before the last big key is written:
    // its base holds at least one of them (the restart below checks all).
    assert!(base > 4096, "base {base}");
    let before = dump(a.addr);
    let (_, log) = a.stop(libc::SIGKILL);
    // What Redis logs when the rewrite waits (its suite looks for it).
    assert!(
        log.contains("An AOF background was scheduled to start when possible."),
        "{log}"
    );
    check_aof(&dir);
    let b = kevy(&dir, 3, "everysec");
    assert_eq!(dump(b.addr), before);
    let mut c = con(b.addr);
    // Off again: nothing more is logged.
    q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    q(&mut c, &["SET", "not-logged", "1"]);
    kill(b);
    let c2 = kevy(&dir, 2, "always");
    let mut c = con(c2.addr);
    assert_eq!(q(&mut c, &["EXISTS", "not-logged"]), redis::Value::Int(0));
    kill(c2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A log whose key was written to before its deadline, replayed after it:
/// nothing expires during the replay (as in Redis), so the later write
/// extends the old value, and the key is gone once loaded — not a new key
/// without a deadline. The same directory gives the same in redis-server.
#[test]
fn nothing_expires_while_the_log_is_replayed() {
    let dir = temp("noexpire");
    let aof = dir.join("appendonlydir");
    std::fs::create_dir_all(&aof).unwrap();
    std::fs::write(
        aof.join("appendonly.aof.manifest"),
        "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
    )
    .unwrap();
    std::fs::write(aof.join("appendonly.aof.1.base.aof"), b"").unwrap();
    let log = crate::util::encode_str(&["SELECT", "0"])
        .into_iter()
        .chain(crate::util::encode_str(&["SET", "k", "v", "PXAT", "1000"]))
        .chain(crate::util::encode_str(&["APPEND", "k", "x"]))
        .chain(crate::util::encode_str(&["SET", "other", "1"]))
        .chain(crate::util::encode_str(&["SETNX", "n", "first"]))
        .chain(crate::util::encode_str(&["PEXPIREAT", "n", "1000"]))
        .chain(crate::util::encode_str(&["SETNX", "n", "second"]))
        .collect::<Vec<u8>>();
    std::fs::write(aof.join("appendonly.aof.1.incr.aof"), &log).unwrap();
    let k = kevy(&dir, 2, "always");
    let kd = dump(k.addr);
    kill(k);
    let mut expected = BTreeMap::new();
    expected.insert((0, b"other".to_vec()), "string [49] at=-1".to_string());
    assert_eq!(kd, expected);
    let r = redis_aof(&dir, &[]);
    assert_eq!(dump(r.addr()), expected);
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pop served to a blocked client later is logged as the pop it made
/// (Redis: BLPOP → LPOP), on 2 and 3 shards.
#[test]
fn served_blocking_pops_are_logged() {
    for shards in [2, 3] {
        let dir = temp(&format!("blocked{shards}"));
        let a = kevy(&dir, shards, "always");
        let addr = a.addr;
        let waiter = std::thread::spawn(move || {
            let mut c = con(addr);
            let got: Vec<String> = redis::cmd("BLPOP")
                .arg("q")
                .arg("zq")
                .arg(0)
                .query(&mut c)
                .unwrap();
            got
        });
        let mut c = con(addr);
        // Until the waiter is parked.
        while info_field_clients(&mut c) == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        q(&mut c, &["RPUSH", "q", "x", "y"]);
        assert_eq!(
            waiter.join().unwrap(),
            vec!["q".to_string(), "x".to_string()]
        );
        let before = dump(addr);
        kill(a);
        check_aof(&dir);
        let b = kevy(&dir, shards, "always");
        assert_eq!(dump(b.addr), before);
        kill(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn info_field_clients(c: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("clients").query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// BGREWRITEAOF while `appendonly no` writes a base and its manifest, as
/// Redis does, and the file stays off; `appendonly yes` at the next start
/// loads it.
#[test]
fn bgrewriteaof_while_off_writes_a_base() {
    let dir = temp("offrewrite");
    let a = kevy_in(&dir, 2, &[]);
    let mut c = con(a.addr);
    write_everything(&mut c, "off");
    let started: String = redis::cmd("BGREWRITEAOF").query(&mut c).unwrap();
    assert_eq!(started, "Background append only file rewriting started");
    wait_for(&mut c, "aof_rewrites", |v| v == "1");
    wait_for(&mut c, "aof_rewrite_in_progress", |v| v == "0");
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    q(&mut c, &["SET", "not-logged", "1"]);
    let mut before = dump(a.addr);
    before.remove(&(0, b"not-logged".to_vec()));
    kill(a);
    check_aof(&dir);
    let b = kevy(&dir, 3, "always");
    assert_eq!(dump(b.addr), before);
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis's suite turns the file on and waits only while
/// `aof_rewrite_in_progress` is 1 before relying on it: the rewrite that
/// makes the base counts as running from the moment `CONFIG SET appendonly
/// yes` returns (Redis forks it there; kevy's rewrite thread starts it
/// within 100 ms), so writes after that wait are in the file and `DEBUG
/// LOADAOF` keeps them (it loaded the empty base while the rewrite was
/// still only scheduled: Redis's stream.tcl 'XADD … can propagate
/// correctly' in external mode).
#[test]
fn turned_on_the_rewrite_counts_as_running_until_done() {
    let dir = temp("onrunning");
    let a = kevy_in(&dir, 2, &["--enable-debug-command", "yes"]);
    let mut c = con(a.addr);
    for round in 0..3 {
        q(&mut c, &["FLUSHALL"]);
        q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
        assert_eq!(
            info_field(&mut c, "aof_rewrite_in_progress"),
            if info_field(&mut c, "aof_rewrites") == round.to_string() {
                "1"
            } else {
                "0"
            },
            "round {round}"
        );
        wait_for(&mut c, "aof_rewrite_in_progress", |v| v == "0");
        for i in 0..100 {
            q(&mut c, &["XADD", "mystream", "*", "item", &i.to_string()]);
        }
        q(&mut c, &["DEBUG", "LOADAOF"]);
        assert_eq!(
            q(&mut c, &["XLEN", "mystream"]),
            redis::Value::Int(100),
            "round {round}"
        );
        q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    }
    kill(a);
    let _ = std::fs::remove_dir_all(&dir);
}

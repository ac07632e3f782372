//! The append-only file with an RDB preamble (`aof-use-rdb-preamble yes`,
//! Redis 7.0's default) and the function libraries through every kind of
//! persistence, both ways with redis-server 7.0: a kevy directory whose
//! base is `appendonly.aof.N.base.rdb` passes `redis-check-aof`, reloads on
//! another shard count and loads into redis-server, and Redis's loads into
//! kevy; FUNCTION LOAD / DELETE / FLUSH / RESTORE are logged, rewritten
//! into the base (as `FUNCTION LOAD` commands or `FUNCTION2` entries) and
//! saved in RDB files that redis-server reads (and kevy reads Redis's).
//! Last, durability under `appendfsync everysec` and `always` across a
//! SIGKILL.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::aof::{check_aof, con, dump, kill, q, temp, wait_for, write_everything};
use crate::persist_util::{kevy_aof, kevy_in, redis_aof, redis_in};

/// A library with two functions (longer than 20 bytes: Redis compresses
/// it in an RDB file).
const LIB_A: &str = "#!lua name=liba\n\
redis.register_function('geta', function(keys, args) return redis.call('GET', keys[1]) end)\n\
redis.register_function{function_name='counta', callback=function(keys, args) return #args end, flags={'no-writes'}}\n";

const LIB_B: &str = "#!lua name=libb\n\
redis.register_function('incrb', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\n";

const LIB_C: &str = "#!lua name=libc\n\
redis.register_function('pingc', function(keys, args) return 'pong' end)\n";

/// Every library: name → code (`FUNCTION LIST WITHCODE`).
fn libraries(addr: std::net::SocketAddr) -> BTreeMap<String, String> {
    let mut c = con(addr);
    let list: Vec<Vec<redis::Value>> = redis::cmd("FUNCTION")
        .arg("LIST")
        .arg("WITHCODE")
        .query(&mut c)
        .unwrap();
    let text = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        other => format!("{other:?}"),
    };
    let mut out = BTreeMap::new();
    for lib in list {
        let fields: BTreeMap<String, String> =
            lib.chunks(2).map(|p| (text(&p[0]), text(&p[1]))).collect();
        out.insert(
            fields["library_name"].clone(),
            fields["library_code"].clone(),
        );
    }
    out
}

/// Waits until no rewrite is running or scheduled.
fn rewritten(c: &mut redis::Connection) {
    wait_for(c, "aof_rewrite_in_progress", |v| v == "0");
    wait_for(c, "aof_rewrite_scheduled", |v| v == "0");
}

/// The manifest's base line.
fn base_line(dir: &Path) -> String {
    let m = std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    m.lines()
        .find(|l| l.ends_with("type b"))
        .unwrap_or_default()
        .to_string()
}

fn fcall(c: &mut redis::Connection, f: &str, key: &str, arg: &str) -> redis::Value {
    q(c, &["FCALL", f, "1", key, arg])
}

#[test]
fn rdb_preamble_base_round_trips_on_other_shard_counts_and_into_redis() {
    let dir = temp("preamble");
    let a = kevy_aof(&dir, 2, &["--appendfsync", "always"]);
    let mut c = con(a.addr);
    write_everything(&mut c, "one");
    q(&mut c, &["FUNCTION", "LOAD", LIB_A]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_C]);
    q(&mut c, &["BGREWRITEAOF"]);
    rewritten(&mut c);
    let base = base_line(&dir);
    assert!(
        base.contains("appendonly.aof.2.base.rdb"),
        "manifest base: {base}"
    );
    let data = std::fs::read(dir.join("appendonlydir/appendonly.aof.2.base.rdb")).unwrap();
    assert!(data.starts_with(b"REDIS0010"), "an RDB base");
    // Writes after the cut land in the incremental file.
    write_everything(&mut c, "two");
    q(&mut c, &["FUNCTION", "DELETE", "libc"]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_B]);
    q(&mut c, &["SET", "n", "40"]);
    assert_eq!(fcall(&mut c, "incrb", "n", "2"), redis::Value::Int(42));
    let before = dump(a.addr);
    let libs = libraries(a.addr);
    assert_eq!(
        libs.keys().collect::<Vec<_>>(),
        ["liba", "libb"],
        "{libs:?}"
    );
    kill(a);
    check_aof(&dir);
    let b = kevy_aof(&dir, 3, &[]);
    assert_eq!(dump(b.addr), before, "2 shards, then 3");
    assert_eq!(libraries(b.addr), libs);
    let mut c = con(b.addr);
    assert_eq!(
        fcall(&mut c, "geta", "n", "x"),
        redis::Value::BulkString(b"42".to_vec())
    );
    // A second rewrite on 3 shards, then redis-server 7.0 reads the directory.
    q(&mut c, &["BGREWRITEAOF"]);
    rewritten(&mut c);
    assert!(base_line(&dir).contains(".base.rdb"));
    write_everything(&mut c, "three");
    let before = dump(b.addr);
    let _ = b.stop(libc::SIGTERM);
    check_aof(&dir);
    let redis = redis_aof(&dir, &[]);
    assert_eq!(dump(redis.addr()), before);
    assert_eq!(libraries(redis.addr()), libs);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_appendonlydir_with_an_rdb_preamble_loads_into_kevy() {
    let dir = temp("redispreamble");
    let redis = redis_aof(&dir, &["--aof-use-rdb-preamble", "yes"]);
    let mut c = con(redis.addr());
    write_everything(&mut c, "one");
    q(&mut c, &["FUNCTION", "LOAD", LIB_A]);
    q(&mut c, &["BGREWRITEAOF"]);
    rewritten(&mut c);
    assert!(base_line(&dir).contains(".base.rdb"), "{}", base_line(&dir));
    write_everything(&mut c, "two");
    q(&mut c, &["FUNCTION", "LOAD", LIB_B]);
    let expected = dump(redis.addr());
    let libs = libraries(redis.addr());
    drop(c);
    drop(redis);
    let k = kevy_aof(&dir, 3, &[]);
    assert_eq!(dump(k.addr), expected);
    assert_eq!(libraries(k.addr), libs);
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn function_changes_are_logged_and_rewritten_into_a_resp_base() {
    let dir = temp("fnlog");
    let extra = ["--aof-use-rdb-preamble", "no", "--appendfsync", "always"];
    let a = kevy_aof(&dir, 2, &extra);
    let mut c = con(a.addr);
    q(&mut c, &["FUNCTION", "LOAD", LIB_A]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_B]);
    q(&mut c, &["FUNCTION", "DELETE", "liba"]);
    let payload: Vec<u8> = redis::cmd("FUNCTION").arg("DUMP").query(&mut c).unwrap();
    q(&mut c, &["FUNCTION", "FLUSH"]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_C]);
    redis::cmd("FUNCTION")
        .arg("RESTORE")
        .arg(&payload)
        .query::<()>(&mut c)
        .unwrap();
    // A failed load logs nothing (replaying it would fail the same way).
    let dup = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg(LIB_C)
        .query::<String>(&mut c);
    assert!(dup.is_err());
    let libs = libraries(a.addr);
    assert_eq!(libs.keys().collect::<Vec<_>>(), ["libb", "libc"]);
    kill(a);
    check_aof(&dir);
    let b = kevy_aof(&dir, 3, &extra);
    assert_eq!(libraries(b.addr), libs, "replayed from the log");
    let mut c = con(b.addr);
    q(&mut c, &["BGREWRITEAOF"]);
    rewritten(&mut c);
    let base = base_line(&dir);
    assert!(base.contains(".base.aof"), "{base}");
    let name = base.split_whitespace().nth(1).unwrap().to_string();
    let text = std::fs::read(dir.join("appendonlydir").join(&name)).unwrap();
    let loads = text.windows(8).filter(|w| w == b"FUNCTION").count();
    assert_eq!(loads, 2, "one FUNCTION LOAD per library in the base");
    kill(b);
    check_aof(&dir);
    let again = kevy_aof(&dir, 2, &extra);
    assert_eq!(libraries(again.addr), libs, "from the rewritten base");
    kill(again);
    let redis = redis_aof(&dir, &[]);
    assert_eq!(libraries(redis.addr()), libs);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .expect("redis-check-rdb is needed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-rdb: {text}");
    assert!(text.contains("RDB looks OK"), "{text}");
}

#[test]
fn functions_are_saved_in_rdb_files_both_ways() {
    let dir = temp("fnrdb");
    let a = kevy_in(&dir, 2, &["--enable-debug-command", "yes"]);
    let mut c = con(a.addr);
    q(&mut c, &["FUNCTION", "LOAD", LIB_A]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_B]);
    q(&mut c, &["SET", "k", "v"]);
    // DEBUG RELOAD keeps them (dropped, then loaded from the file).
    q(&mut c, &["DEBUG", "RELOAD"]);
    let libs = libraries(a.addr);
    assert_eq!(libs.keys().collect::<Vec<_>>(), ["liba", "libb"]);
    q(&mut c, &["SAVE"]);
    kill(a);
    let rdb = dir.join("dump.rdb");
    check_rdb(&rdb);
    let b = kevy_in(&dir, 3, &[]);
    assert_eq!(libraries(b.addr), libs, "kevy reads its own file");
    let mut c = con(b.addr);
    assert_eq!(
        fcall(&mut c, "geta", "k", "x"),
        redis::Value::BulkString(b"v".to_vec())
    );
    kill(b);
    // redis-server reads kevy's file…
    let redis = redis_in(&dir, &[]);
    assert_eq!(libraries(redis.addr()), libs);
    let mut c = con(redis.addr());
    q(&mut c, &["FUNCTION", "DELETE", "liba"]);
    q(&mut c, &["FUNCTION", "LOAD", LIB_C]);
    q(&mut c, &["SAVE"]);
    let theirs = libraries(redis.addr());
    drop(c);
    drop(redis);
    // …and kevy redis-server's.
    let k = kevy_in(&dir, 2, &[]);
    assert_eq!(libraries(k.addr), theirs);
    assert_eq!(theirs.keys().collect::<Vec<_>>(), ["libb", "libc"]);
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `appendfsync everysec`: writes acknowledged more than a second before a
/// SIGKILL are all there after the restart; `always`: even the last one
/// acknowledged just before it.
#[test]
fn acknowledged_writes_survive_sigkill_under_everysec_and_always() {
    for policy in ["everysec", "always"] {
        let dir = temp(&format!("kill{policy}"));
        let a = kevy_aof(&dir, 2, &["--appendfsync", policy]);
        let mut c = con(a.addr);
        for i in 0..500 {
            q(&mut c, &["SET", &format!("k{i}"), &i.to_string()]);
        }
        q(&mut c, &["RPUSH", "list", "a", "b"]);
        q(&mut c, &["MSET", "x", "1", "y", "2", "z", "3"]);
        let last: i64 = redis::cmd("INCR").arg("last").query(&mut c).unwrap();
        assert_eq!(last, 1);
        if policy == "everysec" {
            std::thread::sleep(Duration::from_millis(1300));
        }
        kill(a);
        let b = kevy_aof(&dir, 3, &["--appendfsync", policy]);
        let mut c = con(b.addr);
        for i in 0..500 {
            let v: Option<String> = redis::cmd("GET")
                .arg(format!("k{i}"))
                .query(&mut c)
                .unwrap();
            assert_eq!(v, Some(i.to_string()), "{policy}: k{i}");
        }
        let l: Vec<String> = redis::cmd("LRANGE")
            .arg("list")
            .arg(0)
            .arg(-1)
            .query(&mut c)
            .unwrap();
        assert_eq!(l, ["a", "b"]);
        let m: Vec<String> = redis::cmd("MGET")
            .arg("x")
            .arg("y")
            .arg("z")
            .query(&mut c)
            .unwrap();
        assert_eq!(m, ["1", "2", "3"]);
        let last: Option<String> = redis::cmd("GET").arg("last").query(&mut c).unwrap();
        assert_eq!(
            last.as_deref(),
            Some("1"),
            "{policy}: the last acknowledged write"
        );
        kill(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A base that is an RDB file followed by commands (the single-file AOF
/// with a preamble of Redis before 7.0) loads both parts, in kevy as in
/// redis-server; a corrupt preamble stops start-up naming the file.
#[test]
fn an_rdb_preamble_followed_by_commands_and_a_corrupt_one() {
    let dir = temp("mixed");
    let d = dir.to_str().unwrap();
    let a = kevy_in(&dir, 2, &[]);
    let mut c = con(a.addr);
    write_everything(&mut c, "rdb");
    q(&mut c, &["FUNCTION", "LOAD", LIB_A]);
    q(&mut c, &["SAVE"]);
    q(&mut c, &["SET", "after", "1"]);
    q(&mut c, &["RPUSH", "rdb:l", "tail"]);
    let expected = dump(a.addr);
    kill(a);
    let aofdir = dir.join("appendonlydir");
    std::fs::create_dir_all(&aofdir).unwrap();
    let mut base = std::fs::read(dir.join("dump.rdb")).unwrap();
    std::fs::remove_file(dir.join("dump.rdb")).unwrap();
    let rdb_len = base.len();
    base.extend_from_slice(&crate::util::encode_str(&["SET", "after", "1"]));
    base.extend_from_slice(&crate::util::encode_str(&["RPUSH", "rdb:l", "tail"]));
    let name = "appendonly.aof.1.base.rdb";
    std::fs::write(aofdir.join(name), &base).unwrap();
    std::fs::write(
        aofdir.join("appendonly.aof.manifest"),
        format!("file {name} seq 1 type b\n"),
    )
    .unwrap();
    let k = kevy_aof(&dir, 3, &[]);
    assert_eq!(dump(k.addr), expected);
    assert_eq!(libraries(k.addr).keys().collect::<Vec<_>>(), ["liba"]);
    kill(k);
    let redis = redis_aof(&dir, &[]);
    assert_eq!(dump(redis.addr()), expected);
    drop(redis);
    // A flipped byte inside the preamble: caught by its checksum.
    let mut bad = std::fs::read(aofdir.join(name)).unwrap();
    bad[rdb_len / 2] ^= 0x5a;
    std::fs::write(aofdir.join(name), &bad).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args(["--port", "0", "--appendonly", "yes", "--dir", d])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains(&format!("RDB preamble of the AOF file {name}")),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]` against redis-server 7.0, each
/// in its own directory: a NOFLUSH load meeting a library still there
/// fails, MERGE replaces it; NOSAVE loads the file as it was (functions.tcl
/// 'test debug reload different options' / 'with nosave and noflush').
#[test]
fn debug_reload_options_as_redis() {
    let (rd, kd) = (temp("reload-redis"), temp("reload-kevy"));
    let redis = redis_in(&rd, &["--enable-debug-command", "yes"]);
    let kevy = kevy_in(&kd, 2, &["--enable-debug-command", "yes"]);
    let (mut r, mut k) = (
        crate::util::Raw::connect(redis.addr()),
        crate::util::Raw::connect(kevy.addr),
    );
    let lib = |name: &str, reply: &str| {
        format!(
            "#!lua name={name}\nredis.register_function('{name}', function() return '{reply}' end)"
        )
    };
    let (test, test1, test2) = (lib("test", "a"), lib("test1", "b"), lib("test2", "c"));
    let steps: &[&[&str]] = &[
        &["FUNCTION", "LOAD", &test],
        &["SET", "a", "1"],
        &["DEBUG", "RELOAD"],
        &["DEBUG", "RELOAD", "NOFLUSH"],
        &["DEBUG", "RELOAD", "noflush", "merge"],
        &["FUNCTION", "LIST"],
        &["FUNCTION", "DELETE", "test"],
        &["SET", "b", "1"],
        &["FUNCTION", "LOAD", &test1],
        &["DEBUG", "RELOAD"],
        &["FUNCTION", "LOAD", &test2],
        &["SET", "c", "2"],
        &["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"],
        &["FCALL", "test1", "0"],
        &["FCALL", "test2", "0"],
        &["MGET", "a", "b", "c"],
        &["DEBUG", "RELOAD", "NOSAVE"],
        &["FCALL", "test2", "0"],
        &["MGET", "a", "b", "c"],
        &["DEBUG", "RELOAD", "NOFLUSH", "NOSAVE"],
        &["FUNCTION", "LIST"],
        &["DEBUG", "RELOAD", "SOMETIMES"],
    ];
    for step in steps {
        let (a, b) = (r.call(step), k.call(step));
        assert_eq!(crate::util::escape(&a), crate::util::escape(&b), "{step:?}");
    }
    drop(kevy);
    let _ = std::fs::remove_dir_all(&rd);
    let _ = std::fs::remove_dir_all(&kd);
}

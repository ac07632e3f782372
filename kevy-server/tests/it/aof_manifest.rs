//! The AOF directory as Redis 7.0 finds it at start-up: an old-style
//! single `appendonly.aof` moved into `appendonlydir` as the base of a new
//! manifest; a manifest naming a file that is not there, or that Redis's
//! loader refuses, stops the start with Redis's message; the banner
//! (with the PID a supervisor or test harness watches for) is out before
//! the data loads. Plus the DEBUG subcommands Redis's own AOF and RESTORE
//! tests use, against redis-server; `aof-timestamp-enabled`'s annotations.

use std::process::Command;

use crate::aof::{con, kill, q, temp};
use crate::binary::Binary;
use crate::util::{encode_str, escape, Raw, RedisServer};

const SET: &str = "*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$2\r\nv1\r\n";

fn start_failing(dir: &std::path::Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kevy-server"))
        .args(["--port", "0", "--save", "", "--appendonly", "yes"])
        .args(["--dir", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    assert!(!out.status.success(), "started");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new AOF directory in `dir` holding `files` (name, content) and a
/// manifest naming `manifest`'s lines.
fn aof_dir(dir: &std::path::Path, files: &[(&str, &[u8])], manifest: &str) {
    let aofdir = dir.join("appendonlydir");
    std::fs::create_dir_all(&aofdir).unwrap();
    for (name, content) in files {
        std::fs::write(aofdir.join(name), content).unwrap();
    }
    std::fs::write(aofdir.join("appendonly.aof.manifest"), manifest).unwrap();
}

#[test]
fn an_old_style_aof_moves_into_the_directory() {
    let dir = temp("upgrade");
    std::fs::write(dir.join("appendonly.aof"), SET).unwrap();
    let d = dir.to_str().unwrap();
    let k = Binary::spawn_with(&["--port", "0", "--appendonly", "yes", "--dir", d]);
    let mut c = con(k.addr);
    assert_eq!(
        q(&mut c, &["GET", "k1"]),
        redis::Value::BulkString(b"v1".to_vec())
    );
    assert!(!dir.join("appendonly.aof").exists());
    let aofdir = dir.join("appendonlydir");
    assert_eq!(
        std::fs::read_to_string(aofdir.join("appendonly.aof")).unwrap(),
        SET
    );
    assert_eq!(
        std::fs::read_to_string(aofdir.join("appendonly.aof.manifest")).unwrap(),
        "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    q(&mut c, &["SET", "k2", "v2"]);
    let _ = k.stop(libc::SIGTERM);
    // Started again: both keys, from the moved base and the new file.
    let k = Binary::spawn_with(&["--port", "0", "--appendonly", "yes", "--dir", d]);
    let mut c = con(k.addr);
    assert_eq!(
        q(&mut c, &["MGET", "k1", "k2"]),
        redis::Value::Array(vec![
            redis::Value::BulkString(b"v1".to_vec()),
            redis::Value::BulkString(b"v2".to_vec()),
        ])
    );
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn manifests_redis_refuses_stop_the_start() {
    let dir = temp("manifests");
    let aofdir = dir.join("appendonlydir");
    std::fs::create_dir_all(&aofdir).unwrap();
    std::fs::write(aofdir.join("appendonly.aof.1.base.aof"), SET).unwrap();
    let manifest = aofdir.join("appendonly.aof.manifest");
    let base = "file appendonly.aof.1.base.aof seq 1 type b\n";
    for (text, said) in [
        (
            format!("{base}file appendonly.aof.1.incr.aof seq 1 type i\n"),
            "Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: No such file or directory",
        ),
        (format!("{base}\n"), "at line 2: >>> '': Invalid AOF manifest file format"),
        (String::new(), "Found an empty AOF manifest"),
        (base.replace("type b", "type x"), "Unknown AOF file type"),
        (base.trim_end().to_string(), "The AOF manifest file contains too long line"),
    ] {
        std::fs::write(&manifest, &text).unwrap();
        let log = start_failing(&dir, &[]);
        assert!(log.contains(said), "{text:?}: {log}");
    }
    // Unknown keys are for later versions: loaded.
    std::fs::write(&manifest, base.replace('\n', " newkey newvalue\n")).unwrap();
    let d = dir.to_str().unwrap();
    let k = Binary::spawn_with(&["--port", "0", "--appendonly", "yes", "--dir", d]);
    assert_eq!(
        q(&mut con(k.addr), &["GET", "k1"]),
        redis::Value::BulkString(b"v1".to_vec())
    );
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_banner_comes_out_before_the_data_loads() {
    let dir = temp("banner");
    aof_dir(&dir, &[], "file appendonly.aof.1.base.aof seq 1 type b\n");
    // The base is missing: the load fails after the banner.
    let log = start_failing(&dir, &["--always-show-logo", "yes"]);
    let pid = log.find(" PID: ").expect("the banner's PID line");
    let failed = log.find("Unable to obtain").expect("the load's error");
    assert!(pid < failed, "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// DEBUG ERROR, LOG, AOF-FLUSH-SLEEP and SET-SKIP-CHECKSUM-VALIDATION: the
/// same replies as redis-server's; a RESTORE payload with a wrong CRC is
/// refused until the check is skipped.
#[test]
fn debug_test_helpers_answer_as_redis() {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let k = Binary::spawn_debug();
    let session = |addr| {
        let mut c = Raw::connect(addr);
        let mut seen = Vec::new();
        c.call(&["SET", "s", "hello"]);
        let dump = c.call(&["DUMP", "s"]);
        let body = crate::util::bulk_body(&dump).unwrap().to_vec();
        let mut bad = body.clone();
        let n = bad.len();
        bad[n - 1] ^= 0xff;
        for args in [
            &["DEBUG", "ERROR", "broken\r\nline"][..],
            &["DEBUG", "LOG", "from the test"],
            &["DEBUG", "AOF-FLUSH-SLEEP", "0"],
            &["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"],
        ] {
            seen.push(escape(&c.call(args)));
        }
        let restore =
            |c: &mut Raw, key: &[u8], p: &[u8]| escape(&c.call_bytes(&[b"RESTORE", key, b"0", p]));
        seen.push(restore(&mut c, b"r1", &bad));
        seen.push(escape(&c.call(&[
            "DEBUG",
            "SET-SKIP-CHECKSUM-VALIDATION",
            "1",
        ])));
        seen.push(restore(&mut c, b"r2", &bad));
        seen.push(escape(&c.call(&["GET", "r2"])));
        seen.push(escape(&c.call(&[
            "DEBUG",
            "SET-SKIP-CHECKSUM-VALIDATION",
            "0",
        ])));
        seen.push(restore(&mut c, b"r3", &bad));
        seen
    };
    let want = session(redis.addr());
    let got = session(k.addr);
    let (_, log) = k.stop(libc::SIGTERM);
    assert_eq!(want, got);
    assert!(log.contains("DEBUG LOG: from the test"), "{log}");
}

/// `aof-timestamp-enabled yes`: a `#TS:` line before the first command of
/// a second, and at the top of a RESP base; the file still loads.
#[test]
fn timestamp_annotations_go_into_the_files() {
    let dir = temp("timestamps");
    let d = dir.to_str().unwrap();
    let args = ["--port", "0", "--appendonly", "yes", "--dir", d];
    let k = Binary::spawn_with(&[&args[..], &["--aof-use-rdb-preamble", "no"]].concat());
    let mut c = con(k.addr);
    q(&mut c, &["CONFIG", "SET", "aof-timestamp-enabled", "yes"]);
    q(&mut c, &["SET", "foo", "bar"]);
    let aofdir = dir.join("appendonlydir");
    let first_line = |name: &str| {
        let text = std::fs::read_to_string(aofdir.join(name)).unwrap();
        text.lines().next().unwrap_or_default().to_string()
    };
    assert!(first_line("appendonly.aof.1.incr.aof").starts_with("#TS:"));
    q(&mut c, &["BGREWRITEAOF"]);
    crate::aof::wait_for(&mut c, "aof_rewrite_in_progress", |v| v == "0");
    assert!(first_line("appendonly.aof.2.base.aof").starts_with("#TS:"));
    q(&mut c, &["SET", "foo2", "bar2"]);
    let _ = k.stop(libc::SIGTERM);
    let k = Binary::spawn_with(&args);
    let mut c = con(k.addr);
    assert_eq!(
        q(&mut c, &["MGET", "foo", "foo2"]),
        redis::Value::Array(vec![
            redis::Value::BulkString(b"bar".to_vec()),
            redis::Value::BulkString(b"bar2".to_vec()),
        ])
    );
    kill(k);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Turned on at run time, the AOF names its files as Redis 7.0 does
/// (`AOF_WAIT_REWRITE`): nothing is listed until the first rewrite ends,
/// which makes base 1 and incremental file 1 (the shards wrote to
/// `temp-appendonly.aof.incr` meanwhile); a `BGREWRITEAOF` while off
/// leaves a manifest with the base alone; turned on again, the
/// incremental files count on from the last one named. Step by step
/// against redis-server.
#[test]
fn turned_on_at_run_time_the_files_are_named_as_redis_names_them() {
    let steps = |addr, dir: &std::path::Path| {
        let aofdir = dir.join("appendonlydir");
        let manifest = || {
            std::fs::read_to_string(aofdir.join("appendonly.aof.manifest"))
                .unwrap_or_else(|_| "(none)".into())
        };
        let mut c = con(addr);
        let mut seen = Vec::new();
        let mut rewrites = 0;
        let mut step = |c: &mut redis::Connection, args: &[&[&str]]| {
            for a in args {
                q(c, a);
            }
            rewrites += 1;
            let want = rewrites.to_string();
            crate::aof::wait_for(c, "aof_rewrites", |v| v == want);
            crate::aof::wait_for(c, "aof_rewrite_in_progress", |v| v == "0");
            manifest()
        };
        q(&mut c, &["SET", "a", "1"]);
        seen.push(step(&mut c, &[&["CONFIG", "SET", "appendonly", "yes"]]));
        q(&mut c, &["SET", "b", "2"]);
        seen.push(step(&mut c, &[&["BGREWRITEAOF"]]));
        seen.push(step(
            &mut c,
            &[&["CONFIG", "SET", "appendonly", "no"], &["BGREWRITEAOF"]],
        ));
        seen.push(step(&mut c, &[&["CONFIG", "SET", "appendonly", "yes"]]));
        q(&mut c, &["SET", "c", "3"]);
        seen
    };
    let rdir = temp("runtime-names-redis");
    let redis = RedisServer::start_with(&["--dir", rdir.to_str().unwrap()]);
    let want = steps(redis.addr(), &rdir);
    drop(redis);
    let kdir = temp("runtime-names-kevy");
    let kd = kdir.to_str().unwrap();
    let k = Binary::spawn_with(&["--port", "0", "--threads", "2", "--dir", kd]);
    let got = steps(k.addr, &kdir);
    assert_eq!(got, want);
    assert_eq!(
        got.last().map(String::as_str),
        Some("file appendonly.aof.4.base.rdb seq 4 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n")
    );
    // No temporary file is left, and what the manifest names loads.
    let left: Vec<_> = std::fs::read_dir(kdir.join("appendonlydir"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let before = crate::aof::dump(k.addr);
    kill(k);
    let k = crate::persist_util::kevy_aof(&kdir, 2, &[]);
    assert_eq!(crate::aof::dump(k.addr), before);
    assert_eq!(before.len(), 3);
    kill(k);
    let _ = std::fs::remove_dir_all(&rdir);
    let _ = std::fs::remove_dir_all(&kdir);
}

/// While `DEBUG LOADAOF` replays a slow script, every connection is
/// answered `-LOADING`, the ones of the shard that replays included (it
/// serves them between the script's instructions, as Redis's
/// `processEventsWhileBlocked` does); the load then ends and its data is
/// there (Redis's `integration/aof`, "EVAL timeout with slow verbatim Lua
/// script from AOF").
#[test]
fn a_slow_script_being_replayed_leaves_every_connection_answered() {
    let dir = temp("loadaof-slow");
    let script =
        "redis.call('set',KEYS[1],'y'); for i=1,1500000 do redis.call('ping') end return 'ok'";
    let mut aof = encode_str(&["SELECT", "9"]);
    aof.extend(encode_str(&["EVAL", script, "1", "x"]));
    aof_dir(
        &dir,
        &[("appendonly.aof.1.incr.aof", &aof)],
        "file appendonly.aof.1.incr.aof seq 1 type i\n",
    );
    let k = crate::persist_util::kevy_aof(
        &dir,
        2,
        &[
            "--aof-use-rdb-preamble",
            "no",
            "--lua-time-limit",
            "1",
            "--enable-debug-command",
            "yes",
        ],
    );
    // Connections on both shards, open before the load starts.
    let mut conns: Vec<Raw> = (0..8).map(|_| Raw::connect(k.addr)).collect();
    for c in &mut conns {
        assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    }
    let mut loader = Raw::connect(k.addr);
    loader.send(&encode_str(&["DEBUG", "LOADAOF"]));
    // The load has started once the first connection is refused.
    let mut started = false;
    for _ in 0..200 {
        if conns[0].call(&["PING"]).starts_with(b"-LOADING") {
            started = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(started, "DEBUG LOADAOF never showed as loading");
    let refused: Vec<String> = conns[1..]
        .iter_mut()
        .map(|c| escape(&c.call(&["PING"])))
        .collect();
    assert_eq!(loader.reply(), b"+OK\r\n");
    let want = "-LOADING Redis is loading the dataset in memory\\r\\n";
    assert!(refused.iter().all(|r| r == want), "{refused:?}");
    assert_eq!(conns[0].call(&["SELECT", "9"]), b"+OK\r\n");
    assert_eq!(conns[0].call(&["GET", "x"]), b"$1\r\ny\r\n");
    let (_, log) = k.stop(libc::SIGTERM);
    assert!(log.contains("Slow script detected"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

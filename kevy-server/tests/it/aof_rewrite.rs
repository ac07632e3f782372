//! BGREWRITEAOF as an incremental snapshot: the rewrite is slowed by
//! `rdb-key-save-delay` so it is visibly in progress while clients write,
//! a BGSAVE meanwhile is refused or scheduled as Redis answers (one
//! background job at a time), every write survives a restart from the new
//! base and incremental file (RDB and RESP bases), and DEBUG LOADAOF puts
//! back exactly what the server held.

use std::time::Duration;

use crate::aof::{check_aof, con, dump, info_field, kill, q, temp};
use crate::binary::Binary;

fn kevy(dir: &std::path::Path, preamble: &str) -> Binary {
    crate::persist_util::kevy_aof(
        dir,
        2,
        &[
            "--appendfsync",
            "always",
            "--aof-use-rdb-preamble",
            preamble,
            "--enable-debug-command",
            "yes",
        ],
    )
}

/// Waits (a minute at most) until INFO persistence's `name` reads `want`.
fn settle(c: &mut redis::Connection, name: &str, want: &str) {
    for _ in 0..3000 {
        if info_field(c, name) == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{name} stayed {}", info_field(c, name));
}

fn text(v: redis::Value) -> String {
    match v {
        redis::Value::Okay => "OK".into(),
        other => redis::from_redis_value::<String>(other.clone())
            .unwrap_or_else(|_| format!("{other:?}")),
    }
}

#[test]
fn writes_during_a_slow_rewrite_survive_and_bgsave_waits_its_turn() {
    for preamble in ["yes", "no"] {
        let dir = temp(&format!("slowrewrite-{preamble}"));
        let a = kevy(&dir, preamble);
        let mut c = con(a.addr);
        for i in 0..300 {
            q(&mut c, &["SET", &format!("k{i}"), &format!("v{i}")]);
            q(&mut c, &["RPUSH", &format!("l{}", i % 20), &i.to_string()]);
        }
        q(&mut c, &["PEXPIREAT", "k7", "99999999999999"]);
        // 10 ms per key: the rewrite's snapshot lasts seconds.
        q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "10000"]);
        assert_eq!(
            text(q(&mut c, &["BGREWRITEAOF"])),
            "Background append only file rewriting started"
        );
        assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "1");
        let e = redis::cmd("BGREWRITEAOF")
            .query::<String>(&mut c)
            .unwrap_err();
        assert!(e.to_string().contains("already in progress"), "{e}");
        let e = redis::cmd("BGSAVE").query::<String>(&mut c).unwrap_err();
        assert!(
            e.to_string()
                .contains("Another child process is active (AOF?)"),
            "{e}"
        );
        assert_eq!(
            text(q(&mut c, &["BGSAVE", "SCHEDULE"])),
            "Background saving scheduled"
        );
        // Writes while the snapshot runs: overwrites, in-place changes,
        // removals, new keys, deadlines.
        for i in 0..300 {
            match i % 5 {
                0 => q(&mut c, &["SET", &format!("k{i}"), "changed"]),
                1 => q(&mut c, &["DEL", &format!("k{i}")]),
                2 => q(&mut c, &["APPEND", &format!("k{i}"), "+more"]),
                3 => q(&mut c, &["SET", &format!("new{i}"), "x", "PX", "9999999"]),
                _ => q(&mut c, &["LPUSH", &format!("l{}", i % 20), "front"]),
            };
        }
        q(&mut c, &["MSET", "k1", "m1", "k2", "m2", "k3", "m3"]);
        settle(&mut c, "aof_rewrite_in_progress", "0");
        assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
        // The scheduled save starts once the rewrite gave the snapshots
        // back, and ends.
        settle(&mut c, "rdb_bgsave_in_progress", "0");
        q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
        for _ in 0..3000 {
            if dir.join("dump.rdb").exists() && info_field(&mut c, "rdb_bgsave_in_progress") == "0"
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(dir.join("dump.rdb").exists(), "the scheduled BGSAVE ran");
        let base = if preamble == "yes" { "rdb" } else { "aof" };
        let manifest =
            std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
        assert!(
            manifest.contains(&format!("appendonly.aof.2.base.{base} seq 2 type b")),
            "{manifest}"
        );
        q(&mut c, &["SET", "after", "1"]);
        let before = dump(a.addr);
        assert!(before.len() > 300, "{}", before.len());
        // DEBUG LOADAOF: flushed, emptied, reloaded from the files.
        assert_eq!(text(q(&mut c, &["DEBUG", "LOADAOF"])), "OK");
        assert_eq!(dump(a.addr), before, "DEBUG LOADAOF ({preamble})");
        kill(a);
        check_aof(&dir);
        let b = kevy(&dir, preamble);
        assert_eq!(dump(b.addr), before, "restart ({preamble})");
        kill(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_fresh_directory_is_what_redis_makes_and_redis_loads_it() {
    for preamble in ["yes", "no"] {
        let dir = temp(&format!("fresh-{preamble}"));
        let a = kevy(&dir, preamble);
        let mut c = con(a.addr);
        q(&mut c, &["SET", "x", "1"]);
        q(&mut c, &["RPUSH", "list", "a", "b"]);
        let before = dump(a.addr);
        let _ = a.stop(libc::SIGTERM);
        let aofdir = dir.join("appendonlydir");
        let base = if preamble == "yes" { "rdb" } else { "aof" };
        let manifest = std::fs::read_to_string(aofdir.join("appendonly.aof.manifest")).unwrap();
        assert_eq!(
            manifest,
            format!(
                "file appendonly.aof.1.base.{base} seq 1 type b\n\
                 file appendonly.aof.1.incr.aof seq 1 type i\n"
            )
        );
        let bytes = std::fs::read(aofdir.join(format!("appendonly.aof.1.base.{base}"))).unwrap();
        if preamble == "yes" {
            assert!(bytes.starts_with(b"REDIS0010"), "{bytes:?}");
        } else {
            assert!(bytes.is_empty());
        }
        check_aof(&dir);
        let redis = crate::util::RedisServer::start_with(&[
            "--appendonly",
            "yes",
            "--dir",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(dump(redis.addr()), before);
        drop(redis);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Inside a transaction BGREWRITEAOF answers "scheduled", as Redis's does
/// (`server.in_exec`), and the rewrite happens: a new base in the manifest,
/// the transaction's write in it.
#[test]
fn bgrewriteaof_in_exec_is_scheduled_and_runs() {
    let dir = temp("exec-rewrite");
    let a = kevy(&dir, "yes");
    let mut c = con(a.addr);
    let forks = |c: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("stats").query(c).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("total_forks:").map(str::to_string))
            .unwrap_or_default()
    };
    // Each background job counts where Redis forks (the harness of
    // Redis's own suite waits on it).
    let before: u64 = forks(&mut c).parse().unwrap();
    let replies: Vec<redis::Value> = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg("a")
        .arg("1")
        .cmd("BGREWRITEAOF")
        .query(&mut c)
        .unwrap();
    let replies: Vec<String> = replies.into_iter().map(text).collect();
    assert_eq!(
        replies,
        ["OK", "Background append only file rewriting scheduled"]
    );
    settle(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(forks(&mut c), (before + 1).to_string());
    let manifest =
        std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.contains("appendonly.aof.2.base.rdb seq 2 type b"),
        "{manifest}"
    );
    // Outside a transaction: "started".
    assert_eq!(
        text(q(&mut c, &["BGREWRITEAOF"])),
        "Background append only file rewriting started"
    );
    settle(&mut c, "aof_rewrite_in_progress", "0");
    kill(a);
    let b = kevy(&dir, "yes");
    assert_eq!(
        text(q(&mut con(b.addr), &["GET", "a"])),
        "1",
        "the write survived both rewrites"
    );
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An empty stream whose last ID is still 0-0 (a group made with
/// MKSTREAM) survives a rewrite into a RESP base (Redis's "empty stream
/// with no lastid" case): the XADD that makes it uses ID 0-1, then XSETID
/// puts back 0-0, and DEBUG LOADAOF gives back the stream and its group.
#[test]
fn an_empty_stream_with_no_last_id_survives_a_resp_rewrite() {
    let dir = temp("empty-stream");
    let a = kevy(&dir, "no");
    let mut c = con(a.addr);
    let info =
        |c: &mut redis::Connection, what: &str| format!("{:?}", q(c, &["XINFO", what, "mystream"]));
    assert_eq!(
        text(q(
            &mut c,
            &["XGROUP", "CREATE", "mystream", "g", "$", "MKSTREAM"]
        )),
        "OK"
    );
    let (stream, groups) = (info(&mut c, "STREAM"), info(&mut c, "GROUPS"));
    q(&mut c, &["BGREWRITEAOF"]);
    settle(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(text(q(&mut c, &["DEBUG", "LOADAOF"])), "OK");
    assert_eq!(info(&mut c, "STREAM"), stream);
    assert_eq!(info(&mut c, "GROUPS"), groups);
    kill(a);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis's aofrw.tcl "Turning off AOF kills the background writing child
/// if any": `CONFIG SET appendonly no` during a slow rewrite stops it at
/// once (logged as Redis logs it), leaves no temporary base behind, gives
/// the snapshots back to a BGSAVE at once, and the shards' given-up
/// snapshots leave every key to the next ones: the save, and the rewrite
/// that turning the file on again starts, hold the whole dataset.
#[test]
fn turning_the_aof_off_stops_a_rewrite_in_progress() {
    let dir = temp("killrewrite");
    let a = kevy(&dir, "no");
    let mut c = con(a.addr);
    for i in 0..300 {
        q(&mut c, &["SET", &format!("k{i}"), &format!("v{i}")]);
    }
    settle(&mut c, "aof_rewrite_in_progress", "0");
    let rewrites = info_field(&mut c, "aof_rewrites");
    // 10 ms per key: the rewrite would last three seconds.
    q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "10000"]);
    assert_eq!(
        text(q(&mut c, &["BGREWRITEAOF"])),
        "Background append only file rewriting started"
    );
    assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "1");
    q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "0");
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    assert_eq!(info_field(&mut c, "aof_rewrites"), rewrites);
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    let temps: Vec<_> = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
    // The snapshots are free again: a save starts now, not after the
    // rewrite's three seconds.
    q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    assert_eq!(text(q(&mut c, &["BGSAVE"])), "Background saving started");
    settle(&mut c, "rdb_bgsave_in_progress", "0");
    q(&mut c, &["SET", "k0", "changed"]);
    let before = dump(a.addr);
    assert_eq!(before.len(), 300);
    assert_eq!(text(q(&mut c, &["DEBUG", "RELOAD"])), "OK");
    assert_eq!(dump(a.addr), before, "reloaded from the save");
    // On again: a new rewrite makes the base, with every key.
    q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    settle(
        &mut c,
        "aof_rewrites",
        &(rewrites.parse::<u64>().unwrap() + 1).to_string(),
    );
    settle(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    let (_, log) = a.stop(libc::SIGKILL);
    assert!(log.contains("Killing running AOF rewrite child: "), "{log}");
    check_aof(&dir);
    let b = kevy(&dir, "no");
    assert_eq!(dump(b.addr), before, "restart from the new base");
    kill(b);
    let _ = std::fs::remove_dir_all(&dir);
}

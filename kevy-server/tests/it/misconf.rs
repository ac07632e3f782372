//! `stop-writes-on-bgsave-error` against redis-server: after a background
//! save fails (its directory, `/proc`, takes no file), with `save` rules
//! set, writes, PING, write scripts and transactions that write are
//! refused with `-MISCONF` while reads go on; turning the setting off, or
//! the `save` rules, or a save that works, ends it. Both servers run as
//! processes of their own (`CONFIG SET dir` moves the whole process).

use crate::binary::Binary;
use crate::util::{escape, Raw, RedisServer};

/// Waits until the background save is over (a minute at most).
fn saved(c: &mut Raw) {
    for _ in 0..3000 {
        let info = c.call(&["INFO", "persistence"]);
        if String::from_utf8_lossy(&info).contains("rdb_bgsave_in_progress:0") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the background save did not end");
}

#[test]
fn a_failed_background_save_refuses_writes_as_redis_does() {
    let redis = RedisServer::start_with(&["--enable-protected-configs", "yes"]);
    let kevy = Binary::spawn_with(&[
        "--port",
        "0",
        "--threads",
        "2",
        "--enable-protected-configs",
        "yes",
    ]);
    let mut servers = [Raw::connect(redis.addr()), Raw::connect(kevy.addr)];
    let steps: &[&[&str]] = &[
        &["CONFIG", "SET", "save", "3600 1"],
        &["SET", "k", "v"],
        &["RPUSH", "l", "a"],
        &["CONFIG", "SET", "dir", "/proc"],
        &["BGSAVE"],
        &["WAIT-SAVE"],
        &["SET", "k", "w"],
        &["INCR", "n"],
        &["PING"],
        &["PING", "hello"],
        &["GET", "k"],
        &["LRANGE", "l", "0", "-1"],
        &["EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", "k"],
        &["EVAL", "return redis.pcall('SET', KEYS[1], 'x')", "1", "k"],
        &[
            "EVAL",
            "#!lua\nreturn redis.call('SET', KEYS[1], 'x')",
            "1",
            "k",
        ],
        &[
            "EVAL",
            "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])",
            "1",
            "k",
        ],
        &["EVAL", "return redis.call('GET', KEYS[1])", "1", "k"],
        &["MULTI"],
        &["SET", "k", "y"],
        &["EXEC"],
        &["MULTI"],
        &["GET", "k"],
        &["EXEC"],
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
        &["SET", "k", "z"],
        &["PING"],
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
        &["DEL", "k"],
        &["CONFIG", "SET", "save", ""],
        &["DEL", "k"],
        &["CONFIG", "SET", "save", "3600 1"],
        &["DEL", "k"],
        &["CONFIG", "SET", "dir", "SCRATCH"],
        &["SAVE"],
        &["DEL", "k"],
        &["PING"],
        &["CONFIG", "SET", "save", ""],
    ];
    // The save that works goes to a directory of each server's own.
    let scratch: Vec<std::path::PathBuf> = ["redis", "kevy"]
        .iter()
        .map(|who| {
            let d = std::env::temp_dir().join(format!("kevy-misconf-{who}-{}", std::process::id()));
            std::fs::create_dir_all(&d).unwrap();
            d
        })
        .collect();
    let mut differ = Vec::new();
    for step in steps {
        if step[0] == "WAIT-SAVE" {
            servers.iter_mut().for_each(saved);
            continue;
        }
        let on = |i: usize| -> Vec<String> {
            step.iter()
                .map(|a| match *a {
                    "SCRATCH" => scratch[i].to_string_lossy().into_owned(),
                    a => a.to_string(),
                })
                .collect()
        };
        let (a, b) = (on(0), on(1));
        let want = servers[0].call(&a.iter().map(String::as_str).collect::<Vec<_>>());
        let got = servers[1].call(&b.iter().map(String::as_str).collect::<Vec<_>>());
        if want != got {
            differ.push(format!(
                "{step:?}: redis {} kevy {}",
                escape(&want),
                escape(&got)
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    let info = servers[1].call(&["INFO", "persistence"]);
    assert!(
        String::from_utf8_lossy(&info).contains("rdb_last_bgsave_status:ok"),
        "{}",
        escape(&info)
    );
    drop(kevy);
    drop(redis);
    for d in scratch {
        let _ = std::fs::remove_dir_all(d);
    }
}

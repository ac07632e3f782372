//! Scripts' effects in the append-only file, as redis-server 7.0 writes
//! them: a script's writes, wrapped in MULTI … EXEC when there is more
//! than one, nothing for a script or function that writes nothing, and no
//! second MULTI for a script inside a transaction. The same commands go to
//! kevy (2 shards: shard-mode and global-mode scripts) and to redis-server;
//! the logged commands must match, and a restart (on 3 shards) replays them.

use std::path::Path;

use kevy_rt::Router;

use crate::aof::{check_aof, con, dump, kevy, kill, q, temp};
use crate::persist_util::redis_aof;

const LIB: &str = "#!lua name=effects\n\
    redis.register_function{function_name='peek', callback=function(keys) \
        return redis.call('get', keys[1]) end, flags={'no-writes'}}\n\
    redis.register_function('bump2', function(keys) \
        redis.call('incr', keys[1]) return redis.call('incr', keys[2]) end)";

/// The same scripts, against `c`; `a` and `b` live on different shards of
/// a 2-shard kevy.
fn scripts(c: &mut redis::Connection, a: &str, b: &str) {
    let near = format!("{a}:near");
    let list = format!("{a}:list");
    q(c, &["FUNCTION", "LOAD", LIB]);
    // One write: alone.
    q(
        c,
        &["EVAL", "return redis.call('set', KEYS[1], 'one')", "1", a],
    );
    // Two writes on one shard; two across both (one undeclared).
    let two = "redis.call('set', KEYS[1], 'x') return redis.call('incr', KEYS[2])";
    q(c, &["EVAL", two, "2", a, &near]);
    q(c, &["EVAL", two, "2", a, b]);
    q(
        c,
        &[
            "EVAL",
            "redis.call('rpush', KEYS[1], 'p') redis.call('set', ARGV[1], 'u') return 1",
            "1",
            &list,
            "undeclared:u",
        ],
    );
    // No writes: nothing logged.
    q(c, &["EVAL", "return redis.call('get', KEYS[1])", "1", a]);
    q(
        c,
        &[
            "EVAL",
            "redis.call('set', KEYS[1], 'x') return 1",
            "1",
            "nochange",
        ],
    );
    q(
        c,
        &["EVAL", "return redis.call('del', KEYS[1])", "1", "missing"],
    );
    q(c, &["FCALL", "peek", "1", a]);
    q(c, &["FCALL_RO", "peek", "1", b]);
    // A function that writes twice, in database 3.
    q(c, &["SELECT", "3"]);
    q(c, &["FCALL", "bump2", "2", a, b]);
    q(c, &["SELECT", "0"]);
    // Inside a transaction: one MULTI block.
    q(c, &["MULTI"]);
    q(c, &["SET", "tx", "1"]);
    q(c, &["EVAL", two, "2", "tx2", b]);
    q(c, &["EXEC"]);
    // A script that fails halfway keeps (and logs) what it wrote.
    let half = "redis.call('set', KEYS[1], 'kept') redis.call('incr', KEYS[2]) return redis.call('nosuch')";
    let _ = redis::cmd("EVAL")
        .arg(half)
        .arg(2)
        .arg("half")
        .arg(b)
        .query::<redis::Value>(c);
}

/// The commands of the incremental AOF in `dir`, one line each
/// (`SELECT`s left out: where they fall is the writer's business).
fn logged(dir: &Path) -> Vec<String> {
    let aofdir = dir.join("appendonlydir");
    let mut files: Vec<_> = std::fs::read_dir(&aofdir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let (argc, next) = number(&bytes, at, b'*');
            at = next;
            let mut argv = Vec::new();
            for _ in 0..argc {
                let (len, next) = number(&bytes, at, b'$');
                argv.push(String::from_utf8_lossy(&bytes[next..next + len]).into_owned());
                at = next + len + 2;
            }
            if !argv[0].eq_ignore_ascii_case("select") {
                out.push(argv.join(" "));
            }
        }
    }
    out
}

fn number(bytes: &[u8], at: usize, kind: u8) -> (usize, usize) {
    assert_eq!(bytes[at], kind, "at {at}");
    let eol = at + bytes[at..].iter().position(|&b| b == b'\r').unwrap();
    let n = std::str::from_utf8(&bytes[at + 1..eol])
        .unwrap()
        .parse()
        .unwrap();
    (n, eol + 2)
}

#[test]
fn script_effects_are_logged_as_redis_logs_them() {
    let r = Router::new(2);
    let a = "eff:a";
    let b = (0..)
        .map(|i| format!("eff:b{i}"))
        .find(|k| r.shard_of(k.as_bytes()) != r.shard_of(a.as_bytes()))
        .unwrap();

    let rdir = temp("scripts-redis");
    let redis = redis_aof(
        &rdir,
        &["--aof-use-rdb-preamble", "no", "--appendfsync", "always"],
    );
    let mut rc = con(redis.addr());
    q(&mut rc, &["SET", "nochange", "x"]);
    scripts(&mut rc, a, &b);
    let want_data = dump(redis.addr());
    drop(rc);
    drop(redis);
    let want = logged(&rdir);

    let kdir = temp("scripts-kevy");
    let k = kevy(&kdir, 2, "always");
    let mut kc = con(k.addr);
    q(&mut kc, &["SET", "nochange", "x"]);
    scripts(&mut kc, a, &b);
    assert_eq!(dump(k.addr), want_data);
    drop(kc);
    kill(k);
    let got = logged(&kdir);
    assert!(
        got.iter().filter(|l| *l == "MULTI").count() >= 4,
        "{got:#?}"
    );
    assert_eq!(got, want, "kevy's log (left) and redis-server's (right)");
    check_aof(&kdir);

    // Replayed on 3 shards, every block whole.
    let k = kevy(&kdir, 3, "everysec");
    assert_eq!(dump(k.addr), want_data);
    kill(k);
    let _ = std::fs::remove_dir_all(&kdir);
    let _ = std::fs::remove_dir_all(&rdir);
}

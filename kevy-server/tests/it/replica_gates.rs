//! What a server refuses for replication's sake, against redis-server's
//! replies: a stale replica (`replica-serve-stale-data no`, its link
//! down) and a primary with fewer good replicas than
//! `min-replicas-to-write`.

use std::net::SocketAddr;

use crate::util::Raw;

/// Runs `cmds` (each on connection 0 or 1) and records each reply.
fn story(addr: SocketAddr, cmds: &[(usize, &[&str])]) -> Vec<String> {
    let mut conns = [Raw::connect(addr), Raw::connect(addr)];
    cmds.iter()
        .map(|(c, cmd)| {
            let reply = String::from_utf8_lossy(&conns[*c].call(cmd)).into_owned();
            format!("{cmd:?} -> {reply}")
        })
        .collect()
}

/// A primary without replicas under `min-replicas-to-write 1` refuses
/// writes as Redis does: keyed and multi-key ones (`-NOREPLICAS`), while
/// queueing (the transaction fails) and at EXEC when the setting changed
/// after the queueing, scripts with flags that may write before they run,
/// and a script's writes; reads, `no-writes` scripts, and everything once
/// `min-replicas-max-lag` is 0, run.
#[test]
fn too_few_good_replicas_refuse_writes_as_redis_does() {
    let cmds: &[(usize, &[&str])] = &[
        (0, &["SET", "a", "1"]),
        (1, &["CONFIG", "SET", "min-replicas-to-write", "1"]),
        (0, &["SET", "a", "2"]),
        (0, &["GET", "a"]),
        (0, &["MSET", "a", "1", "b", "2", "c", "3"]),
        (0, &["DEL", "a", "b", "c"]),
        (0, &["MULTI"]),
        (0, &["SET", "a", "3"]),
        (0, &["GET", "a"]),
        (0, &["EXEC"]),
        (0, &["EVAL", "return redis.call('set','a','9')", "0"]),
        (0, &["EVAL", "#!lua\nreturn 1", "0"]),
        (
            0,
            &[
                "EVAL",
                "#!lua flags=no-writes\nreturn redis.call('get','a')",
                "0",
            ],
        ),
        (1, &["CONFIG", "SET", "min-replicas-to-write", "0"]),
        (0, &["MULTI"]),
        (0, &["INCR", "a"]),
        (1, &["CONFIG", "SET", "min-replicas-to-write", "2"]),
        (0, &["EXEC"]),
        (0, &["GET", "a"]),
        (1, &["CONFIG", "SET", "min-replicas-max-lag", "0"]),
        (0, &["SET", "a", "5"]),
        (1, &["CONFIG", "SET", "min-replicas-max-lag", "10"]),
        (0, &["SET", "a", "6"]),
        (1, &["CONFIG", "SET", "min-replicas-to-write", "0"]),
        (0, &["SET", "a", "7"]),
    ];
    let seen = crate::util::same_as_redis(|addr| story(addr, cmds));
    assert!(seen.iter().any(|l| l.contains("NOREPLICAS")), "{seen:?}");
}

/// A replica whose link is down, with `replica-serve-stale-data no`,
/// refuses what Redis refuses, with Redis's replies: `-MASTERDOWN` for
/// commands not flagged `stale` (also queued ones, at EXEC, though the
/// link went down after they were queued), scripts and functions not
/// flagged `allow-stale`, and a script's calls of such commands; writes
/// get `-READONLY` first, also while queueing. `REPLICAOF NO ONE` serves
/// again.
#[test]
fn a_stale_replica_refuses_what_redis_refuses() {
    const LIB: &str = "#!lua name=stale\n\
        redis.register_function{function_name='f1', callback=function() return 'hello' end, flags={'no-writes'}}\n\
        redis.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}\n\
        redis.register_function{function_name='f3', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}\n\
        redis.register_function{function_name='f4', callback=function() return redis.call('echo', 'hi') end, flags={'allow-stale', 'no-writes'}}";
    let story = |addr: SocketAddr| {
        let mut c = Raw::connect(addr);
        let mut admin = Raw::connect(addr);
        let mut seen = Vec::new();
        let mut say = |c: &mut Raw, cmd: &[&str]| {
            let reply = String::from_utf8_lossy(&c.call(cmd)).into_owned();
            seen.push(format!("{cmd:?} -> {reply}"));
        };
        say(&mut c, &["SET", "x", "1"]);
        say(&mut c, &["FUNCTION", "LOAD", LIB]);
        // Still served: stale data is served until the setting says no.
        say(&mut admin, &["REPLICAOF", "127.0.0.1", "1"]);
        say(&mut c, &["GET", "x"]);
        say(&mut c, &["EVAL", "#!lua\nreturn 1", "0"]);
        say(&mut c, &["SET", "x", "2"]);
        say(&mut admin, &["REPLICAOF", "NO", "ONE"]);
        say(&mut c, &["CONFIG", "SET", "replica-serve-stale-data", "no"]);
        // Queued while a primary, run after the link went down.
        say(&mut c, &["MULTI"]);
        say(&mut c, &["GET", "x"]);
        say(&mut admin, &["REPLICAOF", "127.0.0.1", "1"]);
        say(&mut c, &["EXEC"]);
        say(&mut c, &["GET", "x"]);
        say(&mut c, &["PING"]);
        say(&mut c, &["ECHO", "hi"]);
        say(&mut c, &["SET", "x", "2"]);
        say(&mut c, &["MULTI"]);
        say(&mut c, &["GET", "x"]);
        say(&mut c, &["ECHO", "hi"]);
        say(&mut c, &["EXEC"]);
        say(&mut c, &["MULTI"]);
        say(&mut c, &["SET", "x", "3"]);
        say(&mut c, &["EXEC"]);
        say(&mut c, &["EVAL", "return redis.call('get','x')", "1", "x"]);
        say(&mut c, &["EVAL", "#!lua flags=no-writes\nreturn 1", "0"]);
        say(
            &mut c,
            &["EVAL", "#!lua flags=allow-stale,no-writes\nreturn 1", "0"],
        );
        say(&mut c, &["EVAL", "#!lua flags=allow-stale\nreturn 1", "0"]);
        say(
            &mut c,
            &[
                "EVAL",
                "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo','foo')",
                "0",
            ],
        );
        let get = "#!lua flags=allow-stale,no-writes\nreturn redis.call('get','x')";
        say(&mut c, &["EVAL", get, "1", "x"]);
        for f in ["f1", "f2", "f3", "f4"] {
            say(&mut c, &["FCALL", f, "0"]);
        }
        say(&mut admin, &["REPLICAOF", "NO", "ONE"]);
        say(&mut c, &["GET", "x"]);
        say(
            &mut c,
            &["CONFIG", "SET", "replica-serve-stale-data", "yes"],
        );
        seen
    };
    let seen = crate::util::same_as_redis(story);
    assert!(seen.iter().any(|l| l.contains("MASTERDOWN")), "{seen:?}");
}

//! MONITOR shows a script as redis-server 7.0 does: the EVAL, EVALSHA or
//! FCALL line from the client, then each `redis.call` with the `lua`
//! client (`+<ts> [<db> lua] "set" "k" "v"`), for scripts on one shard and
//! on both (undeclared keys, a multi-shard call; a shard-mode run that
//! escalates to global mode shown once). Timestamps and client addresses
//! aside, the lines must match redis-server's.

use std::net::SocketAddr;

use crate::util::{kevy, shard_of, Raw, RedisServer};

const LIB: &str = "#!lua name=mon\nredis.register_function('f', \
                   function(keys, args) return redis.call('incrby', keys[1], args[1]) end)";

/// Runs the scripts against `addr` with a monitor attached; the lines it
/// saw, each with its timestamp cut and the client's address as `C`.
fn monitored(addr: SocketAddr, a: &str, b: &str) -> Vec<String> {
    let mut setup = Raw::connect(addr);
    setup.call(&["FUNCTION", "LOAD", LIB]);
    let sha =
        String::from_utf8(setup.call(&["SCRIPT", "LOAD", "return redis.call('get', KEYS[1])"]))
            .unwrap();
    let sha = sha.lines().nth(1).unwrap().to_string();
    let mut m = Raw::connect(addr);
    assert_eq!(m.call(&["MONITOR"]), b"+OK\r\n");
    let mut c = Raw::connect(addr);
    let me = c.local_addr().to_string();
    let cmds: Vec<Vec<&str>> = vec![
        vec!["EVAL", "redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])", "1", a],
        vec!["EVALSHA", &sha, "1", a],
        vec!["FCALL", "f", "1", b, "2"],
        // both shards: an undeclared key, then a multi-shard call
        vec!["EVAL", "redis.call('set', KEYS[1], 'x') redis.call('incr', ARGV[1]) return redis.call('mget', KEYS[1], ARGV[1])", "1", a, b],
        vec!["EVAL_RO", "return redis.pcall('get', KEYS[1])", "1", b],
        vec!["SELECT", "2"],
        vec!["EVAL", "return redis.call('exists', KEYS[1])", "1", a],
        vec!["ECHO", "done"],
    ];
    let mut count = 0;
    for cmd in &cmds {
        c.call(cmd);
    }
    let mut lines = Vec::new();
    loop {
        let line = String::from_utf8(m.reply()).unwrap();
        let (stamp, rest) = line.trim_end().split_once(' ').unwrap();
        assert!(stamp.starts_with('+') && stamp.contains('.'), "{line}");
        let rest = rest.replace(&me, "C");
        count += 1;
        let done = rest.ends_with("\"ECHO\" \"done\"");
        lines.push(rest);
        if done || count > 100 {
            break;
        }
    }
    lines
}

#[test]
fn monitor_shows_scripts_calls_as_redis_does() {
    let a = "mon:a";
    let b = (0..)
        .map(|i| format!("mon:b{i}"))
        .find(|k| shard_of(k) != shard_of(a))
        .unwrap();
    let redis = RedisServer::start();
    let want = monitored(redis.addr(), a, &b);
    let server = kevy();
    let got = monitored(server.addr(), a, &b);
    assert!(want.iter().any(|l| l.contains(" lua] ")), "{want:#?}");
    assert_eq!(got, want, "kevy (left) and redis-server (right)");
    server.stop();
}

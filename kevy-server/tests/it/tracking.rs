//! Client-side caching on 2 shards: invalidation message bytes compared
//! with redis-server 7.0 (RESP3 pushes on the tracking connection, RESP2
//! messages on `__redis__:invalidate` to a redirect target, BCAST with
//! prefixes, OPTIN with CLIENT CACHING, NOLOOP, FLUSHALL's null, the
//! option errors), and redis-py tracking 40 keys spread over both shards
//! while another client changes them. A key evicted before a command is
//! told before the command's reply; `tracking-table-max-keys` holds
//! server-wide.

use std::process::Command;

use crate::binary::Binary;
use crate::util::{encode_str, escape, info_num, kevy, key_on, Raw, RedisServer};

/// One step: on connection `.0`, send `.1` (nothing when empty) and read
/// `.2` replies or pushes. An argument `@n` is connection `n`'s client id
/// on that server.
type Step = (usize, &'static [&'static str], usize);

/// Read one reply and compare nothing (HELLO's names the client id).
const UNCOMPARED: usize = 1000;

const SCRIPTS: &[&[Step]] = &[
    // RESP3 on the tracking connection (`k1` on one shard, `k2` on the
    // other: the writer's changes reach the reader's shard either way).
    &[
        (1, &["HELLO", "3"], UNCOMPARED),
        (1, &["CLIENT", "TRACKING", "ON"], 1),
        (1, &["GET", "k1"], 1),
        (1, &["GET", "k2"], 1),
        (0, &["SET", "k1", "x"], 1),
        (1, &[], 1),
        (0, &["SET", "k2", "x"], 1),
        (1, &[], 1),
        (0, &["SET", "k2", "y"], 1),
        (1, &["CLIENT", "TRACKINGINFO"], 1),
        (1, &["CLIENT", "GETREDIR"], 1),
        (1, &["GET", "k1"], 1),
        (1, &["SET", "k1", "mine"], 2),
        (1, &["GET", "k1"], 1),
        (0, &["FLUSHALL"], 1),
        (1, &[], 1),
        (1, &["CLIENT", "TRACKING", "OFF"], 1),
        (1, &["CLIENT", "TRACKINGINFO"], 1),
    ],
    // RESP2 redirected to a subscribed connection.
    &[
        (2, &["SUBSCRIBE", "__redis__:invalidate"], 1),
        (1, &["CLIENT", "TRACKING", "ON", "REDIRECT", "@2"], 1),
        (1, &["GET", "a"], 1),
        (0, &["SET", "a", "1"], 1),
        (2, &[], 1),
        (1, &["GET", "b"], 1),
        (0, &["DEL", "b"], 1),
        (0, &["SET", "b", "1"], 1),
        (2, &[], 1),
        (0, &["FLUSHALL"], 1),
        (2, &[], 1),
    ],
    // BCAST with prefixes, NOLOOP, OPTIN.
    &[
        (1, &["HELLO", "3"], UNCOMPARED),
        (
            1,
            &[
                "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "obj:",
            ],
            1,
        ),
        (1, &["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "us"], 1),
        (1, &["CLIENT", "TRACKING", "ON", "PREFIX", "x"], 1),
        (0, &["SET", "user:1", "x"], 1),
        (1, &[], 1),
        (0, &["SET", "other", "x"], 1),
        (0, &["SET", "obj:9", "x"], 1),
        (1, &[], 1),
        (1, &["CLIENT", "TRACKINGINFO"], 1),
        (2, &["HELLO", "3"], UNCOMPARED),
        (2, &["CLIENT", "TRACKING", "ON", "OPTIN", "NOLOOP"], 1),
        (2, &["GET", "o1"], 1),
        (2, &["CLIENT", "CACHING", "YES"], 1),
        (2, &["GET", "o2"], 1),
        (2, &["SET", "o2", "mine"], 1),
        (2, &["CLIENT", "CACHING", "YES"], 1),
        (2, &["GET", "o2"], 1),
        (0, &["SET", "o1", "x"], 1),
        (0, &["SET", "o2", "x"], 1),
        (2, &[], 1),
        (2, &["CLIENT", "CACHING", "NO"], 1),
        (2, &["CLIENT", "TRACKING", "ON", "OPTOUT"], 1),
        (2, &["CLIENT", "TRACKING", "ON", "BCAST"], 1),
        (3, &["CLIENT", "TRACKING", "ON", "REDIRECT", "999999"], 1),
        (3, &["CLIENT", "CACHING", "YES"], 1),
        (3, &["CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"], 1),
        (3, &["CLIENT", "TRACKING", "MAYBE"], 1),
        (3, &["CLIENT", "GETREDIR"], 1),
        (3, &["CLIENT", "TRACKING", "ON", "BCAST"], 1),
        (3, &["RESET"], 1),
        (3, &["CLIENT", "TRACKINGINFO"], 1),
        (0, &["SET", "after-reset", "x"], 1),
        (3, &["PING"], 1),
    ],
    // BCAST batches a loop iteration's changes: one array per prefix for
    // a transaction's keys; NOLOOP leaves out keys the client changed
    // last itself; expired keys are told (the tracking unit of Redis's
    // own test suite).
    &[
        (2, &["SUBSCRIBE", "__redis__:invalidate"], 1),
        (
            1,
            &[
                "CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", "@2", "PREFIX", "a:", "PREFIX",
                "b:",
            ],
            1,
        ),
        (1, &["MULTI"], 1),
        (1, &["INCR", "b:1{t}"], 1),
        (1, &["INCR", "a:2{t}"], 1),
        (1, &["INCR", "a:1{t}"], 1),
        (1, &["INCR", "b:2{t}"], 1),
        (1, &["INCR", "c:1{t}"], 1),
        (1, &["SET", "a:1{t}", "again"], 1),
        (1, &["EXEC"], 1),
        (2, &[], 2),
        (
            1,
            &[
                "CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", "@2", "PREFIX", "c:",
            ],
            1,
        ),
        (1, &["INCR", "c:1234"], 1),
        (2, &[], 1),
        (1, &["CLIENT", "TRACKING", "OFF"], 1),
        (
            1,
            &[
                "CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", "@2", "NOLOOP",
            ],
            1,
        ),
        (1, &["MULTI"], 1),
        (1, &["SET", "x{t}", "1"], 1),
        (1, &["SET", "mykey{t}", "v", "PX", "1"], 1),
        (1, &["SET", "y{t}", "1"], 1),
        (1, &["EXEC"], 1),
        (1, &["DEBUG", "SLEEP", "0.1"], 1),
        // Expired by this access or by the cycle: no writer either way.
        (1, &["GET", "mykey{t}"], 1),
        (2, &[], 1),
        (0, &["SET", "z{t}", "1"], 1),
        (2, &[], 1),
        (1, &["SET", "gone", "v", "PX", "1"], 1),
        (1, &["SET", "stays", "v"], 1),
        (2, &[], 1),
    ],
    // Scripts: a script that read anything makes its declared keys
    // tracked, not the keys its calls read; one that only wrote or
    // pinged tracks nothing (Redis's `call` remembers the caller's keys).
    // The PINGs flush the pushes that came before them.
    &[
        (1, &["HELLO", "3"], UNCOMPARED),
        (1, &["CLIENT", "TRACKING", "ON"], 1),
        (0, &["MSET", "key1{t}", "1", "key2{t}", "1"], 1),
        (
            1,
            &[
                "EVAL",
                "redis.call('set', 'key3{t}', 'bar')",
                "2",
                "key1{t}",
                "key2{t}",
            ],
            1,
        ),
        (0, &["MSET", "key2{t}", "2", "key1{t}", "2"], 1),
        (1, &["PING"], 1),
        (
            1,
            &[
                "EVAL",
                "redis.call('get', 'key3{t}')",
                "2",
                "key1{t}",
                "key2{t}",
            ],
            1,
        ),
        (0, &["MSET", "key2{t}", "2", "key1{t}", "2"], 1),
        (1, &["PING"], 3),
        (0, &["SET", "key3{t}", "x"], 1),
        (1, &["PING"], 1),
        (
            1,
            &["EVAL_RO", "redis.call('ping')", "2", "key1{t}", "key2{t}"],
            1,
        ),
        (0, &["MSET", "key2{t}", "2", "key1{t}", "2"], 1),
        (1, &["PING"], 1),
        (
            1,
            &[
                "EVAL_RO",
                "redis.call('get', 'key1{t}')",
                "2",
                "key1{t}",
                "key2{t}",
            ],
            1,
        ),
        (0, &["MSET", "key2{t}", "3", "key1{t}", "3"], 1),
        (1, &["PING"], 3),
        (1, &["FCALL_RO", "nosuch", "1", "key1{t}"], 1),
    ],
];

fn ids(conns: &mut [Raw]) -> Vec<String> {
    conns
        .iter_mut()
        .map(|c| {
            let r = c.call(&["CLIENT", "ID"]);
            String::from_utf8_lossy(&r[1..r.len() - 2]).into_owned()
        })
        .collect()
}

fn run(redis: &RedisServer, kevy: std::net::SocketAddr, script: &[Step]) -> Result<usize, String> {
    let n = script.iter().map(|s| s.0).max().unwrap_or(0) + 1;
    let mut r: Vec<Raw> = (0..n).map(|_| Raw::connect(redis.addr())).collect();
    let mut k: Vec<Raw> = (0..n).map(|_| Raw::connect(kevy)).collect();
    let (rid, kid) = (ids(&mut r), ids(&mut k));
    r[0].call(&["FLUSHALL"]);
    k[0].call(&["FLUSHALL"]);
    for (at, (c, args, replies)) in script.iter().enumerate() {
        let with = |ids: &[String]| -> Vec<String> {
            args.iter()
                .map(|a| match a.strip_prefix('@') {
                    Some(i) => ids[i.parse::<usize>().unwrap_or(0)].clone(),
                    None => a.to_string(),
                })
                .collect()
        };
        if !args.is_empty() {
            let ra = with(&rid);
            let ka = with(&kid);
            r[*c].send(&encode_str(
                &ra.iter().map(String::as_str).collect::<Vec<_>>(),
            ));
            k[*c].send(&encode_str(
                &ka.iter().map(String::as_str).collect::<Vec<_>>(),
            ));
        }
        if *replies == UNCOMPARED {
            r[*c].reply();
            k[*c].reply();
            continue;
        }
        let want: Vec<u8> = (0..*replies).flat_map(|_| r[*c].reply()).collect();
        let got: Vec<u8> = (0..*replies)
            .flat_map(|_| {
                k[*c]
                    .reply_within(std::time::Duration::from_secs(5))
                    .unwrap_or_default()
            })
            .collect();
        if want != got {
            return Err(format!(
                "step {at} {args:?} on conn {c}:\n  redis: {}\n  kevy:  {}",
                escape(&want),
                escape(&got)
            ));
        }
    }
    Ok(script.len())
}

#[test]
fn invalidation_messages_match_redis() {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let commands = kevy_commands::Redis::default();
    commands
        .config()
        .load("enable-debug-command", &["yes"])
        .expect("debug on");
    let server = crate::util::kevy_with(commands);
    let mut errors = Vec::new();
    let mut steps = 0;
    for script in SCRIPTS {
        match run(&redis, server.addr(), script) {
            Ok(n) => steps += n,
            Err(e) => errors.push(e),
        }
    }
    eprintln!("differential tracking: {steps} steps compared");
    server.stop();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn redis_py_tracking(port: u16) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/clients/redis_py_tracking.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .output()
        .expect("run python3 (the redis-py test needs it: cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "redis-py tracking script failed against port {port}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn redis_py_tracking_sees_kevy_as_it_sees_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let want = redis_py_tracking(redis.addr().port());
    let got = redis_py_tracking(server.addr().port());
    server.stop();
    assert!(want.contains("pushed invalidations 40 True"), "{want}");
    assert!(want.contains("redirected invalidations True"), "{want}");
    assert_eq!(
        got, want,
        "redis-py tracking: kevy (left), redis-server (right)"
    );
}

/// INFO's `tracking_*` lines.
fn tracking_info(c: &mut Raw) -> String {
    let r = c.call(&["INFO", "everything"]);
    String::from_utf8_lossy(&r)
        .lines()
        .filter(|l| l.starts_with("tracking_"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `flags=` field of a connection's CLIENT INFO.
fn client_flags(c: &mut Raw) -> String {
    let r = c.call(&["CLIENT", "INFO"]);
    let text = String::from_utf8_lossy(&r).into_owned();
    text.split(' ')
        .find_map(|f| f.strip_prefix("flags="))
        .unwrap_or_default()
        .to_string()
}

/// A tracking session whose redirect target hangs up, on one server:
/// everything it sees, client ids written as `@n`.
fn broken_redirect_session(addr: std::net::SocketAddr) -> Vec<String> {
    let mut c: Vec<Raw> = (0..5).map(|_| Raw::connect(addr)).collect();
    let id = ids(&mut c);
    let norm = |b: &[u8]| {
        let mut s = escape(b);
        for (i, x) in id.iter().enumerate().rev() {
            s = s.replace(&format!(":{x}\\r\\n"), &format!(":@{i}\\r\\n"));
        }
        s
    };
    let mut seen = Vec::new();
    c[0].call(&["FLUSHALL"]);
    seen.push(tracking_info(&mut c[0]));
    c[1].call(&["HELLO", "3"]);
    for t in [1, 3] {
        seen.push(norm(
            &c[t].call(&["CLIENT", "TRACKING", "ON", "REDIRECT", &id[2]]),
        ));
    }
    let bcast = [
        "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b",
    ];
    seen.push(norm(&c[4].call(&bcast)));
    for (t, k) in [(1, "k1"), (1, "k2"), (3, "k1"), (3, "k3")] {
        seen.push(norm(&c[t].call(&["GET", k])));
    }
    seen.push(tracking_info(&mut c[0]));
    seen.push(client_flags(&mut c[1]));
    // The redirect target hangs up; wait until the server forgot it.
    drop(std::mem::replace(&mut c[2], Raw::connect(addr)).into_stream());
    while c[0].call(&["CLIENT", "LIST", "ID", &id[2]]) != b"$0\r\n\r\n" {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    seen.push(client_flags(&mut c[1]));
    seen.push(norm(&c[0].call(&["SET", "k1", "x"])));
    seen.push(norm(&c[1].reply()));
    seen.push(client_flags(&mut c[1]));
    seen.push(client_flags(&mut c[3]));
    seen.push(norm(&c[1].call(&["CLIENT", "TRACKINGINFO"])));
    seen.push(norm(&c[3].call(&["CLIENT", "TRACKINGINFO"])));
    seen.push(norm(&c[1].call(&["CLIENT", "GETREDIR"])));
    seen.push(tracking_info(&mut c[0]));
    seen.push(norm(&c[0].call(&["SET", "k2", "x"])));
    seen.push(norm(&c[1].reply()));
    // Tracking on again (no redirect) clears the flag.
    seen.push(norm(&c[1].call(&["CLIENT", "TRACKING", "ON"])));
    seen.push(client_flags(&mut c[1]));
    seen.push(norm(&c[1].call(&["GET", "k1"])));
    seen.push(norm(&c[0].call(&["SET", "k1", "y"])));
    seen.push(norm(&c[1].reply()));
    seen.push(norm(&c[3].call(&["CLIENT", "TRACKING", "OFF"])));
    seen.push(client_flags(&mut c[3]));
    seen.push(tracking_info(&mut c[0]));
    seen
}

#[test]
fn broken_redirects_and_tracking_info_match_redis() {
    let redis = RedisServer::start();
    let server = kevy();
    let want = broken_redirect_session(redis.addr());
    let got = broken_redirect_session(server.addr());
    server.stop();
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "step {i}");
    }
    assert_eq!(want.len(), got.len());
}

/// A RESP3 tracking client reads a volatile key `vk`, then `bk` grows
/// past `maxmemory` (volatile-random): what the client reads for the next
/// command on `bk` — Redis evicts `vk` before running it, so the
/// invalidation comes first.
fn eviction_session(addr: std::net::SocketAddr, vk: &str, bk: &str) -> Vec<String> {
    let mut admin = Raw::connect(addr);
    let mut c = Raw::connect(addr);
    admin.call(&["FLUSHALL"]);
    c.call(&["HELLO", "3"]);
    c.call(&["CLIENT", "TRACKING", "ON"]);
    let used = info_num(&mut admin, "memory", "used_memory").expect("used_memory")
        - info_num(&mut admin, "memory", "mem_not_counted_for_evict").unwrap_or(0);
    let limit = (used + 100 * 1024).to_string();
    admin.call(&["CONFIG", "SET", "maxmemory-policy", "volatile-random"]);
    admin.call(&["CONFIG", "SET", "maxmemory", &limit]);
    let mut seen = Vec::new();
    seen.push(escape(&c.call(&["SETEX", vk, "10000", "x"])));
    seen.push(escape(&c.call(&["GET", vk])));
    seen.push(escape(&c.call(&["SETBIT", bk, "1600000", "0"])));
    c.send(&encode_str(&["GETBIT", bk, "0"]));
    seen.push(escape(&c.reply()));
    seen.push(escape(&c.reply()));
    admin.call(&["CONFIG", "SET", "maxmemory", "0"]);
    admin.call(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    seen.push(escape(&c.call(&["PING"])));
    seen.into_iter()
        .map(|s| s.replace(vk, "VK").replace(bk, "BK"))
        .collect()
}

#[test]
fn a_key_evicted_before_a_command_is_told_before_its_reply() {
    // The binary: its allocator counts `used_memory` as the limit sees it
    // (an in-process server estimates, and learns of the big value late).
    let redis = RedisServer::start();
    let want = eviction_session(redis.addr(), "volatile-key", "big-key");
    assert!(
        want[3].starts_with(">2"),
        "redis-server pushes first: {want:?}"
    );
    let one = Binary::spawn_with(&["--port", "0", "--threads", "1"]);
    let got = eviction_session(one.addr, "volatile-key", "big-key");
    one.stop(libc::SIGTERM);
    assert_eq!(want, got, "one shard");
    let two = Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    for shard in 0..2 {
        // Both keys on one shard: its eviction runs before the command,
        // wherever the client's connection lives. (Names as long as
        // Redis's, for the same bytes.)
        let (vk, bk) = (key_on(shard, "volatile-ke"), key_on(shard, "big-ke"));
        let got = eviction_session(two.addr, &vk, &bk);
        assert_eq!(want, got, "keys on shard {shard}");
    }
    two.stop(libc::SIGTERM);
}

/// Invalidated keys named by the pushes `c` reads until it has `n`.
fn invalidated(c: &mut Raw, n: usize) -> Vec<String> {
    let mut keys = Vec::new();
    while keys.len() < n {
        let push = c
            .reply_within(std::time::Duration::from_secs(10))
            .expect("an invalidation");
        let text = String::from_utf8_lossy(&push).into_owned();
        assert!(text.starts_with(">2\r\n$10\r\ninvalidate\r\n"), "{text}");
        let items: Vec<&str> = text.split("\r\n").collect();
        keys.extend(
            items[5..]
                .iter()
                .step_by(2)
                .filter(|k| !k.is_empty())
                .map(|k| k.to_string()),
        );
    }
    keys
}

#[test]
fn the_tracking_table_limit_holds_for_the_whole_server() {
    let server = kevy();
    let mut admin = Raw::connect(server.addr());
    let mut c = Raw::connect(server.addr());
    c.call(&["HELLO", "3"]);
    c.call(&["CLIENT", "TRACKING", "ON"]);
    let keys: Vec<String> = (0..10).map(|i| key_on(i % 2, &format!("t{i}:"))).collect();
    for k in &keys {
        c.call(&["GET", k]);
    }
    assert_eq!(
        info_num(&mut admin, "stats", "tracking_total_keys"),
        Some(10)
    );
    // Lowered under what both shards hold: seven keys go, from either.
    assert_eq!(
        admin.call(&["CONFIG", "SET", "tracking-table-max-keys", "3"]),
        b"+OK\r\n"
    );
    let gone = invalidated(&mut c, 7);
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n", "no key past the seven");
    assert!(gone.iter().all(|k| keys.contains(k)), "{gone:?}");
    assert_eq!(
        info_num(&mut admin, "stats", "tracking_total_keys"),
        Some(3)
    );
    // A key read at the limit takes the place of another.
    c.call(&["GET", "fresh"]);
    assert_eq!(invalidated(&mut c, 1).len(), 1);
    assert_eq!(
        info_num(&mut admin, "stats", "tracking_total_keys"),
        Some(3)
    );
    // FLUSHALL empties the table, tracking clients or not.
    c.call(&["CLIENT", "TRACKING", "OFF"]);
    admin.call(&["CONFIG", "SET", "tracking-table-max-keys", "0"]);
    admin.call(&["FLUSHALL"]);
    assert_eq!(
        info_num(&mut admin, "stats", "tracking_total_keys"),
        Some(0)
    );
    server.stop();
}

/// Redis's "Regression test for #11715": a tracking client in `MULTI`
/// whose keys go over a lowered `tracking-table-max-keys` hears of them
/// before the reply to its next command. `CONFIG SET` answers once every
/// shard has applied the limit and sent its invalidations, whichever shard
/// holds the keys and whichever serves the client.
#[test]
fn a_lowered_tracking_limit_invalidates_before_the_next_reply() {
    let server = kevy();
    let mut admin = Raw::connect(server.addr());
    for round in 0..8 {
        let (mut c, here) = crate::util::connect_on(&server);
        let shard = if round % 2 == 0 { here } else { 1 - here };
        let keys = [key_on(shard, "lim:a"), key_on(shard, "lim:b")];
        admin.call(&["CONFIG", "SET", "tracking-table-max-keys", "2"]);
        c.call(&["HELLO", "3"]);
        assert_eq!(c.call(&["CLIENT", "TRACKING", "ON"]), b"+OK\r\n");
        assert_eq!(c.call(&["MGET", &keys[0], &keys[1]]), b"*2\r\n_\r\n_\r\n");
        assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
        assert_eq!(
            admin.call(&["CONFIG", "SET", "tracking-table-max-keys", "1"]),
            b"+OK\r\n"
        );
        c.send(&encode_str(&["PING"]));
        c.send(&encode_str(&["EXEC"]));
        let first = String::from_utf8_lossy(&c.reply()).into_owned();
        assert!(
            first.starts_with(">2\r\n$10\r\ninvalidate\r\n*1\r\n"),
            "round {round} (keys on shard {shard}, client on {here}): {first:?}"
        );
        assert_eq!(c.reply(), b"+QUEUED\r\n", "round {round}");
        assert_eq!(c.reply(), b"*1\r\n+PONG\r\n", "round {round}");
        admin.call(&["CONFIG", "SET", "tracking-table-max-keys", "0"]);
        admin.call(&["FLUSHALL"]);
    }
    server.stop();
}

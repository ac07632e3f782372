//! Client-side caching on 2 shards: invalidation message bytes compared
//! with redis-server 7.0 (RESP3 pushes on the tracking connection, RESP2
//! messages on `__redis__:invalidate` to a redirect target, BCAST with
//! prefixes, OPTIN with CLIENT CACHING, NOLOOP, FLUSHALL's null, the
//! option errors), and redis-py tracking 40 keys spread over both shards
//! while another client changes them.

use std::process::Command;

use crate::util::{encode_str, escape, kevy, Raw, RedisServer};

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

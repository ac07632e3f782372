//! kevy end to end through real clients: raw RESP, the `redis` crate, `redis-cli`.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};

use crate::util::{
    array_items, bulk, bulk_body, encode, encode_str, escape, fnv1a, kevy, noise, shard_of, Raw,
    RedisServer, SHARDS,
};

/// `count` keys named `{prefix}{i}` that the router puts on `shard`.
fn keys_on_shard(prefix: &str, shard: usize, count: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .filter(|k| shard_of(k) == shard)
        .take(count)
        .collect()
}

#[test]
fn pipelined_cross_shard_commands_come_back_in_order() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    let mut expect = Vec::new();
    let mut strings = HashMap::<String, String>::new();
    let mut counters = HashMap::<String, i64>::new();
    for i in 0..900 {
        let k = format!("key:{}", i % 61);
        let n = format!("counter:{}", i % 23);
        match i % 3 {
            0 => {
                let v = format!("value-{i}");
                batch.extend(encode_str(&["SET", &k, &v]));
                expect.extend_from_slice(b"+OK\r\n");
                strings.insert(k, v);
            }
            1 => {
                batch.extend(encode_str(&["GET", &k]));
                match strings.get(&k) {
                    Some(v) => expect.extend(bulk(v.as_bytes())),
                    None => expect.extend_from_slice(b"$-1\r\n"),
                }
            }
            _ => {
                batch.extend(encode_str(&["INCR", &n]));
                let v = counters.entry(n).or_default();
                *v += 1;
                expect.extend(format!(":{v}\r\n").into_bytes());
            }
        }
    }
    let shards: std::collections::HashSet<usize> = strings
        .keys()
        .chain(counters.keys())
        .map(|k| shard_of(k))
        .collect();
    assert_eq!(shards.len(), SHARDS, "the keys must cover every shard");
    c.send(&batch);
    let mut got = Vec::new();
    while got.len() < expect.len() {
        got.extend(c.reply());
    }
    assert!(
        got == expect,
        "pipelined replies differ:\n got:  {}\n want: {}",
        escape(&got),
        escape(&expect)
    );
}

#[test]
fn multi_key_commands_span_shards() {
    let server = kevy();
    let on0 = keys_on_shard("k", 0, 3);
    let on1 = keys_on_shard("k", 1, 3);
    assert!(on0.iter().all(|k| shard_of(k) == 0) && on1.iter().all(|k| shard_of(k) == 1));
    // Interleave the shards: k(0) k(1) k(0) k(1) …
    let keys: Vec<&str> = on0
        .iter()
        .zip(&on1)
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect();
    let client = redis::Client::open(format!("redis://{}/", server.addr())).unwrap();
    let mut con = client.get_connection().unwrap();

    let mut mset = redis::cmd("MSET");
    for (i, k) in keys.iter().enumerate() {
        mset.arg(*k).arg(format!("v{i}"));
    }
    let () = mset.query(&mut con).unwrap();

    let mut mget = redis::cmd("MGET");
    mget.arg("missing:a");
    for k in &keys {
        mget.arg(*k);
    }
    mget.arg("missing:b");
    let got: Vec<Option<String>> = mget.query(&mut con).unwrap();
    let mut want = vec![None];
    want.extend((0..keys.len()).map(|i| Some(format!("v{i}"))));
    want.push(None);
    assert_eq!(got, want);

    let mut exists = redis::cmd("EXISTS");
    exists.arg(&keys).arg("missing").arg(keys[0]).arg(keys[1]);
    let n: i64 = exists.query(&mut con).unwrap();
    assert_eq!(n, keys.len() as i64 + 2);

    // MSETNX across shards: all or nothing.
    let fresh = [keys_on_shard("f", 0, 1), keys_on_shard("f", 1, 1)].concat();
    let set: i64 = redis::cmd("MSETNX")
        .arg(&fresh[0])
        .arg("x")
        .arg(keys[1])
        .arg("y")
        .arg(&fresh[1])
        .arg("z")
        .query(&mut con)
        .unwrap();
    assert_eq!(set, 0);
    let none: Vec<Option<String>> = redis::cmd("MGET").arg(&fresh).query(&mut con).unwrap();
    assert_eq!(none, vec![None, None]);
    let set: i64 = redis::cmd("MSETNX")
        .arg(&fresh[0])
        .arg("x")
        .arg(&fresh[1])
        .arg("z")
        .query(&mut con)
        .unwrap();
    assert_eq!(set, 1);

    let mut del = redis::cmd("DEL");
    del.arg(&keys[..4]).arg("missing").arg(keys[0]);
    let n: i64 = del.query(&mut con).unwrap();
    assert_eq!(n, 4);
    let mut exists = redis::cmd("EXISTS");
    exists.arg(&keys);
    let n: i64 = exists.query(&mut con).unwrap();
    assert_eq!(n, keys.len() as i64 - 4);
    let n: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(n, keys.len() as i64 - 4 + 2);

    // The same through a pipeline of the redis crate.
    let (a, b, c): (Vec<Option<String>>, i64, i64) = redis::pipe()
        .cmd("MGET")
        .arg(&keys[3..])
        .cmd("UNLINK")
        .arg(&keys[3..])
        .cmd("EXISTS")
        .arg(&keys)
        .query(&mut con)
        .unwrap();
    assert_eq!(a, vec![None, Some("v4".into()), Some("v5".into())]);
    assert_eq!((b, c), (2, 0));
}

/// Raises the soft open-files limit to at least `want` (the hard limit allowing).
fn ensure_nofile(want: libc::rlim_t) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < want {
            assert!(
                lim.rlim_max >= want,
                "RLIMIT_NOFILE hard limit {} < {want}: raise it (ulimit -Hn)",
                lim.rlim_max
            );
            lim.rlim_cur = want;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
}

#[test]
fn a_thousand_concurrent_connections() {
    const N: usize = 1000;
    // Both ends of every connection live in this process, next to other tests'.
    ensure_nofile(4 * N as libc::rlim_t + 1024);
    let server = kevy();
    let mut conns: Vec<Raw> = (0..N).map(|_| Raw::connect(server.addr())).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        c.send(&encode_str(&[
            "SET",
            &format!("conn:{i}"),
            &format!("v{i}"),
        ]));
    }
    for c in conns.iter_mut() {
        assert_eq!(c.reply(), b"+OK\r\n");
    }
    // Every connection reads another's key, most of them on another shard.
    for (i, c) in conns.iter_mut().enumerate() {
        c.send(&encode_str(&["GET", &format!("conn:{}", (i + 1) % N)]));
    }
    for (i, c) in conns.iter_mut().enumerate() {
        let v = format!("v{}", (i + 1) % N);
        assert_eq!(c.reply(), bulk(v.as_bytes()), "connection {i}");
    }
    assert_eq!(conns[0].call(&["DBSIZE"]), format!(":{N}\r\n").as_bytes());
    let accepted = server.stats().accepted();
    assert_eq!(accepted.iter().sum::<u64>(), N as u64);
    assert!(accepted.iter().all(|&n| n > 0), "per shard: {accepted:?}");
}

/// Malformed requests, each on its own connection: what Redis replies before
/// closing, and what kevy must reply.
const MALFORMED: &[&[u8]] = &[
    b"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\n",
    b"*1\r\n$999999999999\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$x\r\n",
    b"*3000000000\r\n",
    b"*a\r\n",
    b"\"unbalanced\r\n",
    b"SET \"a\"b c\r\n",
    b"PING\r\nECHO 'open\r\n",
];

#[test]
fn a_malformed_request_closes_only_its_connection() {
    let redis = RedisServer::start();
    let server = kevy();
    let mut bystander = Raw::connect(server.addr());
    assert_eq!(bystander.call(&["SET", "k", "v"]), b"+OK\r\n");
    for bad in MALFORMED {
        let mut r = Raw::connect(redis.addr());
        r.send(bad);
        let want = r.read_to_close();
        assert!(
            want.windows(21).any(|w| w == b"-ERR Protocol error: "),
            "redis-server did not see a protocol error in {}: {}",
            escape(bad),
            escape(&want)
        );
        let mut k = Raw::connect(server.addr());
        k.send(bad);
        let got = k.read_to_close();
        assert!(
            got == want,
            "request {}:\n  redis: {}\n  kevy:  {}",
            escape(bad),
            escape(&want),
            escape(&got)
        );
        assert_eq!(bystander.call(&["GET", "k"]), b"$1\r\nv\r\n");
    }
    let mut newcomer = Raw::connect(server.addr());
    assert_eq!(newcomer.call(&["GET", "k"]), b"$1\r\nv\r\n");
}

#[test]
fn a_100mb_value_round_trips() {
    const LEN: usize = 100 << 20;
    let server = kevy();
    let value = noise(LEN, 0x5eed);
    let hash = fnv1a(&value);
    let mut c = Raw::connect(server.addr());
    c.send(&encode(&[b"SET", b"big", &value]));
    drop(value);
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.call(&["STRLEN", "big"]), format!(":{LEN}\r\n").as_bytes());
    let reply = c.call(&["GET", "big"]);
    let head = format!("${LEN}\r\n");
    assert!(
        reply.starts_with(head.as_bytes()),
        "{}",
        escape(&reply[..64])
    );
    let body = &reply[head.len()..reply.len() - 2];
    assert_eq!(body.len(), LEN);
    assert!(fnv1a(body) == hash, "the value came back changed");
    assert!(reply.ends_with(b"\r\n"));
    // And through the redis crate.
    let client = redis::Client::open(format!("redis://{}/", server.addr())).unwrap();
    let mut con = client.get_connection().unwrap();
    let got: Vec<u8> = redis::cmd("GET").arg("big").query(&mut con).unwrap();
    assert_eq!((got.len(), fnv1a(&got)), (LEN, hash));
}

/// Runs `redis-cli -p PORT args…` with `stdin`, failing clearly if it is missing.
fn redis_cli(addr: SocketAddr, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new("redis-cli")
        .args(["-h", &addr.ip().to_string(), "-p", &addr.port().to_string()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run redis-cli ({e}): install it (Debian: apt-get install redis-tools)")
        });
    let mut input = child.stdin.take().expect("redis-cli stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for redis-cli");
    writer.join().unwrap();
    out
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "redis-cli failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_commands() {
    let server = kevy();
    let a = server.addr();
    assert_eq!(stdout_of(&redis_cli(a, &["set", "a", "b"], b"")), "OK\n");
    assert_eq!(stdout_of(&redis_cli(a, &["get", "a"], b"")), "b\n");
    assert_eq!(
        stdout_of(&redis_cli(a, &["incrby", "n", "41"], b"")),
        "41\n"
    );
    assert_eq!(
        stdout_of(&redis_cli(a, &["mget", "a", "n", "x"], b"")),
        "b\n41\n\n"
    );
    // Commands read from stdin, one per line.
    let out = redis_cli(a, &[], b"SET x 1\nINCR x\nGET x\nGET nope\nPING\n");
    assert_eq!(stdout_of(&out), "OK\n2\n2\n\nPONG\n");
}

#[test]
fn redis_cli_pipe_mass_insertion() {
    const N: usize = 10_000;
    let server = kevy();
    let mut input = Vec::new();
    for i in 0..N {
        input.extend(encode_str(&[
            "SET",
            &format!("mass:{i}"),
            &format!("value:{i}"),
        ]));
    }
    let out = stdout_of(&redis_cli(server.addr(), &["--pipe"], &input));
    assert!(
        out.contains(&format!("errors: 0, replies: {N}")),
        "redis-cli --pipe said: {out}"
    );
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["DBSIZE"]), format!(":{N}\r\n").as_bytes());
    for i in [0, 1, 4999, N - 1] {
        let v = format!("value:{i}");
        assert_eq!(c.call(&["GET", &format!("mass:{i}")]), bulk(v.as_bytes()));
    }
}

#[test]
fn inline_commands() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    c.send(b"PING\r\n");
    assert_eq!(c.reply(), b"+PONG\r\n");
    c.send(b"SET k \"hello world\"\r\nGET k\r\nECHO 'it\\'s'\r\n\r\n   \r\nSET \"a\\x41\\n\" v\nEXISTS \"aA\\n\" aA\r\n");
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b"$11\r\nhello world\r\n");
    assert_eq!(c.reply(), b"$4\r\nit's\r\n");
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b":1\r\n");
    // Inline and multibulk requests mix on one connection.
    c.send(b"INCR n\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\nINCR n\n");
    for n in 1..=3 {
        assert_eq!(c.reply(), format!(":{n}\r\n").as_bytes());
    }
}

#[test]
fn binary_keys_and_values_round_trip() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    let all: Vec<u8> = (0..=255u8).collect();
    let mut keys = Vec::new();
    for b in 0..=255u8 {
        // Keys of one byte and of every byte but one: spread over both shards.
        let k = if b % 2 == 0 {
            vec![b]
        } else {
            [&all[..b as usize], &all[b as usize + 1..]].concat()
        };
        let v = [&[b][..], b"\r\n\0", &all].concat();
        assert_eq!(c.call_bytes(&[b"SET", &k, &v]), b"+OK\r\n");
        keys.push((k, v));
    }
    let shards: std::collections::HashSet<usize> = keys
        .iter()
        .map(|(k, _)| kevy_rt::Router::new(SHARDS).shard_of(k))
        .collect();
    assert_eq!(shards.len(), SHARDS);
    let mut mget: Vec<&[u8]> = vec![b"MGET"];
    mget.extend(keys.iter().map(|(k, _)| k.as_slice()));
    let mut want = format!("*{}\r\n", keys.len()).into_bytes();
    for (_, v) in &keys {
        want.extend(bulk(v));
    }
    assert!(c.call_bytes(&mget) == want, "MGET of binary keys");
    for (k, v) in keys.iter().step_by(17) {
        assert_eq!(c.call_bytes(&[b"GET", k]), bulk(v));
        assert_eq!(
            c.call_bytes(&[b"STRLEN", k]),
            format!(":{}\r\n", v.len()).as_bytes()
        );
    }
}

#[test]
fn a_half_closed_client_gets_every_reply() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    let mut want = Vec::new();
    for i in 0..500 {
        let k = format!("h{}", i % 50);
        batch.extend(encode_str(&["INCR", &k]));
        want.extend(format!(":{}\r\n", i / 50 + 1).into_bytes());
    }
    batch.extend(encode_str(&["DBSIZE"]));
    want.extend_from_slice(b":50\r\n");
    c.send(&batch);
    c.shutdown_write();
    let got = c.read_to_close();
    assert!(got == want, "got {}", escape(&got));
}

#[test]
fn concurrent_increments_are_never_lost() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 250;
    let server = kevy();
    let addr = server.addr();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                // Pipelined in batches, over counters on both shards.
                for chunk in 0..ROUNDS / 50 {
                    let mut batch = Vec::new();
                    for i in 0..50 {
                        let k = format!("ctr:{}", (t + chunk * 50 + i) % 10);
                        batch.extend(encode_str(&["INCR", &k]));
                    }
                    c.send(&batch);
                    for _ in 0..50 {
                        let r = c.reply();
                        assert!(r.starts_with(b":"), "{}", escape(&r));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a client thread failed");
    }
    let mut c = Raw::connect(addr);
    let mut mget = vec!["MGET".to_string()];
    mget.extend((0..10).map(|i| format!("ctr:{i}")));
    let mget: Vec<&str> = mget.iter().map(String::as_str).collect();
    let total: i64 = array_items(&c.call(&mget))
        .expect("an array")
        .iter()
        .map(|v| {
            let body = bulk_body(v).expect("every counter exists");
            std::str::from_utf8(body).unwrap().parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(total, (THREADS * ROUNDS) as i64);
}

/// Keys sharing a `{hashtag}` live on one shard, so multi-key commands on them are
/// atomic, as in Redis: concurrent MSETs never interleave and exactly one of
/// several racing MSETNXs wins.
#[test]
fn hashtag_multi_key_commands_are_atomic() {
    const WRITERS: usize = 3;
    const ROUNDS: usize = 300;
    let server = kevy();
    let addr = server.addr();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(WRITERS + 1));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                let mut won = 0;
                for r in 0..ROUNDS {
                    let v = format!("w{w}r{r}");
                    assert_eq!(
                        c.call(&["MSET", "{t}a", &v, "{t}b", &v, "{t}c", &v]),
                        b"+OK\r\n"
                    );
                    barrier.wait();
                    let (x, y) = (format!("{{n{r}}}x"), format!("{{n{r}}}y"));
                    match c.call(&["MSETNX", &x, &v, &y, &v]).as_slice() {
                        b":1\r\n" => won += 1,
                        b":0\r\n" => {}
                        other => panic!("MSETNX: {}", escape(other)),
                    }
                }
                won
            })
        })
        .collect();
    let mut reader = Raw::connect(addr);
    for _ in 0..ROUNDS {
        let r = reader.call(&["MGET", "{t}a", "{t}b", "{t}c"]);
        let items = array_items(&r).expect("an array");
        assert!(
            items.iter().all(|v| *v == items[0]),
            "MGET saw a half-applied MSET: {}",
            escape(&r)
        );
        barrier.wait();
    }
    let wins: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(wins, ROUNDS, "exactly one MSETNX wins each round");
    for r in 0..ROUNDS {
        let (x, y) = (format!("{{n{r}}}x"), format!("{{n{r}}}y"));
        let got = reader.call(&["MGET", &x, &y]);
        let items = array_items(&got).expect("an array");
        assert_eq!(items[0], items[1], "round {r}: {}", escape(&got));
    }
}

/// The `redis` crate connected with `protocol=resp3` (it opens with `HELLO
/// 3`) gets RESP3's types from kevy, for keys on every shard: maps, sets,
/// doubles, nulls, nested score pairs, verbatim text.
#[test]
fn redis_crate_speaks_resp3() {
    use redis::Value;
    let server = kevy();
    let url = format!("redis://{}/?protocol=resp3", server.addr());
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    for shard in 0..SHARDS {
        let [h, s, z, missing] =
            ["h", "s", "z", "missing"].map(|p| keys_on_shard(p, shard, 1).remove(0));
        let q = |con: &mut redis::Connection, args: &[&str]| -> Value {
            redis::cmd(args[0]).arg(&args[1..]).query(con).unwrap()
        };
        q(&mut con, &["HSET", &h, "f", "v", "g", "w"]);
        q(&mut con, &["SADD", &s, "a", "b"]);
        q(&mut con, &["ZADD", &z, "1.5", "m", "2", "n"]);
        assert!(matches!(q(&mut con, &["HGETALL", &h]), Value::Map(m) if m.len() == 2));
        assert!(matches!(q(&mut con, &["SMEMBERS", &s]), Value::Set(m) if m.len() == 2));
        assert_eq!(q(&mut con, &["ZSCORE", &z, "m"]), Value::Double(1.5));
        assert_eq!(q(&mut con, &["GET", &missing]), Value::Nil);
        assert_eq!(
            q(&mut con, &["ZRANGE", &z, "0", "0", "WITHSCORES"]),
            Value::Array(vec![Value::Array(vec![
                Value::BulkString(b"m".to_vec()),
                Value::Double(1.5)
            ])])
        );
        let mget = q(&mut con, &["MGET", &h, &missing, &s]);
        assert_eq!(mget, Value::Array(vec![Value::Nil, Value::Nil, Value::Nil]));
    }
    match redis::cmd("CLIENT").arg("INFO").query(&mut con).unwrap() {
        Value::VerbatimString { text, .. } => assert!(text.ends_with(" resp=3\n"), "{text}"),
        other => panic!("CLIENT INFO: {other:?}"),
    }
    server.stop();
}

//! Cross-shard multi-key commands run isolated (on 2 and 3 shards, real
//! clients): concurrent MSETs of the same keys never interleave under MGET
//! readers; a value moved by RENAME or SMOVE between shards is always in
//! exactly one place for concurrent readers; MSET transfers keep a total.

use std::thread;

use kevy_commands::Redis;
use kevy_rt::Router;

use crate::util::{encode_str, kevy_on, Raw};

/// Keys `prefix<i>` spreading over every shard of `shards`.
fn spread(prefix: &str, n: usize, shards: usize) -> Vec<String> {
    let keys: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    let router = Router::new(shards);
    for s in 0..shards {
        assert!(keys.iter().any(|k| router.shard_of(k.as_bytes()) == s));
    }
    keys
}

/// The bulk strings of an array reply.
fn bulks(reply: &[u8]) -> Vec<Option<String>> {
    let text = String::from_utf8_lossy(reply);
    let mut lines = text.split("\r\n");
    let head = lines.next().unwrap_or("");
    assert!(head.starts_with('*'), "not an array: {text:?}");
    let mut out = Vec::new();
    while let Some(l) = lines.next() {
        if l == "$-1" {
            out.push(None);
        } else if l.starts_with('$') {
            out.push(lines.next().map(str::to_string));
        }
    }
    out
}

#[test]
fn msets_of_the_same_keys_never_interleave() {
    for shards in [2, 3] {
        let server = kevy_on(Redis::default(), shards);
        let keys = spread("m", 16, shards);
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let mut c = Raw::connect(server.addr());
                let keys = keys.clone();
                thread::spawn(move || {
                    for i in 0..250 {
                        let v = format!("{w}-{i}");
                        let mut cmd = vec!["MSET"];
                        for k in &keys {
                            cmd.push(k);
                            cmd.push(&v);
                        }
                        assert_eq!(c.call(&cmd), b"+OK\r\n");
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let mut c = Raw::connect(server.addr());
                let keys = keys.clone();
                thread::spawn(move || {
                    let mut cmd = vec!["MGET"];
                    cmd.extend(keys.iter().map(String::as_str));
                    for _ in 0..400 {
                        let vals = bulks(&c.call(&cmd));
                        assert!(
                            vals.windows(2).all(|w| w[0] == w[1]),
                            "an MGET saw two MSETs: {vals:?}"
                        );
                    }
                })
            })
            .collect();
        for t in writers.into_iter().chain(readers) {
            t.join().unwrap();
        }
    }
}

#[test]
fn renamed_and_moved_values_are_always_in_one_place() {
    for shards in [2, 3] {
        let server = kevy_on(Redis::default(), shards);
        let router = Router::new(shards);
        // Two names on different shards.
        let a = "place-a".to_string();
        let b = (0..)
            .map(|i| format!("place-b{i}"))
            .find(|k| router.shard_of(k.as_bytes()) != router.shard_of(a.as_bytes()))
            .unwrap();
        let mut c = Raw::connect(server.addr());
        assert_eq!(c.call(&["SET", &a, "v"]), b"+OK\r\n");
        assert_eq!(c.call(&["SADD", "set-a", "m"]), b":1\r\n");
        let set_b = (0..)
            .map(|i| format!("set-b{i}"))
            .find(|k| router.shard_of(k.as_bytes()) != router.shard_of(b"set-a"))
            .unwrap();
        let mover = {
            let mut c = Raw::connect(server.addr());
            let (a, b, set_b) = (a.clone(), b.clone(), set_b.clone());
            thread::spawn(move || {
                for i in 0..300 {
                    let (from, to) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
                    assert_eq!(c.call(&["RENAME", from, to]), b"+OK\r\n");
                    let (from, to) = if i % 2 == 0 {
                        ("set-a", set_b.as_str())
                    } else {
                        (set_b.as_str(), "set-a")
                    };
                    assert_eq!(c.call(&["SMOVE", from, to, "m"]), b":1\r\n");
                }
            })
        };
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let mut c = Raw::connect(server.addr());
                let (a, b, set_b) = (a.clone(), b.clone(), set_b.clone());
                thread::spawn(move || {
                    for _ in 0..300 {
                        // Exactly one of the names exists.
                        assert_eq!(c.call(&["EXISTS", &a, &b]), b":1\r\n");
                        let u = c.call(&["SUNION", "set-a", &set_b]);
                        assert_eq!(u, b"*1\r\n$1\r\nm\r\n");
                    }
                })
            })
            .collect();
        for t in readers.into_iter().chain([mover]) {
            t.join().unwrap();
        }
    }
}

/// What a pipelined command of the mixed load checks in its reply.
enum Check {
    /// Any reply but an error.
    Any,
    /// An array of bulks, all equal (an MGET of the whole group).
    Equal,
    /// `:0` or `:n` (EXISTS of the whole group).
    AllOrNone(usize),
    /// `+OK`, then a `+QUEUED` per command, then EXEC's array.
    Exec(usize),
}

/// Many clients pipelining MSET, MGET, DEL, EXISTS and MULTI/EXEC blocks
/// over one group of few keys (each writing the whole group), and
/// single-key GETs and SETs (which wait behind the locks) on it and on a
/// second group that MSETs also lock: every reply comes (no deadlock),
/// and no read sees part of a write (MGET all equal, EXISTS 0 or all).
#[test]
fn a_mixed_load_over_few_keys_never_deadlocks() {
    for shards in [2, 3] {
        let server = kevy_on(Redis::default(), shards);
        let a = spread("a", 6, shards);
        let b = spread("b", 6, shards);
        let clients: Vec<_> = (0..12u64)
            .map(|id| {
                let mut c = Raw::connect(server.addr());
                let (a, b) = (a.clone(), b.clone());
                thread::spawn(move || {
                    let mut rng = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    let mut next = move |n: usize| {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        (rng % n as u64) as usize
                    };
                    for i in 0..150 {
                        let mut bytes = Vec::new();
                        let mut checks = Vec::new();
                        for j in 0..8 {
                            let v = format!("{id}-{i}-{j}");
                            let mut cmd: Vec<&str> = Vec::new();
                            let check = match next(8) {
                                0 => {
                                    cmd.push("MSET");
                                    a.iter().for_each(|k| cmd.extend([k.as_str(), &v]));
                                    Check::Any
                                }
                                1 => {
                                    cmd.push("MGET");
                                    cmd.extend(a.iter().map(String::as_str));
                                    Check::Equal
                                }
                                2 => {
                                    cmd.push("DEL");
                                    cmd.extend(a.iter().map(String::as_str));
                                    Check::Any
                                }
                                3 => {
                                    cmd.push("EXISTS");
                                    cmd.extend(a.iter().map(String::as_str));
                                    Check::AllOrNone(a.len())
                                }
                                4 => {
                                    bytes.extend(encode_str(&["MULTI"]));
                                    for k in &a {
                                        bytes.extend(encode_str(&["SET", k, &v]));
                                    }
                                    cmd.push("EXEC");
                                    Check::Exec(a.len())
                                }
                                5 => {
                                    cmd.extend(["GET", &a[next(a.len())]]);
                                    Check::Any
                                }
                                6 => {
                                    cmd.extend(["SET", &b[next(b.len())], &v]);
                                    Check::Any
                                }
                                _ => {
                                    cmd.push("MSET");
                                    b.iter().for_each(|k| cmd.extend([k.as_str(), &v]));
                                    Check::Any
                                }
                            };
                            bytes.extend(encode_str(&cmd));
                            checks.push(check);
                        }
                        c.send(&bytes);
                        for check in checks {
                            match check {
                                Check::Any => {
                                    let r = c.reply();
                                    assert!(
                                        !r.starts_with(b"-"),
                                        "{}",
                                        String::from_utf8_lossy(&r)
                                    );
                                }
                                Check::Equal => {
                                    let vals = bulks(&c.reply());
                                    assert!(
                                        vals.windows(2).all(|w| w[0] == w[1]),
                                        "an MGET saw part of a write: {vals:?}"
                                    );
                                }
                                Check::AllOrNone(n) => {
                                    let r = c.reply();
                                    let n = format!(":{n}\r\n");
                                    assert!(r == b":0\r\n" || r == n.as_bytes(), "EXISTS {r:?}");
                                }
                                Check::Exec(n) => {
                                    assert_eq!(c.reply(), b"+OK\r\n");
                                    for _ in 0..n {
                                        assert_eq!(c.reply(), b"+QUEUED\r\n");
                                    }
                                    let r = c.reply();
                                    assert!(
                                        r.starts_with(format!("*{n}\r\n").as_bytes()),
                                        "EXEC {r:?}"
                                    );
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for t in clients {
            t.join().unwrap();
        }
    }
}

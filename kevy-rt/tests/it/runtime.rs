//! The runtime end to end, on the `Tally` command set.

use std::io::Write;
use std::net::Shutdown;

use kevy_rt::{Runtime, Server};

use crate::client::{cmd, Raw};
use crate::tally::Tally;

pub(crate) fn start(shards: usize) -> Server {
    Runtime::builder(Tally)
        .bind("127.0.0.1:0")
        .shards(shards)
        .build()
        .expect("build")
        .start()
        .expect("start")
}

#[test]
fn commands_route_to_their_shards_and_back() {
    let server = start(3);
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    for i in 0..50 {
        let k = format!("k{i}");
        assert_eq!(c.call(&["PUT", &k, &format!("v{i}")]), b"+OK\r\n");
    }
    for i in 0..50 {
        let v = format!("v{i}");
        let expect = format!("${}\r\n{v}\r\n", v.len());
        assert_eq!(c.call(&["TAKE", &format!("k{i}")]), expect.as_bytes());
    }
    assert_eq!(c.call(&["TAKE", "missing"]), b"$-1\r\n");
    assert_eq!(c.call(&["TOTAL"]), b":50\r\n");
    assert_eq!(c.call(&["NOPE"]), b"-ERR bad command\r\n");
    server.stop();
}

#[test]
fn pipelined_cross_shard_replies_keep_request_order() {
    let server = start(4);
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    let mut expect = Vec::new();
    let mut model = std::collections::HashMap::<String, i64>::new();
    for i in 0..3000 {
        let k = format!("n{}", i % 37);
        match i % 5 {
            0 | 1 => {
                batch.extend(cmd(&[b"ADD", k.as_bytes(), b"1"]));
                let v = model.entry(k).or_default();
                *v += 1;
                expect.extend(format!(":{v}\r\n").into_bytes());
            }
            2 => {
                batch.extend(cmd(&[b"PING"]));
                expect.extend(b"+PONG\r\n");
            }
            3 => {
                let k2 = format!("n{}", (i + 11) % 37);
                batch.extend(cmd(&[b"FETCH", k.as_bytes(), k2.as_bytes()]));
                expect.extend(b"*2\r\n");
                for key in [&k, &k2] {
                    match model.get(key) {
                        Some(v) => {
                            let s = v.to_string();
                            expect.extend(format!("${}\r\n{s}\r\n", s.len()).into_bytes())
                        }
                        None => expect.extend(b"$-1\r\n"),
                    }
                }
            }
            _ => {
                batch.extend(cmd(&[b"TOTAL"]));
                expect.extend(format!(":{}\r\n", model.len()).into_bytes());
            }
        }
    }
    c.send(&batch);
    let mut got = Vec::new();
    while got.len() < expect.len() {
        got.extend(c.reply());
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expect)
    );
    server.stop();
}

#[test]
fn a_two_round_operation_holds_later_commands() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    for i in 0..200 {
        let (a, b) = (format!("a{i}"), format!("b{i}"));
        batch.extend(cmd(&[b"PUT", a.as_bytes(), b"x"]));
        batch.extend(cmd(&[b"MOVE", a.as_bytes(), b.as_bytes()]));
        batch.extend(cmd(&[b"TAKE", b.as_bytes()]));
        batch.extend(cmd(&[b"TAKE", a.as_bytes()]));
    }
    c.send(&batch);
    for _ in 0..200 {
        assert_eq!(c.reply(), b"+OK\r\n");
        assert_eq!(c.reply(), b":1\r\n");
        assert_eq!(c.reply(), b"$1\r\nx\r\n");
        assert_eq!(c.reply(), b"$-1\r\n");
    }
    server.stop();
}

/// A request decoded ahead of a command that holds the connection waits,
/// decoded once, for the hold to end: an inline request whose quoting was
/// unescaped in place must not be decoded a second time.
#[test]
fn a_request_decoded_ahead_of_a_hold_runs_once_decoded() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    batch.extend(cmd(&[b"PUT", b"a", b"x"]));
    batch.extend(cmd(&[b"PUT", b"b\"A", b"y"]));
    batch.extend(cmd(&[b"MOVE", b"a", b"c"]));
    batch.extend_from_slice(b"TAKE \"b\\x22\\x41\"\r\n");
    batch.extend(cmd(&[b"TAKE", b"c"]));
    c.send(&batch);
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.reply(), b":1\r\n");
    assert_eq!(c.reply(), b"$1\r\ny\r\n");
    assert_eq!(c.reply(), b"$1\r\nx\r\n");
    server.stop();
}

/// Two requests decoded ahead of a hold (the shard looks two ahead), both
/// inline with quoting unescaped in place: each runs once, in order, after
/// the hold, and so does what follows them (`TAKE` reads).
#[test]
fn two_requests_decoded_ahead_of_a_hold_run_once_in_order() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    for round in 0..20 {
        let mut batch = Vec::new();
        batch.extend(cmd(&[b"PUT", b"a", b"x"]));
        batch.extend(cmd(&[b"PUT", b"b\"A", b"y"]));
        batch.extend(cmd(&[b"PUT", b"d\"B", b"z"]));
        batch.extend(cmd(&[b"MOVE", b"a", b"c"]));
        batch.extend_from_slice(b"TAKE \"b\\x22\\x41\"\r\n");
        batch.extend_from_slice(b"TAKE \"d\\x22\\x42\"\r\n");
        batch.extend(cmd(&[b"TAKE", b"c"]));
        batch.extend(cmd(&[b"TAKE", b"c"]));
        c.send(&batch);
        for want in [
            &b"+OK\r\n"[..],
            b"+OK\r\n",
            b"+OK\r\n",
            b":1\r\n",
            b"$1\r\ny\r\n",
            b"$1\r\nz\r\n",
            b"$1\r\nx\r\n",
            b"$1\r\nx\r\n",
        ] {
            assert_eq!(c.reply(), want, "round {round}");
        }
    }
    server.stop();
}

#[test]
fn connections_spread_over_every_shard() {
    let server = start(2);
    let conns: Vec<Raw> = (0..200).map(|_| Raw::connect(server.addr())).collect();
    let mut seen = [0usize; 2];
    for mut c in conns {
        let r = c.call(&["WHOAMI"]);
        let shard: usize = String::from_utf8_lossy(&r[1..r.len() - 2]).parse().unwrap();
        seen[shard] += 1;
    }
    assert!(seen.iter().all(|&n| n > 0), "per shard: {seen:?}");
    assert_eq!(server.stats().accepted().iter().sum::<u64>(), 200);
    server.stop();
}

#[test]
fn a_protocol_error_closes_only_that_connection() {
    let server = start(2);
    let mut good = Raw::connect(server.addr());
    assert_eq!(good.call(&["PUT", "k", "v"]), b"+OK\r\n");
    let mut bad = Raw::connect(server.addr());
    bad.send(b"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(
        bad.read_to_close(),
        b"+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n"
    );
    let mut bad = Raw::connect(server.addr());
    bad.send(b"*1\r\n$999999999999\r\n");
    assert_eq!(
        bad.read_to_close(),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    assert_eq!(good.call(&["TAKE", "k"]), b"$1\r\nv\r\n");
    server.stop();
}

#[test]
fn close_after_reply_and_half_close() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    c.send(b"PING\r\nBYE\r\nPING\r\n");
    assert_eq!(c.read_to_close(), b"+PONG\r\n+BYE\r\n");
    // A client that sends and half-closes still gets every reply.
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    for i in 0..100 {
        batch.extend(cmd(&[b"ADD", format!("h{i}").as_bytes(), b"2"]));
    }
    c.send(&batch);
    c.shutdown_write();
    let all = c.read_to_close();
    assert_eq!(all, b":2\r\n".repeat(100));
    server.stop();
}

/// A bulk load far larger than a connection's per-iteration read budget,
/// written while the replies are read and then half-closed: every reply
/// arrives, in order, and the connection closes after the last.
#[test]
fn a_bulk_pipeline_is_answered_whole_across_read_budgets() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    let mut batch = Vec::new();
    let mut expect = Vec::new();
    for i in 0..60_000 {
        let k = format!("bulk:{}", i % 1000);
        batch.extend(cmd(&[b"ADD", k.as_bytes(), b"1"]));
        expect.extend(format!(":{}\r\n", i / 1000 + 1).into_bytes());
    }
    assert!(batch.len() > 1 << 20, "{} bytes", batch.len());
    let mut writer = c.sock_ref().try_clone().expect("clone");
    let sender = std::thread::spawn(move || {
        writer.write_all(&batch).expect("write");
        writer.shutdown(Shutdown::Write).expect("shutdown");
    });
    let got = c.read_to_close();
    sender.join().unwrap();
    assert_eq!(got.len(), expect.len());
    assert!(got == expect, "replies out of order");
    server.stop();
}

/// Buffers grown by a big request and a big reply are given back once the
/// connection is idle.
#[test]
fn idle_connections_give_back_grown_buffers() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    // A key of the connection's own shard: its reply goes through the
    // connection's output buffer.
    let r = c.call(&["WHOAMI"]);
    let shard: usize = String::from_utf8_lossy(&r[1..r.len() - 2]).parse().unwrap();
    let router = kevy_rt::Router::new(2);
    let key = (0..)
        .map(|i| format!("big{i}"))
        .find(|k| router.shard_of(k.as_bytes()) == shard)
        .unwrap();
    // Under the 1 MB a flushed output buffer may keep while in use.
    let value = vec![b'v'; 400 * 1024];
    // The request arrives in two pieces, so the read buffer grows to hold it.
    let request = cmd(&[b"PUT", key.as_bytes(), &value]);
    c.send(&request[..1000]);
    std::thread::sleep(std::time::Duration::from_millis(50));
    c.send(&request[1000..]);
    assert_eq!(c.reply(), b"+OK\r\n");
    assert_eq!(c.call(&["TAKE", &key]).len(), value.len() + 11);
    let mut watcher = Raw::connect(server.addr());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = watcher.call(&["BUFS"]);
        let held: usize = String::from_utf8_lossy(&r[1..r.len() - 2]).parse().unwrap();
        // Back to one read chunk and a small output.
        if held <= (16 + 16) * 1024 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {held} bytes");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    server.stop();
}

#[test]
fn large_values_cross_shards() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    let big = vec![b'x'; 8 << 20];
    for k in ["big1", "big2", "big3"] {
        c.send(&cmd(&[b"PUT", k.as_bytes(), &big]));
        assert_eq!(c.reply(), b"+OK\r\n");
        c.send(&cmd(&[b"TAKE", k.as_bytes()]));
        let r = c.reply();
        assert_eq!(r.len(), big.len() + 12);
        assert!(r.starts_with(b"$8388608\r\nxxx"));
    }
    server.stop();
}

#[test]
fn the_redis_crate_talks_to_any_resp_command_set() {
    let server = start(2);
    let client = redis::Client::open(format!("redis://{}/", server.addr())).unwrap();
    let mut con = client.get_connection().unwrap();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    let _: () = redis::cmd("PUT").arg("x").arg("1").query(&mut con).unwrap();
    let n: i64 = redis::cmd("ADD")
        .arg("x")
        .arg("41")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 42);
    let (a, b): (i64, i64) = redis::pipe()
        .cmd("ADD")
        .arg("y")
        .arg("1")
        .cmd("ADD")
        .arg("x")
        .arg("1")
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (1, 43));
    drop(con);
    server.stop();
}

#[test]
fn stop_closes_client_connections() {
    let server = start(2);
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    server.stop();
    let _ = c.sock_write(b"PING\r\n");
    assert!(c.read_to_close().is_empty());
}

impl Raw {
    fn shutdown_write(&mut self) {
        self.sock_ref().shutdown(Shutdown::Write).unwrap();
    }
    pub(crate) fn sock_write(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.sock_ref().write_all(b)
    }
}

pub(crate) fn start_with(
    shards: usize,
    f: impl FnOnce(kevy_rt::Builder<Tally>) -> kevy_rt::Builder<Tally>,
) -> Server {
    f(Runtime::builder(Tally).bind("127.0.0.1:0").shards(shards))
        .build()
        .expect("build")
        .start()
        .expect("start")
}

#[test]
fn full_rings_spill_to_backlogs_and_lose_nothing() {
    let server = start_with(3, |b| b.ring_capacity(2));
    let addr = server.addr();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                let mut batch = Vec::new();
                for i in 0..2000 {
                    let k = format!("t{t}:{}", i % 50);
                    batch.extend(cmd(&[b"ADD", k.as_bytes(), b"1"]));
                }
                c.send(&batch);
                let mut counts = std::collections::HashMap::new();
                for i in 0..2000 {
                    let n = counts.entry(i % 50).or_insert(0);
                    *n += 1;
                    assert_eq!(c.reply(), format!(":{n}\r\n").as_bytes());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut c = Raw::connect(addr);
    assert_eq!(c.call(&["TOTAL"]), b":400\r\n");
    server.stop();
}

#[test]
fn direct_replies_stay_in_order_when_requests_arrive_behind_them() {
    // A lone forwarded command has its reply written by its owner shard; a
    // request arriving right behind it must still be answered after it.
    let server = start(2);
    let addr = server.addr();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Raw::connect(addr);
                for i in 1..=1500 {
                    let k = format!("d{t}:{}", i % 7);
                    c.send(&cmd(&[b"ADD", k.as_bytes(), b"1"]));
                    c.send(&cmd(&[b"PING"]));
                    if i % 3 == 0 {
                        c.send(&cmd(&[b"TAKE", k.as_bytes()]));
                    }
                    let n = (i - 1) / 7 + 1;
                    assert_eq!(c.reply(), format!(":{n}\r\n").as_bytes());
                    assert_eq!(c.reply(), b"+PONG\r\n");
                    if i % 3 == 0 {
                        let s = n.to_string();
                        assert_eq!(c.reply(), format!("${}\r\n{s}\r\n", s.len()).as_bytes());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    server.stop();
}

#[test]
fn parts_see_and_kill_the_connections_of_every_shard() {
    let server = start(3);
    let mut conns: Vec<Raw> = (0..12).map(|_| Raw::connect(server.addr())).collect();
    let mut ids = Vec::new();
    for c in conns.iter_mut() {
        let r = c.call(&["MYID"]);
        ids.push(String::from_utf8_lossy(&r[1..r.len() - 2]).to_string());
    }
    assert_eq!(conns[0].call(&["CONNS"]), b":12\r\n");
    // Kill another connection (on whichever shard it lives) and ourselves.
    assert_eq!(conns[0].call(&["KILL", &ids[5]]), b":1\r\n");
    assert_eq!(conns[0].call(&["KILL", "999999"]), b":0\r\n");
    assert!(conns[5].read_to_close().is_empty());
    let me = ids[1].clone();
    assert_eq!(conns[1].call(&["KILL", &me]), b":1\r\n");
    assert!(conns[1].read_to_close().is_empty());
    assert_eq!(conns[0].call(&["CONNS"]), b":10\r\n");
    server.stop();
}

#[test]
fn sessions_start_from_the_connection_and_plans_run_on_the_origin_shard() {
    let server = start(2);
    let mut conns: Vec<Raw> = (0..8).map(|_| Raw::connect(server.addr())).collect();
    let mut by_shard: Vec<Vec<usize>> = vec![Vec::new(); 2];
    for (i, c) in conns.iter_mut().enumerate() {
        // `new_session` saw the connection's facts.
        assert_eq!(c.call(&["SESS"]), c.call(&["MYID"]));
        // A command sees its connection's read buffer as it is, though the
        // buffer is lent to the decoder meanwhile.
        assert_ne!(c.call(&["ROOM"]), b":0\r\n");
        let r = c.call(&["WHOAMI"]);
        by_shard[(r[1] - b'0') as usize].push(i);
    }
    // STAMP counts, in its origin shard's state, the plans made there.
    let mut want = [0u8; 2];
    for round in 0..2 {
        for (s, idx) in by_shard.iter().enumerate() {
            for &i in idx {
                want[s] += 1;
                let got = conns[i].call(&["STAMP"]);
                assert_eq!(got, format!(":{}\r\n", want[s]).as_bytes(), "round {round}");
            }
        }
    }
    server.stop();
}

#[test]
fn a_unix_socket_serves_like_tcp() {
    use std::io::{Read, Write};
    let dir = std::env::temp_dir().join(format!("kevy-rt-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kevy.sock");
    let server = start_with(2, |b| b.unix_socket(&path, Some(0o700)));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let mut tcp = Raw::connect(server.addr());
    assert_eq!(tcp.call(&["PUT", "shared", "yes"]), b"+OK\r\n");
    for _ in 0..20 {
        let mut u = std::os::unix::net::UnixStream::connect(&path).unwrap();
        let mut batch = cmd(&[b"TAKE", b"shared"]);
        batch.extend(cmd(&[b"ADD", b"n", b"1"]));
        batch.extend(cmd(&[b"BYE"]));
        u.write_all(&batch).unwrap();
        let mut got = Vec::new();
        u.read_to_end(&mut got).unwrap();
        assert!(
            got.starts_with(b"$3\r\nyes\r\n:"),
            "{:?}",
            String::from_utf8_lossy(&got)
        );
        assert!(got.ends_with(b"\r\n+BYE\r\n"));
    }
    assert_eq!(tcp.call(&["TAKE", "n"]), b"$2\r\n20\r\n");
    server.stop();
    assert!(!path.exists(), "the socket file is removed on stop");
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn a_panicking_handler_stops_the_runtime_instead_of_hanging_it() {
    let server = start(2);
    let mut other = Raw::connect(server.addr());
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    let mut c = Raw::connect(server.addr());
    c.send(&cmd(&[b"BOOM", b"k"]));
    assert!(c.read_to_close().is_empty());
    assert!(other.read_to_close().is_empty());
    server.stop();
}

#[test]
fn monitors_see_every_shards_commands() {
    let server = start(3);
    let mut mon = Raw::connect(server.addr());
    assert_eq!(mon.call(&["WATCHALL"]), b"+OK\r\n");
    let mut c = Raw::connect(server.addr());
    let id = String::from_utf8_lossy(&c.call(&["MYID"])[1..])
        .trim()
        .to_string();
    let mut expect = std::collections::HashSet::new();
    for i in 0..30 {
        let k = format!("m{i}");
        assert_eq!(c.call(&["PUT", &k, "v"]), b"+OK\r\n");
        expect.insert(format!("+{id} PUT {k} v\r\n"));
    }
    let mut got = std::collections::HashSet::new();
    while got.len() < expect.len() {
        let line = String::from_utf8(mon.reply()).unwrap();
        if line.contains(" PUT ") {
            got.insert(line);
        }
    }
    assert_eq!(got, expect);
    server.stop();
}

#[test]
fn a_pause_holds_commands_in_order_until_it_ends() {
    use std::time::{Duration, SystemTime};
    let settings = kevy_rt::Settings::new();
    let server = start_with(2, |b| b.settings(settings.clone()));
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PUT", "k", "1"]), b"+OK\r\n");
    // A write pause lets reads through and holds writes (and what follows them).
    settings.pause(SystemTime::now() + Duration::from_secs(60), true);
    assert_eq!(c.call(&["TAKE", "k"]), b"$1\r\n1\r\n");
    let mut batch = cmd(&[b"ADD", b"n", b"5"]);
    batch.extend(cmd(&[b"TAKE", b"n"]));
    c.send(&batch);
    let mut other = Raw::connect(server.addr());
    assert_eq!(other.call(&["TAKE", "n"]), b"$-1\r\n", "the write waits");
    settings.unpause();
    assert_eq!(c.reply(), b":5\r\n");
    assert_eq!(c.reply(), b"$1\r\n5\r\n");
    // A full pause holds everything; it ends by itself.
    settings.pause(SystemTime::now() + Duration::from_millis(100), false);
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    assert!(settings.paused().is_none());
    server.stop();
}

#[test]
fn a_command_can_shut_the_whole_runtime_down() {
    let rt = Runtime::builder(Tally)
        .bind("127.0.0.1:0")
        .shards(3)
        .build()
        .expect("build");
    let addr = rt.local_addr();
    let runner = std::thread::spawn(move || rt.run());
    let mut other = Raw::connect(addr);
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    let mut c = Raw::connect(addr);
    c.send(&cmd(&[b"HALT"]));
    assert!(runner.join().expect("runtime thread").is_ok());
    assert!(other.read_to_close().is_empty());
}

/// A second runtime asked for a port another one listens on fails to build
/// (Address already in use, as Redis's bind), instead of sharing the port
/// through `SO_REUSEPORT` and silently taking part of its clients; the
/// first keeps serving.
#[test]
fn a_port_in_use_is_refused() {
    let server = start(2);
    let taken = Runtime::builder(Tally)
        .bind(server.addr().to_string())
        .shards(2)
        .build();
    let err = taken.err().expect("the second build fails");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    let mut c = Raw::connect(server.addr());
    assert_eq!(c.call(&["PING"]), b"+PONG\r\n");
    server.stop();
}

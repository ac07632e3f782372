//! Long scripts on 2 shards: past `busy-reply-threshold` (set to 100 ms
//! with `CONFIG SET`), clients of both shards get `-BUSY` — those of the
//! script's own shard served from inside the script, new connections
//! included — `SCRIPT KILL` / `FUNCTION KILL` from either shard stop it
//! (or answer `UNKILLABLE` once it wrote), `SHUTDOWN NOSAVE` stops the
//! server, and afterwards everything is served as before. The scripts
//! loop until killed; nothing waits a fixed time: each step polls until
//! the server shows the state. The connections' shards come from the
//! runtime's per-shard accept counters. Dropping an in-process server
//! stops a script still running (the runtime's stop ends it).

use std::process::Command;
use std::thread;
use std::time::Duration;

use kevy_rt::Server;

use crate::util::{conns_per_shard, encode_str, kevy, key_on, shard_of, Raw, RedisServer, SHARDS};

const BUSY_EVAL: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FUNCTION: &[u8] =
    b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
const NOTBUSY: &[u8] = b"-NOTBUSY No scripts in execution right now.\r\n";
const UNKILLABLE: &[u8] = b"-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n";
const SPIN: &str = "while true do end";
const SPIN_SHA: &str = "694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7";
const SPIN_LIB: &str =
    "#!lua name=spin\nredis.register_function('spin', function(keys, args) while true do end end)";

/// `-EXECABORT` quoting `busy` (a `-BUSY …` line).
fn execabort(busy: &[u8]) -> Vec<u8> {
    [
        b"-EXECABORT Transaction discarded because of: ".as_slice(),
        &busy[1..],
    ]
    .concat()
}

/// A kevy whose scripts are busy after 100 ms (set as a client would).
fn server() -> Server {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    assert_eq!(
        c.call(&["CONFIG", "SET", "busy-reply-threshold", "100"]),
        b"+OK\r\n"
    );
    assert_eq!(
        c.call(&["CONFIG", "GET", "lua-time-limit"]),
        b"*2\r\n$14\r\nlua-time-limit\r\n$3\r\n100\r\n"
    );
    server
}

/// Polls `PING` on `probe` (a connection of a shard the script does not
/// run on) until it answers `want`.
fn wait_for(probe: &mut Raw, want: &[u8]) {
    for _ in 0..6000 {
        if probe.call(&["PING"]) == want {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("never answered {}", String::from_utf8_lossy(want));
}

/// The shard `EVAL … 0` runs on (the shard of the empty key).
fn script_shard() -> usize {
    shard_of("")
}

/// What a busy server answers on connection `c`, whichever its shard.
fn refusals(c: &mut Raw, busy: &[u8]) {
    assert_eq!(c.call(&["GET", "before"]), busy);
    assert_eq!(c.call(&["PING"]), busy);
    assert_eq!(c.call(&["SHUTDOWN"]), busy);
    assert_eq!(c.call(&["SHUTDOWN", "SAVE"]), busy);
    assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
    assert_eq!(c.call(&["SET", "in-multi", "1"]), busy);
    assert_eq!(c.call(&["EXEC"]), execabort(busy));
    assert_eq!(c.call(&["EXEC"]), execabort(busy));
    assert_eq!(c.call(&["MULTI"]), b"+OK\r\n");
    assert_eq!(c.call(&["DISCARD"]), b"+OK\r\n");
    assert_eq!(
        c.call(&["AUTH", "nobody"]),
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    );
    assert_eq!(c.call(&["NOSUCHCOMMAND"]).first(), Some(&b'-'));
}

#[test]
fn a_busy_script_is_refused_on_every_shard_and_killed_from_each() {
    let server = server();
    let s = script_shard();
    let mut on = conns_per_shard(&server, 3);
    let mut setup = Raw::connect(server.addr());
    assert_eq!(setup.call(&["SET", "before", "1"]), b"+OK\r\n");
    assert_eq!(setup.call(&["SCRIPT", "KILL"]), NOTBUSY);
    for killer in 0..SHARDS {
        let mut runner = Raw::connect(server.addr());
        runner.send(&encode_str(&["EVAL", SPIN, "0"]));
        wait_for(&mut on[1 - s][0], BUSY_EVAL);
        for conns in on.iter_mut() {
            refusals(&mut conns[0], BUSY_EVAL);
            assert_eq!(conns[0].call(&["FUNCTION", "KILL"]), BUSY_EVAL);
            assert_eq!(conns[0].call(&["FUNCTION", "STATS"]), BUSY_EVAL);
        }
        assert_eq!(on[killer][1].call(&["SCRIPT", "KILL"]), b"+OK\r\n");
        assert_eq!(
            runner.reply(),
            format!(
                "-ERR Script killed by user with SCRIPT KILL... script: {SPIN_SHA}, on @user_script:1.\r\n"
            )
            .as_bytes()
        );
        // Served again, by every shard.
        for conns in on.iter_mut() {
            assert_eq!(conns[2].call(&["SCRIPT", "KILL"]), NOTBUSY);
            assert_eq!(conns[2].call(&["GET", "before"]), b"$1\r\n1\r\n");
            assert_eq!(conns[0].call(&["GET", "before"]), b"$1\r\n1\r\n");
        }
        assert_eq!(runner.call(&["EVAL", "return 7", "0"]), b":7\r\n");
    }
}

/// The `redis` crate sees `-BUSY` as a server error with code `BUSY`, on
/// connections of both shards, and runs again once the script is killed.
#[test]
fn redis_crate_clients_see_busy_then_run_again() {
    let server = server();
    let url = format!("redis://{}/", server.addr());
    let client = redis::Client::open(url).expect("client");
    let mut conns: Vec<Vec<redis::Connection>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for _ in 0..500 {
        if conns.iter().all(|v| !v.is_empty()) {
            break;
        }
        let before = server.stats().accepted();
        let mut c = client.get_connection().expect("connect");
        let _: String = redis::cmd("PING").query(&mut c).expect("PING");
        let after = server.stats().accepted();
        if let Some(s) = (0..SHARDS).find(|&s| after[s] > before[s]) {
            conns[s].push(c);
        }
    }
    assert!(
        conns.iter().all(|v| !v.is_empty()),
        "a connection per shard"
    );
    let mut probe = Raw::connect(server.addr());
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&["EVAL", SPIN, "0"]));
    // A probe of either shard: once the script is busy it answers -BUSY.
    wait_for(&mut probe, BUSY_EVAL);
    for shard in conns.iter_mut() {
        let c = &mut shard[0];
        let e = redis::cmd("SET")
            .arg("k")
            .arg("v")
            .query::<()>(c)
            .expect_err("refused while busy");
        assert_eq!(e.code(), Some("BUSY"), "{e}");
    }
    let ok: String = redis::cmd("SCRIPT")
        .arg("KILL")
        .query(&mut conns[1 - script_shard()][0])
        .expect("SCRIPT KILL");
    assert_eq!(ok, "OK");
    assert_eq!(runner.reply().first(), Some(&b'-'));
    for shard in conns.iter_mut() {
        let c = &mut shard[0];
        let () = redis::cmd("SET").arg("k").arg("v").query(c).expect("SET");
        let v: String = redis::cmd("GET").arg("k").query(c).expect("GET");
        assert_eq!(v, "v");
    }
}

/// Connections the busy shard accepts while the script runs are served
/// from inside the script.
#[test]
fn new_connections_to_the_busy_shard_are_answered() {
    let server = server();
    let s = script_shard();
    let mut on = conns_per_shard(&server, 1);
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&["EVAL", SPIN, "0"]));
    wait_for(&mut on[1 - s][0], BUSY_EVAL);
    let mut fresh_on_busy = 0;
    for _ in 0..200 {
        let before = server.stats().accepted();
        let mut d = Raw::connect(server.addr());
        assert_eq!(d.call(&["PING"]), BUSY_EVAL);
        assert_eq!(d.call(&["GET", "x"]), BUSY_EVAL);
        if server.stats().accepted()[s] > before[s] {
            fresh_on_busy += 1;
            if fresh_on_busy == 3 {
                break;
            }
        }
    }
    assert_eq!(fresh_on_busy, 3, "the busy shard accepted connections");
    let (mut killer, _) = (Raw::connect(server.addr()), ());
    assert_eq!(killer.call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    assert_eq!(runner.reply().first(), Some(&b'-'));
    assert_eq!(killer.call(&["PING"]), b"+PONG\r\n");
}

#[test]
fn a_function_is_killed_by_function_kill_only() {
    let server = server();
    let s = script_shard();
    let mut on = conns_per_shard(&server, 1);
    assert_eq!(
        on[0][0].call(&["FUNCTION", "LOAD", SPIN_LIB]),
        b"$4\r\nspin\r\n"
    );
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&["FCALL", "spin", "0"]));
    wait_for(&mut on[1 - s][0], BUSY_FUNCTION);
    for conns in on.iter_mut() {
        let c = &mut conns[0];
        refusals(c, BUSY_FUNCTION);
        assert_eq!(c.call(&["SCRIPT", "KILL"]), BUSY_FUNCTION);
        let stats = c.call(&["FUNCTION", "STATS"]);
        let text = String::from_utf8_lossy(&stats);
        assert!(
            text.starts_with("*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:"),
            "{text}"
        );
    }
    assert_eq!(on[s][0].call(&["FUNCTION", "KILL"]), b"+OK\r\n");
    assert_eq!(
        runner.reply(),
        b"-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n"
    );
    assert_eq!(on[1 - s][0].call(&["FUNCTION", "KILL"]), NOTBUSY);
    let stats = on[s][0].call(&["FUNCTION", "STATS"]);
    assert!(stats.starts_with(b"*4\r\n$14\r\nrunning_script\r\n$-1\r\n"));
}

/// A kill cannot be swallowed by `pcall`: the hook raises it again at
/// every line.
#[test]
fn a_pcall_loop_is_killed_too() {
    let server = server();
    let s = script_shard();
    let mut on = conns_per_shard(&server, 1);
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&[
        "EVAL",
        "while true do pcall(function() while true do end end) end",
        "0",
    ]));
    wait_for(&mut on[1 - s][0], BUSY_EVAL);
    assert_eq!(on[s][0].call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    let killed = runner.reply();
    assert!(
        killed.starts_with(b"-ERR Script killed by user with SCRIPT KILL..."),
        "{}",
        String::from_utf8_lossy(&killed)
    );
    assert_eq!(runner.call(&["PING"]), b"+PONG\r\n");
}

/// A script whose keys are on both shards runs in global mode on its
/// connection's shard (every shard locked): both shards' clients get
/// `-BUSY` (the running shard's served from inside the script) and kill
/// it, from either shard.
#[test]
fn a_global_mode_script_is_refused_and_killed_from_either_shard() {
    let server = server();
    let mut on = conns_per_shard(&server, 3);
    let (k0, k1) = (key_on(0, "g"), key_on(1, "g"));
    // The runner is on shard 0: the script runs there.
    let mut runner = on[0].pop().expect("a connection on shard 0");
    for killer in 0..SHARDS {
        runner.send(&encode_str(&["EVAL", SPIN, "2", &k0, &k1]));
        wait_for(&mut on[1][0], BUSY_EVAL);
        for conns in on.iter_mut() {
            refusals(&mut conns[0], BUSY_EVAL);
            assert_eq!(conns[0].call(&["SET", &k1, "x"]), BUSY_EVAL);
        }
        assert_eq!(on[killer][1].call(&["SCRIPT", "KILL"]), b"+OK\r\n");
        assert!(runner.reply().starts_with(b"-ERR Script killed by user"));
        assert_eq!(on[0][0].call(&["SET", &k0, "y"]), b"+OK\r\n");
        assert_eq!(on[1][0].call(&["SET", &k1, "y"]), b"+OK\r\n");
    }
    // A script reaching another shard's key while it runs (global mode
    // after a restart) is refused and killed alike.
    let script = "redis.call('GET', KEYS[1]) redis.call('GET', ARGV[1]) while true do end";
    runner.send(&encode_str(&["EVAL", script, "1", &k0, &k1]));
    wait_for(&mut on[1][0], BUSY_EVAL);
    assert_eq!(on[0][0].call(&["GET", &k0]), BUSY_EVAL);
    assert_eq!(on[0][1].call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    assert!(runner.reply().starts_with(b"-ERR Script killed by user"));
    assert_eq!(runner.call(&["GET", &k1]), b"$1\r\ny\r\n");
}

/// A global-mode script calling the other shard at every step, so
/// suspended most of the time: it times out (its time counts from its
/// start, across suspensions), is refused on both shards and killed at its
/// next line; one that wrote is unkillable, and stopping the server ends
/// it wherever it is (running, or suspended at a call).
#[test]
fn a_script_suspended_at_each_remote_call_times_out_and_is_killed() {
    let server = server();
    let mut on = conns_per_shard(&server, 2);
    let (k0, k1) = (key_on(0, "s"), key_on(1, "s"));
    let mut runner = on[0].pop().expect("a connection on shard 0");
    let reads = "while true do redis.call('GET', KEYS[2]) end";
    runner.send(&encode_str(&["EVAL", reads, "2", &k0, &k1]));
    wait_for(&mut on[1][0], BUSY_EVAL);
    refusals(&mut on[0][0], BUSY_EVAL);
    assert_eq!(on[1][1].call(&["SCRIPT", "KILL"]), b"+OK\r\n");
    assert!(runner.reply().starts_with(b"-ERR Script killed by user"));
    assert_eq!(on[1][0].call(&["SET", &k1, "0"]), b"+OK\r\n");
    let writes = "while true do redis.call('INCR', KEYS[2]) end";
    runner.send(&encode_str(&["EVAL", writes, "2", &k0, &k1]));
    wait_for(&mut on[1][0], BUSY_EVAL);
    assert_eq!(on[1][1].call(&["SCRIPT", "KILL"]), UNKILLABLE);
    server.stop();
}

/// A script that errors half-way keeps the writes it made, as in Redis.
#[test]
fn a_script_that_fails_half_way_keeps_its_writes() {
    let server = kevy();
    let mut c = Raw::connect(server.addr());
    let reply = c.call(&[
        "EVAL",
        "redis.call('SET', KEYS[1], 'kept') error('half way')",
        "1",
        "half",
    ]);
    assert!(
        reply.starts_with(b"-ERR"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(c.call(&["GET", "half"]), b"$4\r\nkept\r\n");
}

/// The `kevy-server` binary, whose log (standard output) the test reads:
/// `redis.log` lines at or above `loglevel`, the slow-script warning; a
/// script that wrote is unkillable and `SHUTDOWN NOSAVE` stops the server.
#[test]
fn a_script_that_wrote_is_unkillable_and_shutdown_nosave_stops_the_server() {
    let bin = crate::binary::Binary::spawn_with(&["--port", "0", "--threads", "2"]);
    let addr = bin.addr;
    let mut c = Raw::connect(addr);
    assert_eq!(
        c.call(&["CONFIG", "SET", "lua-time-limit", "100"]),
        b"+OK\r\n"
    );
    assert_eq!(
        c.call(&[
            "EVAL",
            "redis.log(redis.LOG_WARNING, 'shown', 42, 'words') redis.log(redis.LOG_DEBUG, 'hidden') return 1",
            "0"
        ]),
        b":1\r\n"
    );
    let mut runner = Raw::connect(addr);
    runner.send(&encode_str(&[
        "EVAL",
        "redis.call('SET', KEYS[1], 'x') while true do end",
        "1",
        "written",
    ]));
    let mut probes: Vec<Raw> = (0..8).map(|_| Raw::connect(addr)).collect();
    // Every probe answers once the script is busy (those of its own shard
    // from inside it).
    for p in probes.iter_mut() {
        wait_for(p, BUSY_EVAL);
        assert_eq!(p.call(&["SCRIPT", "KILL"]), UNKILLABLE);
        assert_eq!(p.call(&["FUNCTION", "KILL"]), UNKILLABLE);
    }
    let mut d = probes.pop().expect("a probe");
    d.send(&encode_str(&["SHUTDOWN", "NOSAVE"]));
    // The server goes away: every connection is closed.
    d.read_to_close();
    runner.read_to_close();
    let (_, log) = bin.stop(libc::SIGKILL);
    assert!(log.contains(" # shown 42 words\n"), "{log}");
    assert!(!log.contains("hidden"), "{log}");
    assert!(
        log.contains("# Slow script detected: still in execution after "),
        "{log}"
    );
}

/// The same scenario against redis-server 7.0 and kevy (a connection on
/// each shard): every reply byte for byte.
#[test]
fn busy_replies_match_redis() {
    let redis = RedisServer::start();
    let kevy = server();
    let mut on = conns_per_shard(&kevy, 1);
    let mut r = Raw::connect(redis.addr());
    assert_eq!(
        r.call(&["CONFIG", "SET", "busy-reply-threshold", "100"]),
        b"+OK\r\n"
    );
    let s = script_shard();
    // One busy run: an EVAL, then a function.
    let scenario = |c: &mut Raw, fun: bool| -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        for cmd in [
            &["GET", "k"][..],
            &["PING"],
            &["SCRIPT", "KILL"],
            &["FUNCTION", "KILL"],
            &["SHUTDOWN"],
            &["SHUTDOWN", "NOW"],
            &["MULTI"],
            &["SET", "k", "v"],
            &["EXEC"],
            &["EXEC"],
            &["DISCARD"],
            &["AUTH", "x"],
            &["HELLO", "2", "AUTH", "a", "b"],
            &["WATCH", "k"],
            &["UNWATCH"],
            &["NOSUCH"],
        ] {
            if fun && cmd == ["SCRIPT", "KILL"] {
                got.push(c.call(cmd));
                continue;
            }
            if !fun && cmd == ["FUNCTION", "KILL"] {
                got.push(c.call(cmd));
                continue;
            }
            if cmd[0] == "SCRIPT" || cmd[0] == "FUNCTION" {
                continue;
            }
            got.push(c.call(cmd));
        }
        got
    };
    for fun in [false, true] {
        let start: &[&str] = if fun {
            &["FCALL", "spin", "0"]
        } else {
            &["EVAL", SPIN, "0"]
        };
        if fun {
            assert_eq!(r.call(&["FUNCTION", "LOAD", SPIN_LIB]), b"$4\r\nspin\r\n");
            assert_eq!(
                on[0][0].call(&["FUNCTION", "LOAD", SPIN_LIB]),
                b"$4\r\nspin\r\n"
            );
        }
        let busy = if fun { BUSY_FUNCTION } else { BUSY_EVAL };
        let mut redis_runner = Raw::connect(redis.addr());
        redis_runner.send(&encode_str(start));
        let mut rp = Raw::connect(redis.addr());
        wait_for(&mut rp, busy);
        let want = scenario(&mut rp, fun);
        let mut kevy_runner = Raw::connect(kevy.addr());
        kevy_runner.send(&encode_str(start));
        wait_for(&mut on[1 - s][0], busy);
        for conns in on.iter_mut() {
            let got = scenario(&mut conns[0], fun);
            for (w, g) in want.iter().zip(&got) {
                assert_eq!(
                    String::from_utf8_lossy(g),
                    String::from_utf8_lossy(w),
                    "fun={fun}"
                );
            }
        }
        let kill: &[&str] = if fun {
            &["FUNCTION", "KILL"]
        } else {
            &["SCRIPT", "KILL"]
        };
        assert_eq!(rp.call(kill), b"+OK\r\n");
        assert_eq!(on[0][0].call(kill), b"+OK\r\n");
        assert_eq!(
            String::from_utf8_lossy(&kevy_runner.reply()),
            String::from_utf8_lossy(&redis_runner.reply())
        );
        assert_eq!(rp.call(kill), NOTBUSY);
        assert_eq!(on[1][0].call(kill), NOTBUSY);
    }
}

/// `redis-cli SCRIPT KILL`, as an operator types it, whichever shard the
/// kernel hands its connection.
#[test]
fn redis_cli_script_kill_works() {
    let server = server();
    let s = script_shard();
    let mut on = conns_per_shard(&server, 1);
    let mut runner = Raw::connect(server.addr());
    runner.send(&encode_str(&["EVAL", SPIN, "0"]));
    wait_for(&mut on[1 - s][0], BUSY_EVAL);
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(server.addr().port().to_string())
        .args(["SCRIPT", "KILL"])
        .output()
        .expect("run redis-cli (7.0 on PATH)");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
    assert!(runner.reply().starts_with(b"-ERR Script killed"));
}

//! The reply buffer as Redis sizes it, against redis-server: `CLIENT
//! LIST`'s `rbs` of an idle client shrinks to 1 KB once its peak starts
//! again, a client reading big replies doubles it back to 16 KB, `DEBUG
//! REPLYBUFFER RESIZING 0` stops both, INFO counts the resizes, and the
//! command's errors are Redis's (`unit/replybufsize`, `unit/client-eviction`).

use std::net::SocketAddr;
use std::time::Duration;

use kevy_commands::Redis;

use crate::util::{connect_on, kevy_with, key_on, Raw, RedisServer};

/// `rbs` of the client named `name`, as `CLIENT LIST` shows it.
fn rbs(admin: &mut Raw, name: &str) -> u64 {
    let list = String::from_utf8(admin.call(&["CLIENT", "LIST"])).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains(&format!(" name={name} ")))
        .unwrap_or_else(|| panic!("no client {name}: {list}"));
    line.split(' ')
        .find_map(|f| f.strip_prefix("rbs="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rbs in {line}"))
}

/// A numeric INFO stats field.
fn stat(admin: &mut Raw, field: &str) -> u64 {
    let info = String::from_utf8(admin.call(&["INFO", "stats"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in INFO stats"))
}

/// Calls `step` until `rbs` of `name` is `want` (a periodic pass resizes:
/// up to 10 s), and says whether it got there.
fn reaches(admin: &mut Raw, name: &str, want: u64, mut step: impl FnMut()) -> bool {
    for _ in 0..500 {
        step();
        if rbs(admin, name) == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The story against the server at `addr`; `tc` is the client watched
/// (already connected, after a PING) and `far` the key it reads (on kevy,
/// one on another shard than `tc`'s: its replies come from that shard,
/// which may write them to the socket itself).
fn story(addr: SocketAddr, mut tc: Raw, far: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut admin = Raw::connect(addr);
    let say = |admin: &mut Raw, args: &[&str]| {
        let r = admin.call(args);
        format!("{args:?} -> {}", String::from_utf8_lossy(&r))
    };
    for args in [
        &["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "abc"][..],
        &["DEBUG", "REPLYBUFFER", "SIZE", "1"],
        &["DEBUG", "REPLYBUFFER", "RESIZING"],
        &["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100"],
    ] {
        seen.push(say(&mut admin, args));
    }
    // A fresh client's buffer is 16 KB; idle, it shrinks to 1 KB.
    assert_eq!(tc.call(&["CLIENT", "SETNAME", "tc"]), b"+OK\r\n");
    seen.push(format!("fresh: {}", rbs(&mut admin, "tc") >= 1024));
    seen.push(format!("idle: {}", reaches(&mut admin, "tc", 1024, || {})));
    // Reading 32 KB replies, with the peak never reset, it doubles to 16 KB.
    let big = "x".repeat(32 * 1024);
    seen.push(format!("set: {:?}", admin.call(&["SET", far, &big])));
    seen.push(say(
        &mut admin,
        &["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"],
    ));
    let busy = reaches(&mut admin, "tc", 16 * 1024, || {
        assert_eq!(tc.call(&["GET", far]).len(), 32 * 1024 + 10);
    });
    seen.push(format!("busy: {busy}"));
    seen.push(format!(
        "shrinks: {}",
        stat(&mut admin, "reply_buffer_shrinks") >= 1
    ));
    seen.push(format!(
        "expands: {}",
        stat(&mut admin, "reply_buffer_expands") >= 4
    ));
    // Resizing off: an idle client keeps its 16 KB.
    seen.push(say(&mut admin, &["DEBUG", "REPLYBUFFER", "RESIZING", "0"]));
    seen.push(say(
        &mut admin,
        &["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "10"],
    ));
    let mut still = Raw::connect(addr);
    assert_eq!(still.call(&["CLIENT", "SETNAME", "still"]), b"+OK\r\n");
    std::thread::sleep(Duration::from_millis(500));
    seen.push(format!("kept: {}", rbs(&mut admin, "still")));
    seen.push(say(&mut admin, &["DEBUG", "REPLYBUFFER", "RESIZING", "1"]));
    seen.push(say(
        &mut admin,
        &["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset"],
    ));
    seen
}

#[test]
fn the_reply_buffer_resizes_as_in_redis() {
    let redis = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let mut tc = Raw::connect(redis.addr());
    assert_eq!(tc.call(&["PING"]), b"+PONG\r\n");
    let want = story(redis.addr(), tc, "bigval");
    let r = Redis::default();
    r.config()
        .load("enable-debug-command", &["yes"])
        .expect("a valid setting");
    let server = kevy_with(r);
    let (tc, home) = connect_on(&server);
    let got = story(server.addr(), tc, &key_on(1 - home, "bigval:"));
    assert_eq!(got, want);
    assert!(want.iter().any(|l| l == "busy: true"), "{want:?}");
    assert!(want.iter().any(|l| l == "kept: 16384"), "{want:?}");
    server.stop();
}

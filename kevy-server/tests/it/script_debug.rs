//! The Lua debugger (`SCRIPT DEBUG`), side by side with redis-server 7.0:
//! the same sessions, byte for byte, through raw RESP and through
//! redis-cli's own debugger front end (`--ldb`, `--ldb-sync-mode`), which
//! reads its commands from standard input.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::util::{same_as_redis, Raw};

/// One session of debugger commands: every reply, then what the
/// connection holds after the last one (the script's reply, then its end).
fn session(
    addr: std::net::SocketAddr,
    mode: &str,
    script: &str,
    keys: &[&str],
    cmds: &[&[&str]],
) -> Vec<Vec<u8>> {
    let mut c = Raw::connect(addr);
    let mut seen = vec![c.call(&["SCRIPT", "DEBUG", mode])];
    let mut eval = vec!["EVAL", script];
    let n = keys.len().to_string();
    eval.push(&n);
    eval.extend_from_slice(keys);
    seen.push(c.call(&eval));
    for cmd in cmds {
        seen.push(c.call(cmd));
    }
    seen.push(c.read_to_close());
    seen
}

#[test]
fn a_sync_session_is_redis_s_line_for_line() {
    let script = "local t = {1, 'two', {x = 3}}\n\
                  local n = redis.call('incr', KEYS[1])\n\
                  redis.debug('n is', n, t)\n\
                  for i = 1, 3 do\n  redis.call('rpush', KEYS[2], i)\nend\n\
                  redis.breakpoint()\n\
                  return redis.call('lrange', KEYS[2], 0, -1)";
    let cmds: &[&[&str]] = &[
        &["s"],
        &["p"],
        &["p", "t"],
        &["p", "KEYS"],
        &["n"],
        &["list"],
        &["l", "5", "1"],
        &["whole"],
        &["b", "5"],
        &["b", "99"],
        &["b"],
        &["e", "2^10"],
        &["e", "return {1, 2}"],
        &["e", "syntax error here"],
        &["r", "set", "dbg:a", "1"],
        &["r", "get"],
        &["r", "no-such-command"],
        &["r", "lpush", "dbg:a", "x"],
        &["t"],
        &["maxlen"],
        &["m", "5"],
        &["r", "get", "dbg:a"],
        &["m", "0"],
        &["help"],
        &["nonsense"],
        &["c"],
        &["b", "-5"],
        &["b", "0"],
        // On to `redis.breakpoint()`, then to the end.
        &["c"],
        &["c"],
    ];
    let seen = same_as_redis(|addr| {
        let mut c = Raw::connect(addr);
        c.call(&["FLUSHALL"]);
        session(addr, "SYNC", script, &["dbg:n", "dbg:l"], cmds)
    });
    // It stopped at the breakpoints, then ran to its end, replied and
    // closed.
    assert_eq!(seen[seen.len() - 2], b"*1\r\n+<endsession>\r\n");
    assert_eq!(
        seen[seen.len() - 1],
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}

#[test]
fn abort_and_errors_end_a_session_as_redis_s_do() {
    for (script, cmds) in [
        (
            "redis.call('set', 'dbg:x', 1)\nreturn 1",
            &[&["n"][..], &["abort"]][..],
        ),
        ("local x = nil\nreturn x.y", &[&["c"][..]][..]),
        ("return redis.call('get', 'dbg:x')", &[&["c"][..]][..]),
    ] {
        same_as_redis(|addr| {
            let mut c = Raw::connect(addr);
            c.call(&["FLUSHALL"]);
            let mut seen = session(addr, "SYNC", script, &[], cmds);
            seen.push(c.call(&["GET", "dbg:x"]));
            seen
        });
    }
    // EVALSHA is refused in a session; SCRIPT DEBUG's arguments.
    same_as_redis(|addr| {
        let mut c = Raw::connect(addr);
        let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
        [
            c.call(&["SCRIPT", "DEBUG", "sometimes"]),
            c.call(&["SCRIPT", "DEBUG"]),
            c.call(&["SCRIPT", "DEBUG", "yes"]),
            c.call(&["EVALSHA", "nope", "0"]),
            c.call(&["EVALSHA", sha, "0"]),
            c.call(&["SCRIPT", "DEBUG", "no"]),
            c.call(&["EVAL", "return 'plain'", "0"]),
        ]
    });
}

/// redis-cli's debugger front end on `addr`, fed `input`: its output.
fn redis_cli(addr: std::net::SocketAddr, mode: &str, input: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kevy-ldb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("dbg.lua");
    std::fs::write(
        &file,
        "local a = 1\nredis.call('set', KEYS[1], ARGV[1])\nreturn redis.call('get', KEYS[1])\n",
    )
    .expect("write the script");
    let mut child = Command::new("redis-cli")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &addr.port().to_string(),
            mode,
            "--eval",
        ])
        .arg(&file)
        .args(["dbg:k", ",", "v"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redis-cli");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("feed redis-cli");
    let out = child.wait_with_output().expect("redis-cli's output");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_debugs_a_script_in_both_modes() {
    let (synced, kept, forked, left) = same_as_redis(|addr| {
        let mut c = Raw::connect(addr);
        c.call(&["FLUSHALL"]);
        let synced = redis_cli(addr, "--ldb-sync-mode", "step\nprint\nnext\ncontinue\n");
        let kept = c.call(&["GET", "dbg:k"]);
        c.call(&["DEL", "dbg:k"]);
        let forked = redis_cli(addr, "--ldb", "step\nredis get dbg:k\nnext\ncontinue\n");
        let left = c.call(&["EXISTS", "dbg:k"]);
        (synced, kept, forked, left)
    });
    assert!(synced.contains("<value> a = 1"), "{synced}");
    // A synchronous session's writes stay, a forked one's are thrown away.
    assert_eq!(kept, b"$1\r\nv\r\n");
    assert!(forked.contains("dataset changes rolled back"), "{forked}");
    assert_eq!(left, b":0\r\n");
}

//! The debugger's rendering, and whole sessions on a real runtime (3
//! shards), as a client sees them. The expected lines are redis-server
//! 7.0's for the same sessions.

use super::show;
use crate::testutil::harness;

fn human(r: &[u8]) -> String {
    let mut out = Vec::new();
    show::reply(&mut out, r);
    String::from_utf8(out).unwrap()
}

#[test]
fn strings_are_quoted_as_sdscatrepr_quotes_them() {
    let mut out = Vec::new();
    show::repr(&mut out, b"a\"b\\c\r\n\t\x07\x08\x01 \xff");
    assert_eq!(out, b"\"a\\\"b\\\\c\\r\\n\\t\\a\\b\\x01 \\xff\"");
}

#[test]
fn replies_are_shown_in_human_form() {
    assert_eq!(human(b"+OK\r\n"), "\"+OK\"");
    assert_eq!(human(b"-ERR no\r\n"), "\"-ERR no\"");
    assert_eq!(human(b":12\r\n"), "12");
    assert_eq!(human(b"$3\r\nab\n\r\n"), "\"ab\\n\"");
    assert_eq!(human(b"$-1\r\n"), "NULL");
    assert_eq!(human(b"*-1\r\n"), "NULL");
    assert_eq!(human(b"*3\r\n:1\r\n$1\r\na\r\n*0\r\n"), "[1,\"a\",[]]");
    assert_eq!(human(b"~2\r\n:1\r\n:2\r\n"), "~(1,2)");
    assert_eq!(human(b"%1\r\n$1\r\nk\r\n:1\r\n"), "{\"k\" => 1}");
    assert_eq!(human(b"_\r\n"), "(null)");
    assert_eq!(human(b"#t\r\n"), "#true");
    assert_eq!(human(b"#f\r\n"), "#false");
    assert_eq!(human(b",1.5\r\n"), "(double) 1.5");
}

#[test]
fn lua_values_are_shown_as_redis_shows_them() {
    let lua = mlua::Lua::new();
    let shown = |code: &str| {
        let v: mlua::Value = lua.load(code).eval().unwrap();
        let mut out = Vec::new();
        show::value(&mut out, &v);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(shown("return {1, 2, 'x'}"), "{1; 2; \"x\"}");
    assert_eq!(shown("return {a = {true}}"), "{[\"a\"]={true}}");
    assert_eq!(shown("return {}"), "{}");
    assert_eq!(shown("return 0.1"), "0.1");
    assert_eq!(shown("return 1e20"), "1e+20");
    assert_eq!(shown("return nil"), "nil");
    let nested = shown("local t = {} t[1] = t return t");
    assert_eq!(
        nested,
        format!(
            "{}<max recursion level reached! Nested table?>{}",
            "{".repeat(10),
            "}".repeat(10)
        )
    );
    assert!(shown("return print").starts_with("\"function@0x"));
}

#[test]
fn source_lines_mark_the_current_line_and_breakpoints() {
    let lines = vec![b"local a = 1".to_vec(), b"return a".to_vec()];
    assert_eq!(
        show::source_line(&lines, 1, true, false),
        b"-> 1   local a = 1"
    );
    assert_eq!(
        show::source_line(&lines, 2, false, true),
        b"  #2   return a"
    );
    assert_eq!(show::source_line(&lines, 2, true, true), b"->#2   return a");
    assert_eq!(
        show::source_line(&lines, 3, false, false),
        b"   3   <out of range source code line>"
    );
}

/// Sends one command on a raw connection of `h` and reads one reply.
fn send(h: &mut crate::testutil::Kevy, conn: crate::testutil::Conn, args: &[&str]) -> String {
    String::from_utf8_lossy(&h.run_on(conn, args)).into_owned()
}

#[test]
fn a_session_steps_prints_breaks_and_ends_with_the_reply() {
    let mut h = harness();
    let c = h.connect();
    assert_eq!(send(&mut h, c, &["SCRIPT", "DEBUG", "SYNC"]), "+OK\r\n");
    let script = "local a = 1\nredis.call('set', KEYS[1], a)\nredis.debug('a is', a)\nreturn redis.call('get', KEYS[1])";
    assert_eq!(
        send(&mut h, c, &["EVAL", script, "1", "k"]),
        "*2\r\n+* Stopped at 1, stop reason = step over\r\n+-> 1   local a = 1\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["step"]),
        "*2\r\n+* Stopped at 2, stop reason = step over\r\n+-> 2   redis.call('set', KEYS[1], a)\r\n"
    );
    assert_eq!(send(&mut h, c, &["print", "a"]), "*1\r\n+<value> 1\r\n");
    assert_eq!(
        send(&mut h, c, &["p", "KEYS"]),
        "*1\r\n+<value> {\"k\"}\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["next"]),
        "*4\r\n+<redis> set k 1\r\n+<reply> \"+OK\"\r\n\
         +* Stopped at 3, stop reason = step over\r\n+-> 3   redis.debug('a is', a)\r\n"
    );
    // The breakpoint's line with a line of context each side.
    assert_eq!(
        send(&mut h, c, &["b", "4"]),
        "*2\r\n+-> 3   redis.debug('a is', a)\r\n+  #4   return redis.call('get', KEYS[1])\r\n"
    );
    // `eval` runs in a frame of its own: the script's locals are not seen.
    assert_eq!(send(&mut h, c, &["e", "1 + 1"]), "*1\r\n+<retval> 2\r\n");
    assert_eq!(
        send(&mut h, c, &["e", "a"]),
        "*1\r\n+<error> ldb_eval:1: Script attempted to access nonexistent global variable 'a'\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["r", "nosuch"]),
        "*2\r\n+<redis> nosuch\r\n+<error> Unknown Redis command called from script\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["nope"]),
        "*1\r\n+<error> Unknown Redis Lua debugger command or wrong number of arguments.\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["c"]),
        "*2\r\n+<debug> line 3: \"a is\", 1\r\n+* Stopped at 4, stop reason = break point\r\n\
         +->#4   return redis.call('get', KEYS[1])\r\n"
            .replacen("*2", "*3", 1)
    );
    // The last log lines, then the script's reply; the connection closes.
    assert_eq!(send(&mut h, c, &["c"]), "*1\r\n+<endsession>\r\n");
    assert_eq!(h.client(c).reply().unwrap(), b"$1\r\n1\r\n");
    assert!(h.client(c).reply().is_none());
    // Others were served meanwhile and after: the write stayed (SYNC).
    assert_eq!(run_plain(&mut h, &["GET", "k"]), "$1\r\n1\r\n");
}

fn run_plain(h: &mut crate::testutil::Kevy, args: &[&str]) -> String {
    String::from_utf8_lossy(&h.run(args)).into_owned()
}

#[test]
fn evalsha_is_refused_and_no_turns_debugging_off() {
    let mut h = harness();
    let c = h.connect();
    assert_eq!(send(&mut h, c, &["SCRIPT", "DEBUG", "YES"]), "+OK\r\n");
    assert_eq!(
        send(&mut h, c, &["EVALSHA", "abc", "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    assert_eq!(
        send(&mut h, c, &["EVALSHA", sha, "0"]),
        "-ERR Please use EVAL instead of EVALSHA for debugging\r\n"
    );
    assert_eq!(
        send(&mut h, c, &["SCRIPT", "DEBUG", "maybe"]),
        "-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n"
    );
    assert_eq!(send(&mut h, c, &["SCRIPT", "DEBUG", "NO"]), "+OK\r\n");
    assert_eq!(send(&mut h, c, &["EVAL", "return 1", "0"]), ":1\r\n");
}

#[test]
fn abort_ends_the_script_with_an_error_and_a_gone_client_lets_it_finish() {
    let mut h = harness();
    let c = h.connect();
    send(&mut h, c, &["SCRIPT", "DEBUG", "SYNC"]);
    send(
        &mut h,
        c,
        &["EVAL", "redis.call('set', 'x', 1)\nreturn 2", "0"],
    );
    send(&mut h, c, &["next"]);
    assert_eq!(send(&mut h, c, &["abort"]), "*1\r\n+<endsession>\r\n");
    let reply = h.client(c).reply().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-ERR script aborted for user request script: \
         bf7cf3f9fbc84f36f662b778ac3c245048b385be, on @user_script:2.\r\n"
    );
    // What the script wrote before the abort stays (SYNC).
    assert_eq!(run_plain(&mut h, &["GET", "x"]), "$1\r\n1\r\n");
    // A client that hangs up mid-session: the script runs to its end.
    let d = h.connect();
    send(&mut h, d, &["SCRIPT", "DEBUG", "SYNC"]);
    send(
        &mut h,
        d,
        &["EVAL", "redis.call('set', 'y', 1)\nreturn 2", "0"],
    );
    h.client(d).hang_up();
    // A keyed command waits behind the session's locks, and runs once the
    // script is over.
    assert_eq!(run_plain(&mut h, &["GET", "y"]), "$1\r\n1\r\n");
}

#[test]
fn a_forked_session_puts_back_what_it_wrote_on_every_shard() {
    let mut h = harness();
    // Keys on every shard, one with a deadline, one a hash.
    let keys = crate::testutil::keys_on_distinct_shards(&h, "fk");
    for k in &keys {
        run_plain(&mut h, &["SET", k, "orig"]);
    }
    run_plain(&mut h, &["PEXPIREAT", &keys[0], "99999999999999"]);
    run_plain(&mut h, &["HSET", "fk:h", "f", "1"]);
    let script = "for i, k in ipairs(KEYS) do redis.call('set', k, 'new') end\n\
                  redis.call('del', 'fk:h')\n\
                  redis.call('set', 'fk:fresh', 1)\n\
                  local v = redis.call('get', KEYS[1])\n\
                  redis.call('select', 1)\n\
                  redis.call('set', 'fk:h', 'db1')\n\
                  return v";
    let c = h.connect();
    assert_eq!(send(&mut h, c, &["SCRIPT", "DEBUG", "YES"]), "+OK\r\n");
    let mut eval = vec!["EVAL", script];
    let n = keys.len().to_string();
    eval.push(&n);
    eval.extend(keys.iter().map(String::as_str));
    send(&mut h, c, &eval);
    // The session sees its own writes…
    assert_eq!(send(&mut h, c, &["c"]), "*1\r\n+<endsession>\r\n");
    assert_eq!(h.client(c).reply().unwrap(), b"$3\r\nnew\r\n");
    // …and leaves nothing of them.
    for k in &keys {
        assert_eq!(run_plain(&mut h, &["GET", k]), "$4\r\norig\r\n");
    }
    assert_eq!(
        run_plain(&mut h, &["PEXPIRETIME", &keys[0]]),
        ":99999999999999\r\n"
    );
    assert_eq!(run_plain(&mut h, &["HGET", "fk:h", "f"]), "$1\r\n1\r\n");
    assert_eq!(run_plain(&mut h, &["EXISTS", "fk:fresh"]), ":0\r\n");
    run_plain(&mut h, &["SELECT", "1"]);
    assert_eq!(run_plain(&mut h, &["EXISTS", "fk:h"]), ":0\r\n");
    run_plain(&mut h, &["SELECT", "0"]);
    // A write it could not undo is refused.
    let d = h.connect();
    send(&mut h, d, &["SCRIPT", "DEBUG", "YES"]);
    send(&mut h, d, &["EVAL", "return redis.pcall('flushall')", "0"]);
    send(&mut h, d, &["c"]);
    let refused = String::from_utf8(h.client(d).reply().unwrap()).unwrap();
    assert!(
        refused.starts_with("-ERR This command is not allowed in a forked"),
        "{refused}"
    );
    assert_eq!(
        run_plain(&mut h, &["DBSIZE"]),
        format!(":{}\r\n", keys.len() + 1)
    );
}

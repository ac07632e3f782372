//! Scripts and functions on a three-shard kevy: conversions, errors, calls
//! on one shard and across (undone, then suspended at each remote call),
//! SCRIPT, the spare interpreter, library errors' positions, FUNCTION LOAD
//! and FCALL.

use crate::testutil::{harness, inline, keys_on_distinct_shards, run};

fn text(b: Vec<u8>) -> String {
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn conversions_and_errors() {
    let mut h = inline();
    let cases: &[(&str, &str)] = &[
        ("return {1,2,3.7,nil,5}", "*3\r\n:1\r\n:2\r\n:3\r\n"),
        ("return {1,'a',{true,false},{ok='fine'}}", "*4\r\n:1\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n+fine\r\n"),
        ("return 3.99", ":3\r\n"),
        ("return nil", "$-1\r\n"),
        ("return {err='boom'}", "-boom\r\n"),
        ("return redis.error_reply('x')", "-ERR x\r\n"),
        ("return redis.error_reply('-x y')", "-x y\r\n"),
        ("return redis.status_reply('FINE')", "+FINE\r\n"),
        ("return {double=3.5}", "$3\r\n3.5\r\n"),
        ("error({err='MY x'})", "-MY x script: 892d3143709ed90870061a291d50ce1f009cd7bf, on @user_script:1.\r\n"),
        ("error('x')", "-ERR user_script:1: x script: 9851144f39f03a0d597a980c5aa79c80cb696891, on @user_script:1.\r\n"),
        ("return foo", "-ERR user_script:1: Script attempted to access nonexistent global variable 'foo' script: 47e30a5d10d5694f99208f9adc4fe3bf2450edbd, on @user_script:1.\r\n"),
        ("x = 1", "-ERR user_script:1: Attempt to modify a readonly table script: 34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n"),
        ("return os", "-ERR user_script:1: Script attempted to access nonexistent global variable 'os' script: f03b5ad6e7d58786b6a5e879efbea4a4408f5c2f, on @user_script:1.\r\n"),
        ("return redis.call('nosuch')", "-ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.\r\n"),
        ("return redis.pcall('nosuch')", "-ERR Unknown Redis command called from script\r\n"),
        ("local t = redis.pcall('nosuch'); return t['err']", "$44\r\nERR Unknown Redis command called from script\r\n"),
        ("retur 1", "-ERR Error compiling script (new function): user_script:1: '=' expected near '1'\r\n"),
    ];
    for (script, want) in cases {
        assert_eq!(text(run(&mut h, &["EVAL", script, "0"])), *want, "{script}");
    }
}

#[test]
fn calls_on_one_shard_and_across() {
    let mut h = harness();
    let keys = keys_on_distinct_shards(&h, "k");
    let (a, b) = (&keys[0], &keys[1]);
    assert_eq!(text(run(&mut h, &["SET", a, "10"])), "+OK\r\n");
    assert_eq!(
        text(run(
            &mut h,
            &[
                "EVAL",
                "return redis.call('INCRBY', KEYS[1], ARGV[1])",
                "1",
                a,
                "5"
            ]
        )),
        ":15\r\n"
    );
    // An undeclared key on another shard after a write: undone, run again globally.
    let s = "redis.call('INCRBY', KEYS[1], 1); redis.call('SET', ARGV[1], 'x'); return redis.call('GET', KEYS[1])";
    assert_eq!(text(run(&mut h, &["EVAL", s, "1", a, b])), "$2\r\n16\r\n");
    assert_eq!(text(run(&mut h, &["GET", b])), "$1\r\nx\r\n");
    // Declared keys on two shards: global from the start.
    let s = "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('DBSIZE')}";
    assert_eq!(
        text(run(&mut h, &["EVAL", s, "2", a, b])),
        "*3\r\n$2\r\n16\r\n$1\r\nx\r\n:2\r\n"
    );
    let sha = text(run(&mut h, &["SCRIPT", "LOAD", "return 7"]));
    assert_eq!(sha, "$40\r\n59b6ab2fbe0ee4b25733de0f62e6cda4899ef8e9\r\n");
    assert_eq!(
        text(run(
            &mut h,
            &["EVALSHA", "59B6AB2FBE0EE4B25733DE0F62E6CDA4899EF8E9", "0"]
        )),
        ":7\r\n"
    );
    assert_eq!(
        text(run(&mut h, &["EVALSHA", "ab", "0"])),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
}

#[test]
fn library_errors_name_the_line() {
    let mut h = inline();
    let r = text(run(
        &mut h,
        &[
            "EVAL",
            "local x = cjson.encode(function() end)\nreturn x",
            "0",
        ],
    ));
    assert!(
        r.starts_with("-ERR user_script:1: Cannot serialise function"),
        "{r}"
    );
    let r = text(run(
        &mut h,
        &["EVAL", "return cjson.encode(function() end)", "0"],
    ));
    assert!(
        r.starts_with("-ERR user_script:1: Cannot serialise function"),
        "{r}"
    );
}

#[test]
fn functions_load_and_call() {
    let mut h = harness();
    assert_eq!(text(run(&mut h, &["FUNCTION", "FLUSH"])), "+OK\r\n");
    let code =
        "#!lua name=lib\nredis.register_function('f1', function(k, a) return {k[1], a[1]} end)";
    assert_eq!(
        text(run(&mut h, &["FUNCTION", "LOAD", code])),
        "$3\r\nlib\r\n"
    );
    assert_eq!(
        text(run(&mut h, &["FCALL", "f1", "1", "x", "y"])),
        "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
    );
}

#[test]
fn a_held_interpreter_leaves_a_spare_one() {
    // The thread's interpreter held (as a suspended global run holds it):
    // compiling still works, on a spare interpreter, and the held one is
    // left as it was.
    let nested = super::vm::with(|held| {
        let before = held.scripts.len();
        let spare = super::vm::with_spare(|vm| {
            let ok = vm.compile("x", b"return 1").is_ok();
            let bad = vm.compile("y", b"return +").is_err();
            ok && bad
        });
        (spare, held.scripts.len() == before)
    });
    assert_eq!(nested, Some((Some(true), true)));
    // Free again: the thread's own interpreter is used.
    let own = super::vm::with_spare(|vm| vm.compile("z", b"return 2").is_ok());
    assert_eq!(own, Some(true));
    assert!(super::vm::with(|vm| vm.scripts.contains_key("z")).unwrap_or(false));
}

//! Connection-command tests, replies recorded from redis-server 7.0.15, and
//! QUIT's effect on the connection.

use kevy_rt::Flow;

use crate::testutil::{check, harness, inline, run, run_bytes};

#[test]
fn quit_replies_ok_then_closes() {
    let mut h = inline();
    assert_eq!(h.run_flow(&["QUIT"]), (b"+OK\r\n".to_vec(), Flow::Close));
    assert_eq!(
        h.run_flow(&["quit", "x"]),
        (b"+OK\r\n".to_vec(), Flow::Close)
    );
    assert_eq!(
        h.run_flow(&["PING"]),
        (b"+PONG\r\n".to_vec(), Flow::Continue)
    );
}

#[test]
fn unknown_command_quotes_args_like_redis() {
    let mut h = harness();
    // Each argument is quoted while the list is under 128 bytes, and cut to
    // what still fits; C string rules stop at NUL; CR and LF become spaces.
    let a100 = "a".repeat(100);
    let b100 = "b".repeat(100);
    let want = format!(
        "-ERR unknown command 'foo', with args beginning with: '{a100}' '{}' \r\n",
        "b".repeat(25)
    );
    assert_eq!(run(&mut h, &["foo", &a100, &b100]), want.as_bytes());
    let a126 = "a".repeat(126);
    let want = format!("-ERR unknown command 'foo', with args beginning with: '{a126}' \r\n");
    assert_eq!(run(&mut h, &["foo", &a126, "b", "c"]), want.as_bytes());
    let a200 = "a".repeat(200);
    let want = format!(
        "-ERR unknown command 'foo', with args beginning with: '{}' \r\n",
        "a".repeat(128)
    );
    assert_eq!(run(&mut h, &["foo", &a200]), want.as_bytes());
    let want = format!(
        "-ERR unknown command '{}', with args beginning with: \r\n",
        "f".repeat(128)
    );
    assert_eq!(run(&mut h, &["f".repeat(200).as_str()]), want.as_bytes());
    assert_eq!(
        run_bytes(&mut h, &[b"foo", b"a\0b", b"c"]),
        b"-ERR unknown command 'foo', with args beginning with: 'a' 'c' \r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"fo\0o", b"x"]),
        b"-ERR unknown command 'fo', with args beginning with: 'x' \r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"foo\r\nx", b"a\nb"]),
        b"-ERR unknown command 'foo  x', with args beginning with: 'a b' \r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"\xff\xfe", b"x"]),
        b"-ERR unknown command '\xff\xfe', with args beginning with: 'x' \r\n"
    );
    assert_eq!(
        run_bytes(&mut h, &[b"CoMmAnD", b"foo\r\nbar"]),
        b"-ERR unknown subcommand 'foo  bar'. Try COMMAND HELP.\r\n"
    );
}

#[test]
fn sessions_keep_their_database() {
    let mut h = inline();
    let db = crate::testutil::redis().databases(2);
    let mut h2 = kevy_rt::testing::Harness::new(db, 3);
    assert_eq!(h2.run(&["SELECT", "1"]), b"+OK\r\n");
    assert_eq!(
        h2.run(&["SELECT", "2"]),
        b"-ERR DB index is out of range\r\n"
    );
    assert_eq!(h.run(&["SELECT", "15"]), b"+OK\r\n");
    assert_eq!(h.session().db, 15);
}

#[test]
fn ping_echo() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("PING", "+PONG\r\n"),
            ("PING hello", "$5\r\nhello\r\n"),
            ("PING \"\"", "$0\r\n\r\n"),
            (
                "PING a b",
                "-ERR wrong number of arguments for 'ping' command\r\n",
            ),
            ("ping", "+PONG\r\n"),
            ("ECHO hi", "$2\r\nhi\r\n"),
            ("ECHO \"\"", "$0\r\n\r\n"),
            (
                "ECHO",
                "-ERR wrong number of arguments for 'echo' command\r\n",
            ),
            (
                "ECHO a b",
                "-ERR wrong number of arguments for 'echo' command\r\n",
            ),
        ],
    );
}

#[test]
fn select_databases() {
    let mut h = harness();
    check(
        &mut h,
        &[
            ("SET k db0", "+OK\r\n"),
            ("SELECT 1", "+OK\r\n"),
            ("GET k", "$-1\r\n"),
            ("SET k db1", "+OK\r\n"),
            ("SELECT 15", "+OK\r\n"),
            ("SELECT 16", "-ERR DB index is out of range\r\n"),
            ("SELECT -1", "-ERR DB index is out of range\r\n"),
            (
                "SELECT abc",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "SELECT 1.0",
                "-ERR value is not an integer or out of range\r\n",
            ),
            (
                "SELECT 99999999999",
                "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            ),
            (
                "SELECT -2147483649",
                "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            ),
            (
                "SELECT 2147483648",
                "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
            ),
            ("SELECT 2147483647", "-ERR DB index is out of range\r\n"),
            (
                "SELECT",
                "-ERR wrong number of arguments for 'select' command\r\n",
            ),
            (
                "SELECT 0 1",
                "-ERR wrong number of arguments for 'select' command\r\n",
            ),
            ("SELECT 0", "+OK\r\n"),
            ("GET k", "$3\r\ndb0\r\n"),
            ("SELECT 1", "+OK\r\n"),
            ("GET k", "$3\r\ndb1\r\n"),
            ("SELECT 0", "+OK\r\n"),
        ],
    );
}

#[test]
fn unknown_commands() {
    let mut h = harness();
    check(
        &mut h,
        &[
            (
                "FOO",
                "-ERR unknown command 'FOO', with args beginning with: \r\n",
            ),
            (
                "foo a b",
                "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n",
            ),
            (
                "NOTACOMMAND \"\"",
                "-ERR unknown command 'NOTACOMMAND', with args beginning with: '' \r\n",
            ),
            (
                "GETT k",
                "-ERR unknown command 'GETT', with args beginning with: 'k' \r\n",
            ),
            (
                "COMMAND|INFO get",
                "-ERR unknown command 'COMMAND|INFO', with args beginning with: 'get' \r\n",
            ),
            (
                "\"\" x",
                "-ERR unknown command '', with args beginning with: 'x' \r\n",
            ),
        ],
    );
}

#[test]
fn wrong_arity() {
    let mut h = harness();
    check(
        &mut h,
        &[
            (
                "GET",
                "-ERR wrong number of arguments for 'get' command\r\n",
            ),
            (
                "GET a b",
                "-ERR wrong number of arguments for 'get' command\r\n",
            ),
            (
                "SET a",
                "-ERR wrong number of arguments for 'set' command\r\n",
            ),
            (
                "SETEX a 1",
                "-ERR wrong number of arguments for 'setex' command\r\n",
            ),
            (
                "MGET",
                "-ERR wrong number of arguments for 'mget' command\r\n",
            ),
            (
                "DEL",
                "-ERR wrong number of arguments for 'del' command\r\n",
            ),
            (
                "DBSIZE 1",
                "-ERR wrong number of arguments for 'dbsize' command\r\n",
            ),
            ("FLUSHALL a b", "-ERR syntax error\r\n"),
            (
                "KEYS",
                "-ERR wrong number of arguments for 'keys' command\r\n",
            ),
            ("QUIT x", "+OK\r\n"),
        ],
    );
}

#[test]
fn hello_switches_the_protocol_of_the_connection_only() {
    let mut h = harness();
    let hello2 = "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n\
                  $5\r\nproto\r\n:2\r\n$2\r\nid\r\n:";
    assert!(run(&mut h, &["HELLO"]).starts_with(hello2.as_bytes()));
    let hello3 = run(&mut h, &["HELLO", "3"]);
    assert!(hello3.starts_with(b"%7\r\n$6\r\nserver\r\n"), "{hello3:?}");
    assert!(hello3.ends_with(
        b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    ));
    let id = run(&mut h, &["CLIENT", "ID"]);
    let id = std::str::from_utf8(&id[1..id.len() - 2])
        .unwrap()
        .to_string();
    let field = format!("$2\r\nid\r\n:{id}\r\n");
    assert!(hello3.windows(field.len()).any(|w| w == field.as_bytes()));
    // Keys on every shard: forwarded commands carry the protocol.
    let keys = crate::testutil::keys_on_distinct_shards(&h, "k");
    for k in &keys {
        assert_eq!(run(&mut h, &["GET", k]), b"_\r\n", "GET {k}");
    }
    let mut mget = vec!["MGET"];
    mget.extend(keys.iter().map(String::as_str));
    let want = format!("*{}\r\n{}", keys.len(), "_\r\n".repeat(keys.len()));
    assert_eq!(run(&mut h, &mget), want.as_bytes());
    let info = run(&mut h, &["CLIENT", "INFO"]);
    assert!(info.starts_with(b"="), "{info:?}");
    assert!(info.ends_with(b" resp=3\n\r\n"), "{info:?}");
    // A second connection still speaks RESP2.
    let other = h.connect();
    assert_eq!(h.run_on(other, &["GET", &keys[0]]), b"$-1\r\n");
    let info = h.run_on(other, &["CLIENT", "INFO"]);
    assert!(info.starts_with(b"$"), "{info:?}");
    assert!(info.ends_with(b" resp=2\n\r\n"), "{info:?}");
    assert!(run(&mut h, &["HELLO", "2"]).starts_with(b"*14\r\n"));
    assert_eq!(run(&mut h, &["GET", "k"]), b"$-1\r\n");
    assert_eq!(
        run(&mut h, &["HELLO", "4"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
    assert_eq!(
        run(&mut h, &["HELLO", "3", "AUTH", "bob", "pw"]),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(run(&mut h, &["GET", "k"]), b"$-1\r\n");
}

#[test]
fn hello_setname_names_the_connection() {
    let mut h = harness();
    assert!(run(&mut h, &["HELLO", "3", "SETNAME", "conn-a"]).starts_with(b"%7"));
    assert_eq!(run(&mut h, &["CLIENT", "GETNAME"]), b"$6\r\nconn-a\r\n");
    assert_eq!(
        run(&mut h, &["HELLO", "2", "SETNAME", "a b"]),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    // The failed HELLO changed nothing: still RESP3, still named.
    assert_eq!(run(&mut h, &["CLIENT", "GETNAME"]), b"$6\r\nconn-a\r\n");
    assert_eq!(run(&mut h, &["GET", "x"]), b"_\r\n");
}

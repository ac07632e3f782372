//! Unit tests of `migrate`.
use kevy_rt::OwnedArgs;

use super::*;

fn args(words: &[&str]) -> OwnedArgs {
    words.iter().map(|w| w.as_bytes()).collect()
}

#[test]
fn parse_follows_redis_order() {
    let a = args(&["MIGRATE", "h", "1", "k", "0", "5000", "COPY", "REPLACE"]);
    let o = parse(a.args()).unwrap();
    assert!(o.copy && o.replace);
    assert_eq!((o.first_key, o.db, o.timeout_ms), (3, 0, 5000));
    // A syntax error is found before a bad timeout.
    let a = args(&["MIGRATE", "h", "1", "k", "0", "x", "BOGUS"]);
    assert_eq!(parse(a.args()).unwrap_err(), SYNTAX);
    let a = args(&["MIGRATE", "h", "1", "k", "0", "x"]);
    assert_eq!(parse(a.args()).unwrap_err(), NOT_INT);
    // The timeout is checked before the database.
    let a = args(&["MIGRATE", "h", "1", "k", "y", "0"]);
    let o = parse(a.args());
    assert_eq!(o.unwrap_err(), NOT_INT);
    let a = args(&["MIGRATE", "h", "1", "k", "3", "-5"]);
    assert_eq!(parse(a.args()).unwrap().timeout_ms, 1000);
    let a = args(&["MIGRATE", "h", "1", "k", "0", "0", "KEYS", "a"]);
    let e = parse(a.args()).unwrap_err();
    assert!(e.starts_with(b"ERR When using MIGRATE KEYS option"));
    let a = args(&[
        "MIGRATE", "h", "1", "", "0", "0", "AUTH2", "u", "p", "KEYS", "a", "b",
    ]);
    let o = parse(a.args()).unwrap();
    assert_eq!((o.user, o.password), (Some(&b"u"[..]), Some(&b"p"[..])));
    assert_eq!(o.first_key, 10);
    let a = args(&["MIGRATE", "h", "1", "k", "0", "0", "AUTH"]);
    assert_eq!(parse(a.args()).unwrap_err(), SYNTAX);
}

#[test]
fn keys_is_migrate_get_keys() {
    let pos = |w: &[&str]| -> Vec<usize> {
        let a = args(w);
        keys(a.args()).into_iter().map(|(i, _)| i).collect()
    };
    assert_eq!(pos(&["MIGRATE", "h", "1", "k", "0", "0"]), [3]);
    assert_eq!(
        pos(&["MIGRATE", "h", "1", "", "0", "0", "KEYS", "a", "b"]),
        [7, 8]
    );
    // AUTH's password "keys" is no KEYS option.
    assert_eq!(
        pos(&["MIGRATE", "h", "1", "", "0", "0", "AUTH", "keys", "KEYS", "a"]),
        [9]
    );
    assert!(pos(&["MIGRATE", "h", "1", "k", "0", "0", "KEYS", "a"]).is_empty());
}

#[test]
fn gather_prefers_errors_then_ok() {
    let b = |s: &str| ServerReply::Bytes(s.as_bytes().to_vec());
    let run = |r: Vec<ServerReply>| {
        let mut out = Vec::new();
        gather(r, &mut out);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(run(vec![b("+NOKEY\r\n"), b("+OK\r\n")]), "+OK\r\n");
    assert_eq!(run(vec![b("+NOKEY\r\n"), b("+NOKEY\r\n")]), "+NOKEY\r\n");
    assert_eq!(run(vec![b("+OK\r\n"), b("-IOERR x\r\n")]), "-IOERR x\r\n");
}

#[test]
fn bulk_command_is_resp() {
    let mut buf = Vec::new();
    bulk_command(&mut buf, &[b"SELECT", b"9"]);
    assert_eq!(buf, b"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n");
}

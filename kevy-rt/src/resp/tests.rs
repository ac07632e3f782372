//! Decoder tests: multibulk and inline requests, pipelines, limits and Redis's
//! protocol-error texts.

use super::*;

fn dec(input: &[u8]) -> (Decoded, Vec<Vec<u8>>) {
    let mut buf = input.to_vec();
    let mut spans = Vec::new();
    let d = decode(&mut buf, &mut spans, &Limits::default());
    let args = spans
        .iter()
        .map(|s| buf[s.start as usize..s.end as usize].to_vec())
        .collect();
    (d, args)
}

fn args(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn err(msg: &str) -> Decoded {
    Decoded::Error(format!("-ERR Protocol error: {msg}\r\n").into_bytes())
}

#[test]
fn multibulk() {
    let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
    assert_eq!(
        dec(input),
        (
            Decoded::Command {
                consumed: input.len()
            },
            args(&["SET", "k", ""])
        )
    );
}

#[test]
fn multibulk_incomplete_everywhere() {
    let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
    for cut in 0..input.len() {
        let (d, _) = dec(&input[..cut]);
        assert!(matches!(d, Decoded::Incomplete { .. }), "cut {cut}: {d:?}");
    }
    let (d, _) = dec(&input[..input.len() - 3]);
    assert_eq!(d, Decoded::Incomplete { need: input.len() });
}

#[test]
fn pipelined_requests_decode_one_at_a_time() {
    let input = b"*1\r\n$4\r\nPING\r\nPING\r\n";
    let (d, a) = dec(input);
    assert_eq!(d, Decoded::Command { consumed: 14 });
    assert_eq!(a, args(&["PING"]));
    let (d, a) = dec(&input[14..]);
    assert_eq!(d, Decoded::Command { consumed: 6 });
    assert_eq!(a, args(&["PING"]));
}

#[test]
fn empty_and_negative_multibulk_are_skipped() {
    assert_eq!(dec(b"*0\r\n").0, Decoded::Skip { consumed: 4 });
    assert_eq!(dec(b"*-1\r\n").0, Decoded::Skip { consumed: 5 });
    assert_eq!(dec(b"\r\n").0, Decoded::Skip { consumed: 2 });
    assert_eq!(dec(b"   \n").0, Decoded::Skip { consumed: 4 });
}

#[test]
fn protocol_errors_match_redis() {
    assert_eq!(dec(b"*abc\r\n").0, err("invalid multibulk length"));
    assert_eq!(dec(b"*01\r\n").0, err("invalid multibulk length"));
    assert_eq!(dec(b"*3000000000\r\n").0, err("invalid multibulk length"));
    assert_eq!(dec(b"*1\r\nfoo\r\n").0, err("expected '$', got 'f'"));
    assert_eq!(dec(b"*1\r\n$-1\r\n").0, err("invalid bulk length"));
    assert_eq!(dec(b"*1\r\n$x\r\n").0, err("invalid bulk length"));
    assert_eq!(dec(b"*1\r\n$536870913\r\n").0, err("invalid bulk length"));
    assert!(matches!(
        dec(b"*1\r\n$536870912\r\n").0,
        Decoded::Incomplete { .. }
    ));
    assert_eq!(dec(&[b'a'; 70000]).0, err("too big inline request"));
    let mut big = b"*".to_vec();
    big.extend(std::iter::repeat_n(b'1', 70000));
    assert_eq!(dec(&big).0, err("too big mbulk count string"));
    let mut big = b"*1\r\n$".to_vec();
    big.extend(std::iter::repeat_n(b'1', 70000));
    assert_eq!(dec(&big).0, err("too big bulk count string"));
    assert_eq!(dec(b"SET \"a\n").0, err("unbalanced quotes in request"));
    assert_eq!(dec(b"SET \"a\"b\n").0, err("unbalanced quotes in request"));
    assert_eq!(dec(b"SET 'a\n").0, err("unbalanced quotes in request"));
}

#[test]
fn limits_are_configurable() {
    let limits = Limits {
        max_bulk_len: 10,
        max_multibulk_len: 2,
        ..Limits::default()
    };
    let mut spans = Vec::new();
    let mut b = b"*3\r\n".to_vec();
    assert_eq!(
        decode(&mut b, &mut spans, &limits),
        err("invalid multibulk length")
    );
    let mut b = b"*1\r\n$11\r\n".to_vec();
    assert_eq!(
        decode(&mut b, &mut spans, &limits),
        err("invalid bulk length")
    );
}

#[test]
fn inline_commands() {
    assert_eq!(
        dec(b"SET k v\r\n"),
        (Decoded::Command { consumed: 9 }, args(&["SET", "k", "v"]))
    );
    assert_eq!(
        dec(b"  PING  \n"),
        (Decoded::Command { consumed: 9 }, args(&["PING"]))
    );
    assert_eq!(
        dec(b"SET \"a b\\x41\\n\" 'it\\'s'\r\n").1,
        vec![b"SET".to_vec(), b"a bA\n".to_vec(), b"it's".to_vec()]
    );
    assert_eq!(dec(b"ECHO \"\"\n").1, vec![b"ECHO".to_vec(), b"".to_vec()]);
    // A NUL byte ends the line, as in Redis.
    assert_eq!(dec(b"ECHO a\0b\n").1, args(&["ECHO", "a"]));
}

#[test]
fn parse_i64_is_string2ll() {
    assert_eq!(parse_i64(b"0"), Some(0));
    assert_eq!(parse_i64(b"-1"), Some(-1));
    assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    for bad in [
        &b""[..],
        b"-",
        b"-0",
        b"01",
        b"+1",
        b" 1",
        b"1 ",
        b"1.0",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"123456789012345678901",
    ] {
        assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
    }
}

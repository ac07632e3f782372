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
fn guests_are_held_to_small_requests() {
    let guest = Limits {
        guest: true,
        ..Limits::default()
    };
    let run = |input: &[u8], limits: &Limits| {
        let mut b = input.to_vec();
        decode(&mut b, &mut Vec::new(), limits)
    };
    let ten = [b"*10\r\n".as_slice(), &b"$1\r\na\r\n".repeat(10)].concat();
    assert_eq!(
        run(&ten, &guest),
        Decoded::Command {
            consumed: ten.len()
        }
    );
    assert_eq!(
        run(b"*11\r\n", &guest),
        err("unauthenticated multibulk length")
    );
    assert_eq!(
        run(b"*11\r\n", &Limits::default()),
        Decoded::Incomplete { need: 0 }
    );
    // Over the server's own limits, the usual error first.
    assert_eq!(
        run(b"*3000000000\r\n", &guest),
        err("invalid multibulk length")
    );
    let max = [b"*1\r\n$16384\r\n".as_slice(), &[b'x'; 16384], b"\r\n"].concat();
    assert_eq!(
        run(&max, &guest),
        Decoded::Command {
            consumed: max.len()
        }
    );
    assert_eq!(
        run(b"*1\r\n$16385\r\n", &guest),
        err("unauthenticated bulk length")
    );
    assert_eq!(
        run(b"*1\r\n$16385\r\n", &Limits::default()),
        Decoded::Incomplete {
            need: 12 + 16385 + 2
        }
    );
    // Inline requests have only their own limit.
    let wide = [b"ECHO ".as_slice(), &[b'y'; 20000], b"\r\n"].concat();
    assert!(matches!(run(&wide, &guest), Decoded::Command { .. }));
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

/// A multibulk fed a few bytes at a time, `spans` kept between calls as the
/// reactor keeps them: after each `Incomplete` the spans hold exactly the
/// arguments complete so far, and the last call gives the whole request.
#[test]
fn multibulk_resumes_after_the_arguments_found() {
    let mut input = b"*12\r\n".to_vec();
    // Where each argument's bytes end, its CRLF included.
    let mut ends = Vec::new();
    for arg in ["RPUSH", "k"]
        .map(String::from)
        .into_iter()
        .chain((0..10).map(|i| format!("x{i}")))
    {
        input.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
        ends.push(input.len());
    }
    let limits = Limits::default();
    let mut spans = Vec::new();
    for cut in 1..input.len() {
        let mut buf = input[..cut].to_vec();
        let d = decode(&mut buf, &mut spans, &limits);
        assert!(matches!(d, Decoded::Incomplete { .. }), "{cut}: {d:?}");
        // Every span kept is a complete argument inside the bytes received.
        let complete = ends.iter().filter(|&&end| end <= cut).count();
        assert_eq!(spans.len(), complete, "after {cut} bytes");
    }
    let mut buf = input.clone();
    let d = decode(&mut buf, &mut spans, &limits);
    assert_eq!(
        d,
        Decoded::Command {
            consumed: input.len()
        }
    );
    let got: Vec<&[u8]> = spans
        .iter()
        .map(|s| &buf[s.start as usize..s.end as usize])
        .collect();
    assert_eq!(got[0], b"RPUSH");
    assert_eq!(got[11], b"x9");
    assert_eq!(got.len(), 12);
}

/// Resuming reads none of the arguments found before: bytes scrambled in
/// them after the first call go unnoticed (a decoder that started over
/// would reject the request), while the rest is decoded from where it
/// stopped.
#[test]
fn multibulk_resume_does_not_rescan() {
    let input = b"*4\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    let limits = Limits::default();
    let mut spans = Vec::new();
    let cut = input.len() - 4; // "a" and "b" complete, "c" not
    let mut buf = input[..cut].to_vec();
    assert_eq!(
        decode(&mut buf, &mut spans, &limits),
        Decoded::Incomplete { need: 0 }
    );
    assert_eq!(spans.len(), 3);
    // Scramble the headers of the arguments already found.
    let mut buf = input.to_vec();
    buf[4] = b'?';
    buf[13] = b'?';
    assert_eq!(
        decode(&mut buf, &mut spans, &limits),
        Decoded::Command {
            consumed: input.len()
        }
    );
    assert_eq!(spans.len(), 4);
    assert_eq!(&buf[spans[3].start as usize..spans[3].end as usize], b"c");
    // Started afresh, the same bytes are a protocol error.
    spans.clear();
    assert_eq!(
        decode(&mut buf, &mut spans, &limits),
        err("expected '$', got '?'")
    );
}

/// Spans that cannot belong to the request at hand (more than it has, or
/// past the buffer) are dropped and the request decoded from its start.
#[test]
fn multibulk_ignores_stale_spans() {
    let input = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let limits = Limits::default();
    for stale in [vec![Span::new(0, 1); 2], vec![Span::new(0, 500)]] {
        let mut spans = stale;
        let mut buf = input.to_vec();
        assert_eq!(
            decode(&mut buf, &mut spans, &limits),
            Decoded::Command {
                consumed: input.len()
            }
        );
        assert_eq!(spans, [Span::new(8, 11), Span::new(17, 18)]);
    }
}

/// With `proto-max-bulk-len` raised past 4 GB, a bulk that would end past
/// what a 32-bit span holds is a protocol error as soon as its header
/// arrives, not a span truncated once its bytes have; one that ends just
/// within is awaited as usual.
#[test]
fn bulks_past_32_bit_offsets_are_refused() {
    let limits = Limits {
        max_bulk_len: usize::MAX / 2,
        max_query_buffer: usize::MAX / 2,
        ..Limits::default()
    };
    // The payload would start at byte 23 (after "*2\r\n$3\r\nSET\r\n$10…\r\n").
    let header = |len: usize| format!("*2\r\n$3\r\nSET\r\n${len}\r\n").into_bytes();
    let start = header(MAX_OFFSET).len();
    let fits = MAX_OFFSET - start;
    let mut spans = Vec::new();
    let mut buf = header(fits);
    assert_eq!(
        decode(&mut buf, &mut spans, &limits),
        Decoded::Incomplete {
            need: MAX_OFFSET + 2
        }
    );
    for len in [fits + 1, 1 << 32, 5_000_000_000] {
        let mut buf = header(len);
        spans.clear();
        assert_eq!(
            decode(&mut buf, &mut spans, &limits),
            err("invalid bulk length"),
            "{len}"
        );
    }
}

#[test]
fn quick_numbers_agree_with_the_general_path() {
    let lines: &[&[u8]] = &[
        b"$0\r\n",
        b"$3\r\n",
        b"$03\r\n",
        b"$00\r\n",
        b"$-1\r\n",
        b"$+1\r\n",
        b"$12a\r\n",
        b"$\r\n",
        b"$999999999999999999\r\n",
        b"$9999999999999999999\r\n",
        b"$99999999999999999999\r\n",
        b"$123\r",
        b"$123",
        b"*2\r\n",
        b"$7\n\r\n",
    ];
    for line in lines {
        let got = super::quick_number(line, 0);
        let Some((v, cr)) = got else { continue };
        assert_eq!(memchr::memchr(b'\r', line), Some(cr), "{line:?}");
        assert!(cr + 2 <= line.len(), "{line:?}");
        assert_eq!(parse_i64(&line[1..cr]), Some(v as i64), "{line:?}");
    }
    assert_eq!(super::quick_number(b"$3\r\n", 0), Some((3, 2)));
    assert_eq!(super::quick_number(b"$03\r\n", 0), None);
    assert_eq!(super::quick_number(b"$123\r", 0), None);
    // Every prefix of a pipelined request decodes as a whole one would.
    let req = b"*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n";
    let first = req.len() - 14;
    for cut in 0..req.len() {
        let (d, got) = dec(&req[..cut]);
        if cut < first {
            assert!(matches!(d, Decoded::Incomplete { .. }), "{cut}: {d:?}");
        } else {
            assert_eq!(d, Decoded::Command { consumed: first }, "{cut}");
            assert_eq!(got, args(&["SET", "key:000001", ""]));
        }
    }
}

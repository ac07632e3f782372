//! Request framing for the memcached text protocol: one request is one line
//! (`\n`-terminated, an optional `\r` before it), and for a storage command
//! whose line is valid, also the data block after it — `<bytes>` bytes and the
//! two bytes meant to be `\r\n` — so a `set` reaches its shard whole.
//!
//! The line is cut into space-separated tokens (memcached splits on `' '`
//! only, skips empty tokens, and a NUL ends the line as in C). For a storage
//! command the spans are `tokens…, "", data`: an empty span (no token is
//! empty) marks that a data block follows, and the data span keeps its two
//! terminator bytes so the command set can reply `CLIENT_ERROR bad data chunk`
//! when they are not `\r\n`, as memcached does after reading them.
//!
//! A storage line that memcached would reject (`CLIENT_ERROR bad command line
//! format`, or `ERROR` for a wrong token count) reads no data block: like
//! memcached, the next line is then taken as a command.

use kevy_rt::{Args, Decoded, Limits, Span};

use crate::verbs::{storage_line, storage_mode};

/// A line longer than this with no `\n` closes the connection, unless it is a
/// `get`/`gets` of many keys (memcached's 2048-byte rule).
pub const LINE_MAX: usize = 2048;

/// Decodes one request from the start of `buf`.
pub fn decode(buf: &mut [u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
    // What a call that found the request incomplete left: this decoder does
    // not resume, it starts again from the line.
    spans.clear();
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > LINE_MAX && !is_long_get(buf) {
            // memcached closes such a connection without a word.
            return Decoded::Error(Vec::new());
        }
        return Decoded::Incomplete { need: 0 };
    };
    let mut end = nl;
    if end > 0 && buf[end - 1] == b'\r' {
        end -= 1;
    }
    if let Some(nul) = memchr::memchr(0, &buf[..end]) {
        end = nul;
    }
    tokenize(&buf[..end], spans);
    let line_len = nl + 1;
    let Some(mode) = spans
        .first()
        .and_then(|s| storage_mode(&buf[s.start as usize..s.end as usize]))
    else {
        return Decoded::Command { consumed: line_len };
    };
    let Ok(line) = storage_line(mode, Args::new(buf, spans), spans.len()) else {
        return Decoded::Command { consumed: line_len };
    };
    if line.vlen > limits.max_bulk_len || line_len + line.vlen + 2 > kevy_rt::args::MAX_OFFSET {
        // Larger than anything this server buffers: memcached would swallow it
        // and answer; a stateless decoder cannot skip it piecemeal, so refuse
        // it and close (see the crate docs).
        return Decoded::Error(b"SERVER_ERROR object too large for cache\r\n".to_vec());
    }
    let total = line_len + line.vlen + 2;
    if buf.len() < total {
        return Decoded::Incomplete { need: total };
    }
    spans.push(Span::new(line_len, line_len));
    spans.push(Span::new(line_len, total));
    Decoded::Command { consumed: total }
}

/// Splits `line` on spaces into spans, skipping empty tokens.
fn tokenize(line: &[u8], spans: &mut Vec<Span>) {
    let mut start = 0;
    for sp in memchr::memchr_iter(b' ', line) {
        if sp > start {
            spans.push(Span::new(start, sp));
        }
        start = sp + 1;
    }
    if line.len() > start {
        spans.push(Span::new(start, line.len()));
    }
}

/// An unterminated line that may legitimately be long: `get`/`gets` of many
/// keys, after at most 100 leading spaces.
fn is_long_get(buf: &[u8]) -> bool {
    let lead = buf.iter().take_while(|&&c| c == b' ').count();
    lead <= 100 && (buf[lead..].starts_with(b"get ") || buf[lead..].starts_with(b"gets "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8]) -> (Decoded, Vec<Vec<u8>>) {
        let mut buf = input.to_vec();
        let mut spans = Vec::new();
        let d = decode(&mut buf, &mut spans, &Limits::default());
        let args = spans
            .iter()
            .map(|s| buf[s.start as usize..s.end as usize].to_vec())
            .collect();
        (d, args)
    }

    fn strs(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn lines_split_on_spaces() {
        assert_eq!(
            run(b"get a  b\r\nrest"),
            (Decoded::Command { consumed: 10 }, strs(&["get", "a", "b"]))
        );
        assert_eq!(
            run(b"  get a\n"),
            (Decoded::Command { consumed: 8 }, strs(&["get", "a"]))
        );
        assert_eq!(
            run(b"get a\tb\r\n"),
            (Decoded::Command { consumed: 9 }, strs(&["get", "a\tb"]))
        );
        assert_eq!(
            run(b"get a\0b c\r\n"),
            (Decoded::Command { consumed: 11 }, strs(&["get", "a"]))
        );
        assert_eq!(run(b"\r\n"), (Decoded::Command { consumed: 2 }, vec![]));
        assert_eq!(run(b"get a"), (Decoded::Incomplete { need: 0 }, vec![]));
    }

    #[test]
    fn a_valid_storage_line_waits_for_its_data() {
        assert_eq!(
            run(b"set k 0 0 5\r\nhel").0,
            Decoded::Incomplete { need: 20 }
        );
        assert_eq!(
            run(b"set k 1 2 5 noreply\r\nhello\r\nget k\r\n"),
            (
                Decoded::Command { consumed: 28 },
                strs(&["set", "k", "1", "2", "5", "noreply", "", "hello\r\n"])
            )
        );
        // The terminator is kept as sent, to be checked by the command set.
        assert_eq!(
            run(b"set k 0 0 1\r\nabc").1,
            strs(&["set", "k", "0", "0", "1", "", "abc"])
        );
        assert_eq!(
            run(b"cas k 0 0 1 7\r\nz\r\n"),
            (
                Decoded::Command { consumed: 18 },
                strs(&["cas", "k", "0", "0", "1", "7", "", "z\r\n"])
            )
        );
    }

    #[test]
    fn an_invalid_storage_line_reads_no_data() {
        for line in [
            &b"set k 0 0 abc\r\nzz\r\n"[..],
            b"set k 0 0 -1\r\nzz\r\n",
            b"set k x 0 1\r\nzz\r\n",
            b"set k 0 0\r\nzz\r\n",
            b"set k 0 0 1 2 3\r\nzz\r\n",
            b"cas k 0 0 1\r\nzz\r\n",
        ] {
            let nl = line.iter().position(|&c| c == b'\n').unwrap() + 1;
            assert_eq!(
                run(line).0,
                Decoded::Command { consumed: nl },
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
        let long_key = [&b"set "[..], &[b'k'; 251], b" 0 0 1\r\nz\r\n"].concat();
        assert_eq!(run(&long_key).0, Decoded::Command { consumed: 263 });
    }

    #[test]
    fn long_lines_without_newline() {
        assert_eq!(run(&[b'x'; 3000]).0, Decoded::Error(Vec::new()));
        let get = [&b"get "[..], &b"key ".repeat(800)].concat();
        assert_eq!(run(&get).0, Decoded::Incomplete { need: 0 });
    }

    #[test]
    fn huge_blocks_are_refused() {
        let limits = Limits {
            max_bulk_len: 100,
            ..Limits::default()
        };
        let mut buf = b"set k 0 0 101\r\n".to_vec();
        let d = decode(&mut buf, &mut Vec::new(), &limits);
        assert_eq!(
            d,
            Decoded::Error(b"SERVER_ERROR object too large for cache\r\n".to_vec())
        );
    }
}

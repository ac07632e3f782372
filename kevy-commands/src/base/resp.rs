//! The reply writer: functions appending one reply (or an aggregate header)
//! to `out`. Nothing here allocates beyond growing `out`.
//!
//! Most replies are the same in RESP2 and RESP3 and take a plain
//! `&mut Vec<u8>`. The ones whose shape depends on the connection's protocol
//! (nulls, maps, sets, doubles, verbatim strings) take a [`Reply`]: the
//! output buffer together with the protocol it is written in, so the
//! compiler finds every shape-sensitive site. A `&mut Reply<'_>` derefs to the
//! `Vec<u8>`, so protocol-independent writers take it unchanged.

use std::ops::{Deref, DerefMut};

use crate::base::num::{fmt_i64, I64_BUF};

/// An output buffer and the protocol its replies are written in (RESP2 or
/// RESP3, per connection, `HELLO`). It borrows the buffer: making one costs
/// two stores.
#[derive(Debug)]
pub struct Reply<'a> {
    buf: &'a mut Vec<u8>,
    resp3: bool,
}

impl<'a> Reply<'a> {
    /// Replies appended to `buf`, in RESP3 (`true`) or RESP2.
    #[inline]
    pub fn new(buf: &'a mut Vec<u8>, resp3: bool) -> Reply<'a> {
        Reply { buf, resp3 }
    }

    /// Whether replies are written in RESP3.
    #[inline]
    pub fn resp3(&self) -> bool {
        self.resp3
    }

    /// Switches the protocol (`HELLO`, whose own reply is in the new one).
    pub fn set_resp3(&mut self, resp3: bool) {
        self.resp3 = resp3;
    }
}

impl Deref for Reply<'_> {
    type Target = Vec<u8>;
    #[inline]
    fn deref(&self) -> &Vec<u8> {
        self.buf
    }
}

impl DerefMut for Reply<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        self.buf
    }
}

/// `+OK`.
pub const OK: &[u8] = b"+OK\r\n";
/// `$-1`, the null bulk string.
pub const NULL: &[u8] = b"$-1\r\n";
/// `*-1`, the null array.
pub const NULL_ARRAY: &[u8] = b"*-1\r\n";
/// `$0`, the empty bulk string.
pub const EMPTY_BULK: &[u8] = b"$0\r\n\r\n";

/// Appends a simple string `+s`. `s` must not contain CR or LF.
#[inline]
pub fn simple(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 3);
    out.push(b'+');
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// Appends `+OK`.
#[inline]
pub fn ok(out: &mut Vec<u8>) {
    out.extend_from_slice(OK);
}

/// Appends an error `-msg` (`msg` includes its code, e.g. `ERR syntax
/// error`); written by [`super::error`], which this module imports.
pub use super::error::reply as error;

/// Appends a `prefix` line (`:`, `*`, `$`) carrying the integer `n`.
#[inline]
fn line(out: &mut Vec<u8>, prefix: u8, n: i64) {
    let mut buf = I64_BUF;
    let digits = fmt_i64(n, &mut buf);
    out.reserve(digits.len() + 3);
    out.push(prefix);
    out.extend_from_slice(digits);
    out.extend_from_slice(b"\r\n");
}

/// Appends an integer `:n`.
#[inline]
pub fn int(out: &mut Vec<u8>, n: i64) {
    match n {
        0 => out.extend_from_slice(b":0\r\n"),
        1 => out.extend_from_slice(b":1\r\n"),
        _ => line(out, b':', n),
    }
}

/// Appends a bulk string `$len` + bytes.
#[inline]
pub fn bulk(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n < 100 {
        // The usual short value: its header is one fixed-size copy, and
        // one reservation covers the whole bulk.
        out.reserve(n + 7);
        let d = n as u8;
        if n < 10 {
            out.extend_from_slice(&[b'$', b'0' + d, b'\r', b'\n']);
        } else {
            out.extend_from_slice(&[b'$', b'0' + d / 10, b'0' + d % 10, b'\r', b'\n']);
        }
    } else {
        line(out, b'$', n as i64);
        out.reserve(n + 2);
    }
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// Appends the decimal form of `n` as a bulk string.
#[inline]
pub fn bulk_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = I64_BUF;
    bulk(out, fmt_i64(n, &mut buf));
}

/// Appends a bulk string, or the null bulk for `None`.
#[inline]
pub fn bulk_or_null(out: &mut Reply<'_>, s: Option<&[u8]>) {
    match s {
        Some(s) => bulk(out, s),
        None => null(out),
    }
}

/// RESP3's null `_`.
pub const NULL3: &[u8] = b"_\r\n";

/// Appends the null bulk string: `$-1` in RESP2, `_` in RESP3.
#[inline]
pub fn null(out: &mut Reply<'_>) {
    // One constant-length copy per branch (a selected slice would be a
    // `memcpy` call).
    if out.resp3 {
        out.extend_from_slice(NULL3);
    } else {
        out.extend_from_slice(NULL);
    }
}

/// Appends an array header `*n`.
#[inline]
pub fn array(out: &mut Vec<u8>, n: usize) {
    line(out, b'*', n as i64);
}

/// Appends the null array: `*-1` in RESP2, `_` in RESP3.
#[inline]
pub fn null_array(out: &mut Reply<'_>) {
    if out.resp3 {
        out.extend_from_slice(NULL3);
    } else {
        out.extend_from_slice(NULL_ARRAY);
    }
}

/// Appends a map header for `n` key–value pairs: `%n` in RESP3, an array
/// of `2n` items in RESP2.
#[inline]
pub fn map(out: &mut Reply<'_>, n: usize) {
    if out.resp3 {
        line(out, b'%', n as i64);
    } else {
        line(out, b'*', 2 * n as i64);
    }
}

/// Appends a set header for `n` members: `~n` in RESP3, `*n` in RESP2.
#[inline]
pub fn set(out: &mut Reply<'_>, n: usize) {
    let prefix = if out.resp3 { b'~' } else { b'*' };
    line(out, prefix, n as i64);
}

/// Appends the header of an array of `n` pairs that RESP3 nests
/// (`[member, score]…` of `WITHSCORES`, `[field, value]…` of
/// `HRANDFIELD … WITHVALUES`): `*n` in RESP3, `*2n` flat in RESP2. Each
/// pair then starts with [`pair`].
#[inline]
pub fn pairs(out: &mut Reply<'_>, n: usize) {
    let items = if out.resp3 { n } else { 2 * n };
    array(out, items);
}

/// Starts one pair of a [`pairs`] array: `*2` in RESP3, nothing in RESP2.
#[inline]
pub fn pair(out: &mut Reply<'_>) {
    if out.resp3 {
        out.extend_from_slice(b"*2\r\n");
    }
}

/// Appends a double already formatted (`%.17g`, `inf`, `-inf`): `,x` in
/// RESP3, a bulk string in RESP2.
#[inline]
pub fn double_text(out: &mut Reply<'_>, text: &[u8]) {
    if out.resp3 {
        out.reserve(text.len() + 3);
        out.push(b',');
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        bulk(out, text);
    }
}

/// Appends a boolean: `#t` / `#f` in RESP3, `:1` / `:0` in RESP2.
#[inline]
pub fn boolean(out: &mut Reply<'_>, b: bool) {
    let bytes: &[u8] = match (out.resp3, b) {
        (true, true) => b"#t\r\n",
        (true, false) => b"#f\r\n",
        (false, true) => b":1\r\n",
        (false, false) => b":0\r\n",
    };
    out.extend_from_slice(bytes);
}

/// Appends a text meant for humans: a verbatim string `=len` `txt:…` in
/// RESP3, a bulk string in RESP2.
#[inline]
pub fn verbatim(out: &mut Reply<'_>, text: &[u8]) {
    if out.resp3 {
        line(out, b'=', text.len() as i64 + 4);
        out.reserve(text.len() + 6);
        out.extend_from_slice(b"txt:");
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        bulk(out, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_resp2() {
        let mut out = Vec::new();
        simple(&mut out, b"PONG");
        ok(&mut out);
        error(&mut out, b"ERR x");
        int(&mut out, 0);
        int(&mut out, -42);
        int(&mut out, i64::MIN);
        bulk(&mut out, b"");
        bulk(&mut out, b"ab");
        bulk_int(&mut out, 1234);
        array(&mut out, 3);
        let mut r = Reply::new(&mut out, false);
        bulk_or_null(&mut r, None);
        null_array(&mut r);
        assert_eq!(
            out,
            b"+PONG\r\n+OK\r\n-ERR x\r\n:0\r\n:-42\r\n:-9223372036854775808\r\n$0\r\n\r\n\
              $2\r\nab\r\n$4\r\n1234\r\n*3\r\n$-1\r\n*-1\r\n"
        );
    }

    #[test]
    fn bulk_headers_at_every_width() {
        for n in [0usize, 1, 9, 10, 11, 42, 99, 100, 101, 999, 1000, 65536] {
            let value = vec![b'x'; n];
            let mut out = Vec::new();
            bulk(&mut out, &value);
            let mut want = format!("${n}\r\n").into_bytes();
            want.extend_from_slice(&value);
            want.extend_from_slice(b"\r\n");
            assert_eq!(out, want, "{n}");
        }
    }

    /// Every shape-sensitive writer, in one protocol.
    fn shapes(resp3: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut out = Reply::new(&mut bytes, resp3);
        null(&mut out);
        null_array(&mut out);
        map(&mut out, 2);
        set(&mut out, 3);
        pairs(&mut out, 2);
        pair(&mut out);
        double_text(&mut out, b"2.5");
        boolean(&mut out, true);
        boolean(&mut out, false);
        verbatim(&mut out, b"a\nb");
        bytes
    }

    #[test]
    fn shapes_follow_the_protocol() {
        assert_eq!(
            shapes(false),
            b"$-1\r\n*-1\r\n*4\r\n*3\r\n*4\r\n$3\r\n2.5\r\n:1\r\n:0\r\n$3\r\na\nb\r\n"
        );
        assert_eq!(
            shapes(true),
            b"_\r\n_\r\n%2\r\n~3\r\n*2\r\n*2\r\n,2.5\r\n#t\r\n#f\r\n=7\r\ntxt:a\nb\r\n"
        );
    }

    #[test]
    fn appends_to_the_borrowed_buffer() {
        let mut out = b"+OK\r\n".to_vec();
        let mut r = Reply::new(&mut out, true);
        null(&mut r);
        r.set_resp3(false);
        null(&mut r);
        assert_eq!(out, b"+OK\r\n_\r\n$-1\r\n");
    }
}

//! The RESP2 reply writer: functions appending one reply (or an array header)
//! to `out`. Nothing here allocates beyond growing `out`.

use crate::num::{fmt_i64, I64_BUF};

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

/// Appends an error `-msg` (`msg` includes its code, e.g. `ERR syntax error`).
#[inline]
pub fn error(out: &mut Vec<u8>, msg: &[u8]) {
    out.reserve(msg.len() + 3);
    out.push(b'-');
    out.extend_from_slice(msg);
    out.extend_from_slice(b"\r\n");
}

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
    line(out, b'$', s.len() as i64);
    out.reserve(s.len() + 2);
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
pub fn bulk_or_null(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => bulk(out, s),
        None => null(out),
    }
}

/// Appends the null bulk string `$-1`.
#[inline]
pub fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(NULL);
}

/// Appends an array header `*n`.
#[inline]
pub fn array(out: &mut Vec<u8>, n: usize) {
    line(out, b'*', n as i64);
}

/// Appends the null array `*-1`.
#[inline]
pub fn null_array(out: &mut Vec<u8>) {
    out.extend_from_slice(NULL_ARRAY);
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
        bulk_or_null(&mut out, None);
        array(&mut out, 3);
        null_array(&mut out);
        assert_eq!(
            out,
            b"+PONG\r\n+OK\r\n-ERR x\r\n:0\r\n:-42\r\n:-9223372036854775808\r\n$0\r\n\r\n\
              $2\r\nab\r\n$4\r\n1234\r\n$-1\r\n*3\r\n*-1\r\n"
        );
    }
}

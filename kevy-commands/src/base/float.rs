//! Doubles as Redis reads and writes them, through the C library like Redis
//! (the shim in `csrc/double.c`): `string2d` for scores and weights, the
//! lenient `strtod` of score range bounds, `%.17g` for replies, and
//! `d2string` for the score text a small sorted set keeps (what ZSCAN shows).

use std::os::raw::{c_char, c_int};

use crate::base::error::{cstr, Error};
use crate::base::num::fmt_i64;
use crate::base::resp;
use crate::base::resp::Reply;

extern "C" {
    fn kevy_string2d(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn kevy_strtod_whole(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn kevy_fmt_g17(v: f64, buf: *mut c_char) -> usize;
}

/// Room for any double Redis prints (`-1.2345678901234567e-308` is 24 bytes).
pub const DOUBLE_BUF: [u8; 32] = [0; 32];

/// Parses a double exactly as Redis's `string2d`: the whole argument, no
/// leading space, no NaN, no overflow or underflow to zero; `inf`, `-inf`,
/// `+inf` and hexadecimal floats are accepted, as `strtod` does.
pub fn parse_double(s: &[u8]) -> Option<f64> {
    let mut v = 0.0;
    // SAFETY: the pointer and length come from a live slice; the shim copies
    // the bytes into its own NUL-terminated buffer and writes one double.
    let ok = unsafe { kevy_string2d(s.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// A double argument, or Redis's "value is not a valid float".
pub fn double_arg(s: &[u8]) -> Result<f64, Error> {
    parse_double(s).ok_or(Error::NotFloat)
}

/// Parses a score range bound's number as `zslParseRange` does: `strtod` over
/// the argument as a C string (up to its first NUL) must consume all of it and
/// give no NaN. Unlike [`parse_double`], the empty string is 0, leading spaces
/// are skipped and out-of-range values saturate.
pub fn parse_bound(s: &[u8]) -> Option<f64> {
    let s = cstr(s);
    let mut v = 0.0;
    // SAFETY: as in `parse_double`; `s` holds no NUL.
    let ok = unsafe { kevy_strtod_whole(s.as_ptr().cast(), s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// Formats `v` as Redis replies with a double: `inf` / `-inf`, otherwise
/// `%.17g` (`1`, `2.5`, `1.1000000000000001`, `-0`, `1e+20`).
pub fn fmt_double(v: f64, buf: &mut [u8; 32]) -> &[u8] {
    if v.is_infinite() {
        return if v > 0.0 { b"inf" } else { b"-inf" };
    }
    // SAFETY: `buf` has the 32 bytes the shim writes at most.
    let n = unsafe { kevy_fmt_g17(v, buf.as_mut_ptr().cast()) };
    &buf[..n.min(buf.len())]
}

/// Appends `v` like Redis's `addReplyDouble`: a bulk string in RESP2, a
/// double `,x` in RESP3.
pub fn write_double(out: &mut Reply<'_>, v: f64) {
    let mut buf = DOUBLE_BUF;
    resp::double_text(out, fmt_double(v, &mut buf));
}

/// Redis's `double2ll`: `v` as an `i64` when it is integral and within
/// ±`i64::MAX / 2`.
fn double2ll(v: f64) -> Option<i64> {
    if v < (-(i64::MAX / 2)) as f64 || v > (i64::MAX / 2) as f64 {
        return None;
    }
    let n = v as i64;
    (n as f64 == v).then_some(n)
}

/// Formats `v` as Redis's `d2string`, the text a listpack-encoded sorted set
/// stores as its score: integral values as integers, `-0`, `inf`, `-inf`,
/// otherwise `%.17g`.
pub fn fmt_d2string(v: f64, buf: &mut [u8; 32]) -> &[u8] {
    if v.is_nan() {
        return b"nan";
    }
    if v == 0.0 {
        return if v.is_sign_negative() { b"-0" } else { b"0" };
    }
    if let Some(n) = double2ll(v) {
        let mut ib = crate::base::num::I64_BUF;
        let digits = fmt_i64(n, &mut ib);
        let len = digits.len();
        buf[..len].copy_from_slice(digits);
        return &buf[..len];
    }
    fmt_double(v, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64) -> String {
        let mut buf = DOUBLE_BUF;
        String::from_utf8_lossy(fmt_double(v, &mut buf)).into_owned()
    }

    fn d(v: f64) -> String {
        let mut buf = DOUBLE_BUF;
        String::from_utf8_lossy(fmt_d2string(v, &mut buf)).into_owned()
    }

    #[test]
    fn formats_like_redis() {
        assert_eq!(g(1.0), "1");
        assert_eq!(g(2.5), "2.5");
        assert_eq!(g(1.1), "1.1000000000000001");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1e20), "1e+20");
        assert_eq!(g(f64::INFINITY), "inf");
        assert_eq!(g(f64::NEG_INFINITY), "-inf");
        assert_eq!(g(-1.2345678901234567e-308), "-1.2345678901234567e-308");
        assert_eq!(g(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(d(1e17), "100000000000000000");
        assert_eq!(d(1e20), "1e+20");
        assert_eq!(d(-0.0), "-0");
        assert_eq!(d(1.5), "1.5");
        assert_eq!(d(-3.0), "-3");
    }

    #[test]
    fn parses_like_redis() {
        assert_eq!(parse_double(b"1.5"), Some(1.5));
        assert_eq!(parse_double(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_double(b"0x10"), Some(16.0));
        assert_eq!(parse_double(b"1e400"), None);
        assert_eq!(parse_double(b"1e-400"), None);
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b""), None);
        assert_eq!(parse_double(b" 1"), None);
        assert_eq!(parse_double(b"1 "), None);
        assert_eq!(parse_double(b"1\x002"), None);
        assert!(parse_double(&[b'1'; 300]).is_some());
        assert_eq!(parse_bound(b""), Some(0.0));
        assert_eq!(parse_bound(b" 2"), Some(2.0));
        assert_eq!(parse_bound(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_bound(b"3\x00junk"), Some(3.0));
        assert_eq!(parse_bound(b"x"), None);
        assert_eq!(parse_bound(b"nan"), None);
        assert_eq!(parse_bound(b"1 "), None);
    }
}

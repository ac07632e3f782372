//! Numbers as Redis reads and writes them: `string2ll` parsing, fast integer
//! formatting, and INCRBYFLOAT's `long double` arithmetic through the C shim in
//! `csrc/ldouble.c`.

use crate::base::error::Error;

/// Room for any `i64` in decimal (`-9223372036854775808` is 20 bytes).
pub const I64_BUF: [u8; 20] = [0; 20];

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Formats `n` in decimal into `buf`, returning the written tail of `buf`.
#[inline]
pub fn fmt_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGITS2[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Parses a signed 64-bit integer exactly as Redis's `string2ll`.
#[inline]
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    kevy_rt::resp::parse_i64(s)
}

/// An integer argument, or Redis's "value is not an integer or out of range".
#[inline]
pub fn int_arg(s: &[u8]) -> Result<i64, Error> {
    parse_i64(s).ok_or(Error::NotInteger)
}

/// Redis's `MAX_LONG_DOUBLE_CHARS`: the longest float text read or written.
pub const LD_CHARS: usize = 5 * 1024;

extern "C" {
    fn kevy_incrbyfloat(
        value: *const u8,
        vlen: usize,
        incr: *const u8,
        ilen: usize,
        out: *mut u8,
        outlen: *mut usize,
    ) -> std::os::raw::c_int;
}

/// `value + incr` computed in C `long double` and formatted like Redis's
/// `ld2string(LD_STR_HUMAN)`, into `out`. `value` of `None` counts as 0.
/// Returns the length written.
pub fn incr_by_float(
    value: Option<&[u8]>,
    incr: &[u8],
    out: &mut [u8; LD_CHARS],
) -> Result<usize, Error> {
    let (vp, vl) = match value {
        Some(v) => (v.as_ptr(), v.len()),
        None => (std::ptr::null(), 0),
    };
    let mut len = 0usize;
    // SAFETY: the pointers come from live slices with their exact lengths (the
    // shim copies at most `len` bytes from each, refusing anything that would
    // not fit its own buffer), `out` has the LD_CHARS bytes the shim writes at
    // most, and `len` is a valid place for the result length.
    let rc = unsafe {
        kevy_incrbyfloat(
            vp,
            vl,
            incr.as_ptr(),
            incr.len(),
            out.as_mut_ptr(),
            &mut len,
        )
    };
    match rc {
        0 => Ok(len.min(LD_CHARS)),
        1 | 2 => Err(Error::NotFloat),
        _ => Err(Error::NanOrInfinity),
    }
}

extern "C" {
    fn kevy_sort_score(s: *const u8, len: usize, out: *mut f64) -> std::os::raw::c_int;
}

/// A SORT score as Redis reads one: C's `strtod` over `s` up to its first
/// NUL (leading spaces, hex floats, `inf` accepted), refusing trailing
/// garbage, overflow, underflow and NaN. The empty string scores 0.
pub fn sort_score(s: &[u8]) -> Option<f64> {
    let mut d = 0.0f64;
    // SAFETY: the pointer and length come from a live slice (the shim copies
    // exactly `len` bytes into its own NUL-terminated buffer), and `d` is a
    // valid place for the result.
    let bad = unsafe { kevy_sort_score(s.as_ptr(), s.len(), &mut d) };
    (bad == 0).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_integers() {
        for n in [
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            12345,
            -987654321,
            i64::MAX,
            i64::MIN,
        ] {
            let mut buf = I64_BUF;
            assert_eq!(fmt_i64(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn sort_scores_read_like_strtod() {
        assert_eq!(sort_score(b"1.5"), Some(1.5));
        assert_eq!(sort_score(b""), Some(0.0));
        assert_eq!(sort_score(b"  -3"), Some(-3.0));
        assert_eq!(sort_score(b"0x10"), Some(16.0));
        assert_eq!(sort_score(b"inf"), Some(f64::INFINITY));
        assert_eq!(sort_score(b"7\0junk"), Some(7.0));
        assert_eq!(sort_score(&[b'9'; 300]), Some(1e300));
        for bad in [&b"nan"[..], b"1x", b"1e400", b"1e-400", b"a", b" "] {
            assert_eq!(sort_score(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn long_double_matches_redis() {
        let mut buf = [0u8; LD_CHARS];
        let mut f = |v: Option<&str>, i: &str| {
            incr_by_float(v.map(str::as_bytes), i.as_bytes(), &mut buf)
                .map(|n| String::from_utf8_lossy(&buf[..n]).into_owned())
        };
        assert_eq!(f(Some("10.5"), "0.1").unwrap(), "10.6");
        assert_eq!(f(None, "3.0e3").unwrap(), "3000");
        assert_eq!(f(Some("5.0e3"), "2.0e2").unwrap(), "5200");
        assert_eq!(f(Some("1"), "-1").unwrap(), "0");
        assert_eq!(f(Some("-0.0"), "0").unwrap(), "0");
        assert_eq!(f(Some("abc"), "1"), Err(Error::NotFloat));
        assert_eq!(f(Some("1"), " 1"), Err(Error::NotFloat));
        assert_eq!(f(Some("1"), ""), Err(Error::NotFloat));
        assert_eq!(f(Some("1"), "nan"), Err(Error::NotFloat));
        assert_eq!(f(Some("1\0"), "1"), Err(Error::NotFloat));
        assert_eq!(f(Some("\0\x005"), "1"), Err(Error::NotFloat));
        assert_eq!(f(Some("1"), "inf"), Err(Error::NanOrInfinity));
    }
}

//! Numbers as memcached 1.6 parses them: C's `strtol`/`strtoul`/`strtoull`
//! wrapped in memcached's `safe_strto*` checks, including their quirks — leading
//! white space and a `+` are accepted, a `-` is accepted when the negated value
//! does not look negative as a signed number, 32-bit results are the low 32 bits
//! of a 64-bit parse (`set k 4294967296 …` stores flags 0).

/// C's `isspace` in the "C" locale.
#[inline]
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `strtoull`/`strtoll` core: skips white space, takes a sign, then decimal
/// digits. Returns the magnitude, whether a `-` was seen and where parsing
/// stopped; `None` for no digits or a magnitude beyond 64 bits (`ERANGE`).
fn scan(s: &[u8]) -> Option<(u64, bool, usize)> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.checked_mul(10)?.checked_add((s[i] - b'0') as u64)?;
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((v, neg, i))
}

/// True when parsing may stop at `end` of `s`: the end of the token (C's NUL)
/// or white space.
#[inline]
fn ends_well(s: &[u8], end: usize) -> bool {
    end == s.len() || is_space(s[end]) || s[end] == 0
}

/// memcached's `safe_strtoull`: an unsigned 64-bit number.
pub fn strtoull(s: &[u8]) -> Option<u64> {
    let (mag, neg, end) = scan(s)?;
    if !ends_well(s, end) {
        return None;
    }
    let v = if neg { mag.wrapping_neg() } else { mag };
    if (v as i64) < 0 && neg {
        return None;
    }
    Some(v)
}

/// memcached's `safe_strtoul` on a 64-bit machine, stored into 32 bits (item
/// flags): the low 32 bits of [`strtoull`].
pub fn strtoul32(s: &[u8]) -> Option<u32> {
    strtoull(s).map(|v| v as u32)
}

/// memcached's `safe_strtol` into an `int32_t` (exptimes, lengths): a signed
/// 64-bit `strtol`, then its low 32 bits.
pub fn strtol32(s: &[u8]) -> Option<i32> {
    let (mag, neg, end) = scan(s)?;
    if !ends_well(s, end) {
        return None;
    }
    let v: i64 = if neg {
        if mag > i64::MAX as u64 + 1 {
            return None;
        }
        (mag as i64).wrapping_neg()
    } else {
        i64::try_from(mag).ok()?
    };
    Some(v as i32)
}

/// Appends the decimal form of `n`.
#[inline]
pub fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_like_memcached() {
        assert_eq!(strtoull(b"0"), Some(0));
        assert_eq!(strtoull(b"+12"), Some(12));
        assert_eq!(strtoull(b" 7"), Some(7));
        assert_eq!(strtoull(b"01"), Some(1));
        assert_eq!(strtoull(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(strtoull(b"18446744073709551616"), None);
        assert_eq!(strtoull(b"-1"), None);
        assert_eq!(strtoull(b"-0"), Some(0));
        // The negation of a huge magnitude looks positive: accepted, as in C.
        assert_eq!(strtoull(b"-9223372036854775809"), Some(9223372036854775807));
        assert_eq!(strtoull(b"1a"), None);
        assert_eq!(strtoull(b"1 x"), Some(1));
        assert_eq!(strtoull(b""), None);
        assert_eq!(strtoull(b"+"), None);
        assert_eq!(strtoull(b"abc"), None);
    }

    #[test]
    fn flags_keep_the_low_32_bits() {
        assert_eq!(strtoul32(b"4294967295"), Some(u32::MAX));
        assert_eq!(strtoul32(b"4294967296"), Some(0));
        assert_eq!(strtoul32(b"18446744073709551615"), Some(u32::MAX));
        assert_eq!(strtoul32(b"-1"), None);
    }

    #[test]
    fn signed_32_bit_truncation() {
        assert_eq!(strtol32(b"-1"), Some(-1));
        assert_eq!(strtol32(b"2592000"), Some(2592000));
        assert_eq!(strtol32(b"4294967297"), Some(1));
        assert_eq!(strtol32(b"99999999999"), Some(1215752191));
        assert_eq!(strtol32(b"9223372036854775807"), Some(-1));
        assert_eq!(strtol32(b"9223372036854775808"), None);
        assert_eq!(strtol32(b"-9223372036854775808"), Some(0));
        assert_eq!(strtol32(b"x"), None);
        assert_eq!(strtol32(b"1\t"), Some(1));
    }

    #[test]
    fn decimal_output() {
        let mut v = Vec::new();
        for n in [0, 7, 10, 12345, u64::MAX] {
            v.clear();
            push_u64(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
        }
    }
}

//! Stream entry IDs (`<ms>-<seq>`, two unsigned 64-bit halves ordered as
//! one 128-bit number) and their text form, as Redis's `streamID`.

use crate::base::num::parse_i64;

/// A stream entry ID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// `18446744073709551615-18446744073709551615`.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its parts.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// True for `0-0`.
    pub fn is_zero(&self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// The next ID (`streamIncrID`); `None` past the maximum.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                return None;
            }
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// The previous ID (`streamDecrID`); `None` before `0-0`.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                return None;
            }
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    /// The ID as 16 big-endian bytes (the radix-tree key Redis uses).
    pub fn key(&self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }

    /// Writes `ms-seq` into `buf`; returns the text.
    pub fn fmt<'a>(&self, buf: &'a mut [u8; 41]) -> &'a [u8] {
        let mut n = 0;
        for (i, part) in [self.ms, self.seq].into_iter().enumerate() {
            if i == 1 {
                buf[n] = b'-';
                n += 1;
            }
            let mut digits = [0u8; 20];
            let mut d = 0;
            let mut v = part;
            loop {
                digits[d] = b'0' + (v % 10) as u8;
                d += 1;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            for j in (0..d).rev() {
                buf[n] = digits[j];
                n += 1;
            }
        }
        &buf[..n]
    }

    /// The text `ms-seq` as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 41];
        self.fmt(&mut buf).to_vec()
    }
}

/// How an ID argument was written (`streamGenericParseIDOrReply`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The ID.
    pub id: StreamId,
    /// False for the `<ms>-*` form (only when `seq_auto` was allowed).
    pub seq_given: bool,
}

/// Parses an ID argument as Redis does: `-` and `+` (unless `strict`),
/// `<ms>` (the sequence is `missing_seq`), `<ms>-<seq>`, and `<ms>-*` when
/// `seq_auto`. `None` is "Invalid stream ID specified as stream command
/// argument".
pub fn parse(arg: &[u8], missing_seq: u64, strict: bool, seq_auto: bool) -> Option<Parsed> {
    if arg.len() > 127 {
        return None;
    }
    // Redis copies into a C string: the text ends at its first NUL.
    let arg = crate::base::error::cstr(arg);
    let given = |id| {
        Some(Parsed {
            id,
            seq_given: true,
        })
    };
    if arg == b"-" || arg == b"+" {
        if strict {
            return None;
        }
        return given(if arg == b"-" {
            StreamId::MIN
        } else {
            StreamId::MAX
        });
    }
    match memchr::memchr(b'-', arg) {
        Some(dash) => {
            let ms = parse_u64(&arg[..dash])?;
            let rest = &arg[dash + 1..];
            if seq_auto && rest == b"*" {
                return Some(Parsed {
                    id: StreamId::new(ms, 0),
                    seq_given: false,
                });
            }
            given(StreamId::new(ms, parse_u64(rest)?))
        }
        None => given(StreamId::new(parse_u64(arg)?, missing_seq)),
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Redis's `string2ull`: a strict decimal `long long` that is not negative,
/// else whatever `strtoull` accepts whole (leading spaces, a sign, leading
/// zeros; a minus wraps around), refusing overflow.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if let Some(n) = parse_i64(s) {
        return (n >= 0).then_some(n as u64);
    }
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
    if i == start || i != s.len() {
        return None;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

//! RESP2 request decoding, as Redis 7.0's `processMultibulkBuffer` and
//! `processInlineBuffer` do it: multibulk arrays (`*N\r\n$len\r\n…`) and inline
//! commands (`SET k v\r\n`, with Redis's quoting rules), pipelined.
//!
//! Arguments are not copied: the decoder records [`Span`]s into the read buffer.
//! Inline arguments with quotes or escapes are unescaped in place (the unescaped
//! form is never longer than the source), so they too are spans of the buffer.
//! Protocol errors produce Redis's exact reply text; the connection then closes.

use crate::args::{Span, MAX_OFFSET};

/// Size limits enforced while decoding, with Redis's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk argument (`proto-max-bulk-len`, 512 MB).
    pub max_bulk_len: usize,
    /// Largest multibulk argument count (Redis: `INT_MAX`).
    pub max_multibulk_len: usize,
    /// Largest inline request, and largest `*`/`$` header line (64 KB).
    pub max_inline_len: usize,
    /// Largest unprocessed query buffer before the connection is closed
    /// (`client-query-buffer-limit`, 1 GB).
    pub max_query_buffer: usize,
    /// Unsent output above which a connection's further requests wait (it is
    /// read again once the client has taken half of it): a client that pipelines
    /// without reading cannot make the server buffer without bound (64 MB).
    pub output_high_water: usize,
    /// The connection has not authenticated and must (Redis's
    /// `authRequired`): a multibulk of more than [`GUEST_MAX_ARGS`]
    /// arguments or a bulk over [`GUEST_MAX_BULK`] bytes is a protocol
    /// error. Set per connection by the runtime ([`Commands::guest`]).
    ///
    /// [`Commands::guest`]: crate::Commands::guest
    pub guest: bool,
}

/// Most arguments of a request before authentication (Redis: 10).
pub const GUEST_MAX_ARGS: i64 = 10;

/// Longest bulk argument before authentication (Redis: 16 KB).
pub const GUEST_MAX_BULK: usize = 16384;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as usize,
            max_inline_len: 64 * 1024,
            max_query_buffer: 1024 * 1024 * 1024,
            output_high_water: 64 * 1024 * 1024,
            guest: false,
        }
    }
}

/// The outcome of one decoding attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A command was decoded into the spans; it used `consumed` bytes.
    Command {
        /// Bytes of the buffer the request took.
        consumed: usize,
    },
    /// Bytes that carry no command (an empty inline line, `*0`); skip them.
    Skip {
        /// Bytes to drop.
        consumed: usize,
    },
    /// The request is not complete yet. `need` is the total buffer length known to
    /// be required (0 when unknown), so a large bulk can be read without regrowing.
    Incomplete {
        /// Known lower bound of the buffer length the request needs.
        need: usize,
    },
    /// A protocol error: write `reply` and close the connection.
    Error(Vec<u8>),
}

fn proto_error(msg: &str) -> Decoded {
    let mut v = Vec::with_capacity(msg.len() + 24);
    v.extend_from_slice(b"-ERR Protocol error: ");
    v.extend_from_slice(msg.as_bytes());
    v.extend_from_slice(b"\r\n");
    Decoded::Error(v)
}

/// Decodes one request from the start of `buf` into `spans`. `buf` may be
/// modified: inline arguments are unescaped in place.
///
/// `spans` is empty on entry, or holds what the previous call left in it when
/// that call answered [`Decoded::Incomplete`] for the request at the start of
/// `buf` (the same bytes then, more of them now): a multibulk resumes after
/// the last complete argument found then, so a request of many arguments that
/// arrives in small pieces is scanned once, not from its first byte on every
/// read.
pub fn decode(buf: &mut [u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
    match buf.first() {
        None => Decoded::Incomplete { need: 0 },
        Some(b'*') => decode_multibulk(buf, spans, limits),
        Some(_) => decode_inline(buf, spans, limits),
    }
}

/// The usual header line, read in one pass: `buf[at]` is the type byte, then
/// 1 to 18 digits without a leading zero (or a lone `0`) and a `\r` with
/// one byte after it in the buffer. Gives the number and where the `\r` is.
/// Anything else (a sign, a leading zero, a long or unfinished line) is `None`
/// and left to the general path, which answers it as Redis does: on what
/// this accepts, that path finds the same `\r` (every byte before it is a
/// digit) and `parse_i64` the same number, so both agree byte for byte.
#[inline(always)]
fn quick_number(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = at + 1;
    let mut i = first;
    let mut v: usize = 0;
    while let Some(&c) = buf.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(d as usize);
        i += 1;
    }
    let n = i - first;
    let canonical = n == 1 || (n > 1 && n <= 18 && buf[first] != b'0');
    (canonical && buf.get(i) == Some(&b'\r') && i + 2 <= buf.len()).then_some((v, i))
}

fn decode_multibulk(buf: &[u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
    if let Some((count, cr)) = quick_number(buf, 0) {
        return decode_bulks(buf, spans, limits, count as i64, cr);
    }
    let Some(cr) = memchr::memchr(b'\r', buf) else {
        if buf.len() > limits.max_inline_len {
            return proto_error("too big mbulk count string");
        }
        return Decoded::Incomplete { need: 0 };
    };
    if cr + 2 > buf.len() {
        return Decoded::Incomplete { need: 0 };
    }
    let Some(count) = parse_i64(&buf[1..cr]) else {
        return proto_error("invalid multibulk length");
    };
    decode_bulks(buf, spans, limits, count, cr)
}

/// The arguments of a multibulk of `count` whose header line ends at `cr`.
#[inline(always)]
fn decode_bulks(
    buf: &[u8],
    spans: &mut Vec<Span>,
    limits: &Limits,
    count: i64,
    cr: usize,
) -> Decoded {
    if count > i32::MAX as i64 || (count > 0 && count as u64 > limits.max_multibulk_len as u64) {
        return proto_error("invalid multibulk length");
    }
    if count > GUEST_MAX_ARGS && limits.guest {
        return proto_error("unauthenticated multibulk length");
    }
    let mut pos = cr + 2;
    if count <= 0 {
        spans.clear();
        return Decoded::Skip { consumed: pos };
    }
    let mut have = spans.len();
    if let Some(last) = spans.last() {
        // Resume after the arguments an earlier call found in this request.
        let after = last.end as usize + 2;
        if (have as i64) < count && after <= buf.len() {
            pos = after;
        } else {
            spans.clear();
            have = 0;
        }
    }
    for _ in have as i64..count {
        if buf.get(pos) == Some(&b'$') {
            if let Some((len, rcr)) = quick_number(buf, pos) {
                if len <= limits.max_bulk_len && !(len > GUEST_MAX_BULK && limits.guest) {
                    let start = rcr + 2;
                    let end = start + len;
                    if end <= MAX_OFFSET && end + 2 <= buf.len() {
                        spans.push(Span::new(start, end));
                        pos = end + 2;
                        continue;
                    }
                }
            }
        }
        let rest = &buf[pos..];
        let Some(rcr) = memchr::memchr(b'\r', rest) else {
            if rest.len() > limits.max_inline_len {
                return proto_error("too big bulk count string");
            }
            return Decoded::Incomplete { need: 0 };
        };
        if rcr + 2 > rest.len() {
            return Decoded::Incomplete { need: 0 };
        }
        if rest[0] != b'$' {
            let got = rest[0] as char;
            return proto_error(&format!("expected '$', got '{got}'"));
        }
        let len = match parse_i64(&rest[1..rcr]) {
            Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len as u64 => n as usize,
            _ => return proto_error("invalid bulk length"),
        };
        if len > GUEST_MAX_BULK && limits.guest {
            return proto_error("unauthenticated bulk length");
        }
        let start = pos + rcr + 2;
        // Like Redis, the two bytes after the payload are skipped, not checked.
        let end = start + len;
        if end > MAX_OFFSET {
            // Past what a span can point to (limits raised beyond 4 GB):
            // refused, never truncated.
            return proto_error("invalid bulk length");
        }
        if end + 2 > buf.len() {
            return Decoded::Incomplete { need: end + 2 };
        }
        spans.push(Span::new(start, end));
        pos = end + 2;
    }
    Decoded::Command { consumed: pos }
}

fn decode_inline(buf: &mut [u8], spans: &mut Vec<Span>, limits: &Limits) -> Decoded {
    spans.clear();
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > limits.max_inline_len {
            return proto_error("too big inline request");
        }
        return Decoded::Incomplete { need: 0 };
    };
    if nl > MAX_OFFSET {
        return proto_error("too big inline request");
    }
    let mut line_end = nl;
    if line_end > 0 && buf[line_end - 1] == b'\r' {
        line_end -= 1;
    }
    if split_args(&mut buf[..line_end], spans).is_err() {
        return proto_error("unbalanced quotes in request");
    }
    if spans.is_empty() {
        Decoded::Skip { consumed: nl + 1 }
    } else {
        Decoded::Command { consumed: nl + 1 }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits an inline line into arguments with Redis's `sdssplitargs` rules
/// (double quotes with `\n \r \t \b \a \xHH` escapes, single quotes with `\'`),
/// unescaping in place. Like Redis, a NUL byte ends the line.
fn split_args(line: &mut [u8], spans: &mut Vec<Span>) -> Result<(), ()> {
    let n = line.iter().position(|&c| c == 0).unwrap_or(line.len());
    let at = |line: &[u8], i: usize| if i < n { line[i] } else { 0 };
    let mut p = 0;
    loop {
        while p < n && is_space(line[p]) {
            p += 1;
        }
        if p >= n {
            return Ok(());
        }
        let start = p;
        let mut w = p; // write cursor, never ahead of p
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = at(line, p);
            if inq {
                if c == b'\\'
                    && at(line, p + 1) == b'x'
                    && hex_val(at(line, p + 2)).is_some()
                    && hex_val(at(line, p + 3)).is_some()
                {
                    line[w] =
                        hex_val(line[p + 2]).unwrap_or(0) * 16 + hex_val(line[p + 3]).unwrap_or(0);
                    w += 1;
                    p += 3;
                } else if c == b'\\' && at(line, p + 1) != 0 {
                    p += 1;
                    line[w] = match line[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    };
                    w += 1;
                } else if c == b'"' {
                    let next = at(line, p + 1);
                    if next != 0 && !is_space(next) {
                        return Err(());
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(());
                } else {
                    line[w] = c;
                    w += 1;
                }
            } else if insq {
                if c == b'\\' && at(line, p + 1) == b'\'' {
                    p += 1;
                    line[w] = b'\'';
                    w += 1;
                } else if c == b'\'' {
                    let next = at(line, p + 1);
                    if next != 0 && !is_space(next) {
                        return Err(());
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(());
                } else {
                    line[w] = c;
                    w += 1;
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => {
                        line[w] = c;
                        w += 1;
                    }
                }
            }
            p += 1;
        }
        spans.push(Span::new(start, w));
    }
}

/// Parses a signed 64-bit integer exactly as Redis's `string2ll` does: no sign
/// other than a leading `-`, no leading zeros, no spaces, at most 20 characters.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

#[cfg(test)]
mod tests;

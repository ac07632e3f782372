//! What several families share: argument parsing with Redis's exact rules
//! and error texts (keywords compared as C strings, up to a NUL, like
//! `strcasecmp`; the `getRangeLongFromObjectOrReply` family; SCAN cursors
//! (`strtoul`) and SCAN options), the bound on repeated random picks
//! ([`MAX_REPEATED`]), and the replies of `… HELP` ([`write_help`]) and of an
//! unknown subcommand ([`subcommand_syntax`]).

use kevy_rt::Args;

use super::Local;
use crate::accounting::names::ClientName;
use crate::base::error::{cstr, Error, OpResult};
use crate::base::glob::stringmatch;
use crate::base::num::{int_arg, parse_i64};
use crate::base::resp::{self, Reply};
use crate::model::types::list::End;
use crate::model::value::Value;

/// Most elements a negative count may ask of SRANDMEMBER or HRANDFIELD
/// while normal clients have no output hard limit. Redis has no bound and
/// would build the reply until memory runs out; kevy answers `ERR value is
/// out of range` past it.
pub const MAX_REPEATED: u64 = 1 << 26;

/// Whether `n` repeated random picks may be written into a reply now
/// `len` bytes long, and the length past which they stop: with an output
/// hard limit (`cap`), any count, stopped once the reply passes it (its
/// client is closed for it, as Redis's loop stops when the client is to be
/// closed); without one, at most [`MAX_REPEATED`], written whole.
pub fn repeats_allowed(n: i64, len: usize, cap: Option<usize>) -> Result<usize, Error> {
    match cap {
        Some(cap) => Ok(len.saturating_add(cap)),
        None if n.unsigned_abs() > MAX_REPEATED => Err(OUT_OF_RANGE),
        None => Ok(usize::MAX),
    }
}

/// `getPositiveLongFromObjectOrReply`'s default message.
pub const MUST_BE_POSITIVE: Error = Error::Message("ERR value is out of range, must be positive");
/// `getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)`'s message.
pub const NOT_LONG_MIN: Error = Error::Message(
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
);
/// The bare out-of-range message (HRANDFIELD … WITHVALUES).
pub const OUT_OF_RANGE: Error = Error::Message("ERR value is out of range");
/// A malformed SCAN cursor.
pub const INVALID_CURSOR: Error = Error::Message("ERR invalid cursor");

/// True when `arg` is the keyword `kw` (ASCII case folded, compared up to a
/// NUL as C's `strcasecmp` does).
#[inline]
pub fn keyword(arg: &[u8], kw: &str) -> bool {
    cstr(arg).eq_ignore_ascii_case(kw.as_bytes())
}

/// An integer argument `>= 0`; `msg` for anything else, non-integers
/// included (`getPositiveLongFromObjectOrReply` with a message).
pub fn non_negative(arg: &[u8], msg: Error) -> OpResult<i64> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(msg),
    }
}

/// An integer argument `>= 1`; `msg` for anything else.
pub fn positive(arg: &[u8], msg: Error) -> OpResult<i64> {
    match parse_i64(arg) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(msg),
    }
}

/// An integer argument in `-i64::MAX..=i64::MAX` (`-LONG_MAX..LONG_MAX`).
pub fn long_not_min(arg: &[u8]) -> OpResult<i64> {
    match parse_i64(arg) {
        None => Err(Error::NotInteger),
        Some(i64::MIN) => Err(NOT_LONG_MIN),
        Some(n) => Ok(n),
    }
}

/// `LEFT` or `RIGHT` (Redis's `getListPositionFromObjectOrReply`).
pub fn end(arg: &[u8]) -> OpResult<End> {
    if keyword(arg, "right") {
        Ok(End::Right)
    } else if keyword(arg, "left") {
        Ok(End::Left)
    } else {
        Err(Error::Syntax)
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// A SCAN cursor as Redis 7.0's `parseScanCursorOrReply` reads it: C's
/// `strtoul` over the argument up to its first NUL, refusing a leading space,
/// trailing garbage and overflow. `strtoul`'s quirks come along: an empty
/// cursor is 0, a sign is accepted and `-n` wraps around.
pub fn scan_cursor(arg: &[u8]) -> OpResult<u64> {
    let s = cstr(arg);
    let Some(&first) = s.first() else {
        return Ok(0);
    };
    if is_c_space(first) {
        return Err(INVALID_CURSOR);
    }
    let (neg, digits) = match first {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(INVALID_CURSOR);
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((d - b'0') as u64))
            .ok_or(INVALID_CURSOR)?;
    }
    Ok(if neg { n.wrapping_neg() } else { n })
}

/// SCAN's `[MATCH pattern] [COUNT count] [TYPE type]` options.
#[derive(Clone, Copy, Debug)]
pub struct ScanOpts<'a> {
    /// Elements to visit per call (at least 1).
    pub count: usize,
    /// The glob elements must match, when not `*`.
    pub pattern: Option<&'a [u8]>,
    /// The type keys must have (SCAN only).
    pub ty: Option<&'a [u8]>,
}

impl ScanOpts<'_> {
    /// True when `element` passes the MATCH filter.
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern.is_none_or(|p| stringmatch(p, element, false))
    }
}

/// Parses SSCAN/HSCAN options from argument `from` on (Redis's
/// `scanGenericCommand` step 1; later options win).
pub fn scan_opts(args: Args<'_>, from: usize) -> OpResult<ScanOpts<'_>> {
    parse_scan_opts(args, from, false)
}

/// Parses SCAN's options, TYPE included, from argument `from` on.
pub fn scan_opts_typed(args: Args<'_>, from: usize) -> OpResult<ScanOpts<'_>> {
    parse_scan_opts(args, from, true)
}

fn parse_scan_opts(args: Args<'_>, from: usize, typed: bool) -> OpResult<ScanOpts<'_>> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        ty: None,
    };
    let mut i = from;
    while i < args.len() {
        let more = args.len() - i >= 2;
        if more && keyword(args.at(i), "count") {
            let n = parse_i64(args.at(i + 1)).ok_or(Error::NotInteger)?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if more && keyword(args.at(i), "match") {
            let p = args.at(i + 1);
            o.pattern = (p != b"*").then_some(p);
        } else if more && typed && keyword(args.at(i), "type") {
            o.ty = Some(args.at(i + 1));
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    Ok(o)
}

/// Appends a SCAN reply header: the cursor (as a bulk) and the length of the
/// element array that follows.
pub fn scan_reply_header(out: &mut Reply<'_>, cursor: u64, n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut c = cursor;
    loop {
        i -= 1;
        buf[i] = b'0' + (c % 10) as u8;
        c /= 10;
        if c == 0 {
            break;
        }
    }
    crate::base::resp::array(out, 2);
    crate::base::resp::bulk(out, &buf[i..]);
    crate::base::resp::array(out, n);
}

/// Redis's `addReplySubcommandSyntaxError`.
pub fn subcommand_syntax(args: Args<'_>, out: &mut Vec<u8>) {
    let mut m = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    let sub = cstr(args.at(1));
    m.extend_from_slice(&sub[..sub.len().min(128)]);
    m.extend_from_slice(b"'. Try ");
    m.extend(cstr(args.at(0)).iter().map(u8::to_ascii_uppercase));
    m.extend_from_slice(b" HELP.");
    crate::base::error::write_sanitized(out, &m);
}

/// Appends a `… HELP` reply: one simple string per line.
pub fn write_help(out: &mut Vec<u8>, lines: &[&str]) {
    resp::array(out, lines.len());
    for l in lines {
        resp::simple(out, l.as_bytes());
    }
}

/// True when `name` may name a client: printable ASCII without spaces
/// (Redis's `validateClientName`), or empty (no name).
pub fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Names the calling connection (no name for an empty `name`), as `CLIENT
/// SETNAME` and `HELLO … SETNAME` do; Redis's error when it may not name a
/// client.
pub fn set_name(c: &mut Local<'_>, name: &[u8]) -> Result<(), &'static [u8]> {
    if !valid_name(name) {
        return Err(b"ERR Client names cannot contain spaces, newlines or special characters.");
    }
    // The old name leaves the registry before the new one enters it.
    c.session.name = None;
    if !name.is_empty() {
        let names = &c.shard.server.shared.names;
        c.session.name = Some(ClientName::new(names, c.cx.client.id, name));
    }
    Ok(())
}

/// Validates a SELECT index against `databases`.
pub fn op_select(arg: &[u8], databases: usize) -> Result<usize, Error> {
    let n = int_arg(arg)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(Error::IntOutOfRange);
    }
    if n < 0 || n as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// The encoding Redis 7.0 reports for the same value: strings by their
/// shape (`int`, `embstr` up to 44 bytes unless modified in place, `raw`), lists always `quicklist`,
/// hashes `listpack` or `hashtable`, sets `intset` or `hashtable`, sorted
/// sets `listpack` or `skiplist`.
pub fn encoding_name(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "int",
        Value::Str(s) if crate::model::value::is_embstr(s) => "embstr",
        Value::Str(_) => "raw",
        Value::List(_) => "quicklist",
        Value::Hash(h) if h.is_packed() => "listpack",
        Value::Set(s) if s.is_intset() => "intset",
        Value::Hash(_) | Value::Set(_) => "hashtable",
        Value::ZSet(z) if z.is_packed() => "listpack",
        Value::ZSet(_) => "skiplist",
        Value::Stream(_) => "stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(scan_cursor(b"0"), Ok(0));
        assert_eq!(scan_cursor(b""), Ok(0));
        assert_eq!(scan_cursor(b"+5"), Ok(5));
        assert_eq!(scan_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(scan_cursor(b"-0"), Ok(0));
        assert_eq!(scan_cursor(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(scan_cursor(b"5\0zz"), Ok(5));
        for bad in [
            &b" 5"[..],
            b"\t5",
            b"5x",
            b"+",
            b"-",
            b"0x10",
            b"18446744073709551616",
            b"abc",
        ] {
            assert_eq!(scan_cursor(bad), Err(INVALID_CURSOR), "{bad:?}");
        }
    }

    #[test]
    fn keywords_stop_at_nul() {
        assert!(keyword(b"LEFT", "left"));
        assert!(keyword(b"left\0junk", "left"));
        assert!(!keyword(b"lefty", "left"));
        assert_eq!(end(b"Right"), Ok(End::Right));
        assert_eq!(end(b"up"), Err(Error::Syntax));
    }
}

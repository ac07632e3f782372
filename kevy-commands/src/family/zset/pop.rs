//! Removal from the ends and sampling: ZPOPMIN, ZPOPMAX, ZMPOP, ZRANDMEMBER,
//! and ZSCAN.

use kevy_rt::Args;

use super::{drop_if_empty, read, reply_err};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::float::{fmt_d2string, fmt_double, write_double, DOUBLE_BUF};
use crate::base::glob::stringmatch;
use crate::base::num::int_arg;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::Call;
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

/// A negative ZPOP count.
const NOT_POSITIVE: Error = Error::Message("ERR value is out of range, must be positive");
/// A bad ZMPOP numkeys.
const BAD_NUMKEYS: Error = Error::Message("ERR numkeys should be greater than 0");
/// A bad ZMPOP COUNT.
const BAD_COUNT: Error = Error::Message("ERR count should be greater than 0");
/// ZRANDMEMBER's count of `i64::MIN`.
const COUNT_RANGE: Error = Error::Message(
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
);
/// ZRANDMEMBER WITHSCORES with a count whose reply would overflow.
const OUT_OF_RANGE: Error = Error::Message("ERR value is out of range");
/// A reply kevy refuses to build (see [`MAX_RANDOM`]).
const TOO_MANY: Error = Error::Message("ERR count is too large for a reply");
/// A SCAN cursor that is not an unsigned integer.
const BAD_CURSOR: Error = Error::Message("ERR invalid cursor");

/// Most members one ZRANDMEMBER with a negative count returns. Redis streams
/// any count (until the client's output limit closes it); kevy builds a reply
/// in memory, so it refuses counts that would exhaust it.
const MAX_RANDOM: u64 = 1 << 24;

/// How popped members are replied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PopShape {
    /// ZPOPMIN without a count: `member score`, flat in both protocols.
    One,
    /// ZPOPMIN with a count: flat pairs in RESP2, `[member, score]` pairs
    /// in RESP3.
    Counted,
    /// ZMPOP's `[key, [[member, score] …]]`.
    Keyed,
}

/// Pops up to `count` members of the sorted set at `key` from one end and
/// appends them as `shape` says. Deletes the key once empty.
pub(super) fn op_pop(
    db: &mut Db,
    key: &[u8],
    max: bool,
    count: usize,
    shape: PopShape,
    now: &Clock,
    out: &mut Reply<'_>,
) -> OpResult<bool> {
    let Some(z) = read(db, key, now)? else {
        return Ok(false);
    };
    let n = count.min(z.len());
    let nested = match shape {
        PopShape::Keyed => {
            resp::array(out, 2);
            resp::bulk(out, key);
            resp::array(out, n);
            true
        }
        PopShape::Counted if out.resp3() => {
            resp::array(out, n);
            true
        }
        _ => {
            resp::array(out, n * 2);
            false
        }
    };
    for _ in 0..n {
        let Some((m, s)) = z.pop(max) else { break };
        if nested {
            resp::array(out, 2);
        }
        resp::bulk(out, &m);
        write_double(out, s);
    }
    drop_if_empty(db, key, now);
    Ok(true)
}

fn zpop_generic(c: &mut Call<'_>, max: bool) {
    let r = (|| -> OpResult<()> {
        if c.args.len() > 3 {
            return Err(Error::Syntax);
        }
        let count = match c.args.get(2) {
            Some(a) => int_arg(a)
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(NOT_POSITIVE)?,
            None => 1,
        };
        let exists = read(c.db, c.args.at(1), &c.now)?.is_some();
        if !exists || count == 0 {
            resp::array(c.out, 0);
            return Ok(());
        }
        let shape = if c.args.len() == 3 {
            PopShape::Counted
        } else {
            PopShape::One
        };
        op_pop(c.db, c.args.at(1), max, count, shape, &c.now, c.out).map(drop)
    })();
    reply_err(r, c);
}

/// ZPOPMIN key \[count\]
pub fn zpopmin(c: &mut Call<'_>) {
    zpop_generic(c, false);
}

/// ZPOPMAX key \[count\]
pub fn zpopmax(c: &mut Call<'_>) {
    zpop_generic(c, true);
}

/// A parsed ZMPOP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mpop {
    /// Argument range of the keys.
    pub keys: std::ops::Range<usize>,
    /// MAX rather than MIN.
    pub max: bool,
    /// How many to pop.
    pub count: usize,
}

/// Redis's `zmpopGenericCommand` parsing.
pub(super) fn parse_zmpop(args: Args<'_>) -> OpResult<Mpop> {
    let n = int_arg(args.at(1)).map_err(|_| BAD_NUMKEYS)?;
    if n < 1 {
        return Err(BAD_NUMKEYS);
    }
    let where_at = (n as u64).checked_add(2).filter(|&w| w < args.len() as u64);
    let Some(where_at) = where_at.map(|w| w as usize) else {
        return Err(Error::Syntax);
    };
    let w = cstr(args.at(where_at));
    let max = if w.eq_ignore_ascii_case(b"min") {
        false
    } else if w.eq_ignore_ascii_case(b"max") {
        true
    } else {
        return Err(Error::Syntax);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count.is_none() && cstr(args.at(j)).eq_ignore_ascii_case(b"count") && more > 0 {
            let v = int_arg(args.at(j + 1)).map_err(|_| BAD_COUNT)?;
            count = Some(
                usize::try_from(v)
                    .ok()
                    .filter(|&v| v >= 1)
                    .ok_or(BAD_COUNT)?,
            );
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(Mpop {
        keys: 2..where_at,
        max,
        count: count.unwrap_or(1),
    })
}

/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
pub fn zmpop(c: &mut Call<'_>) {
    let r = parse_zmpop(c.args).and_then(|req| {
        for i in req.keys {
            if op_pop(
                c.db,
                c.args.at(i),
                req.max,
                req.count,
                PopShape::Keyed,
                &c.now,
                c.out,
            )? {
                return Ok(());
            }
        }
        resp::null_array(c.out);
        Ok(())
    });
    reply_err(r, c);
}

/// A small xorshift generator seeded from the clock and the set's address.
struct Rng(u64);

impl Rng {
    fn new(z: &ZSet) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((t ^ (z as *const ZSet as u64).rotate_left(32)) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Appends one member (and its score) to a ZRANDMEMBER reply.
fn write_one(out: &mut Reply<'_>, (m, s): (&[u8], f64), withscores: bool) {
    if withscores {
        resp::pair(out);
    }
    resp::bulk(out, m);
    if withscores {
        write_double(out, s);
    }
}

/// ZRANDMEMBER with a count: Redis's `zrandmemberWithCountCommand` cases.
fn op_randmember(z: &ZSet, count: i64, withscores: bool, out: &mut Reply<'_>) -> OpResult<()> {
    let size = z.len();
    let per = if withscores && !out.resp3() { 2 } else { 1 };
    let mut rng = Rng::new(z);
    if count < 0 || count == 1 {
        let n = count.unsigned_abs();
        if n > MAX_RANDOM {
            return Err(TOO_MANY);
        }
        resp::array(out, n as usize * per);
        for _ in 0..n {
            if let Some(e) = z.get(rng.below(size)) {
                write_one(out, e, withscores);
            }
        }
        return Ok(());
    }
    let count = count as usize;
    if count == 0 {
        resp::array(out, 0);
        return Ok(());
    }
    if count >= size {
        // The whole set, as Redis iterates it: from the highest.
        resp::array(out, size * per);
        for e in z.iter(size - 1, true) {
            write_one(out, e, withscores);
        }
        return Ok(());
    }
    // `count` distinct ranks (Floyd's sampling), in random order.
    let mut picked: Vec<usize> = Vec::with_capacity(count);
    let mut seen = hashbrown::HashSet::with_capacity(count);
    for j in size - count..size {
        let t = rng.below(j + 1);
        let r = if seen.insert(t) { t } else { j };
        seen.insert(r);
        picked.push(r);
    }
    for i in (1..picked.len()).rev() {
        picked.swap(i, rng.below(i + 1));
    }
    if z.is_packed() {
        // Redis samples a listpack in its order.
        picked.sort_unstable();
    }
    resp::array(out, count * per);
    for r in picked {
        if let Some(e) = z.get(r) {
            write_one(out, e, withscores);
        }
    }
    Ok(())
}

/// ZRANDMEMBER key \[count \[WITHSCORES\]\]
pub fn zrandmember(c: &mut Call<'_>) {
    let r = (|| -> OpResult<()> {
        if c.args.len() >= 3 {
            let count = int_arg(c.args.at(2))?;
            if count == i64::MIN {
                return Err(COUNT_RANGE);
            }
            let ws = c.args.len() == 4;
            if c.args.len() > 4 || (ws && !cstr(c.args.at(3)).eq_ignore_ascii_case(b"withscores")) {
                return Err(Error::Syntax);
            }
            if ws && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
                return Err(OUT_OF_RANGE);
            }
            return match read(c.db, c.args.at(1), &c.now)? {
                Some(z) => op_randmember(z, count, ws, c.out),
                None => {
                    resp::array(c.out, 0);
                    Ok(())
                }
            };
        }
        match read(c.db, c.args.at(1), &c.now)? {
            Some(z) => {
                let mut rng = Rng::new(z);
                resp::bulk_or_null(c.out, z.get(rng.below(z.len())).map(|e| e.0));
            }
            None => resp::null(c.out),
        }
        Ok(())
    })();
    reply_err(r, c);
}

/// Parses a SCAN cursor as Redis's `parseScanCursorOrReply` (`strtoul`): a
/// leading sign is allowed (`-1` wraps), the empty string is 0.
pub(super) fn parse_cursor(s: &[u8]) -> OpResult<u64> {
    let s = cstr(s);
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return if s.is_empty() { Ok(0) } else { Err(BAD_CURSOR) };
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(BAD_CURSOR);
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or(BAD_CURSOR)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// ZSCAN's options after the cursor.
fn scan_opts(args: Args<'_>) -> OpResult<(usize, Option<&[u8]>)> {
    let (mut count, mut pattern) = (10usize, None);
    let mut i = 3;
    while i < args.len() {
        let left = args.len() - i;
        let opt = cstr(args.at(i));
        if opt.eq_ignore_ascii_case(b"count") && left >= 2 {
            let n = int_arg(args.at(i + 1))?;
            count = usize::try_from(n)
                .ok()
                .filter(|&n| n >= 1)
                .ok_or(Error::Syntax)?;
        } else if opt.eq_ignore_ascii_case(b"match") && left >= 2 {
            let p = args.at(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    Ok((count, pattern))
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
pub fn zscan(c: &mut Call<'_>) {
    let r = (|| -> OpResult<()> {
        let cursor = parse_cursor(c.args.at(2))?;
        let Some(z) = read(c.db, c.args.at(1), &c.now)? else {
            c.out.extend_from_slice(b"*2\r\n$1\r\n0\r\n*0\r\n");
            return Ok(());
        };
        let (count, pattern) = scan_opts(c.args)?;
        let packed = z.is_packed();
        let mut items: Vec<(&[u8], f64)> = Vec::new();
        let next = z.scan(cursor, count, |m, s| {
            if pattern.is_none_or(|p| stringmatch(p, m, false)) {
                items.push((m, s));
            }
        });
        resp::array(c.out, 2);
        resp::bulk_int(c.out, next as i64);
        resp::array(c.out, items.len() * 2);
        for (m, s) in items {
            resp::bulk(c.out, m);
            let mut buf = DOUBLE_BUF;
            let text = if packed {
                fmt_d2string(s, &mut buf)
            } else {
                fmt_double(s, &mut buf)
            };
            resp::bulk(c.out, text);
        }
        Ok(())
    })();
    reply_err(r, c);
}

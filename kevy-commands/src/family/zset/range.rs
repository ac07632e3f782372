//! Ranges: the grammar of score (`(1.5`, `-inf`), lex (`[a`, `(b`, `-`,
//! `+`) and rank ranges, and the commands built on it: ZRANGE (BYSCORE,
//! BYLEX, REV, LIMIT, WITHSCORES), ZRANGEBYSCORE, ZREVRANGEBYSCORE,
//! ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and
//! ZREMRANGEBYRANK / SCORE / LEX.

use kevy_rt::Args;

use super::{drop_if_empty, read, reply_err, store, write_members};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::float::parse_bound;
use crate::base::num::int_arg;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::Call;
use crate::model::value::Bytes;
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

/// A score bound that does not parse.
pub(super) const NOT_FLOAT: Error = Error::Message("ERR min or max is not a float");
/// A lex bound that does not parse.
pub(super) const NOT_LEX: Error = Error::Message("ERR min or max not valid string range item");
/// LIMIT on a rank range.
const LIMIT_RANK: Error = Error::Message(
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
);
/// WITHSCORES on a lex range.
const LEX_SCORES: Error =
    Error::Message("ERR syntax error, WITHSCORES not supported in combination with BYLEX");

/// A score range: Redis's `zrangespec`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

impl ScoreRange {
    /// Redis's `zslParseRange`.
    pub fn parse(min: &[u8], max: &[u8]) -> OpResult<ScoreRange> {
        let bound = |s: &[u8]| match s.first() {
            Some(b'(') => parse_bound(&s[1..]).map(|v| (v, true)),
            _ => parse_bound(s).map(|v| (v, false)),
        };
        let (min, minex) = bound(min).ok_or(NOT_FLOAT)?;
        let (max, maxex) = bound(max).ok_or(NOT_FLOAT)?;
        Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }
}

/// One end of a lex range.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lex {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[x`.
    Incl(Bytes),
    /// `(x`.
    Excl(Bytes),
}

/// A lex range: Redis's `zlexrangespec`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    min: Lex,
    max: Lex,
}

impl LexRange {
    /// Redis's `zslParseLexRange`.
    pub fn parse(min: &[u8], max: &[u8]) -> OpResult<LexRange> {
        let item = |s: &[u8]| match s.first() {
            Some(b'+') if cstr(s).len() == 1 => Ok(Lex::Max),
            Some(b'-') if cstr(s).len() == 1 => Ok(Lex::Min),
            Some(b'(') => Ok(Lex::Excl(Bytes::from_slice(&s[1..]))),
            Some(b'[') => Ok(Lex::Incl(Bytes::from_slice(&s[1..]))),
            _ => Err(NOT_LEX),
        };
        Ok(LexRange {
            min: item(min)?,
            max: item(max)?,
        })
    }

    fn gte_min(&self, v: &[u8]) -> bool {
        match &self.min {
            Lex::Min => true,
            Lex::Max => false,
            Lex::Incl(b) => v >= &b[..],
            Lex::Excl(b) => v > &b[..],
        }
    }

    fn lte_max(&self, v: &[u8]) -> bool {
        match &self.max {
            Lex::Max => true,
            Lex::Min => false,
            Lex::Incl(b) => v <= &b[..],
            Lex::Excl(b) => v < &b[..],
        }
    }
}

/// A range over members, by score or by lex.
#[derive(Clone, Debug, PartialEq)]
pub enum Bounds {
    /// By score.
    Score(ScoreRange),
    /// By member.
    Lex(LexRange),
}

/// Redis's `sdscmplex` of two lex range ends: `-` below and `+` above
/// every string.
fn cmp_lex(a: &Lex, b: &Lex) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Lex::Min, Lex::Min) | (Lex::Max, Lex::Max) => Equal,
        (Lex::Min, _) | (_, Lex::Max) => Less,
        (Lex::Max, _) | (_, Lex::Min) => Greater,
        (Lex::Incl(x) | Lex::Excl(x), Lex::Incl(y) | Lex::Excl(y)) => x.cmp(y),
    }
}

impl Bounds {
    /// True when the bounds select nothing whatever the set.
    fn never(&self) -> bool {
        match self {
            Bounds::Score(r) => r.min > r.max || (r.min == r.max && (r.minex || r.maxex)),
            Bounds::Lex(r) => {
                let ex = |l: &Lex| !matches!(l, Lex::Incl(_));
                match cmp_lex(&r.min, &r.max) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => ex(&r.min) || ex(&r.max),
                    std::cmp::Ordering::Less => false,
                }
            }
        }
    }

    /// Redis's `…IsInRange` / `…IsInLexRange`: the bounds can select
    /// something, the last member is not below them and the first not above.
    fn in_range(&self, z: &ZSet) -> bool {
        let (Some((fm, fs)), Some((lm, ls))) =
            (z.get(0), z.len().checked_sub(1).and_then(|r| z.get(r)))
        else {
            return false;
        };
        !self.never() && self.gte_min(lm, ls) && self.lte_max(fm, fs)
    }

    fn gte_min(&self, m: &[u8], s: f64) -> bool {
        match self {
            Bounds::Score(r) => r.gte_min(s),
            Bounds::Lex(r) => r.gte_min(m),
        }
    }

    fn lte_max(&self, m: &[u8], s: f64) -> bool {
        match self {
            Bounds::Score(r) => r.lte_max(s),
            Bounds::Lex(r) => r.lte_max(m),
        }
    }

    /// Rank of the first member in range (Redis's `…FirstInRange`).
    fn first(&self, z: &ZSet) -> Option<usize> {
        if !self.in_range(z) {
            return None;
        }
        let r = z.first_not(|m, s| !self.gte_min(m, s));
        let (m, s) = z.get(r)?;
        self.lte_max(m, s).then_some(r)
    }

    /// Rank of the last member in range (Redis's `…LastInRange`).
    fn last(&self, z: &ZSet) -> Option<usize> {
        if !self.in_range(z) {
            return None;
        }
        let r = z.last_where(|m, s| self.lte_max(m, s))?;
        let (m, s) = z.get(r)?;
        self.gte_min(m, s).then_some(r)
    }

    /// Number of members in range: ZCOUNT and ZLEXCOUNT.
    pub fn count(&self, z: &ZSet) -> usize {
        let Some(first) = self.first(z) else {
            return 0;
        };
        if z.is_packed() {
            return z
                .iter(first, false)
                .take_while(|&(m, s)| self.lte_max(m, s))
                .count();
        }
        match self.last(z) {
            Some(last) if last >= first => last - first + 1,
            _ => 0,
        }
    }

    /// Removes the members in range: ZREMRANGEBYSCORE and ZREMRANGEBYLEX.
    /// A compact set starts at its first member in range; a skiplist, like
    /// Redis's `zslDeleteRangeBy…`, at the first member not below the range,
    /// without the whole-range check.
    fn remove(&self, z: &mut ZSet) -> usize {
        let first = if z.is_packed() {
            self.first(z)
        } else {
            Some(z.first_not(|m, s| !self.gte_min(m, s)))
        };
        let Some(first) = first else {
            return 0;
        };
        let n = z
            .iter(first, false)
            .take_while(|&(m, s)| self.lte_max(m, s))
            .count();
        match n {
            0 => 0,
            n => z.remove_ranks(first, first + n - 1),
        }
    }
}

/// What a ZRANGE-family command selects.
#[derive(Clone, Debug, PartialEq)]
pub enum Select {
    /// Ranks `start..=end`, Redis-style (negative from the end).
    Rank(i64, i64),
    /// Members in bounds, skipping `offset`, at most `limit` (negative: all).
    Bounds(Bounds, i64, i64),
}

/// A parsed ZRANGE-family request.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeReq {
    /// What is selected.
    pub select: Select,
    /// Descending order.
    pub rev: bool,
    /// Reply with scores.
    pub withscores: bool,
}

/// How a ZRANGE-family command reads its range (`ZRANGE_AUTO…`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Redis's `zrangeGenericCommand` parsing for the command whose source key is
/// at `src`; `rev` is `None` where REV is allowed.
pub(super) fn parse_range(
    args: Args<'_>,
    src: usize,
    store: bool,
    mut kind: Kind,
    rev: Option<bool>,
) -> OpResult<RangeReq> {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut reverse = rev.unwrap_or(false);
    let mut j = src + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let opt = cstr(args.at(j));
        let is = |w: &[u8]| opt.eq_ignore_ascii_case(w);
        if !store && is(b"withscores") {
            withscores = true;
        } else if is(b"limit") && left >= 2 {
            offset = int_arg(args.at(j + 1))?;
            limit = int_arg(args.at(j + 2))?;
            j += 2;
        } else if rev.is_none() && !reverse && is(b"rev") {
            reverse = true;
        } else if kind == Kind::Auto && is(b"bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && is(b"byscore") {
            kind = Kind::Score;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(LIMIT_RANK);
    }
    if withscores && kind == Kind::Lex {
        return Err(LEX_SCORES);
    }
    let (mut lo, mut hi) = (args.at(src + 1), args.at(src + 2));
    if reverse && kind != Kind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let select = match kind {
        Kind::Score => Select::Bounds(Bounds::Score(ScoreRange::parse(lo, hi)?), offset, limit),
        Kind::Lex => Select::Bounds(Bounds::Lex(LexRange::parse(lo, hi)?), offset, limit),
        _ => Select::Rank(int_arg(lo)?, int_arg(hi)?),
    };
    Ok(RangeReq {
        select,
        rev: reverse,
        withscores,
    })
}

/// Redis's rank sanitizing: the clamped `start..=end` of a set of `len`
/// members, if not empty.
pub(super) fn rank_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 {
        start.saturating_add(len)
    } else {
        start
    };
    let mut end = if end < 0 {
        end.saturating_add(len)
    } else {
        end
    };
    start = start.max(0);
    if start > end || start >= len {
        return None;
    }
    end = end.min(len - 1);
    Some((start as usize, end as usize))
}

/// The members a range request selects, in reply order.
pub(super) fn collect<'a>(z: &'a ZSet, req: &RangeReq) -> Vec<(&'a [u8], f64)> {
    let len = z.len();
    match &req.select {
        Select::Rank(start, end) => {
            let Some((start, end)) = rank_range(*start, *end, len) else {
                return Vec::new();
            };
            let n = end - start + 1;
            let from = if req.rev { len - 1 - start } else { start };
            z.iter(from, req.rev).take(n).collect()
        }
        Select::Bounds(b, offset, limit) => {
            if *offset > 0 && *offset as u64 >= len as u64 {
                return Vec::new();
            }
            let from = if req.rev { b.last(z) } else { b.first(z) };
            let (Some(from), Ok(skip)) = (from, usize::try_from(*offset)) else {
                return Vec::new();
            };
            let take = usize::try_from(*limit).unwrap_or(usize::MAX);
            z.iter(from, req.rev)
                .skip(skip)
                .take(take)
                .take_while(|&(m, s)| {
                    if req.rev {
                        b.gte_min(m, s)
                    } else {
                        b.lte_max(m, s)
                    }
                })
                .collect()
        }
    }
}

/// Runs a ZRANGE-family read on `key`.
fn op_range(
    db: &mut Db,
    key: &[u8],
    req: &RangeReq,
    now: &Clock,
    out: &mut Reply<'_>,
) -> OpResult<()> {
    let Some(z) = read(db, key, now)? else {
        resp::array(out, 0);
        return Ok(());
    };
    let items = collect(z, req);
    write_members(out, items.len(), items.into_iter(), req.withscores);
    Ok(())
}

fn range_generic(c: &mut Call<'_>, kind: Kind, rev: Option<bool>) {
    let r = parse_range(c.args, 1, false, kind, rev)
        .and_then(|req| op_range(c.db, c.args.at(1), &req, &c.now, c.out));
    reply_err(r, c);
}

/// ZRANGE key start stop \[BYSCORE | BYLEX\] \[REV\] \[LIMIT offset count\] \[WITHSCORES\]
pub fn zrange(c: &mut Call<'_>) {
    range_generic(c, Kind::Auto, None);
}

/// ZREVRANGE key start stop \[WITHSCORES\]
pub fn zrevrange(c: &mut Call<'_>) {
    range_generic(c, Kind::Rank, Some(true));
}

/// ZRANGEBYSCORE key min max \[WITHSCORES\] \[LIMIT offset count\]
pub fn zrangebyscore(c: &mut Call<'_>) {
    range_generic(c, Kind::Score, Some(false));
}

/// ZREVRANGEBYSCORE key max min \[WITHSCORES\] \[LIMIT offset count\]
pub fn zrevrangebyscore(c: &mut Call<'_>) {
    range_generic(c, Kind::Score, Some(true));
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(c: &mut Call<'_>) {
    range_generic(c, Kind::Lex, Some(false));
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(c: &mut Call<'_>) {
    range_generic(c, Kind::Lex, Some(true));
}

/// Orders a ZRANGESTORE's members (in reply order) for storing, and says
/// whether it is a rank range (Redis creates the destination as a skiplist
/// when a rank range holds more members than `zset-max-listpack-entries`;
/// the caller decides with the threshold).
pub(super) fn for_store<M>(mut items: Vec<(M, f64)>, req: &RangeReq) -> (Vec<(M, f64)>, bool) {
    if req.rev {
        items.reverse();
    }
    let rank = matches!(req.select, Select::Rank(..));
    (items, rank)
}

/// ZRANGESTORE with source and destination on this shard.
fn op_zrangestore(db: &mut Db, args: Args<'_>, req: &RangeReq, now: &Clock) -> OpResult<usize> {
    let enc = db.enc();
    let z = match read(db, args.at(2), now)? {
        Some(src) => {
            let (items, rank) = for_store(collect(src, req), req);
            ZSet::from_sorted_added(&items, rank && items.len() > enc.zset_entries, &enc)
        }
        None => ZSet::default(),
    };
    Ok(store(db, args.at(1), z, now))
}

/// ZRANGESTORE dst src min max \[BYSCORE | BYLEX\] \[REV\] \[LIMIT offset count\]
pub fn zrangestore(c: &mut Call<'_>) {
    let r = parse_range(c.args, 2, true, Kind::Auto, None)
        .and_then(|req| op_zrangestore(c.db, c.args, &req, &c.now))
        .map(|n| resp::int(c.out, n as i64));
    reply_err(r, c);
}

fn count_generic(c: &mut Call<'_>, bounds: OpResult<Bounds>) {
    let r = bounds.and_then(|b| {
        let n = read(c.db, c.args.at(1), &c.now)?.map_or(0, |z| b.count(z));
        resp::int(c.out, n as i64);
        Ok(())
    });
    reply_err(r, c);
}

/// ZCOUNT key min max
pub fn zcount(c: &mut Call<'_>) {
    let b = ScoreRange::parse(c.args.at(2), c.args.at(3)).map(Bounds::Score);
    count_generic(c, b);
}

/// ZLEXCOUNT key min max
pub fn zlexcount(c: &mut Call<'_>) {
    let b = LexRange::parse(c.args.at(2), c.args.at(3)).map(Bounds::Lex);
    count_generic(c, b);
}

/// What a ZREMRANGEBY* removes.
enum Removal {
    Ranks(i64, i64),
    Bounds(Bounds),
}

fn op_remrange(db: &mut Db, key: &[u8], what: &Removal, now: &Clock) -> OpResult<usize> {
    let Some(z) = read(db, key, now)? else {
        return Ok(0);
    };
    let n = match what {
        Removal::Ranks(start, end) => match rank_range(*start, *end, z.len()) {
            Some((start, end)) => z.remove_ranks(start, end),
            None => 0,
        },
        Removal::Bounds(b) => b.remove(z),
    };
    if n > 0 {
        z.shrink();
    }
    drop_if_empty(db, key, now);
    Ok(n)
}

fn remrange_generic(c: &mut Call<'_>, what: OpResult<Removal>) {
    let r = what.and_then(|w| op_remrange(c.db, c.args.at(1), &w, &c.now));
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(c: &mut Call<'_>) {
    let w = int_arg(c.args.at(2)).and_then(|s| Ok(Removal::Ranks(s, int_arg(c.args.at(3))?)));
    remrange_generic(c, w);
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(c: &mut Call<'_>) {
    let w =
        ScoreRange::parse(c.args.at(2), c.args.at(3)).map(|r| Removal::Bounds(Bounds::Score(r)));
    remrange_generic(c, w);
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(c: &mut Call<'_>) {
    let w = LexRange::parse(c.args.at(2), c.args.at(3)).map(|r| Removal::Bounds(Bounds::Lex(r)));
    remrange_generic(c, w);
}

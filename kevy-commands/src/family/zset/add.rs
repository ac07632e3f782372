//! Writes by member and point reads: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE,
//! ZMSCORE, ZRANK, ZREVRANK.

use kevy_rt::Args;

use super::{drop_if_empty, read, reply_err};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::float::{double_arg, write_double};
use crate::base::resp;
use crate::family::Call;
use crate::model::value::Value;
use crate::model::zset::{AddFlags, Added, NanScore, ZSet};
use crate::store::db::{Clock, Db};

/// ZADD's NX with XX.
const NX_XX: Error = Error::Message("ERR XX and NX options at the same time are not compatible");
/// ZADD's GT, LT and NX combined.
const GT_LT_NX: Error =
    Error::Message("ERR GT, LT, and/or NX options at the same time are not compatible");
/// ZADD INCR with several pairs.
const INCR_PAIRS: Error =
    Error::Message("ERR INCR option supports a single increment-element pair");
/// A score turned NaN.
pub(super) const NAN: Error = Error::Message("ERR resulting score is not a number (NaN)");

/// A parsed ZADD / ZINCRBY.
pub(crate) struct AddReq<'a> {
    pub(crate) flags: AddFlags,
    pub(crate) ch: bool,
    /// `(score, member)` pairs.
    pub(crate) pairs: Vec<(f64, &'a [u8])>,
}

/// Redis's `zaddGenericCommand` argument parsing, errors in its order.
fn parse_add(args: Args<'_>, incr: bool) -> OpResult<AddReq<'_>> {
    let mut flags = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut at = 2;
    while at < args.len() {
        let opt = cstr(args.at(at));
        let is = |w: &[u8]| opt.eq_ignore_ascii_case(w);
        if is(b"nx") {
            flags.nx = true;
        } else if is(b"xx") {
            flags.xx = true;
        } else if is(b"ch") {
            ch = true;
        } else if is(b"incr") {
            flags.incr = true;
        } else if is(b"gt") {
            flags.gt = true;
        } else if is(b"lt") {
            flags.lt = true;
        } else {
            break;
        }
        at += 1;
    }
    let elements = args.len() - at;
    if elements % 2 == 1 || elements == 0 {
        return Err(Error::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(NX_XX);
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(GT_LT_NX);
    }
    if flags.incr && elements > 2 {
        return Err(INCR_PAIRS);
    }
    let mut pairs = Vec::with_capacity(elements / 2);
    for i in (at..args.len()).step_by(2) {
        pairs.push((double_arg(args.at(i))?, args.at(i + 1)));
    }
    Ok(AddReq { flags, ch, pairs })
}

/// What ZADD did: counts, and INCR's resulting score (`None`: refused).
pub(crate) struct AddDone {
    pub(crate) added: i64,
    pub(crate) updated: i64,
    pub(crate) score: Option<f64>,
}

/// Applies a parsed ZADD to `key`.
pub(crate) fn op_zadd(db: &mut Db, key: &[u8], req: &AddReq<'_>, now: &Clock) -> OpResult<AddDone> {
    let r = add_pairs(db, key, req, now);
    let changed = r.as_ref().map_or(0, |d| d.added + d.updated);
    crate::store::changes::report(changed.max(0) as u64);
    r
}

/// [`op_zadd`] but for the change count.
fn add_pairs(db: &mut Db, key: &[u8], req: &AddReq<'_>, now: &Clock) -> OpResult<AddDone> {
    let mut done = AddDone {
        added: 0,
        updated: 0,
        score: None,
    };
    let enc = db.enc();
    let z = match read(db, key, now)? {
        Some(z) => z,
        None if req.flags.xx => return Ok(done),
        None => {
            let first = req.pairs.first().map_or(0, |p| p.1.len());
            db.set(
                key,
                Value::ZSet(ZSet::for_first_member(first, &enc)),
                now,
                false,
                None,
            );
            match read(db, key, now)? {
                Some(z) => z,
                None => return Ok(done),
            }
        }
    };
    for &(score, member) in &req.pairs {
        match z.add(score, member, req.flags, &enc) {
            Ok(Added::New(s)) => {
                done.added += 1;
                done.score = Some(s);
            }
            Ok(Added::Updated(s)) => {
                done.updated += 1;
                done.score = Some(s);
            }
            Ok(Added::Same(s)) => done.score = Some(s),
            Ok(Added::Refused) => {}
            Err(NanScore) => {
                drop_if_empty(db, key, now);
                return Err(NAN);
            }
        }
    }
    Ok(done)
}

fn zadd_generic(c: &mut Call<'_>, incr: bool) {
    let r = parse_add(c.args, incr).and_then(|req| {
        let done = op_zadd(c.db, c.args.at(1), &req, &c.now)?;
        if req.flags.incr {
            match done.score {
                Some(s) => write_double(c.out, s),
                None => resp::null(c.out),
            }
        } else {
            let n = if req.ch {
                done.added + done.updated
            } else {
                done.added
            };
            resp::int(c.out, n);
        }
        Ok(())
    });
    reply_err(r, c);
}

/// ZADD key \[NX | XX\] \[GT | LT\] \[CH\] \[INCR\] score member \[score member ...\]
pub fn zadd(c: &mut Call<'_>) {
    zadd_generic(c, false);
}

/// ZINCRBY key increment member
pub fn zincrby(c: &mut Call<'_>) {
    zadd_generic(c, true);
}

/// Removes `members` from `key`, deleting it once empty; returns how many
/// were removed.
fn op_zrem(db: &mut Db, key: &[u8], members: Args<'_>, now: &Clock) -> OpResult<i64> {
    let Some(z) = read(db, key, now)? else {
        return Ok(0);
    };
    let mut removed = 0;
    for m in members.iter() {
        if z.remove(m) {
            removed += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    drop_if_empty(db, key, now);
    Ok(removed)
}

/// ZREM key member [member ...]
pub fn zrem(c: &mut Call<'_>) {
    match op_zrem(c.db, c.args.at(1), c.args.skip(2), &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// ZCARD key
pub fn zcard(c: &mut Call<'_>) {
    match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => resp::int(c.out, z.map_or(0, |z| z.len() as i64)),
        Err(e) => e.write(c.args, c.out),
    }
}

/// ZSCORE key member
pub fn zscore(c: &mut Call<'_>) {
    match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => match z.and_then(|z| z.score(c.args.at(2))) {
            Some(s) => write_double(c.out, s),
            None => resp::null(c.out),
        },
        Err(e) => e.write(c.args, c.out),
    }
}

/// ZMSCORE key member [member ...]
pub fn zmscore(c: &mut Call<'_>) {
    match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => {
            let members = c.args.skip(2);
            resp::array(c.out, members.len());
            for m in members.iter() {
                match z.as_ref().and_then(|z| z.score(m)) {
                    Some(s) => write_double(c.out, s),
                    None => resp::null(c.out),
                }
            }
        }
        Err(e) => e.write(c.args, c.out),
    }
}

fn rank_generic(c: &mut Call<'_>, rev: bool) {
    match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => match z.and_then(|z| z.rank(c.args.at(2), rev)) {
            Some(r) => resp::int(c.out, r as i64),
            None => resp::null(c.out),
        },
        Err(e) => e.write(c.args, c.out),
    }
}

/// ZRANK key member
pub fn zrank(c: &mut Call<'_>) {
    rank_generic(c, false);
}

/// ZREVRANK key member
pub fn zrevrank(c: &mut Call<'_>) {
    rank_generic(c, true);
}

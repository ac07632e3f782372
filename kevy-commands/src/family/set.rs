//! Set commands (Redis's `t_set.c`): SADD, SREM, SMEMBERS, SISMEMBER,
//! SMISMEMBER, SCARD, SPOP, SRANDMEMBER and SSCAN here; SINTER, SUNION,
//! SDIFF, their STORE forms and SINTERCARD in `algebra`; SMOVE in
//! `smove`. The data structure is [`crate::model::types::set::Set`].
//!
//! A set whose last member goes is deleted with its key.

use super::opts::{self, long_not_min, non_negative, MUST_BE_POSITIVE};
use super::Call;
use crate::base::error::{Error, OpResult};
use crate::base::num::I64_BUF;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::set::{Member, Set};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

mod algebra;
mod smove;

pub use algebra::{check_sintercard, write_members};
pub use algebra::{
    gather_algebra, op_partial, op_store_members, plan_sdiff, plan_sdiffstore, plan_sinter,
    plan_sintercard, plan_sinterstore, plan_sunion, plan_sunionstore, sdiff, sdiffstore, sinter,
    sintercard, sinterstore, sunion, sunionstore, AlgebraPlan,
};
pub use smove::{op_give, op_probe, op_take, plan_smove, smove};

/// The set at `key`: `None` when missing, `WrongType` for another type.
pub(crate) fn set_mut<'a>(
    db: &'a mut Db,
    key: &[u8],
    now: &Clock,
) -> OpResult<Option<&'a mut Set>> {
    db.get(key, now).map(Value::as_set_mut).transpose()
}

/// Adds `members` to the set at `key`, creating it; returns how many were new.
pub fn op_sadd<'m>(
    db: &mut Db,
    key: &[u8],
    mut members: impl Iterator<Item = &'m [u8]>,
    now: &Clock,
) -> OpResult<i64> {
    let enc = db.enc();
    if let Some(s) = set_mut(db, key, now)? {
        return Ok(members.filter(|m| s.add(m, &enc)).count() as i64);
    }
    let Some(first) = members.next() else {
        return Ok(0);
    };
    let mut s = Set::for_member(first);
    s.add(first, &enc);
    let added = 1 + members.filter(|m| s.add(m, &enc)).count() as i64;
    db.set(key, Value::Set(s), now, false, None);
    Ok(added)
}

/// SADD key member [member ...]
pub fn sadd(c: &mut Call<'_>) {
    match op_sadd(c.db, c.args.at(1), c.args.iter().skip(2), &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Removes `members` from the set at `key`; returns how many were there.
fn op_srem<'m>(
    db: &mut Db,
    key: &[u8],
    members: impl Iterator<Item = &'m [u8]>,
    now: &Clock,
) -> OpResult<i64> {
    let Some(s) = set_mut(db, key, now)? else {
        return Ok(0);
    };
    let removed = members.filter(|m| s.remove(m)).count() as i64;
    if s.is_empty() {
        db.remove(key, now);
    }
    Ok(removed)
}

/// SREM key member [member ...]
pub fn srem(c: &mut Call<'_>) {
    match op_srem(c.db, c.args.at(1), c.args.iter().skip(2), &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// SMEMBERS key
pub fn smembers(c: &mut Call<'_>) {
    match set_mut(c.db, c.args.at(1), &c.now) {
        Ok(Some(s)) => write_members(c.out, s),
        Ok(None) => resp::set(c.out, 0),
        Err(e) => e.write(c.args, c.out),
    }
}

/// SISMEMBER key member
pub fn sismember(c: &mut Call<'_>) {
    match set_mut(c.db, c.args.at(1), &c.now) {
        Ok(s) => resp::int(c.out, s.is_some_and(|s| s.contains(c.args.at(2))) as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// SMISMEMBER key member [member ...]
pub fn smismember(c: &mut Call<'_>) {
    match set_mut(c.db, c.args.at(1), &c.now) {
        Ok(s) => {
            resp::array(c.out, c.args.len().saturating_sub(2));
            for m in c.args.iter().skip(2) {
                let is = s.as_ref().is_some_and(|s| s.contains(m));
                resp::int(c.out, is as i64);
            }
        }
        Err(e) => e.write(c.args, c.out),
    }
}

/// SCARD key
pub fn scard(c: &mut Call<'_>) {
    match set_mut(c.db, c.args.at(1), &c.now) {
        Ok(s) => resp::int(c.out, s.map_or(0, |s| s.len() as i64)),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Appends one member as a bulk.
fn write_member(out: &mut Reply<'_>, m: Member<'_>) {
    let mut buf = I64_BUF;
    resp::bulk(out, m.bytes(&mut buf));
}

/// What SPOP replies.
enum Popped {
    /// No count: one member or nothing.
    One(Option<Bytes>),
    /// With a count: the members.
    Many(Vec<Bytes>),
    /// With a count covering the set: the whole set, in its order.
    All(Set),
}

/// Pops `count` random members (one, replied as a bulk, for `None`) from the
/// set at `key`, deleting the key when it empties.
fn op_spop(db: &mut Db, key: &[u8], count: Option<usize>, now: &Clock) -> OpResult<Popped> {
    let Some(s) = set_mut(db, key, now)? else {
        return Ok(match count {
            None => Popped::One(None),
            Some(_) => Popped::Many(Vec::new()),
        });
    };
    let popped = match count {
        None => Popped::One(s.pop_random()),
        Some(0) => Popped::Many(Vec::new()),
        Some(n) if n >= s.len() => {
            return match db.remove(key, now) {
                Some(Value::Set(all)) => Ok(Popped::All(all)),
                _ => Ok(Popped::Many(Vec::new())),
            };
        }
        Some(n) => Popped::Many((0..n).filter_map(|_| s.pop_random()).collect()),
    };
    if s.is_empty() {
        db.remove(key, now);
    }
    Ok(popped)
}

/// SPOP key \[count\]
pub fn spop(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let count = match c.args.len() {
            2 => None,
            3 => {
                let n = non_negative(c.args.at(2), MUST_BE_POSITIVE)?;
                Some(usize::try_from(n).unwrap_or(usize::MAX))
            }
            _ => return Err(Error::Syntax),
        };
        op_spop(c.db, c.args.at(1), count, &c.now)
    })();
    match r {
        Ok(Popped::One(m)) => resp::bulk_or_null(c.out, m.as_deref()),
        Ok(Popped::Many(ms)) => {
            resp::set(c.out, ms.len());
            ms.iter().for_each(|m| resp::bulk(c.out, m));
        }
        Ok(Popped::All(s)) => write_members(c.out, &s),
        Err(e) => e.write(c.args, c.out),
    }
}

/// What SRANDMEMBER (with a count) replies: members drawn from `s`.
/// `cap`: the reply size past which repeated picks stop
/// ([`opts::repeats_allowed`]).
fn write_random(out: &mut Reply<'_>, s: &Set, n: i64, cap: Option<usize>) -> OpResult<()> {
    let want = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    if n < 0 || n == 1 {
        // Repeats allowed: independent draws.
        let stop = opts::repeats_allowed(n, out.len(), cap)?;
        resp::array(out, want);
        for _ in 0..want {
            if let Some(m) = s.random() {
                write_member(out, m);
            }
            if out.len() > stop {
                break;
            }
        }
    } else if want >= s.len() {
        resp::array(out, s.len());
        s.iter().for_each(|m| write_member(out, m));
    } else {
        let picks = s.distinct(want);
        resp::array(out, picks.len());
        for m in picks {
            write_member(out, m);
        }
    }
    Ok(())
}

/// SRANDMEMBER key \[count\]
pub fn srandmember(c: &mut Call<'_>) {
    let out = &mut *c.out;
    let r: OpResult<_> = (|| {
        let count = match c.args.len() {
            2 => None,
            3 => Some(long_not_min(c.args.at(2))?),
            _ => return Err(Error::Syntax),
        };
        let cap = c.db.limits().reply_cap();
        let s = set_mut(c.db, c.args.at(1), &c.now)?;
        match (count, s) {
            (None, s) => match s.and_then(|s| s.random()) {
                Some(m) => write_member(out, m),
                None => resp::null(out),
            },
            (Some(_), None) | (Some(0), _) => resp::array(out, 0),
            (Some(n), Some(s)) => write_random(out, s, n, cap)?,
        }
        Ok(())
    })();
    if let Err(e) = r {
        e.write(c.args, out);
    }
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
pub fn sscan(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let cursor = opts::scan_cursor(c.args.at(2))?;
        let Some(s) = set_mut(c.db, c.args.at(1), &c.now)? else {
            return Ok(None);
        };
        let o = opts::scan_opts(c.args, 3)?;
        let mut found = Vec::new();
        let next = s.scan(cursor, o.count, |m| {
            let mut buf = I64_BUF;
            let b = m.bytes(&mut buf);
            if o.matches(b) {
                found.push(Bytes::from_slice(b));
            }
        });
        Ok(Some((next, found)))
    })();
    match r {
        Ok(Some((next, found))) => {
            opts::scan_reply_header(c.out, next, found.len());
            found.iter().for_each(|m| resp::bulk(c.out, m));
        }
        Ok(None) => opts::scan_reply_header(c.out, 0, 0),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

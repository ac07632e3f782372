//! List commands (Redis's `t_list.c`): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP,
//! RPOP, LLEN, LRANGE, LINDEX, LSET, LTRIM here; LINSERT, LREM and LPOS in
//! `edit`; LMOVE, RPOPLPUSH and LMPOP, with their cross-shard plans, in
//! `moves`. The data structure is [`crate::model::types::list::List`].
//!
//! A list whose last element goes is deleted with its key (and its time to
//! live), as Redis never keeps empty lists.

use std::borrow::Cow;

use super::opts::MUST_BE_POSITIVE;
use super::Call;
use crate::base::error::{Error, OpResult};
use crate::base::num::int_arg;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::list::{End, List};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

pub mod blocking;
mod edit;
mod moves;

pub use edit::{linsert, lpos, lrem};
pub use moves::{
    check_lmove, check_lmpop, execute_lmpop, execute_lmpop_probe, gather_lmpop, lmove, lmpop,
    op_give, op_probe, op_take, plan_lmove, plan_lmpop, plan_rpoplpush, rpoplpush, LmpopPlan,
};

/// `ERR no such key` (LSET on a missing key).
const NO_SUCH_KEY: Error = Error::Message("ERR no such key");
/// `ERR index out of range` (LSET past either end).
const INDEX_OUT_OF_RANGE: Error = Error::Message("ERR index out of range");

/// The list at `key`: `None` when missing, `WrongType` for another type.
pub(crate) fn list_mut<'a>(
    db: &'a mut Db,
    key: &[u8],
    now: &Clock,
) -> OpResult<Option<&'a mut List>> {
    db.get(key, now).map(Value::as_list_mut).transpose()
}

/// Redis's range normalisation (`addListRangeReply`, `ltrimCommand`): the
/// first position and the number of elements of `start..=stop` over `len`
/// elements, negative indexes counting from the end; `None` when empty.
pub fn range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((start as usize, (stop - start + 1) as usize))
}

/// The position of Redis index `index` (negative from the tail) in a list of
/// `len`, or `None` out of range (`quicklistGetIteratorAtIdx`).
pub fn position(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        let i = usize::try_from(index).ok()?;
        (i < len).then_some(i)
    } else {
        // -(index + 1) cannot overflow, even for i64::MIN.
        let back = usize::try_from(-(index + 1)).ok()?;
        len.checked_sub(back)?.checked_sub(1)
    }
}

/// Pushes `elems` at `end` of the list at `key`, creating it unless
/// `existing_only` (the X variants); returns the new length (0 when an X
/// variant finds no key).
pub fn op_push(
    db: &mut Db,
    key: &[u8],
    end: End,
    elems: impl Iterator<Item = impl AsRef<[u8]>>,
    existing_only: bool,
    now: &Clock,
) -> OpResult<usize> {
    let enc = db.enc();
    if let Some(l) = list_mut(db, key, now)? {
        elems.for_each(|e| l.push(end, e.as_ref(), &enc));
        return Ok(l.len());
    }
    if existing_only {
        return Ok(0);
    }
    let mut l = List::new();
    elems.for_each(|e| l.push(end, e.as_ref(), &enc));
    let n = l.len();
    if n > 0 {
        db.set(key, Value::List(l), now, false, None);
    }
    Ok(n)
}

fn push_generic(c: &mut Call<'_>, end: End, existing_only: bool) {
    let elems = c.args.skip(2);
    match op_push(c.db, c.args.at(1), end, elems.iter(), existing_only, &c.now) {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// LPUSH key element [element ...]
pub fn lpush(c: &mut Call<'_>) {
    push_generic(c, End::Left, false);
}

/// RPUSH key element [element ...]
pub fn rpush(c: &mut Call<'_>) {
    push_generic(c, End::Right, false);
}

/// LPUSHX key element [element ...]
pub fn lpushx(c: &mut Call<'_>) {
    push_generic(c, End::Left, true);
}

/// RPUSHX key element [element ...]
pub fn rpushx(c: &mut Call<'_>) {
    push_generic(c, End::Right, true);
}

/// Pops up to `count` elements from `end` of the list at `key`, deleting the
/// key when it empties; `None` when the key is missing.
pub fn op_pop(
    db: &mut Db,
    key: &[u8],
    end: End,
    count: usize,
    now: &Clock,
) -> OpResult<Option<Vec<Bytes>>> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(None);
    };
    let n = count.min(l.len());
    let popped: Vec<Bytes> = (0..n).filter_map(|_| l.pop(end)).collect();
    if l.is_empty() {
        db.remove(key, now);
    }
    Ok(Some(popped))
}

/// Pops one element from `end` of the list at `key`, deleting the key when
/// it empties; `None` when the key is missing.
pub fn op_pop_one(db: &mut Db, key: &[u8], end: End, now: &Clock) -> OpResult<Option<Bytes>> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(None);
    };
    let e = l.pop(end);
    if l.is_empty() {
        db.remove(key, now);
    }
    Ok(e)
}

/// LPOP key [count] and RPOP key [count] (Redis's `popGenericCommand`):
/// without a count a bulk (null when missing), with one an array (null array
/// when missing, empty for a count of 0).
fn pop_generic(c: &mut Call<'_>, end: End) {
    let (key, now) = (c.args.at(1), &c.now);
    let r = match c.args.len() {
        2 => op_pop_one(c.db, key, end, now).map(|e| resp::bulk_or_null(c.out, e.as_deref())),
        3 => super::opts::non_negative(c.args.at(2), MUST_BE_POSITIVE).and_then(|n| {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            match op_pop(c.db, key, end, n, now)? {
                Some(popped) => write_elements(c.out, &popped),
                None => resp::null_array(c.out),
            }
            Ok(())
        }),
        _ => Err(Error::WrongArity(if end == End::Left {
            "lpop"
        } else {
            "rpop"
        })),
    };
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// Appends `elems` as an array of bulks.
pub fn write_elements(out: &mut Reply<'_>, elems: &[Bytes]) {
    resp::array(out, elems.len());
    for e in elems {
        resp::bulk(out, e);
    }
}

/// LPOP key \[count\]
pub fn lpop(c: &mut Call<'_>) {
    pop_generic(c, End::Left);
}

/// RPOP key \[count\]
pub fn rpop(c: &mut Call<'_>) {
    pop_generic(c, End::Right);
}

/// LLEN key
pub fn llen(c: &mut Call<'_>) {
    match list_mut(c.db, c.args.at(1), &c.now) {
        Ok(l) => resp::int(c.out, l.map_or(0, |l| l.len() as i64)),
        Err(e) => e.write(c.args, c.out),
    }
}

/// The list at `key` with the position and length of `start..=stop` in it
/// (`None` when the key is missing or the range empty).
fn op_lrange<'a>(
    db: &'a mut Db,
    key: &[u8],
    start: i64,
    stop: i64,
    now: &Clock,
) -> OpResult<Option<(&'a List, usize, usize)>> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(None);
    };
    Ok(range(start, stop, l.len()).map(|(from, n)| (&*l, from, n)))
}

/// LRANGE key start stop
pub fn lrange(c: &mut Call<'_>) {
    let r = match (int_arg(c.args.at(2)), int_arg(c.args.at(3))) {
        (Ok(start), Ok(stop)) => op_lrange(c.db, c.args.at(1), start, stop, &c.now),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match r {
        Ok(Some((l, from, n))) => {
            resp::array(c.out, n);
            for e in l.reader().iter_from(from).take(n) {
                resp::bulk(c.out, e);
            }
        }
        Ok(None) => resp::array(c.out, 0),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Element `index` of the list at `key`; Redis looks the key up before it
/// parses the index.
fn op_lindex<'a>(
    db: &'a mut Db,
    key: &[u8],
    index: &[u8],
    now: &Clock,
) -> OpResult<Option<Cow<'a, [u8]>>> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(None);
    };
    let index = int_arg(index)?;
    Ok(position(index, l.len()).and_then(|i| l.get(i)))
}

/// LINDEX key index
pub fn lindex(c: &mut Call<'_>) {
    match op_lindex(c.db, c.args.at(1), c.args.at(2), &c.now) {
        Ok(e) => resp::bulk_or_null(c.out, e.as_deref()),
        Err(e) => e.write(c.args, c.out),
    }
}

/// LSET key index element
pub fn lset(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let enc = c.db.enc();
        let l = list_mut(c.db, c.args.at(1), &c.now)?.ok_or(NO_SUCH_KEY)?;
        let index = int_arg(c.args.at(2))?;
        let i = position(index, l.len()).ok_or(INDEX_OUT_OF_RANGE)?;
        l.set(i, c.args.at(3), &enc);
        Ok(())
    })();
    match r {
        Ok(()) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Keeps only `start..=stop` of the list at `key`, deleting it when nothing
/// is left.
fn op_ltrim(db: &mut Db, key: &[u8], start: i64, stop: i64, now: &Clock) -> OpResult<()> {
    let Some(l) = list_mut(db, key, now)? else {
        return Ok(());
    };
    let len = l.len();
    let (left, right) = match range(start, stop, len) {
        Some((from, n)) => (from, len - from - n),
        None => (len, 0),
    };
    l.drop_end(End::Left, left);
    l.drop_end(End::Right, right);
    if l.is_empty() {
        db.remove(key, now);
    }
    Ok(())
}

/// LTRIM key start stop
pub fn ltrim(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let (start, stop) = (int_arg(c.args.at(2))?, int_arg(c.args.at(3))?);
        op_ltrim(c.db, c.args.at(1), start, stop, &c.now)
    })();
    match r {
        Ok(()) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

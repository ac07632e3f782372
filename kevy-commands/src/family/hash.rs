//! Hash commands (Redis's `t_hash.c`): HSET, HSETNX, HMSET, HGET, HMGET,
//! HDEL, HLEN, HEXISTS, HSTRLEN, HKEYS, HVALS, HGETALL and HSCAN here;
//! HINCRBY and HINCRBYFLOAT in `counter`; HRANDFIELD in `rand`. The data
//! structure is [`crate::model::types::hash::Hash`].
//!
//! A hash whose last field goes is deleted with its key.

use super::opts;
use super::Call;
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::hash::Hash;
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

mod counter;
mod rand;

pub use counter::{hincrby, hincrbyfloat};
pub use rand::hrandfield;

/// The hash at `key`: `None` when missing, `WrongType` for another type.
pub(crate) fn hash_mut<'a>(
    db: &'a mut Db,
    key: &[u8],
    now: &Clock,
) -> OpResult<Option<&'a mut Hash>> {
    db.get(key, now).map(Value::as_hash_mut).transpose()
}

/// Sets the `field value` pairs of `pairs` in the hash at `key`, creating
/// it; returns how many fields are new.
fn op_hset(db: &mut Db, key: &[u8], pairs: kevy_rt::Args<'_>, now: &Clock) -> OpResult<i64> {
    let enc = db.enc();
    let apply = |h: &mut Hash| {
        h.fit(pairs.iter().map(<[u8]>::len), &enc);
        if h.is_empty() {
            // A new hash grows once, exactly (fields repeated in the command
            // leave slack, which `trim` gives back).
            h.reserve(pairs.iter().map(<[u8]>::len));
        }
        let mut created = 0;
        let mut i = 0;
        while i + 1 < pairs.len() {
            created += h.set(pairs.at(i), pairs.at(i + 1), &enc) as i64;
            i += 2;
        }
        h.trim();
        created
    };
    if let Some(h) = hash_mut(db, key, now)? {
        return Ok(apply(h));
    }
    let mut h = Hash::new();
    let created = apply(&mut h);
    if !h.is_empty() {
        db.set(key, Value::Hash(h), now, false, None);
    }
    Ok(created)
}

/// HSET and HMSET: the pairs must pair up.
fn hset_generic(c: &mut Call<'_>, name: &'static str) -> OpResult<i64> {
    if c.args.len() % 2 == 1 {
        return Err(Error::WrongArity(name));
    }
    op_hset(c.db, c.args.at(1), c.args.skip(2), &c.now)
}

/// HSET key field value [field value ...]
pub fn hset(c: &mut Call<'_>) {
    match hset_generic(c, "hset") {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HMSET key field value [field value ...]
pub fn hmset(c: &mut Call<'_>) {
    match hset_generic(c, "hmset") {
        Ok(_) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Sets `field` only when it does not exist; true when it did.
fn op_hsetnx(db: &mut Db, key: &[u8], field: &[u8], value: &[u8], now: &Clock) -> OpResult<bool> {
    let enc = db.enc();
    match hash_mut(db, key, now)? {
        Some(h) => {
            // An existing field leaves the hash as it is (Redis 7.0.15
            // converts only before it sets).
            if h.contains(field) {
                return Ok(false);
            }
            h.fit([field.len(), value.len()].into_iter(), &enc);
            h.set(field, value, &enc);
        }
        None => {
            let mut h = Hash::new();
            h.set(field, value, &enc);
            db.set(key, Value::Hash(h), now, false, None);
        }
    }
    Ok(true)
}

/// HSETNX key field value
pub fn hsetnx(c: &mut Call<'_>) {
    let (key, field, value) = (c.args.at(1), c.args.at(2), c.args.at(3));
    match op_hsetnx(c.db, key, field, value, &c.now) {
        Ok(set) => resp::int(c.out, set as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HGET key field
pub fn hget(c: &mut Call<'_>) {
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(h) => resp::bulk_or_null(c.out, h.and_then(|h| h.get(c.args.at(2)))),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HMGET key field [field ...]
pub fn hmget(c: &mut Call<'_>) {
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(h) => {
            resp::array(c.out, c.args.len().saturating_sub(2));
            for f in c.args.iter().skip(2) {
                resp::bulk_or_null(c.out, h.as_ref().and_then(|h| h.get(f)));
            }
        }
        Err(e) => e.write(c.args, c.out),
    }
}

/// Removes `fields` from the hash at `key`, deleting it when it empties;
/// returns how many existed.
fn op_hdel<'f>(
    db: &mut Db,
    key: &[u8],
    fields: impl Iterator<Item = &'f [u8]>,
    now: &Clock,
) -> OpResult<i64> {
    let Some(h) = hash_mut(db, key, now)? else {
        return Ok(0);
    };
    let mut deleted = 0;
    for f in fields {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    if h.is_empty() {
        db.remove(key, now);
    }
    Ok(deleted)
}

/// HDEL key field [field ...]
pub fn hdel(c: &mut Call<'_>) {
    match op_hdel(c.db, c.args.at(1), c.args.iter().skip(2), &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HLEN key
pub fn hlen(c: &mut Call<'_>) {
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(h) => resp::int(c.out, h.map_or(0, |h| h.len() as i64)),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HEXISTS key field
pub fn hexists(c: &mut Call<'_>) {
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(h) => resp::int(c.out, h.is_some_and(|h| h.contains(c.args.at(2))) as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HSTRLEN key field
pub fn hstrlen(c: &mut Call<'_>) {
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(h) => {
            let len = h.and_then(|h| h.get(c.args.at(2))).map_or(0, <[u8]>::len);
            resp::int(c.out, len as i64);
        }
        Err(e) => e.write(c.args, c.out),
    }
}

/// HKEYS, HVALS and HGETALL (Redis's `genericHgetallCommand`).
fn getall_generic(c: &mut Call<'_>, fields: bool, values: bool) {
    // HGETALL is a map in RESP3; HKEYS and HVALS arrays.
    let header = |out: &mut Reply<'_>, n: usize| match fields && values {
        true => resp::map(out, n),
        false => resp::array(out, n),
    };
    match hash_mut(c.db, c.args.at(1), &c.now) {
        Ok(Some(h)) => {
            header(c.out, h.len());
            for (f, v) in h.iter() {
                if fields {
                    resp::bulk(c.out, f);
                }
                if values {
                    resp::bulk(c.out, v);
                }
            }
        }
        Ok(None) => header(c.out, 0),
        Err(e) => e.write(c.args, c.out),
    }
}

/// HKEYS key
pub fn hkeys(c: &mut Call<'_>) {
    getall_generic(c, true, false);
}

/// HVALS key
pub fn hvals(c: &mut Call<'_>) {
    getall_generic(c, false, true);
}

/// HGETALL key
pub fn hgetall(c: &mut Call<'_>) {
    getall_generic(c, true, true);
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
pub fn hscan(c: &mut Call<'_>) {
    let r: OpResult<_> = (|| {
        let cursor = opts::scan_cursor(c.args.at(2))?;
        let Some(h) = hash_mut(c.db, c.args.at(1), &c.now)? else {
            return Ok(None);
        };
        let o = opts::scan_opts(c.args, 3)?;
        let mut found: Vec<(Bytes, Bytes)> = Vec::new();
        let next = h.scan(cursor, o.count, |f, v| {
            if o.matches(f) {
                found.push((Bytes::from_slice(f), Bytes::from_slice(v)));
            }
        });
        Ok(Some((next, found)))
    })();
    match r {
        Ok(Some((next, found))) => {
            opts::scan_reply_header(c.out, next, found.len() * 2);
            for (f, v) in &found {
                resp::bulk(c.out, f);
                resp::bulk(c.out, v);
            }
        }
        Ok(None) => opts::scan_reply_header(c.out, 0, 0),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

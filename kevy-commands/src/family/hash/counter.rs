//! HINCRBY and HINCRBYFLOAT: arithmetic on hash values, with Redis's
//! checks in Redis's order (the increment, the key's type, the stored value,
//! the result).

use super::hash_mut;
use crate::base::error::{Error, OpResult};
use crate::base::num::{fmt_i64, incr_by_float, int_arg, parse_i64, I64_BUF, LD_CHARS};
use crate::base::resp;
use crate::family::Call;
use crate::model::types::hash::Hash;
use crate::model::value::Value;
use crate::store::db::{Clock, Db};

/// Sets `field` to `value` in the hash at `key`, creating the hash.
fn put(db: &mut Db, key: &[u8], field: &[u8], value: &[u8], now: &Clock) {
    let enc = db.enc();
    match db.get(key, now).map(Value::as_hash_mut) {
        Some(Ok(h)) => {
            h.set(field, value, &enc);
        }
        Some(Err(_)) => {}
        None => {
            let mut h = Hash::new();
            h.set(field, value, &enc);
            db.set(key, Value::Hash(h), now, false, None);
        }
    }
}

/// Adds `incr` to the integer at `field` (0 when missing).
fn op_hincrby(db: &mut Db, key: &[u8], field: &[u8], incr: i64, now: &Clock) -> OpResult<i64> {
    let current = match hash_mut(db, key, now)?.and_then(|h| h.get(field)) {
        Some(v) => parse_i64(v).ok_or(Error::Message("ERR hash value is not an integer"))?,
        None => 0,
    };
    let n = current.checked_add(incr).ok_or(Error::Overflow)?;
    let mut buf = I64_BUF;
    put(db, key, field, fmt_i64(n, &mut buf), now);
    Ok(n)
}

/// HINCRBY key field increment
pub fn hincrby(c: &mut Call<'_>) {
    let r = int_arg(c.args.at(3))
        .and_then(|incr| op_hincrby(c.db, c.args.at(1), c.args.at(2), incr, &c.now));
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Adds the float `incr` to the value at `field` (0 when missing) in C
/// `long double`, like Redis; the new text goes to `buf`, its length is
/// returned.
fn op_hincrbyfloat(
    db: &mut Db,
    key: &[u8],
    field: &[u8],
    incr: &[u8],
    now: &Clock,
    buf: &mut [u8; LD_CHARS],
) -> OpResult<usize> {
    // The increment alone: not a float, or infinite, fails before the key
    // is looked at (0 + incr is only infinite when incr is).
    let alone = incr_by_float(None, incr, buf).map_err(|e| match e {
        Error::NanOrInfinity => Error::Message("ERR value is NaN or Infinity"),
        e => e,
    })?;
    let n = match hash_mut(db, key, now)?.and_then(|h| h.get(field)) {
        Some(v) => incr_by_float(Some(v), incr, buf).map_err(|e| match e {
            Error::NotFloat => Error::Message("ERR hash value is not a float"),
            e => e,
        })?,
        None => alone,
    };
    let value = buf.get(..n).unwrap_or_default().to_vec();
    put(db, key, field, &value, now);
    Ok(n)
}

/// HINCRBYFLOAT key field increment
pub fn hincrbyfloat(c: &mut Call<'_>) {
    let mut buf = [0u8; LD_CHARS];
    let (key, field, incr) = (c.args.at(1), c.args.at(2), c.args.at(3));
    match op_hincrbyfloat(c.db, key, field, incr, &c.now, &mut buf) {
        Ok(n) => resp::bulk(c.out, buf.get(..n).unwrap_or_default()),
        Err(e) => e.write(c.args, c.out),
    }
}

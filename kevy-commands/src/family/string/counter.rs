//! Counters: INCR, DECR, INCRBY, DECRBY on 64-bit integers with Redis's
//! overflow errors, and INCRBYFLOAT in C `long double`.

use crate::base::error::{Error, OpResult};
use crate::base::num::{incr_by_float, int_arg, I64_BUF, LD_CHARS};
use crate::base::resp;
use crate::family::Call;
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

/// Adds `delta` to the integer at `key` (0 when missing), keeping its deadline.
fn op_incr(db: &mut Db, key: &[u8], delta: i64, now: &Clock) -> OpResult<i64> {
    match db.get(key, now) {
        Some(v) => {
            let n = v.as_int()?.checked_add(delta).ok_or(Error::Overflow)?;
            *v = Value::Int(n);
            Ok(n)
        }
        None => {
            db.set(key, Value::Int(delta), now, false, None);
            Ok(delta)
        }
    }
}

fn incr_generic(c: &mut Call<'_>, delta: OpResult<i64>) {
    match delta.and_then(|d| op_incr(c.db, c.args.at(1), d, &c.now)) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// INCR key
pub fn incr(c: &mut Call<'_>) {
    incr_generic(c, Ok(1));
}

/// DECR key
pub fn decr(c: &mut Call<'_>) {
    incr_generic(c, Ok(-1));
}

/// INCRBY key increment
pub fn incrby(c: &mut Call<'_>) {
    let delta = int_arg(c.args.at(2));
    incr_generic(c, delta);
}

/// DECRBY key decrement
pub fn decrby(c: &mut Call<'_>) {
    let delta = int_arg(c.args.at(2)).and_then(|d| d.checked_neg().ok_or(Error::DecrementOverflow));
    incr_generic(c, delta);
}

/// Adds the float `incr` to the value at `key` (0 when missing), in C `long
/// double` like Redis; the new text is written to `buf`, its length returned.
/// The result is stored as a plain string, never integer-encoded, as Redis's
/// `createStringObjectFromLongDouble` does (OBJECT ENCODING says `embstr`).
fn op_incrbyfloat(
    db: &mut Db,
    key: &[u8],
    incr: &[u8],
    now: &Clock,
    buf: &mut [u8; LD_CHARS],
) -> OpResult<usize> {
    match db.get(key, now) {
        Some(v) => {
            let mut ib = I64_BUF;
            let n = incr_by_float(Some(v.as_bytes(&mut ib)?), incr, buf)?;
            *v = Value::Str(Bytes::from_slice(&buf[..n]));
            Ok(n)
        }
        None => {
            let n = incr_by_float(None, incr, buf)?;
            db.set(
                key,
                Value::Str(Bytes::from_slice(&buf[..n])),
                now,
                false,
                None,
            );
            Ok(n)
        }
    }
}

/// INCRBYFLOAT key increment
pub fn incrbyfloat(c: &mut Call<'_>) {
    let mut buf = [0u8; LD_CHARS];
    match op_incrbyfloat(c.db, c.args.at(1), c.args.at(2), &c.now, &mut buf) {
        Ok(n) => resp::bulk(c.out, &buf[..n]),
        Err(e) => e.write(c.args, c.out),
    }
}

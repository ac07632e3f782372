//! String commands (Redis's `t_string.c`): GET, SET and its variants, the
//! INCR family, INCRBYFLOAT, APPEND, STRLEN, GETRANGE, SETRANGE, LCS, and the
//! multi-key MGET, MSET, MSETNX with their cross-shard plans.
//!
//! Split along Redis's seams: this file has the reads and the multi-key
//! commands, [`set`] the SET family and GETEX (option parsing, deadlines),
//! `counter` INCR/DECR and INCRBYFLOAT, `range` APPEND, STRLEN, GETRANGE
//! and SETRANGE, `lcs` LCS.

use kevy_rt::{Args, Planned, Router};

use super::Call;
use crate::base::error::{Error, OpResult};
use crate::base::num::I64_BUF;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, Op, Part, Plan};
use crate::model::value::Value;
use crate::store::db::{Clock, Db};

mod counter;
mod lcs;
mod range;
mod set;

pub use counter::{decr, decrby, incr, incrby, incrbyfloat};
pub use lcs::{lcs, lcs_reply, LCS_NOT_STRINGS};
pub use range::{append, getrange, setrange, strlen};
pub use set::{getex, getset, psetex, set, setex, setnx};

/// Appends a string value as a bulk reply (or `WrongType`).
fn write_value(out: &mut Reply<'_>, v: &Value) -> OpResult<()> {
    let mut buf = I64_BUF;
    resp::bulk(out, v.as_bytes(&mut buf)?);
    Ok(())
}

/// Writes `r`: a value as a bulk, nothing as the null bulk, or the error.
fn reply_value(c: &mut Call<'_>, r: OpResult<Option<&Value>>) {
    let r = match r {
        Ok(Some(v)) => write_value(c.out, v),
        Ok(None) => {
            resp::null(c.out);
            Ok(())
        }
        Err(e) => Err(e),
    };
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// The live value of `key`, checked to be a string.
fn op_get<'a>(db: &'a mut Db, key: &[u8], now: &Clock) -> OpResult<Option<&'a Value>> {
    match db.get(key, now) {
        Some(v) => {
            v.str_len()?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// GET key
pub fn get(c: &mut Call<'_>) {
    let r = op_get(c.db, c.args.at(1), &c.now);
    let (args, out) = (c.args, &mut *c.out);
    match r {
        Ok(Some(v)) => {
            let _ = write_value(out, v);
        }
        Ok(None) => resp::null(out),
        Err(e) => e.write(args, out),
    }
}

/// Appends `key`'s string value as a bulk, or the null bulk when it is
/// missing or not a string (MGET's rule).
pub fn write_get_or_null(db: &mut Db, key: &[u8], now: &Clock, out: &mut Reply<'_>) {
    match op_get(db, key, now) {
        Ok(Some(v)) => {
            let _ = write_value(out, v);
        }
        _ => resp::null(out),
    }
}

/// MGET key [key ...]
pub fn mget(c: &mut Call<'_>) {
    resp::array(c.out, c.args.len().saturating_sub(1));
    for key in c.args.iter().skip(1) {
        write_get_or_null(c.db, key, &c.now, c.out);
    }
}

/// Plans a cross-shard MGET: one part per shard with its keys.
pub fn plan_mget(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let slots = cross::scatter(args, 1, Op::Mget, router, parts);
    cross::planned(Plan::Mget { slots })
}

/// Removes a string key, returning its value.
fn op_getdel(db: &mut Db, key: &[u8], now: &Clock) -> OpResult<Option<Value>> {
    if op_get(db, key, now)?.is_none() {
        return Ok(None);
    }
    Ok(db.remove(key, now))
}

/// GETDEL key
pub fn getdel(c: &mut Call<'_>) {
    let r = op_getdel(c.db, c.args.at(1), &c.now);
    reply_value(c, r.as_ref().map(Option::as_ref).map_err(|e| *e));
}

/// Stores each `key value` pair of `pairs`, dropping deadlines.
pub fn op_mset(db: &mut Db, pairs: Args<'_>, now: &Clock) {
    let mut i = 0;
    while i + 1 < pairs.len() {
        db.set(
            pairs.at(i),
            Value::string(pairs.at(i + 1)),
            now,
            false,
            None,
        );
        i += 2;
    }
}

/// The resolve-time check of MSET and MSETNX: keys and values must pair up.
pub fn check_mset(args: Args<'_>) -> Result<(), Error> {
    if args.len() % 2 == 1 {
        return Ok(());
    }
    let name = if args.at(0).eq_ignore_ascii_case(b"msetnx") {
        "msetnx"
    } else {
        "mset"
    };
    Err(Error::WrongArity(name))
}

/// MSET key value [key value ...]
pub fn mset(c: &mut Call<'_>) {
    op_mset(c.db, c.args.skip(1), &c.now);
    resp::ok(c.out);
}

/// Plans a cross-shard MSET: one part per shard with its pairs.
pub fn plan_mset(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    cross::scatter_parts(args, 2, Op::Mset, router, parts);
    cross::planned(Plan::Ok)
}

/// MSETNX key value [key value ...]
pub fn msetnx(c: &mut Call<'_>) {
    let pairs = c.args.skip(1);
    let any = (0..pairs.len())
        .step_by(2)
        .any(|i| c.db.contains(pairs.at(i), &c.now));
    if !any {
        op_mset(c.db, pairs, &c.now);
    }
    resp::int(c.out, !any as i64);
}

/// Plans a cross-shard MSETNX: round one asks every shard whether one of its
/// keys exists; round two, sent only when none does, sets the pairs. The
/// connection is held in between.
pub fn plan_msetnx(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let mut set = Vec::new();
    cross::scatter_parts(args, 2, Op::MsetnxSet, router, &mut set);
    for (shard, part) in &set {
        let keys = part.args.args().iter().step_by(2).collect();
        parts.push((*shard, Part::new(Op::MsetnxProbe, keys)));
    }
    Planned {
        plan: Plan::Msetnx { set },
        hold: true,
    }
}

#[cfg(test)]
mod tests;

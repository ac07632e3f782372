//! Sorted set commands (Redis's `t_zset.c`).
//!
//! Split along Redis's seams: `zset/add.rs` has the writes by member (ZADD,
//! ZINCRBY, ZREM) and the point reads (ZSCORE, ZMSCORE, ZRANK, ZCARD);
//! `zset/range.rs` the range grammar (score, lex and rank ranges, LIMIT, REV) with
//! the ZRANGE family, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY* and ZRANGESTORE;
//! `zset/setops.rs` ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD;
//! `zset/pop.rs` ZPOPMIN, ZPOPMAX, ZMPOP, ZRANDMEMBER and ZSCAN; `zset/cross.rs` the
//! parts and plans of the commands whose keys may live on several shards
//! (ZRANGESTORE, the set operations, ZMPOP).

use crate::base::error::{Error, OpResult};
use crate::base::float::write_double;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::value::Value;
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

mod add;
pub mod blocking;
mod cross;
mod pop;
mod range;
mod setops;

pub(crate) use add::{op_zadd, AddReq};
pub use add::{zadd, zcard, zincrby, zmscore, zrank, zrem, zrevrank, zscore};
pub(crate) use cross::put_pairs;
pub use cross::{
    execute_part, gather, plan_zdiff, plan_zdiffstore, plan_zinter, plan_zintercard,
    plan_zinterstore, plan_zmpop, plan_zrangestore, plan_zunion, plan_zunionstore, ZOp, ZPlan,
};
pub use pop::{zmpop, zpopmax, zpopmin, zrandmember, zscan};
pub use range::{
    zcount, zlexcount, zrange, zrangebylex, zrangebyscore, zrangestore, zremrangebylex,
    zremrangebyrank, zremrangebyscore, zrevrange, zrevrangebylex, zrevrangebyscore,
};
pub use setops::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};

/// The live sorted set at `key`: `None` when missing, `WrongType` for
/// another type.
pub(crate) fn read<'a>(db: &'a mut Db, key: &[u8], now: &Clock) -> OpResult<Option<&'a mut ZSet>> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Removes `key` when its sorted set became empty (Redis deletes empty
/// collections).
fn drop_if_empty(db: &mut Db, key: &[u8], now: &Clock) {
    if matches!(db.get(key, now), Some(Value::ZSet(z)) if z.is_empty()) {
        db.remove(key, now);
    }
}

/// Stores `z` at `dst` (dropping its deadline), or deletes `dst` when `z` is
/// empty, as the STORE commands do; returns the stored length.
pub(crate) fn store(db: &mut Db, dst: &[u8], z: ZSet, now: &Clock) -> usize {
    let n = z.len();
    if n == 0 {
        db.remove(dst, now);
    } else {
        db.set(dst, Value::ZSet(z), now, false, None);
    }
    n
}

/// Appends members (and, `withscores`, their scores): one flat array in
/// RESP2, `[member, score]` pairs in RESP3.
fn write_members<'a>(
    out: &mut Reply<'_>,
    n: usize,
    items: impl Iterator<Item = (&'a [u8], f64)>,
    withscores: bool,
) {
    if !withscores {
        resp::array(out, n);
        items.for_each(|(m, _)| resp::bulk(out, m));
        return;
    }
    resp::pairs(out, n);
    for (m, s) in items {
        resp::pair(out);
        resp::bulk(out, m);
        write_double(out, s);
    }
}

/// Writes `r`'s error, if any.
fn reply_err(r: OpResult<()>, c: &mut super::Call<'_>) {
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

#[cfg(test)]
mod tests;

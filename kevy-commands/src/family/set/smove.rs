//! SMOVE, on one shard and across two (the protocol is described in
//! [`crate::cross::coll`]).

use kevy_rt::{Args, Planned, Router};

use super::{op_sadd, set_mut};
use crate::base::error::OpResult;
use crate::base::resp;
use crate::cross::coll::{self, CollPlan, MovePlan, Moving, Probe, Stage};
use crate::cross::{Part, Plan};
use crate::family::Call;
use crate::model::value::Bytes;
use crate::store::db::{Clock, Db};

/// Redis's `smoveCommand`: 0 for a missing source; `WrongType` when the
/// source, then the destination, holds another type; 0 when `member` is not
/// in the source; else moves it and answers 1. The source is deleted when
/// it empties.
fn op_smove(db: &mut Db, src: &[u8], dst: &[u8], member: &[u8], now: &Clock) -> OpResult<bool> {
    if set_mut(db, src, now)?.is_none() {
        return Ok(false);
    }
    set_mut(db, dst, now)?;
    let Some(s) = set_mut(db, src, now)? else {
        return Ok(false);
    };
    if src == dst {
        return Ok(s.contains(member));
    }
    if !s.remove(member) {
        return Ok(false);
    }
    if s.is_empty() {
        db.remove(src, now);
    }
    op_sadd(db, dst, std::iter::once(member), now)?;
    Ok(true)
}

/// SMOVE source destination member
pub fn smove(c: &mut Call<'_>) {
    let (src, dst, member) = (c.args.at(1), c.args.at(2), c.args.at(3));
    match op_smove(c.db, src, dst, member, &c.now) {
        Ok(moved) => resp::int(c.out, moved as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Plans an SMOVE whose keys live on two shards.
pub fn plan_smove(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let (src, dst) = (args.at(1), args.at(2));
    let p = MovePlan {
        moving: Moving::Set {
            member: Bytes::from_slice(args.at(3)),
        },
        src: (Bytes::from_slice(src), router.shard_of(src)),
        dst: (Bytes::from_slice(dst), router.shard_of(dst)),
        stage: Stage::Probe,
    };
    p.start(parts);
    coll::held(CollPlan::Move(p))
}

/// What a move's probe finds at a set key, and whether `member` is in it.
pub fn op_probe(db: &mut Db, key: &[u8], member: &[u8], now: &Clock) -> Probe {
    match set_mut(db, key, now) {
        Ok(Some(s)) => Probe::Present {
            member: s.contains(member),
        },
        Ok(None) => Probe::Missing,
        Err(_) => Probe::WrongType,
    }
}

/// A move's take: removes `member` from the set at `key` (deleting an
/// emptied key); `None` when the key or the member is gone.
pub fn op_take(db: &mut Db, key: &[u8], member: &[u8], now: &Clock) -> OpResult<Option<Bytes>> {
    let Some(s) = set_mut(db, key, now)? else {
        return Ok(None);
    };
    if !s.remove(member) {
        return Ok(None);
    }
    if s.is_empty() {
        db.remove(key, now);
    }
    Ok(Some(Bytes::from_slice(member)))
}

/// A move's give: adds `member` to the set at `key`, creating it.
pub fn op_give(db: &mut Db, key: &[u8], member: &[u8], now: &Clock) -> OpResult<()> {
    op_sadd(db, key, std::iter::once(member), now).map(|_| ())
}

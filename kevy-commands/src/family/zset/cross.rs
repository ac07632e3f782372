//! Sorted set commands across shards.
//!
//! - ZUNION, ZINTER, ZDIFF, ZINTERCARD: every input is fetched to the
//!   origin ([`ZOp::Fetch`]: a snapshot per key, or its type error), where
//!   [`setops::compute`] runs as it would locally. The STORE forms then send
//!   the result to the destination's shard ([`ZOp::Store`]), holding the
//!   connection between the rounds.
//! - ZRANGESTORE: the source's shard computes the range ([`ZOp::Range`]),
//!   the destination's shard stores it.
//! - ZMPOP: the first round asks each key's type ([`ZOp::Probe`]); the
//!   second pops from the first key that exists ([`ZOp::Pop`]).
//!
//! When all the keys of a command live on one shard it runs there whole,
//! atomically. Across shards the rounds are not atomic with respect to
//! other clients (a key may change between a fetch and a store).

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::pop::{op_pop, parse_zmpop};
use super::range::{collect, for_store, parse_range, Kind, RangeReq};
use super::setops::{cmds, compute, set_snap, write_outcome, Outcome, SetCmd, SetOpts, Snap, Src};
use super::{read, store};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, bytes_of, encoded, Op, Part, PartReply, Plan};
use crate::model::value::Bytes;
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

pub use crate::cross::ops::ZOp;

/// What the origin keeps of a sorted set operation between rounds.
#[derive(Debug)]
pub enum ZPlan {
    /// A set operation: where each key's snapshot is, the options (or the
    /// error to give once the keys are known to be sorted sets), and the
    /// destination of a STORE.
    SetOp {
        /// The command.
        cmd: SetCmd,
        /// `(part, item)` of each input key.
        slots: Vec<(u32, u32)>,
        /// Parsed options, or their error.
        opts: OpResult<SetOpts>,
        /// A STORE's destination key and its shard.
        dst: Option<(usize, Bytes)>,
    },
    /// ZRANGESTORE: the destination and its shard, and the range request.
    RangeStore {
        /// Destination shard.
        shard: usize,
        /// Destination key.
        dst: Bytes,
        /// The parsed range.
        req: RangeReq,
    },
    /// ZMPOP's probe round: each key with its shard and probe slot.
    Mpop {
        /// `(key, shard, (part, item))` in request order.
        keys: Vec<(Bytes, usize, (u32, u32))>,
        /// `MAX`.
        max: bool,
        /// COUNT.
        count: usize,
    },
    /// A last round whose one part replied the reply bytes.
    Relay,
}

crate::cross::family_plan!(ZPlan => gather);

/// Snapshot tags.
const MISSING: u8 = 0;
const WRONG_TYPE: u8 = 1;
const ZSET: u8 = 2;

/// Appends `(member, score)` pairs as `[u32 len][member][f64]`.
pub(crate) fn put_pairs<'a>(buf: &mut Vec<u8>, items: impl Iterator<Item = (&'a [u8], f64)>) {
    for (m, s) in items {
        buf.extend_from_slice(&(m.len() as u32).to_le_bytes());
        buf.extend_from_slice(m);
        buf.extend_from_slice(&s.to_le_bytes());
    }
}

/// The pairs [`put_pairs`] wrote.
fn pairs(mut buf: &[u8]) -> impl Iterator<Item = (&[u8], f64)> {
    std::iter::from_fn(move || {
        let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
        let m = buf.get(4..4 + len)?;
        let s = f64::from_le_bytes(buf.get(4 + len..12 + len)?.try_into().ok()?);
        buf = &buf[12 + len..];
        Some((m, s))
    })
}

/// Item `i` of an encoded part reply.
fn item(r: &PartReply, i: usize) -> Option<&[u8]> {
    let PartReply::Encoded { buf, ends } = r else {
        return None;
    };
    let start = if i == 0 {
        0
    } else {
        *ends.get(i - 1)? as usize
    };
    buf.get(start..*ends.get(i)? as usize)
}

/// The item at `slot` of `replies`.
fn slot_item(replies: &[PartReply], (part, i): (u32, u32)) -> &[u8] {
    replies
        .get(part as usize)
        .and_then(|r| item(r, i as usize))
        .unwrap_or(&[])
}

/// The reply bytes of error `e`.
fn error_bytes(e: Error, args: Args<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    e.write(args, &mut out);
    out
}

/// Runs a sorted set part.
pub fn execute_part(db: &mut Db, op: ZOp, args: Args<'_>, now: &Clock, resp3: bool) -> PartReply {
    let (mut buf, mut ends) = (Vec::new(), Vec::new());
    match op {
        ZOp::Fetch | ZOp::Probe => {
            for key in args.iter() {
                if op == ZOp::Fetch {
                    // A plain set is an input whose scores are all 1.
                    if let Some(snap) = db.get_ref(key, now).and_then(set_snap) {
                        buf.push(ZSET);
                        put_pairs(&mut buf, snap.iter().map(|(m, &s)| (&m[..], s)));
                        ends.push(buf.len() as u32);
                        continue;
                    }
                }
                match read(db, key, now) {
                    Ok(None) => buf.push(MISSING),
                    Err(_) => buf.push(WRONG_TYPE),
                    Ok(Some(z)) => {
                        buf.push(ZSET);
                        if op == ZOp::Fetch {
                            put_pairs(&mut buf, z.iter(0, false));
                        }
                    }
                }
                ends.push(buf.len() as u32);
            }
        }
        ZOp::Range => {
            match parse_range(args, 2, true, Kind::Auto, None) {
                Ok(req) => match read(db, args.at(2), now) {
                    Ok(None) => buf.push(MISSING),
                    Err(_) => buf.push(WRONG_TYPE),
                    Ok(Some(z)) => {
                        buf.push(ZSET);
                        put_pairs(&mut buf, collect(z, &req).into_iter());
                    }
                },
                Err(_) => buf.push(MISSING),
            }
            ends.push(buf.len() as u32);
        }
        ZOp::Store => {
            let items: Vec<(&[u8], f64)> = pairs(args.at(1)).collect();
            let enc = db.enc();
            let z = match args.at(2) {
                b"set" => ZSet::from_sorted(&items, &enc),
                how => {
                    let rank = how == b"addrank";
                    ZSet::from_sorted_added(&items, rank && items.len() > enc.zset_entries, &enc)
                }
            };
            let n = store(db, args.at(0), z, now);
            let mut out = Vec::new();
            resp::int(&mut out, n as i64);
            return encoded(out);
        }
        ZOp::Pop => {
            let max = args.at(1) == b"max";
            let count = crate::base::num::parse_i64(args.at(2)).unwrap_or(1).max(1) as usize;
            let mut bytes = Vec::new();
            let mut out = Reply::new(&mut bytes, resp3);
            match op_pop(
                db,
                args.at(0),
                max,
                count,
                super::pop::PopShape::Keyed,
                now,
                &mut out,
            ) {
                Ok(true) => {}
                Ok(false) => resp::null_array(&mut out),
                Err(e) => e.write(args, &mut out),
            }
            return encoded(bytes);
        }
    }
    PartReply::Encoded { buf, ends }
}

/// Plans a set operation: whole on one shard, else fetch to the origin.
fn plan_setop(
    cmd: SetCmd,
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let keys = match cmd.keys(args) {
        Ok(k) => k,
        Err(e) => return cross::reply(error_bytes(e, args)),
    };
    let dst = cmd.store.then(|| args.at(1));
    let all = dst.into_iter().chain(keys.clone().map(|i| args.at(i)));
    if let Some(shard) = cross::one_shard(router, all) {
        return cross::whole(args, shard, parts);
    }
    let mut fetch = OwnedArgs::new();
    fetch.push(b"");
    keys.clone().for_each(|i| fetch.push(args.at(i)));
    let slots = cross::scatter(fetch.args(), 1, Op::Zset(ZOp::Fetch), router, parts);
    let opts = cmd.opts(args, keys);
    Planned {
        plan: Plan::of(ZPlan::SetOp {
            cmd,
            slots,
            opts,
            dst: dst.map(|d| (router.shard_of(d), Bytes::from_slice(d))),
        }),
        hold: cmd.store,
    }
}

/// Plans ZUNION across shards.
pub fn plan_zunion(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZUNION, args, router, parts)
}

/// Plans ZINTER across shards.
pub fn plan_zinter(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZINTER, args, router, parts)
}

/// Plans ZDIFF across shards.
pub fn plan_zdiff(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZDIFF, args, router, parts)
}

/// Plans ZINTERCARD across shards.
pub fn plan_zintercard(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZINTERCARD, args, router, parts)
}

/// Plans ZUNIONSTORE across shards.
pub fn plan_zunionstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZUNIONSTORE, args, router, parts)
}

/// Plans ZINTERSTORE across shards.
pub fn plan_zinterstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZINTERSTORE, args, router, parts)
}

/// Plans ZDIFFSTORE across shards.
pub fn plan_zdiffstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_setop(cmds::ZDIFFSTORE, args, router, parts)
}

/// Plans a ZRANGESTORE whose source and destination live on different
/// shards: the range on the source's, then the store on the destination's.
pub fn plan_zrangestore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let req = match parse_range(args, 2, true, Kind::Auto, None) {
        Ok(r) => r,
        Err(e) => return cross::reply(error_bytes(e, args)),
    };
    parts.push((
        router.shard_of(args.at(2)),
        Part {
            db: None,
            resp3: None,
            op: Op::Zset(ZOp::Range),
            args: args.to_owned_args(),
            value: None,
        },
    ));
    Planned {
        plan: Plan::of(ZPlan::RangeStore {
            shard: router.shard_of(args.at(1)),
            dst: Bytes::from_slice(args.at(1)),
            req,
        }),
        hold: true,
    }
}

/// Plans ZMPOP: whole on one shard, else probe the keys then pop.
pub fn plan_zmpop(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let req = match parse_zmpop(args) {
        Ok(r) => r,
        Err(e) => return cross::reply(error_bytes(e, args)),
    };
    if let Some(shard) = cross::one_shard(router, req.keys.clone().map(|i| args.at(i))) {
        return cross::whole(args, shard, parts);
    }
    let mut probe = OwnedArgs::new();
    probe.push(b"");
    req.keys.clone().for_each(|i| probe.push(args.at(i)));
    let slots = cross::scatter(probe.args(), 1, Op::Zset(ZOp::Probe), router, parts);
    let keys = req
        .keys
        .clone()
        .zip(slots)
        .map(|(i, slot)| {
            (
                Bytes::from_slice(args.at(i)),
                router.shard_of(args.at(i)),
                slot,
            )
        })
        .collect();
    Planned {
        plan: Plan::of(ZPlan::Mpop {
            keys,
            max: req.max,
            count: req.count,
        }),
        hold: true,
    }
}

/// Sends the last round: one part whose reply is the command's reply.
fn relay(
    plan: &mut ZPlan,
    shard: usize,
    op: ZOp,
    args: OwnedArgs,
    next: &mut Vec<(usize, Part)>,
) -> Gather {
    next.push((
        shard,
        Part {
            db: None,
            resp3: None,
            op: Op::Zset(op),
            args,
            value: None,
        },
    ));
    *plan = ZPlan::Relay;
    Gather::Again
}

/// Reduces a round of a sorted set operation.
pub fn gather(
    plan: &mut ZPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let no_args = OwnedArgs::new();
    match plan {
        ZPlan::Relay => replies
            .iter()
            .for_each(|r| out.extend_from_slice(bytes_of(r))),
        ZPlan::SetOp {
            cmd,
            slots,
            opts,
            dst,
        } => {
            let items: Vec<&[u8]> = slots.iter().map(|&s| slot_item(&replies, s)).collect();
            if items.iter().any(|it| it.first() == Some(&WRONG_TYPE)) {
                Error::WrongType.write(no_args.args(), out);
                return Gather::Done;
            }
            let opts = match opts {
                Ok(o) => o,
                Err(e) => {
                    e.write(no_args.args(), out);
                    return Gather::Done;
                }
            };
            let snaps: Vec<Option<Snap>> = items
                .iter()
                .map(|it| match it.split_first() {
                    Some((&ZSET, rest)) => {
                        Some(pairs(rest).map(|(m, s)| (m.to_vec(), s)).collect())
                    }
                    _ => None,
                })
                .collect();
            let srcs: Vec<Src<'_>> = snaps
                .iter()
                .map(|s| s.as_ref().map_or(Src::Missing, Src::Snap))
                .collect();
            match (compute(cmd, &srcs, opts), dst.take()) {
                (Outcome::Members(items), Some((shard, dst))) => {
                    let mut blob = Vec::new();
                    put_pairs(&mut blob, items.into_iter());
                    let args: OwnedArgs = [&dst[..], &blob[..], b"set"].into_iter().collect();
                    return relay(plan, shard, ZOp::Store, args, next);
                }
                (outcome, _) => write_outcome(out, opts, outcome),
            }
        }
        ZPlan::RangeStore { shard, dst, req } => {
            let it = slot_item(&replies, (0, 0));
            if it.first() == Some(&WRONG_TYPE) {
                Error::WrongType.write(no_args.args(), out);
                return Gather::Done;
            }
            let items: Vec<(&[u8], f64)> = match it.split_first() {
                Some((&ZSET, rest)) => pairs(rest).collect(),
                _ => Vec::new(),
            };
            let (items, rank) = for_store(items, req);
            let mut blob = Vec::new();
            put_pairs(&mut blob, items.into_iter());
            let how: &[u8] = if rank { b"addrank" } else { b"add" };
            let args: OwnedArgs = [&dst[..], &blob[..], how].into_iter().collect();
            let shard = *shard;
            return relay(plan, shard, ZOp::Store, args, next);
        }
        ZPlan::Mpop { keys, max, count } => {
            for (key, shard, slot) in keys.iter() {
                match slot_item(&replies, *slot).first() {
                    Some(&WRONG_TYPE) => {
                        Error::WrongType.write(no_args.args(), out);
                        return Gather::Done;
                    }
                    Some(&ZSET) => {
                        let how: &[u8] = if *max { b"max" } else { b"min" };
                        let n = count.to_string();
                        let args: OwnedArgs = [&key[..], how, n.as_bytes()].into_iter().collect();
                        let shard = *shard;
                        return relay(plan, shard, ZOp::Pop, args, next);
                    }
                    _ => {}
                }
            }
            resp::null_array(out);
        }
    }
    Gather::Done
}

//! Commands that move elements between lists or pop from one of several:
//! LMOVE, RPOPLPUSH and LMPOP, with their cross-shard plans (the protocol is
//! described in [`crate::cross::coll`]).

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::{list_mut, op_pop, op_pop_one, op_push, write_elements};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::coll::{
    self, CollOp, CollPlan, CollReply, MovePlan, Moving, Probe, Stage, Whole,
};
use crate::cross::{self, Part, PartReply, Plan};
use crate::family::opts::{end, keyword, positive};
use crate::family::Call;
use crate::model::types::list::End;
use crate::model::value::Bytes;
use crate::store::db::{Clock, Db};

/// Redis's `lmoveGenericCommand`: pops at `from` of `src` and pushes at `to`
/// of `dst`, checking the source (missing: nothing), its type, then the
/// destination's type before anything moves.
pub(super) fn op_lmove(
    db: &mut Db,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    now: &Clock,
) -> OpResult<Option<Bytes>> {
    if list_mut(db, src, now)?.is_none_or(|l| l.is_empty()) {
        return Ok(None);
    }
    list_mut(db, dst, now)?;
    let enc = db.enc();
    let Some(l) = list_mut(db, src, now)? else {
        return Ok(None);
    };
    let Some(e) = l.pop(from) else {
        return Ok(None);
    };
    if src == dst {
        l.push(to, &e, &enc);
        return Ok(Some(e));
    }
    if l.is_empty() {
        db.remove(src, now);
    }
    op_push(db, dst, to, std::iter::once(&e[..]), false, now)?;
    Ok(Some(e))
}

fn lmove_generic(c: &mut Call<'_>, from: OpResult<End>, to: OpResult<End>) {
    let r = from.and_then(|from| {
        let to = to?;
        op_lmove(c.db, c.args.at(1), c.args.at(2), from, to, &c.now)
    });
    match r {
        Ok(e) => resp::bulk_or_null(c.out, e.as_deref()),
        Err(e) => e.write(c.args, c.out),
    }
}

/// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
pub fn lmove(c: &mut Call<'_>) {
    let (from, to) = (end(c.args.at(3)), end(c.args.at(4)));
    lmove_generic(c, from, to);
}

/// RPOPLPUSH source destination
pub fn rpoplpush(c: &mut Call<'_>) {
    lmove_generic(c, Ok(End::Right), Ok(End::Left));
}

/// The resolve-time check of LMOVE: both ends are `LEFT` or `RIGHT`.
pub fn check_lmove(args: Args<'_>) -> Result<(), Error> {
    end(args.at(3))?;
    end(args.at(4)).map(|_| ())
}

fn plan_move(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    from: End,
    to: End,
) -> Planned<Plan> {
    let (src, dst) = (args.at(1), args.at(2));
    let p = MovePlan {
        moving: Moving::List {
            from,
            to,
            element: None,
        },
        src: (Bytes::from_slice(src), router.shard_of(src)),
        dst: (Bytes::from_slice(dst), router.shard_of(dst)),
        stage: Stage::Probe,
    };
    p.start(parts);
    coll::held(CollPlan::Move(p))
}

/// Plans an LMOVE whose keys live on two shards.
pub fn plan_lmove(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    // Checked at resolve time.
    let (from, to) = (
        end(args.at(3)).unwrap_or(End::Left),
        end(args.at(4)).unwrap_or(End::Left),
    );
    plan_move(args, router, parts, from, to)
}

/// Plans an RPOPLPUSH whose keys live on two shards.
pub fn plan_rpoplpush(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_move(args, router, parts, End::Right, End::Left)
}

/// What a move's probe finds at a list key.
pub fn op_probe(db: &mut Db, key: &[u8], now: &Clock) -> Probe {
    match list_mut(db, key, now) {
        Ok(Some(l)) if !l.is_empty() => Probe::Present { member: true },
        Ok(_) => Probe::Missing,
        Err(_) => Probe::WrongType,
    }
}

/// A move's take: pops one element at `end` of the list at `key`.
pub fn op_take(db: &mut Db, key: &[u8], end: End, now: &Clock) -> OpResult<Option<Bytes>> {
    op_pop_one(db, key, end, now)
}

/// A move's give: pushes `e` at `end` of the list at `key`, creating it.
pub fn op_give(db: &mut Db, key: &[u8], end: End, e: &[u8], now: &Clock) -> OpResult<()> {
    op_push(db, key, end, std::iter::once(e), false, now).map(|_| ())
}

/// LMPOP's parsed arguments.
pub(super) struct Lmpop {
    numkeys: usize,
    pub(super) end: End,
    pub(super) count: usize,
}

/// Redis's `lmpopGenericCommand` parsing: numkeys, the keys, the end, then
/// `COUNT` at most once.
pub(super) fn parse_lmpop(args: Args<'_>) -> OpResult<Lmpop> {
    let numkeys = positive(
        args.at(1),
        Error::Message("ERR numkeys should be greater than 0"),
    )?;
    let numkeys = usize::try_from(numkeys).map_err(|_| Error::Syntax)?;
    let where_idx = numkeys
        .checked_add(2)
        .filter(|&w| w < args.len())
        .ok_or(Error::Syntax)?;
    let end = end(args.at(where_idx))?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && j + 1 < args.len() && keyword(args.at(j), "count") {
            let msg = Error::Message("ERR count should be greater than 0");
            count = Some(positive(args.at(j + 1), msg)?);
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let count = count.map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX));
    Ok(Lmpop {
        numkeys,
        end,
        count,
    })
}

/// The resolve-time check of LMPOP (so a bad request never fans out).
pub fn check_lmpop(args: Args<'_>) -> Result<(), Error> {
    parse_lmpop(args).map(|_| ())
}

/// The first of `keys` (in order) holding a non-empty list or a value of
/// another type: its position, and whether it is of another type.
fn first_candidate<'k>(
    db: &mut Db,
    keys: impl Iterator<Item = &'k [u8]>,
    now: &Clock,
) -> Option<(usize, bool)> {
    keys.enumerate()
        .find_map(|(i, key)| match list_mut(db, key, now) {
            Ok(Some(l)) if !l.is_empty() => Some((i, false)),
            Ok(_) => None,
            Err(_) => Some((i, true)),
        })
}

/// Writes LMPOP's reply: the key and its popped elements.
pub(super) fn write_lmpop(out: &mut Reply<'_>, key: &[u8], popped: &[Bytes]) {
    resp::array(out, 2);
    resp::bulk(out, key);
    write_elements(out, popped);
}

/// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
pub fn lmpop(c: &mut Call<'_>) {
    let r = parse_lmpop(c.args).and_then(|p| {
        let keys = c.args.iter().skip(2).take(p.numkeys);
        match first_candidate(c.db, keys, &c.now) {
            None => Ok(None),
            Some((_, true)) => Err(Error::WrongType),
            Some((i, false)) => {
                let key = c.args.at(2 + i);
                Ok(op_pop(c.db, key, p.end, p.count, &c.now)?.map(|v| (key, v)))
            }
        }
    });
    match r {
        Ok(Some((key, popped))) => write_lmpop(c.out, key, &popped),
        Ok(None) => resp::null_array(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// LMPOP round 1 on one shard: the first candidate among its keys.
pub fn execute_lmpop_probe(db: &mut Db, keys: Args<'_>, now: &Clock) -> Option<(u32, bool)> {
    first_candidate(db, keys.iter(), now).map(|(i, wrong)| (i as u32, wrong))
}

/// LMPOP round 2: pops up to argument 1 elements at `end` of the list at
/// argument 0.
pub fn execute_lmpop(
    db: &mut Db,
    args: Args<'_>,
    end: End,
    now: &Clock,
) -> OpResult<Option<Vec<Bytes>>> {
    let count = crate::base::num::parse_i64(args.at(1))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1);
    op_pop(db, args.at(0), end, count, now)
}

/// Rounds LMPOP may restart after losing a race before it gives up with a
/// null reply.
const LMPOP_RETRIES: u32 = 16;

/// A cross-shard LMPOP.
#[derive(Debug)]
pub struct LmpopPlan {
    /// The keys in argument order, with their shards.
    keys: Vec<(Bytes, usize)>,
    /// For each round-1 part, the argument positions of its keys.
    part_keys: Vec<Vec<u32>>,
    end: End,
    count: usize,
    /// The key being popped in round 2.
    chosen: Option<usize>,
    retries: u32,
}

crate::cross::family_plan!(LmpopPlan => &gather_lmpop);

impl LmpopPlan {
    /// Round 1: one probe per shard with its keys in argument order.
    fn probe(&mut self, parts: &mut Vec<(usize, Part)>) {
        self.part_keys.clear();
        self.chosen = None;
        let mut shards: Vec<usize> = self.keys.iter().map(|k| k.1).collect();
        shards.sort_unstable();
        shards.dedup();
        for shard in shards {
            let mut args = OwnedArgs::new();
            let mut positions = Vec::new();
            for (i, (key, s)) in self.keys.iter().enumerate() {
                if *s == shard {
                    args.push(key);
                    positions.push(i as u32);
                }
            }
            parts.push((shard, coll::part(CollOp::LmpopProbe, args)));
            self.part_keys.push(positions);
        }
    }
}

/// Plans an LMPOP: whole on one shard when its keys share one, else in rounds.
pub fn plan_lmpop(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let Ok(p) = parse_lmpop(args) else {
        // Checked at resolve time; an empty plan replies through `gather`.
        return coll::plan(CollPlan::Whole);
    };
    let keys: Vec<(Bytes, usize)> = args
        .iter()
        .skip(2)
        .take(p.numkeys)
        .map(|k| (Bytes::from_slice(k), router.shard_of(k)))
        .collect();
    let first = keys.first().map_or(0, |k| k.1);
    if keys.iter().all(|k| k.1 == first) {
        parts.push((
            first,
            coll::part(CollOp::Whole(Whole::Lmpop), args.to_owned_args()),
        ));
        return coll::plan(CollPlan::Whole);
    }
    let mut plan = LmpopPlan {
        keys,
        part_keys: Vec::new(),
        end: p.end,
        count: p.count,
        chosen: None,
        retries: 0,
    };
    plan.probe(parts);
    cross::held(Plan::of(plan))
}

/// One round of a cross-shard LMPOP.
pub fn gather_lmpop(
    p: &mut LmpopPlan,
    replies: &[PartReply],
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    match p.chosen {
        None => {
            let mut best: Option<(u32, bool)> = None;
            for (i, r) in replies.iter().enumerate() {
                if let Some(CollReply::Found(Some((pos, wrong)))) = coll::reply_of(r) {
                    let Some(&arg) = p.part_keys.get(i).and_then(|k| k.get(*pos as usize)) else {
                        continue;
                    };
                    if best.is_none_or(|(b, _)| arg < b) {
                        best = Some((arg, *wrong));
                    }
                }
            }
            match best {
                None => resp::null_array(out),
                Some((_, true)) => Error::WrongType.write(Args::new(&[], &[]), out),
                Some((arg, false)) => {
                    let Some((key, shard)) = p.keys.get(arg as usize) else {
                        resp::null_array(out);
                        return Gather::Done;
                    };
                    let count = p.count.to_string();
                    let args = [&key[..], count.as_bytes()].into_iter().collect();
                    next.push((*shard, coll::part(CollOp::LmpopPop(p.end), args)));
                    p.chosen = Some(arg as usize);
                    return Gather::Again;
                }
            }
        }
        Some(arg) => match replies.first().and_then(coll::reply_of) {
            Some(CollReply::Popped(Ok(Some(popped)))) if !popped.is_empty() => {
                let key = p.keys.get(arg).map_or(&[][..], |k| &k.0[..]);
                write_lmpop(out, key, popped);
            }
            Some(CollReply::Popped(Err(e))) => e.write(Args::new(&[], &[]), out),
            _ if p.retries < LMPOP_RETRIES => {
                // The list went away between the rounds: look again.
                p.retries += 1;
                p.probe(next);
                return Gather::Again;
            }
            _ => resp::null_array(out),
        },
    }
    Gather::Done
}

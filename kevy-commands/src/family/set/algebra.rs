//! Set algebra: SINTER, SUNION, SDIFF, SINTERSTORE, SUNIONSTORE, SDIFFSTORE
//! and SINTERCARD (Redis's `sinterGenericCommand` and
//! `sunionDiffGenericCommand`), on one shard and across shards.
//!
//! Every key is looked up and type-checked before any result is computed,
//! so a key of another type anywhere fails the command (even after a missing
//! key), as in Redis. Results are built as a [`Set`], so a result of at most
//! 512 integers is an intset and replies in ascending order, like Redis's.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use crate::base::error::{Error, OpResult};
use crate::base::num::I64_BUF;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::coll::{self, members_of, reply_of, Algebra, CollOp, CollPlan, CollReply, Whole};
use crate::cross::{self, Part, PartReply, Plan};
use crate::family::opts::{keyword, non_negative, positive};
use crate::family::Call;
use crate::model::encoding::{Enc, DEFAULT};
use crate::model::types::set::Set;
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

/// Which operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Intersection.
    Inter,
    /// Union.
    Union,
    /// The first set minus the others.
    Diff,
}

/// The sets at `keys` (`None` for a missing key), or `WrongType` when one
/// key holds another type.
fn lookup<'a, 'k>(
    db: &'a Db,
    keys: impl Iterator<Item = &'k [u8]>,
    now: &Clock,
) -> OpResult<Vec<Option<&'a Set>>> {
    keys.map(|k| db.get_ref(k, now).map(Value::as_set).transpose())
        .collect()
}

/// Combines `sets` as Redis does (a missing set is empty).
fn combine(sets: &[Option<&Set>], kind: Kind, enc: &Enc) -> Set {
    let mut out = Set::default();
    match kind {
        Kind::Inter => {
            let Some(all) = sets.iter().copied().collect::<Option<Vec<&Set>>>() else {
                return out;
            };
            let mut by_size = all;
            by_size.sort_by_key(|s| s.len());
            if let Some((smallest, others)) = by_size.split_first() {
                for m in smallest.iter() {
                    if others.iter().all(|s| s.contains_member(m)) {
                        out.add_member(m, enc);
                    }
                }
            }
        }
        Kind::Union => {
            for s in sets.iter().flatten() {
                s.iter().for_each(|m| {
                    out.add_member(m, enc);
                });
            }
        }
        Kind::Diff => {
            if let Some((Some(first), others)) = sets.split_first() {
                for m in first.iter() {
                    if !others.iter().flatten().any(|s| s.contains_member(m)) {
                        out.add_member(m, enc);
                    }
                }
            }
        }
    }
    out
}

/// `kind` over the sets at `keys`.
fn op_combine<'k>(
    db: &Db,
    keys: impl Iterator<Item = &'k [u8]>,
    kind: Kind,
    now: &Clock,
) -> OpResult<Set> {
    let enc = db.enc();
    let sets = lookup(db, keys, now)?;
    let mut out = combine(&sets, kind, &enc);
    if kind == Kind::Diff {
        diff_encoding(&sets, &mut out, &enc);
    }
    Ok(out)
}

/// The encoding Redis's SDIFF leaves its result in: it picks the algorithm
/// doing less work, and the second adds the whole first set to the result
/// before removing the others' members, so the result is a hash table
/// whenever the first set would not fit an intset, whatever is left.
/// (Sets on one shard; a cross-shard result takes its content's encoding.)
fn diff_encoding(sets: &[Option<&Set>], out: &mut Set, enc: &Enc) {
    let Some(Some(first)) = sets.first() else {
        return;
    };
    let present = sets.iter().flatten().count();
    let algo_one = first.len() * present / 2;
    let algo_two: usize = sets.iter().flatten().map(|s| s.len()).sum();
    if algo_one <= algo_two || !out.is_intset() {
        return;
    }
    let mut buf = I64_BUF;
    let fits = first.len() <= enc.set_intset
        && first
            .iter()
            .all(|m| crate::base::num::parse_i64(m.bytes(&mut buf)).is_some());
    if !fits {
        out.convert_to_table();
    }
}

/// Stores `set` at `dest` (no time to live), or deletes `dest` when the set
/// is empty; returns the size.
fn store(db: &mut Db, dest: &[u8], set: Set, now: &Clock) -> i64 {
    let n = set.len() as i64;
    if n == 0 {
        db.remove(dest, now);
    } else {
        db.set(dest, Value::Set(set), now, false, None);
    }
    n
}

/// Appends a set's members as a set reply (an array in RESP2), in the
/// set's order.
pub fn write_members(out: &mut Reply<'_>, s: &Set) {
    resp::set(out, s.len());
    let mut buf = I64_BUF;
    for m in s.iter() {
        resp::bulk(out, m.bytes(&mut buf));
    }
}

fn combine_reply(c: &mut Call<'_>, kind: Kind) {
    match op_combine(c.db, c.args.iter().skip(1), kind, &c.now) {
        Ok(s) => write_members(c.out, &s),
        Err(e) => e.write(c.args, c.out),
    }
}

fn combine_store(c: &mut Call<'_>, kind: Kind) {
    match op_combine(c.db, c.args.iter().skip(2), kind, &c.now) {
        Ok(s) => {
            let n = store(c.db, c.args.at(1), s, &c.now);
            resp::int(c.out, n);
        }
        Err(e) => e.write(c.args, c.out),
    }
}

/// SINTER key [key ...]
pub fn sinter(c: &mut Call<'_>) {
    combine_reply(c, Kind::Inter);
}

/// SUNION key [key ...]
pub fn sunion(c: &mut Call<'_>) {
    combine_reply(c, Kind::Union);
}

/// SDIFF key [key ...]
pub fn sdiff(c: &mut Call<'_>) {
    combine_reply(c, Kind::Diff);
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore(c: &mut Call<'_>) {
    combine_store(c, Kind::Inter);
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore(c: &mut Call<'_>) {
    combine_store(c, Kind::Union);
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore(c: &mut Call<'_>) {
    combine_store(c, Kind::Diff);
}

/// SINTERCARD's parsed arguments: the number of keys and the limit (0: none).
fn parse_sintercard(args: Args<'_>) -> OpResult<(usize, usize)> {
    let numkeys = positive(
        args.at(1),
        Error::Message("ERR numkeys should be greater than 0"),
    )?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len().saturating_sub(2) {
        return Err(Error::Message(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0;
    let mut j = 2 + numkeys;
    while j < args.len() {
        if j + 1 < args.len() && keyword(args.at(j), "limit") {
            let msg = Error::Message("ERR LIMIT can't be negative");
            limit = non_negative(args.at(j + 1), msg)?;
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((numkeys, usize::try_from(limit).unwrap_or(usize::MAX)))
}

/// The resolve-time check of SINTERCARD.
pub fn check_sintercard(args: Args<'_>) -> Result<(), Error> {
    parse_sintercard(args).map(|_| ())
}

/// The size of the intersection of `sets`, counting up to `limit` (0: all).
fn inter_card(sets: &[Option<&Set>], limit: usize) -> usize {
    let Some(mut all) = sets.iter().copied().collect::<Option<Vec<&Set>>>() else {
        return 0;
    };
    all.sort_by_key(|s| s.len());
    let Some((smallest, others)) = all.split_first() else {
        return 0;
    };
    let hits = smallest
        .iter()
        .filter(|&m| others.iter().all(|s| s.contains_member(m)));
    match limit {
        0 => hits.count(),
        n => hits.take(n).count(),
    }
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(c: &mut Call<'_>) {
    let r = parse_sintercard(c.args).and_then(|(numkeys, limit)| {
        let keys = c.args.iter().skip(2).take(numkeys);
        Ok(inter_card(&lookup(c.db, keys, &c.now)?, limit))
    });
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// A shard's share of a cross-shard combination: its keys combined by
/// `alg`, as members.
pub fn op_partial(db: &mut Db, keys: Args<'_>, alg: Algebra, now: &Clock) -> OpResult<OwnedArgs> {
    let kind = match alg {
        Algebra::Inter => Kind::Inter,
        Algebra::Union => Kind::Union,
        Algebra::DiffFirst => Kind::Diff,
    };
    let s = op_combine(db, keys.iter(), kind, now)?;
    let mut buf = I64_BUF;
    Ok(s.iter()
        .map(|m| Bytes::from_slice(m.bytes(&mut buf)))
        .collect())
}

/// Round 2 of a cross-shard STORE: argument 0 becomes the set of the others.
pub fn op_store_members(db: &mut Db, args: Args<'_>, now: &Clock) -> i64 {
    let mut s = Set::default();
    let enc = db.enc();
    args.iter().skip(1).for_each(|m| {
        s.add(m, &enc);
    });
    store(db, args.at(0), s, now)
}

/// A cross-shard set combination.
#[derive(Debug)]
pub struct AlgebraPlan {
    kind: Kind,
    /// The destination key and its shard (STORE forms).
    store: Option<(Bytes, usize)>,
    /// SINTERCARD's limit (0: none).
    card: Option<usize>,
    /// The round-1 part holding the first key (SDIFF).
    first_part: usize,
    /// Round 2 (the store) was sent.
    storing: bool,
}

crate::cross::family_plan!(AlgebraPlan => &gather_algebra);

/// Round 1: one partial per shard over its keys (`keys` in argument order).
fn plan_partials<'k>(
    keys: impl Iterator<Item = &'k [u8]>,
    kind: Kind,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> usize {
    let mut groups: Vec<(usize, OwnedArgs)> = Vec::new();
    let mut first_shard = None;
    for key in keys {
        let shard = router.shard_of(key);
        first_shard.get_or_insert(shard);
        match groups.iter_mut().find(|g| g.0 == shard) {
            Some(g) => g.1.push(key),
            None => groups.push((shard, [key].into_iter().collect())),
        }
    }
    let mut first_part = 0;
    for (shard, args) in groups {
        let alg = match kind {
            Kind::Inter => Algebra::Inter,
            Kind::Union => Algebra::Union,
            Kind::Diff if Some(shard) == first_shard => {
                first_part = parts.len();
                Algebra::DiffFirst
            }
            Kind::Diff => Algebra::Union,
        };
        parts.push((shard, coll::part(CollOp::SetPartial(alg), args)));
    }
    first_part
}

fn plan_combine(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    kind: Kind,
    store: bool,
) -> Planned<Plan> {
    let from = if store { 2 } else { 1 };
    let first_part = plan_partials(args.iter().skip(from), kind, router, parts);
    let dest = args.at(1);
    let plan = AlgebraPlan {
        kind,
        store: store.then(|| (Bytes::from_slice(dest), router.shard_of(dest))),
        card: None,
        first_part,
        storing: false,
    };
    if store {
        cross::held(Plan::of(plan))
    } else {
        cross::planned(Plan::of(plan))
    }
}

/// Plans a cross-shard SINTER.
pub fn plan_sinter(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Inter, false)
}

/// Plans a cross-shard SUNION.
pub fn plan_sunion(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Union, false)
}

/// Plans a cross-shard SDIFF.
pub fn plan_sdiff(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Diff, false)
}

/// Plans a cross-shard SINTERSTORE: combine, then store at the destination.
pub fn plan_sinterstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Inter, true)
}

/// Plans a cross-shard SUNIONSTORE.
pub fn plan_sunionstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Union, true)
}

/// Plans a cross-shard SDIFFSTORE.
pub fn plan_sdiffstore(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_combine(args, router, parts, Kind::Diff, true)
}

/// Plans SINTERCARD: whole on one shard when its keys share one, else
/// intersected across shards.
pub fn plan_sintercard(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let Ok((numkeys, limit)) = parse_sintercard(args) else {
        // Checked at resolve time; an empty plan replies through `gather`.
        return coll::plan(CollPlan::Whole);
    };
    let keys = || args.iter().skip(2).take(numkeys);
    let first = keys().next().map_or(0, |k| router.shard_of(k));
    if keys().all(|k| router.shard_of(k) == first) {
        let whole = coll::part(CollOp::Whole(Whole::Sintercard), args.to_owned_args());
        parts.push((first, whole));
        return coll::plan(CollPlan::Whole);
    }
    plan_partials(keys(), Kind::Inter, router, parts);
    cross::planned(Plan::of(AlgebraPlan {
        kind: Kind::Inter,
        store: None,
        card: Some(limit),
        first_part: 0,
        storing: false,
    }))
}

/// Combines the partial results of round 1 at the origin.
fn combine_partials(p: &AlgebraPlan, partials: &[&OwnedArgs]) -> Set {
    let sets: Vec<Set> = partials
        .iter()
        .map(|m| {
            let mut s = Set::default();
            m.args().iter().for_each(|m| {
                s.add(m, &DEFAULT);
            });
            s
        })
        .collect();
    let mut refs: Vec<Option<&Set>> = sets.iter().map(Some).collect();
    if p.kind == Kind::Diff && p.first_part < refs.len() {
        // The first key's partial leads; the others are subtracted.
        let first = refs.remove(p.first_part);
        refs.insert(0, first);
    }
    combine(&refs, p.kind, &DEFAULT)
}

/// One round of a cross-shard combination.
pub fn gather_algebra(
    p: &mut AlgebraPlan,
    replies: &[PartReply],
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    if p.storing {
        match replies.first().and_then(reply_of) {
            Some(CollReply::Int(n)) => resp::int(out, *n),
            _ => resp::error(out, b"ERR internal error: bad store reply"),
        }
        return Gather::Done;
    }
    let partials: Result<Vec<&OwnedArgs>, Error> =
        replies.iter().map(|r| members_of(reply_of(r))).collect();
    let partials = match partials {
        Ok(p) => p,
        Err(e) => {
            e.write(Args::new(&[], &[]), out);
            return Gather::Done;
        }
    };
    if let Some(limit) = p.card {
        let sets: Vec<Set> = partials
            .iter()
            .map(|m| {
                let mut s = Set::default();
                m.args().iter().for_each(|m| {
                    s.add(m, &DEFAULT);
                });
                s
            })
            .collect();
        let refs: Vec<Option<&Set>> = sets.iter().map(Some).collect();
        resp::int(out, inter_card(&refs, limit) as i64);
        return Gather::Done;
    }
    let result = combine_partials(p, &partials);
    match &p.store {
        Some((dest, shard)) => {
            let mut args = OwnedArgs::new();
            args.push(dest);
            let mut buf = I64_BUF;
            result.iter().for_each(|m| args.push(m.bytes(&mut buf)));
            next.push((*shard, coll::part(CollOp::SetStore, args)));
            p.storing = true;
            Gather::Again
        }
        None => {
            write_members(out, &result);
            Gather::Done
        }
    }
}

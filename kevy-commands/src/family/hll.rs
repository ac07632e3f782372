//! HyperLogLog commands (Redis's `hyperloglog.c`): PFADD, PFCOUNT, PFMERGE,
//! PFDEBUG and PFSELFTEST.
//! The HLL lives in a string value (see [`crate::model::hll`]).
//!
//! PFCOUNT of several keys and PFMERGE whose keys live on several shards
//! merge each shard's keys there ([`HllOp::Merge`]: the registers' maxima,
//! the first error, whether an input is dense) and combine the results on
//! the origin; PFMERGE then applies the registers to the destination on its
//! shard ([`HllOp::Apply`]) while the connection waits. Not atomic with
//! respect to other clients across shards.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::Call;
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, bytes_of, encoded, Op, Part, PartReply, Plan};
use crate::model::hll::{self, REGISTERS};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};

pub use crate::cross::ops::HllOp;

/// A string that is not an HLL.
const NOT_HLL: Error = Error::Message("WRONGTYPE Key is not a valid HyperLogLog string value.");
/// A corrupt sparse representation.
const CORRUPT: Error = Error::Message("INVALIDOBJ Corrupted HLL object detected");

impl From<hll::Corrupt> for Error {
    fn from(_: hll::Corrupt) -> Error {
        CORRUPT
    }
}

/// The HLL string in `v` (Redis's `isHLLObjectOrReply`).
fn hll_of(v: &Value) -> OpResult<&[u8]> {
    match v {
        Value::Str(s) if hll::is_valid(s) => Ok(s),
        Value::Str(_) | Value::Int(_) => Err(NOT_HLL),
        _ => Err(Error::WrongType),
    }
}

/// The HLL at `key` for an update: created when missing.
fn hll_for_write<'a>(db: &'a mut Db, key: &[u8], now: &Clock) -> OpResult<(&'a mut Bytes, bool)> {
    let created = match db.get(key, now) {
        Some(v) => {
            hll_of(v)?;
            false
        }
        None => {
            db.set(key, Value::raw(hll::new_hll()), now, false, None);
            true
        }
    };
    // Redis unshares it (`raw` from now on).
    match db.get(key, now) {
        Some(v @ Value::Str(_)) => Ok((v.make_raw()?, created)),
        _ => Err(NOT_HLL),
    }
}

/// PFADD key [element [element ...]]
pub fn pfadd(c: &mut Call<'_>) {
    let r = (|| -> OpResult<i64> {
        let max_sparse = c.db.limits().encodings.hll_sparse_max_bytes();
        let (s, created) = hll_for_write(c.db, c.args.at(1), &c.now)?;
        let mut updated = created;
        for ele in c.args.iter().skip(2) {
            updated |= hll::add(s, ele, max_sparse)?;
        }
        if updated {
            hll::invalidate(s);
        }
        Ok(updated as i64)
    })();
    match r {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
pub fn pfdebug(c: &mut Call<'_>) {
    let sub = c.args.at(1);
    let key = c.args.at(2);
    let Some(v) = c.db.get(key, &c.now) else {
        return resp::error(c.out, b"ERR The specified key does not exist");
    };
    if let Err(e) = hll_of(v) {
        return e.write(c.args, c.out);
    }
    let Value::Str(s) = v else { return };
    if sub.eq_ignore_ascii_case(b"getreg") {
        let regs = hll::to_dense(s).and_then(|()| hll::registers(s));
        match regs {
            Ok(regs) => {
                resp::array(c.out, REGISTERS);
                regs.iter().for_each(|&r| resp::int(c.out, i64::from(r)));
            }
            Err(e) => Error::from(e).write(c.args, c.out),
        }
    } else if sub.eq_ignore_ascii_case(b"decode") {
        match hll::describe_sparse(s) {
            Some(text) => resp::bulk(c.out, text.as_bytes()),
            None => resp::error(c.out, b"ERR HLL encoding is not sparse"),
        }
    } else if sub.eq_ignore_ascii_case(b"encoding") {
        let name: &[u8] = if hll::is_dense(s) {
            b"dense"
        } else {
            b"sparse"
        };
        resp::simple(c.out, name);
    } else if sub.eq_ignore_ascii_case(b"todense") {
        let sparse = !hll::is_dense(s);
        match hll::to_dense(s) {
            Ok(()) => resp::int(c.out, sparse as i64),
            Err(e) => Error::from(e).write(c.args, c.out),
        }
    } else {
        let mut msg = b"ERR Unknown PFDEBUG subcommand '".to_vec();
        msg.extend_from_slice(sub);
        msg.push(b'\'');
        crate::base::error::write_sanitized(c.out, &msg);
    }
}

/// PFSELFTEST: the HLL implementation's self checks (registers, and the
/// estimate's error bound in both encodings); `+OK` or the failed check.
pub fn pfselftest(c: &mut super::Local<'_>) -> kevy_rt::Flow {
    match hll::self_test(crate::base::random::next) {
        Ok(()) => resp::ok(c.out),
        Err(e) => resp::error(c.out, e.as_bytes()),
    }
    kevy_rt::Flow::Continue
}

/// Merges the HLLs at `keys` into `max`: the local index of the first key
/// that fails and its error, and whether an input is dense.
fn op_merge(
    db: &mut Db,
    keys: impl Iterator<Item = impl AsRef<[u8]>>,
    max: &mut [u8; REGISTERS],
    now: &Clock,
) -> (Option<(usize, Error)>, bool) {
    let mut dense = false;
    for (i, key) in keys.enumerate() {
        let Some(v) = db.get(key.as_ref(), now) else {
            continue;
        };
        let r = hll_of(v).and_then(|s| {
            dense |= hll::is_dense(s);
            hll::merge_into(max, s).map_err(Error::from)
        });
        if let Err(e) = r {
            return (Some((i, e)), dense);
        }
    }
    (None, dense)
}

/// PFCOUNT of one key: the cached cardinality, or a fresh count cached.
fn op_count_one(db: &mut Db, key: &[u8], now: &Clock) -> OpResult<u64> {
    let Some(v) = db.get(key, now) else {
        return Ok(0);
    };
    if let Some(card) = hll::cached(hll_of(v)?) {
        return Ok(card);
    }
    let card = hll::count(hll_of(v)?)?;
    if let Value::Str(s) = v {
        hll::set_cache(s, card);
    }
    Ok(card)
}

/// PFCOUNT key [key ...]
pub fn pfcount(c: &mut Call<'_>) {
    let r = if c.args.len() == 2 {
        op_count_one(c.db, c.args.at(1), &c.now)
    } else {
        let mut max = [0u8; REGISTERS];
        match op_merge(c.db, c.args.iter().skip(1), &mut max, &c.now) {
            (Some((_, e)), _) => Err(e),
            (None, _) => Ok(hll::count_raw(&max)),
        }
    };
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Raises the registers of the HLL at `dst` (created when missing) to `max`,
/// converting it to dense first when `dense` (PFMERGE's write).
fn op_apply(db: &mut Db, dst: &[u8], max: &[u8], dense: bool, now: &Clock) -> OpResult<()> {
    let max_sparse = db.limits().encodings.hll_sparse_max_bytes();
    let (s, _) = hll_for_write(db, dst, now)?;
    if dense {
        hll::to_dense(s)?;
    }
    for (j, &m) in max.iter().enumerate().take(REGISTERS) {
        if m != 0 {
            hll::set_register(s, j, m, max_sparse)?;
        }
    }
    hll::invalidate(s);
    Ok(())
}

/// PFMERGE destkey [sourcekey [sourcekey ...]]
pub fn pfmerge(c: &mut Call<'_>) {
    let mut max = [0u8; REGISTERS];
    let r = match op_merge(c.db, c.args.iter().skip(1), &mut max, &c.now) {
        (Some((_, e)), _) => Err(e),
        (None, dense) => op_apply(c.db, c.args.at(1), &max, dense, &c.now),
    };
    match r {
        Ok(()) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// What the origin keeps of a HyperLogLog operation between rounds.
#[derive(Debug)]
pub enum HllPlan {
    /// Merged counts: `(part, item)` of each key, and for PFMERGE the
    /// destination with its shard.
    Merge {
        /// Where each key was merged.
        slots: Vec<(u32, u32)>,
        /// PFMERGE's destination shard and key.
        dst: Option<(usize, Bytes)>,
    },
    /// A last round whose one part replied the reply bytes.
    Relay,
}

crate::cross::family_plan!(HllPlan => gather);

/// The errors a merge part reports, by kind.
const ERRORS: [Error; 3] = [Error::WrongType, NOT_HLL, CORRUPT];

/// Runs a HyperLogLog part.
pub fn execute_part(db: &mut Db, op: HllOp, args: Args<'_>, now: &Clock) -> PartReply {
    match op {
        HllOp::Merge => {
            let mut max = [0u8; REGISTERS];
            let (err, dense) = op_merge(db, args.iter(), &mut max, now);
            let mut buf = Vec::with_capacity(6 + REGISTERS);
            let (at, kind) = err.map_or((u32::MAX, 0), |(i, e)| {
                (
                    i as u32,
                    ERRORS.iter().position(|&x| x == e).unwrap_or(0) as u8,
                )
            });
            buf.extend_from_slice(&at.to_le_bytes());
            buf.push(kind);
            buf.push(dense as u8);
            buf.extend_from_slice(&max);
            let ends = vec![buf.len() as u32];
            PartReply::Encoded { buf, ends }
        }
        HllOp::Apply => {
            let mut out = Vec::new();
            match op_apply(db, args.at(0), args.at(2), args.at(1) == b"1", now) {
                Ok(()) => resp::ok(&mut out),
                Err(e) => e.write(args, &mut out),
            }
            encoded(out)
        }
    }
}

fn plan_merge(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    dst: bool,
) -> Planned<Plan> {
    let slots = cross::scatter(args, 1, Op::Hll(HllOp::Merge), router, parts);
    let dst = dst.then(|| (router.shard_of(args.at(1)), Bytes::from_slice(args.at(1))));
    Planned {
        hold: dst.is_some(),
        plan: Plan::of(HllPlan::Merge { slots, dst }),
    }
}

/// Plans a PFCOUNT of keys on several shards.
pub fn plan_pfcount(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_merge(args, router, parts, false)
}

/// Plans a PFMERGE of keys on several shards.
pub fn plan_pfmerge(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_merge(args, router, parts, true)
}

/// Reduces a round of a HyperLogLog operation.
pub fn gather(
    plan: &mut HllPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let HllPlan::Merge { slots, dst } = plan else {
        replies
            .iter()
            .for_each(|r| out.extend_from_slice(bytes_of(r)));
        return Gather::Done;
    };
    let no_args = OwnedArgs::new();
    // The first failing key in request order decides the error.
    let failed = slots.iter().find_map(|&(part, i)| {
        let r = bytes_of(replies.get(part as usize)?);
        let at = u32::from_le_bytes(r.get(..4)?.try_into().ok()?);
        let kind = *r.get(4)? as usize;
        (at == i).then(|| ERRORS[kind % ERRORS.len()])
    });
    if let Some(e) = failed {
        e.write(no_args.args(), out);
        return Gather::Done;
    }
    let mut max = [0u8; REGISTERS];
    let mut dense = false;
    for r in &replies {
        let r = bytes_of(r);
        dense |= r.get(5) == Some(&1);
        for (m, &v) in max.iter_mut().zip(r.get(6..).unwrap_or(&[])) {
            *m = (*m).max(v);
        }
    }
    match dst.take() {
        None => resp::int(out, hll::count_raw(&max) as i64),
        Some((shard, dst)) => {
            let flag: &[u8] = if dense { b"1" } else { b"0" };
            let args: OwnedArgs = [&dst[..], flag, &max[..]].into_iter().collect();
            next.push((
                shard,
                Part {
                    db: None,
                    resp3: None,
                    op: Op::Hll(HllOp::Apply),
                    args,
                    value: None,
                },
            ));
            *plan = HllPlan::Relay;
            return Gather::Again;
        }
    }
    Gather::Done
}

#[cfg(test)]
mod tests;

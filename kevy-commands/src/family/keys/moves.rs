//! RENAME, RENAMENX, COPY and MOVE (Redis's `db.c`): the key's value moves
//! or is copied whole, whatever its type, with its time to live. On one
//! shard they are single operations; across shards they are the plans
//! described in [`crate::cross::keys`].

use kevy_rt::{Args, Gather, Planned, Router};

use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::keys::{self, Carried, KeyOp, KeyReply};
use crate::cross::{self, Op, Part, PartReply, Plan};
use crate::family::opts::{keyword, op_select};
use crate::family::{Call, ShardCall};
use crate::model::value::Bytes;
use crate::shard::ShardState;
use crate::store::db::{Clock, Db};

/// RENAME's missing source.
pub const NO_SUCH_KEY: Error = Error::Message("ERR no such key");
/// COPY or MOVE onto the key itself.
pub const SAME_OBJECT: Error = Error::Message("ERR source and destination objects are the same");

/// Redis's `renameGenericCommand` on one shard: `Ok(true)` when renamed (or
/// for RENAME of a key onto itself), `Ok(false)` when RENAMENX finds the
/// destination, or RENAMENX of a key onto itself.
pub fn op_rename(db: &mut Db, src: &[u8], dst: &[u8], nx: bool, now: &Clock) -> OpResult<bool> {
    if !db.touch(src, now) {
        return Err(NO_SUCH_KEY);
    }
    if src == dst {
        return Ok(!nx);
    }
    if nx && db.contains(dst, now) {
        return Ok(false);
    }
    let (value, at) = db.take(src, now).ok_or(NO_SUCH_KEY)?;
    db.set(dst, value, now, false, at);
    Ok(true)
}

fn write_rename(out: &mut Reply<'_>, nx: bool, done: bool) {
    if nx {
        resp::int(out, done as i64);
    } else {
        resp::ok(out);
    }
}

fn rename_generic(c: &mut Call<'_>, nx: bool) {
    match op_rename(c.db, c.args.at(1), c.args.at(2), nx, &c.now) {
        Ok(done) => write_rename(c.out, nx, done),
        Err(e) => e.write(c.args, c.out),
    }
}

/// RENAME key newkey
pub fn rename(c: &mut Call<'_>) {
    rename_generic(c, false);
}

/// RENAMENX key newkey
pub fn renamenx(c: &mut Call<'_>) {
    rename_generic(c, true);
}

/// The rounds of a cross-shard rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameStage {
    /// RENAMENX: does the source exist, does the destination?
    Probe,
    /// Removing the source with its deadline.
    Take,
    /// Storing at the destination.
    Put,
    /// RENAMENX found the destination taken after all: the value goes back.
    Restore,
}

/// A RENAME or RENAMENX whose keys live on two shards.
#[derive(Debug)]
pub struct RenamePlan {
    /// Source key and shard.
    pub src: (Bytes, usize),
    /// Destination key and shard.
    pub dst: (Bytes, usize),
    /// RENAMENX.
    pub nx: bool,
    /// The current round.
    pub stage: RenameStage,
}

crate::cross::family_plan!(RenamePlan => gather_rename);

impl RenamePlan {
    fn take(&mut self, next: &mut Vec<(usize, Part)>) -> Gather {
        let args = [&self.src.0[..]].into_iter().collect();
        next.push((self.src.1, keys::part(KeyOp::Take, args)));
        self.stage = RenameStage::Take;
        Gather::Again
    }
}

fn plan_rename_generic(
    args: Args<'_>,
    router: &Router,
    nx: bool,
) -> (RenamePlan, Vec<(usize, Part)>) {
    let (src, dst) = (args.at(1), args.at(2));
    let mut p = RenamePlan {
        src: (Bytes::from_slice(src), router.shard_of(src)),
        dst: (Bytes::from_slice(dst), router.shard_of(dst)),
        nx,
        stage: RenameStage::Probe,
    };
    let mut parts = Vec::new();
    if nx {
        parts.push((p.src.1, Part::new(Op::Exists, [src].into_iter().collect())));
        parts.push((p.dst.1, Part::new(Op::Exists, [dst].into_iter().collect())));
    } else {
        p.take(&mut parts);
    }
    (p, parts)
}

/// Plans a RENAME whose keys live on two shards.
pub fn plan_rename(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let (p, first) = plan_rename_generic(args, router, false);
    parts.extend(first);
    cross::held(Plan::of(p))
}

/// Plans a RENAMENX whose keys live on two shards.
pub fn plan_renamenx(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let (p, first) = plan_rename_generic(args, router, true);
    parts.extend(first);
    cross::held(Plan::of(p))
}

/// One round of a cross-shard rename.
pub fn gather_rename(
    p: &mut RenamePlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let mut replies = replies.into_iter();
    match p.stage {
        RenameStage::Probe => {
            let count = |r: Option<PartReply>| match r {
                Some(PartReply::Int(n)) => n,
                _ => 0,
            };
            let (src, dst) = (count(replies.next()), count(replies.next()));
            if src == 0 {
                NO_SUCH_KEY.write(Args::new(&[], &[]), out);
            } else if dst > 0 {
                resp::int(out, 0);
            } else {
                return p.take(next);
            }
        }
        RenameStage::Take => match replies.next().and_then(keys::into_reply) {
            Some(KeyReply::Taken(Some(value))) => {
                let op = if p.nx { KeyOp::PutNx } else { KeyOp::Put };
                let args = [&p.dst.0[..]].into_iter().collect();
                next.push((p.dst.1, keys::part_with(op, args, value)));
                p.stage = RenameStage::Put;
                return Gather::Again;
            }
            Some(KeyReply::Taken(None)) => NO_SUCH_KEY.write(Args::new(&[], &[]), out),
            _ => keys::internal(out),
        },
        RenameStage::Put => match replies.next().and_then(keys::into_reply) {
            Some(KeyReply::Put(None)) => write_rename(out, p.nx, true),
            Some(KeyReply::Put(Some(back))) => {
                let args = [&p.src.0[..]].into_iter().collect();
                next.push((p.src.1, keys::part_with(KeyOp::Put, args, back)));
                p.stage = RenameStage::Restore;
                return Gather::Again;
            }
            _ => keys::internal(out),
        },
        RenameStage::Restore => resp::int(out, 0),
    }
    Gather::Done
}

/// Stores `c` at `key` (replacing a value unless `nx`); hands `c` back when
/// `nx` finds the key taken.
pub fn op_put(
    db: &mut Db,
    key: &[u8],
    c: Box<Carried>,
    nx: bool,
    now: &Clock,
) -> Option<Box<Carried>> {
    if nx && db.contains(key, now) {
        return Some(c);
    }
    let Carried { value, at } = *c;
    db.set(key, value, now, false, at);
    None
}

/// COPY's options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CopyOpts {
    /// The destination database (`DB`), when given.
    db: Option<usize>,
    /// `REPLACE`.
    replace: bool,
}

/// Parses COPY's options as Redis's `copyCommand` does, in order, against
/// `databases`.
fn parse_copy(args: Args<'_>, databases: usize) -> OpResult<CopyOpts> {
    let mut o = CopyOpts {
        db: None,
        replace: false,
    };
    let mut j = 3;
    while j < args.len() {
        let additional = args.len() - j - 1;
        if keyword(args.at(j), "replace") {
            o.replace = true;
        } else if keyword(args.at(j), "db") && additional >= 1 {
            o.db = Some(op_select(args.at(j + 1), databases)?);
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The source's value and deadline, cloned (a COPY's new object; the read
/// counts as an access).
fn clone_of(db: &mut Db, key: &[u8], now: &Clock) -> Option<Box<Carried>> {
    db.get_with_deadline(key, now).map(|(value, at)| {
        Box::new(Carried {
            value: value.duplicate(),
            at,
        })
    })
}

/// Redis's `copyCommand` on one shard: 1 when copied, 0 when the source is
/// missing or the destination taken (without REPLACE).
fn op_copy(shard: &mut ShardState, selected: usize, args: Args<'_>, now: &Clock) -> OpResult<bool> {
    let o = parse_copy(args, shard.dbs.len())?;
    let to = o.db.unwrap_or(selected);
    let (src, dst) = (args.at(1), args.at(2));
    if to == selected && src == dst {
        return Err(SAME_OBJECT);
    }
    let Some(c) = clone_of(shard.db(selected), src, now) else {
        return Ok(false);
    };
    Ok(op_put(shard.db(to), dst, c, !o.replace, now).is_none())
}

/// COPY source destination \[DB destination-db\] \[REPLACE\]
pub fn copy(c: &mut ShardCall<'_>) {
    match op_copy(c.shard, c.db, c.args, &c.now) {
        Ok(done) => resp::int(c.out, done as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// COPY's first round on the source's shard: the command's error, or the
/// clone (none for a missing source) with the destination database and the
/// REPLACE flag.
pub fn op_copy_out(
    shard: &mut ShardState,
    selected: usize,
    args: Args<'_>,
    now: &Clock,
) -> OpResult<(Option<Box<Carried>>, u32, bool)> {
    let o = parse_copy(args, shard.dbs.len())?;
    let to = o.db.unwrap_or(selected) as u32;
    Ok((clone_of(shard.db(selected), args.at(1), now), to, o.replace))
}

/// A COPY whose keys live on two shards.
#[derive(Debug)]
pub struct CopyPlan {
    /// Destination key and shard.
    pub dst: (Bytes, usize),
    /// The clone has been sent to the destination.
    pub sent: bool,
}

crate::cross::family_plan!(CopyPlan => gather_copy);

/// Plans a COPY whose keys live on two shards: the source's shard parses
/// and checks the command, then clones the value.
pub fn plan_copy(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let (src, dst) = (args.at(1), args.at(2));
    parts.push((
        router.shard_of(src),
        keys::part(KeyOp::CopyOut, args.iter().collect()),
    ));
    cross::held(Plan::of(CopyPlan {
        dst: (Bytes::from_slice(dst), router.shard_of(dst)),
        sent: false,
    }))
}

/// One round of a cross-shard COPY.
pub fn gather_copy(
    p: &mut CopyPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let reply = replies.into_iter().next().and_then(keys::into_reply);
    if p.sent {
        match reply {
            Some(KeyReply::Put(back)) => resp::int(out, back.is_none() as i64),
            _ => keys::internal(out),
        }
        return Gather::Done;
    }
    match reply {
        Some(KeyReply::Copied(Ok((Some(value), to, replace)))) => {
            let (db, flag) = (to.to_string(), if replace { "1" } else { "0" });
            let args = [&p.dst.0[..], db.as_bytes(), flag.as_bytes()]
                .into_iter()
                .collect();
            next.push((p.dst.1, keys::part_with(KeyOp::CopyIn, args, value)));
            p.sent = true;
            return Gather::Again;
        }
        Some(KeyReply::Copied(Ok((None, ..)))) => resp::int(out, 0),
        Some(KeyReply::Copied(Err(e))) => e.write(Args::new(&[], &[]), out),
        _ => keys::internal(out),
    }
    Gather::Done
}

/// Redis's `moveCommand`: 1 when `key` moved to database `to`, 0 when it is
/// missing or taken there.
fn op_move(
    shard: &mut ShardState,
    selected: usize,
    key: &[u8],
    to: &[u8],
    now: &Clock,
) -> OpResult<bool> {
    let to = op_select(to, shard.dbs.len())?;
    if to == selected {
        return Err(SAME_OBJECT);
    }
    if !shard.db(selected).touch(key, now) || shard.db(to).contains(key, now) {
        return Ok(false);
    }
    let Some((value, at)) = shard.db(selected).take(key, now) else {
        return Ok(false);
    };
    shard.db(to).set(key, value, now, false, at);
    Ok(true)
}

/// MOVE key db
///
/// A key's shard does not depend on its database, so MOVE always runs on
/// one shard, atomically.
pub fn move_(c: &mut ShardCall<'_>) {
    match op_move(c.shard, c.db, c.args.at(1), c.args.at(2), &c.now) {
        Ok(done) => resp::int(c.out, done as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

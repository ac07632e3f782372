//! The multi-shard operations of the generic key commands.
//!
//! - **RENAME / RENAMENX** across two shards ([`moves::RenamePlan`]): RENAMENX first
//!   probes both keys (the source must exist, the destination must not);
//!   then round *take* removes the source with its deadline, round *put*
//!   stores both at the destination. Should a RENAMENX destination have
//!   appeared meanwhile (another client), the value goes back to the source
//!   (*restore*) and the reply is 0: the value is never lost.
//! - **COPY** across two shards ([`moves::CopyPlan`]): the source's shard parses
//!   the command (it knows the number of databases), checks it and clones
//!   the value with its deadline; the destination's shard stores the clone.
//! - **SWAPDB**, **RANDOMKEY**: every shard swaps its two databases / offers
//!   a random key and its database size; the origin picks one key, weighted
//!   by size.
//! - **SCAN** ([`scan::ScanPlan`]): the cursor names a shard and a position in its
//!   table; a call continues on the next shards while it has seen fewer keys
//!   than COUNT.
//! - **SORT** ([`crate::family::sort::SortPlan`]): see there.
//!
//! Values travel between shards whole ([`Carried`]): any [`Value`] type
//! moves or copies the same way.

use kevy_rt::{Args, Gather, OwnedArgs};

use super::{Part, PartReply, Plan};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::keys::{moves, scan};
use crate::family::sort;
use crate::model::value::{Bytes, Value};
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::store::db::Ms;
use crate::store::signal::class::{GENERIC, LIST};

/// A value on its way between shards, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The value.
    pub value: Value,
    /// Its deadline, if any.
    pub at: Option<Ms>,
}

/// What a part of a generic key operation does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOp {
    /// Removes the key in argument 0; replies its value and deadline.
    Take,
    /// Stores the carried value at argument 0, replacing any value.
    Put,
    /// Stores the carried value at argument 0 unless the key exists (then
    /// hands the value back).
    PutNx,
    /// COPY's first round: the arguments are the whole command; parses it,
    /// then clones the source.
    CopyOut,
    /// COPY's second round: stores the carried value at argument 0 in
    /// database argument 1, replacing a value when argument 2 is `1`.
    CopyIn,
    /// Swaps the databases in arguments 0 and 1.
    Swapdb,
    /// A random key and the database size.
    Random,
    /// One SCAN step: cursor, budget, then SCAN's options.
    Scan,
    /// A whole SORT (`true`: SORT_RO) on the shard holding every key it uses.
    SortWhole(bool),
    /// Reads the elements SORT sorts (argument 0).
    SortLoad,
    /// Looks up `key, field-flag, field` triples for SORT's BY and GET.
    SortFetch,
    /// Stores a SORT result: argument 0 becomes a list of the others.
    SortStore,
}

/// The result of a [`KeyOp`].
#[derive(Debug, PartialEq, Eq)]
pub enum KeyReply {
    /// A take: the value and its deadline, or nothing when the key is gone.
    Taken(Option<Box<Carried>>),
    /// A put: `None` when stored, else the value handed back.
    Put(Option<Box<Carried>>),
    /// COPY's first round: the clone (none for a missing source), the
    /// destination database and the REPLACE flag; or the command's error.
    Copied(OpResult<(Option<Box<Carried>>, u32, bool)>),
    /// Done, or an error.
    Done(OpResult<()>),
    /// RANDOMKEY: the database size and a random live key.
    Random {
        /// Keys in the database.
        len: usize,
        /// A random live key.
        key: Option<Bytes>,
    },
    /// One SCAN step.
    Scanned {
        /// The shard's next cursor (0: done with this shard).
        next: u64,
        /// Keys visited, before filtering (they count against COUNT).
        seen: usize,
        /// The keys that passed the filters.
        keys: Vec<Bytes>,
    },
    /// A whole command's reply bytes.
    Encoded(Vec<u8>),
    /// SORT's elements, and whether their order is meaningful (a list).
    Loaded(OpResult<sort::Source>),
    /// SORT's looked-up values.
    Values(Vec<Option<Bytes>>),
}

/// Origin-side state of a generic key operation.
#[derive(Debug)]
pub enum KeyPlan {
    /// Copy the single part's reply.
    Whole,
    /// RENAME or RENAMENX across shards.
    Rename(moves::RenamePlan),
    /// COPY across shards.
    Copy(moves::CopyPlan),
    /// SWAPDB: `+OK` unless a shard refused.
    Swapdb,
    /// RANDOMKEY: one key among the shards' offers.
    Random,
    /// SCAN.
    Scan(scan::ScanPlan),
    /// SORT across shards.
    Sort(Box<sort::SortPlan>),
}

/// A part of a generic key operation.
pub fn part(op: KeyOp, args: OwnedArgs) -> Part {
    Part::new(super::Op::Key(op), args)
}

/// A part carrying `value`.
pub fn part_with(op: KeyOp, args: OwnedArgs, value: Box<Carried>) -> Part {
    Part {
        db: None,
        value: Some(value),
        ..part(op, args)
    }
}

/// A plan that holds its connection until it replies.
pub fn held(p: KeyPlan) -> kevy_rt::Planned<Plan> {
    kevy_rt::Planned {
        plan: Plan::Key(p),
        hold: true,
    }
}

/// A plan that holds nothing back.
pub fn plan(p: KeyPlan) -> kevy_rt::Planned<Plan> {
    super::planned(Plan::Key(p))
}

/// Runs one part on its shard (naming the keyspace events it causes).
pub fn execute(shard: &mut ShardState, ctx: Ctx, op: KeyOp, part: Part) -> KeyReply {
    let now = shard.clock();
    let args = part.args.args();
    let selected = ctx.db as usize;
    match op {
        KeyOp::Take => {
            let db = shard.db(selected);
            let taken = db.take(args.at(0), &now);
            if taken.is_some() {
                db.notify(GENERIC, "rename_from", args.at(0));
            }
            KeyReply::Taken(taken.map(|(value, at)| Box::new(Carried { value, at })))
        }
        KeyOp::Put | KeyOp::PutNx => {
            let db = shard.db(selected);
            let back = part
                .value
                .and_then(|c| moves::op_put(db, args.at(0), c, op == KeyOp::PutNx, &now));
            if back.is_none() {
                db.notify(GENERIC, "rename_to", args.at(0));
            }
            KeyReply::Put(back)
        }
        KeyOp::CopyOut => KeyReply::Copied(moves::op_copy_out(shard, selected, args, &now)),
        KeyOp::CopyIn => {
            let (replace, to) = (args.at(2) == b"1", db_arg(args.at(1)));
            let db = shard.db(to);
            let put = part.value.is_some();
            let back = part
                .value
                .and_then(|c| moves::op_put(db, args.at(0), c, !replace, &now));
            if put && back.is_none() {
                db.notify(GENERIC, "copy_to", args.at(0));
            }
            KeyReply::Put(back)
        }
        KeyOp::Swapdb => {
            let ok = shard.swap_dbs(db_arg(args.at(0)), db_arg(args.at(1)));
            KeyReply::Done(if ok {
                Ok(())
            } else {
                Err(Error::DbIndexOutOfRange)
            })
        }
        KeyOp::Random => {
            let db = shard.db(selected);
            KeyReply::Random {
                len: db.len(),
                key: db.random_key(&now, crate::base::random::next),
            }
        }
        KeyOp::Scan => scan::execute_scan(shard.db(selected), args, &now),
        KeyOp::SortWhole(ro) => {
            let mut bytes = Vec::new();
            let mut out = Reply::new(&mut bytes, ctx.resp3);
            sort::op_sort(shard.db(selected), args, ro, &now, &mut out);
            KeyReply::Encoded(bytes)
        }
        KeyOp::SortLoad => KeyReply::Loaded(sort::op_load(shard.db(selected), args.at(0), &now)),
        KeyOp::SortFetch => KeyReply::Values(sort::op_fetch(shard.db(selected), args, &now)),
        KeyOp::SortStore => {
            let db = shard.db(selected);
            let had = db.get_ref(args.at(0), &now).is_some();
            sort::op_store(db, args.at(0), args.skip(1).iter(), &now);
            if args.len() > 1 {
                db.notify(LIST, "sortstore", args.at(0));
            } else if had {
                db.notify(GENERIC, "del", args.at(0));
            }
            KeyReply::Done(Ok(()))
        }
    }
}

/// A database index a plan wrote as decimal (out of range when garbled).
fn db_arg(arg: &[u8]) -> usize {
    crate::base::num::parse_i64(arg)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX)
}

/// The key reply of a part reply (`None` for another kind).
pub fn reply_of(r: &PartReply) -> Option<&KeyReply> {
    match r {
        PartReply::Key(k) => Some(k),
        _ => None,
    }
}

/// The key reply of a part reply, by value.
pub fn into_reply(r: PartReply) -> Option<KeyReply> {
    match r {
        PartReply::Key(k) => Some(k),
        _ => None,
    }
}

/// Reduces one round of replies, or starts the next round.
pub fn gather(
    plan: &mut KeyPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    match plan {
        KeyPlan::Whole => {
            match replies.first().and_then(reply_of) {
                Some(KeyReply::Encoded(bytes)) => out.extend_from_slice(bytes),
                _ => internal(out),
            }
            Gather::Done
        }
        KeyPlan::Rename(p) => moves::gather_rename(p, replies, next, out),
        KeyPlan::Copy(p) => moves::gather_copy(p, replies, next, out),
        KeyPlan::Swapdb => {
            let failed = replies.iter().find_map(|r| match reply_of(r) {
                Some(KeyReply::Done(Err(e))) => Some(*e),
                Some(KeyReply::Done(Ok(()))) => None,
                _ => Some(Error::Message("ERR internal error: bad SWAPDB part")),
            });
            match failed {
                Some(e) => e.write(Args::new(&[], &[]), out),
                None => resp::ok(out),
            }
            Gather::Done
        }
        KeyPlan::Random => {
            scan::gather_random(&replies, out);
            Gather::Done
        }
        KeyPlan::Scan(p) => scan::gather_scan(p, replies, next, out),
        KeyPlan::Sort(p) => p.gather(replies, next, out),
    }
}

/// The reply for a part reply of an unexpected kind (never sent by a shard).
pub fn internal(out: &mut Reply<'_>) {
    resp::error(out, b"ERR internal error: unexpected part reply");
}

#[cfg(test)]
mod tests;

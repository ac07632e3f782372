//! The generic key commands' parts run on their shards, and their plans
//! reduced on the origin (the part and plan types are
//! [`crate::cross::keys`]'s; RENAME's, COPY's, SCAN's and SORT's own plans
//! gather themselves as [`crate::cross::FamilyPlan`]s).

use kevy_rt::{Args, Gather};

use crate::base::error::Error;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::keys::{internal, reply_of, Carried, KeyOp, KeyPlan, KeyReply};
use crate::cross::{Part, PartReply};
use crate::family::keys::{moves, scan};
use crate::family::sort;
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::store::signal::class::{GENERIC, LIST};

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
        KeyOp::SortWhole(ro, script) => {
            let mut bytes = Vec::new();
            let mut out = Reply::new(&mut bytes, ctx.resp3);
            sort::op_sort(shard.db(selected), args, (ro, script), &now, &mut out);
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

/// Reduces the replies of a one-round plan.
pub fn gather(plan: &mut KeyPlan, replies: Vec<PartReply>, out: &mut Reply<'_>) -> Gather {
    match plan {
        KeyPlan::Whole => {
            match replies.first().and_then(reply_of) {
                Some(KeyReply::Encoded(bytes)) => out.extend_from_slice(bytes),
                _ => internal(out),
            }
            Gather::Done
        }
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
    }
}

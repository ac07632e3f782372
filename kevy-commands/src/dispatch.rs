//! Where a multi-shard command's parts and plans meet the families' code:
//! [`execute_part`] runs a [`Part`] on its shard by its [`Op`], and
//! [`gather`] reduces the part replies as the [`Plan`] says. The enums
//! live in [`crate::cross`]; these matches sit above the families
//! (and the table) so that nothing below has to call back up: [`coll`]
//! and [`keys`] run the list, set and key parts, [`admin`] the server
//! commands' parts and plans.

use kevy_rt::Gather;

pub mod admin;
pub mod coll;
pub mod keys;

use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, bytes_of, encoded, Op, Part, PartReply, Plan};
use crate::family::{self, bitmap, geo, hll, stream, string, zset, Call};
use crate::model::value::Value;
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::table::{self, Run};

/// Runs one part on its shard, then signals what a writing part changed
/// in place (the store signals stores and removals itself).
pub fn execute_part(shard: &mut ShardState, ctx: Ctx, part: Part) -> PartReply {
    let written = written_key(&part.op).map(|e| (e, part.args.args().at(0).to_vec()));
    let db = part.db.unwrap_or(ctx.db) as usize;
    let reply = run_part(shard, ctx, part);
    if let Some(((class, event), key)) = written {
        let d = shard.db(db);
        if d.listening() && !matches!(reply, PartReply::Int(0)) {
            match event {
                "" => d.modified(&key),
                _ => d.notify(class, event, &key),
            }
        }
    }
    reply
}

/// The event of a part that changes the key in its argument 0 in place
/// (`""`: none of its own, just the change).
fn written_key(op: &Op) -> Option<(u32, &'static str)> {
    use crate::cross::coll::CollOp;
    use crate::model::types::list::End;
    use crate::store::signal::class::*;
    Some(match op {
        Op::Coll(CollOp::ListGive(End::Left)) => (LIST, "lpush"),
        Op::Coll(CollOp::ListGive(End::Right)) => (LIST, "rpush"),
        Op::Coll(CollOp::ListTake(End::Left) | CollOp::LmpopPop(End::Left)) => (LIST, "lpop"),
        Op::Coll(CollOp::ListTake(End::Right) | CollOp::LmpopPop(End::Right)) => (LIST, "rpop"),
        Op::Coll(CollOp::SetTake) => (SET, "srem"),
        Op::Coll(CollOp::SetGive) => (SET, "sadd"),
        Op::Coll(CollOp::SetStore { .. })
        | Op::Zset(zset::ZOp::Store | zset::ZOp::Pop)
        | Op::Bits(bitmap::BitsOp::Store)
        | Op::Hll(hll::HllOp::Merge | hll::HllOp::Apply) => (NONE, ""),
        _ => return None,
    })
}

fn run_part(shard: &mut ShardState, ctx: Ctx, part: Part) -> PartReply {
    if matches!(
        part.op,
        Op::Mget
            | Op::Del
            | Op::Unlink
            | Op::Exists
            | Op::Touch
            | Op::Mset
            | Op::MsetnxSet
            | Op::MsetnxProbe
    ) {
        let reply = run_keys_part(shard, ctx, &part);
        // Its argument list serves the next part this shard builds.
        cross::spare::keep_args(part.args);
        return reply;
    }
    if let Op::Key(op) = part.op {
        return PartReply::Key(keys::execute(shard, ctx, op, part));
    }
    let clock = shard.clock();
    let now = &clock;
    let args = part.args.args();
    if part.op == Op::Flushall {
        // Redis adds the keys it removed to the change counter.
        let keys: usize = shard.dbs.iter().map(|db| db.len()).sum();
        shard.server.dirty += keys as u64;
        let lazy = shard
            .dbs
            .first()
            .is_some_and(|db| family::keys::flush_async(db, args));
        shard.dbs.iter_mut().for_each(|db| db.clear_lazily(lazy));
        shard.tracking.drop_keys(&shard.server.shared);
        return PartReply::Ok;
    }
    if part.op == Op::Flushdb {
        shard.server.dirty += shard.db(ctx.db as usize).len() as u64;
        shard.tracking.drop_keys(&shard.server.shared);
    }
    if part.op == Op::Whole {
        return encoded(whole(shard, ctx, args));
    }
    if part.op == Op::Dbsize {
        // Each shard evicts before it counts, as Redis evicts before
        // every command.
        shard.evict_before();
    }
    let db = shard.db(ctx.db as usize);
    match part.op {
        Op::Whole => encoded(whole(shard, ctx, args)),
        Op::Exec | Op::Script | Op::ScriptFree | Op::ScriptCall => {
            let mut bytes = Vec::new();
            resp::error(
                &mut bytes,
                b"ERR internal error: EXEC or script part misrouted",
            );
            encoded(bytes)
        }
        Op::Zset(op) => zset::execute_part(db, op, args, now, ctx.resp3),
        Op::Bits(op) => bitmap::execute_part(db, op, args, now),
        Op::Hll(op) => hll::execute_part(db, op, args, now),
        Op::Geo(op) => geo::execute_part(db, op, args, now, ctx.resp3),
        Op::Stream(op) => stream::read::execute_part(db, op, args, now, ctx.resp3),
        Op::Mget
        | Op::Del
        | Op::Unlink
        | Op::Exists
        | Op::Touch
        | Op::Mset
        | Op::MsetnxSet
        | Op::MsetnxProbe => run_keys_part(shard, ctx, &part),
        Op::Dbsize => PartReply::Int(db.len() as i64),
        Op::Flushdb | Op::Flushall => {
            let lazy = family::keys::flush_async(db, args);
            db.clear_lazily(lazy);
            PartReply::Ok
        }
        Op::Keys => {
            let (mut buf, mut ends) = (Vec::new(), Vec::new());
            family::keys::op_keys(db, args.at(0), now, |key| {
                resp::bulk(&mut buf, key);
                ends.push(buf.len() as u32);
            });
            PartReply::Encoded { buf, ends }
        }
        Op::Coll(op) => coll::execute(db, op, &part.args, now, ctx.resp3),
        // Handled above: key operations reach every database of the shard.
        Op::Key(_) => PartReply::Ok,
        // Server parts need the shard's connections: `Redis::execute_part`
        // runs them.
        Op::Server(_) => PartReply::Server(cross::admin::ServerReply::Count(0)),
    }
}

/// Runs a part over plain keys (MGET, DEL, UNLINK, EXISTS, TOUCH, MSET,
/// MSETNX's rounds): the one-round operations' parts.
fn run_keys_part(shard: &mut ShardState, ctx: Ctx, part: &Part) -> PartReply {
    use crate::store::signal::class::{GENERIC, STRING};
    let clock = shard.clock();
    let now = &clock;
    let args = part.args.args();
    let db = shard.db(ctx.db as usize);
    // MSET's arguments alternate key, value.
    let step = if matches!(part.op, Op::Mset | Op::MsetnxSet) {
        2
    } else {
        1
    };
    db.prefetch_keys(args, 0, args.len(), step);
    match part.op {
        Op::Mget => {
            // Room for short values up front (grown a bulk at a time from
            // empty, the buffer was reallocated ~8 times for 10 keys), in
            // a buffer an earlier MGET gathered here left (`spare`).
            let (mut buf, mut ends) = cross::spare::reply(args.len() * 32 + 16, args.len());
            let mut out = Reply::new(&mut buf, ctx.resp3);
            for key in args.iter() {
                string::write_get_or_null(db, key, now, &mut out);
                ends.push(out.len() as u32);
            }
            PartReply::Encoded { buf, ends }
        }
        Op::Del | Op::Unlink => {
            let lazy = part.op == Op::Unlink
                || db
                    .limits()
                    .lazy
                    .user_del
                    .load(std::sync::atomic::Ordering::Relaxed);
            let mut n = 0;
            for key in args.iter() {
                if let Some(v) = db.remove(key, now) {
                    db.notify(GENERIC, "del", key);
                    n += 1;
                    if lazy {
                        crate::store::lazyfree::free(v);
                    }
                }
            }
            PartReply::Int(n)
        }
        Op::Exists => PartReply::Int(family::keys::op_exists(db, args, now)),
        Op::Touch => PartReply::Int(family::keys::op_touch(db, args, now)),
        Op::Mset | Op::MsetnxSet => {
            let mut i = 0;
            while i + 1 < args.len() {
                let (key, value) = (args.at(i), args.at(i + 1));
                db.set(key, Value::string(value), now, false, None);
                db.notify(STRING, "set", key);
                i += 2;
            }
            PartReply::Ok
        }
        Op::MsetnxProbe => PartReply::Int(family::keys::op_exists(db, args, now)),
        _ => PartReply::Ok,
    }
}

/// Runs a movable-keys (or multi-key) command whole on the shard holding all its keys,
/// naming its keyspace events as a command run directly would.
fn whole(shard: &mut ShardState, ctx: Ctx, args: kevy_rt::Args<'_>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let spec = table::find(args).ok();
    let before = spec.and_then(|spec| crate::events::before(shard, ctx.db as usize, spec, args));
    let mut out = Reply::new(&mut bytes, ctx.resp3);
    let now = shard.clock();
    match spec.map(|spec| spec.run) {
        Some(Run::Movable(f, _) | Run::Keys(f, _)) => f(&mut Call {
            db: shard.db(ctx.db as usize),
            args,
            now,
            out: &mut out,
        }),
        _ => resp::error(&mut out, b"ERR internal error: command has no key handler"),
    }
    if let (Some(spec), Some(b)) = (spec, before) {
        crate::events::after(shard, ctx.db as usize, spec, args, &bytes, b);
    }
    if let Some(spec) = spec.filter(|s| s.name == "xreadgroup" && shard.aof.on) {
        // The entries it delivered, as Redis logs them (an XCLAIM each),
        // written where its stream is; the part's caller captures it.
        crate::aofrun::after_call(shard, ctx.db, spec, args, &bytes);
    }
    bytes
}

/// True for a whole-command part whose effect is logged by the part, on
/// its keys' shard, and carried home with its reply (XREADGROUP: the
/// entries it delivered, which only that shard knows), instead of the
/// command as given on the origin.
pub fn logs_in_part(part: &Part) -> bool {
    matches!(part.op, Op::Whole)
        && part
            .args
            .args()
            .get(0)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"xreadgroup"))
}

/// Reduces one round of part replies into the reply, or starts round two.
pub fn gather(
    plan: &mut Plan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    match plan {
        Plan::Sum | Plan::Ok | Plan::Mget { .. } => {
            let mut replies = replies;
            gather_one_round(plan, &mut replies, |r| r, out);
        }
        Plan::Keys => {
            let n = replies.iter().map(|r| match r {
                PartReply::Encoded { ends, .. } => ends.len(),
                _ => 0,
            });
            resp::array(out, n.sum());
            for r in &replies {
                if let PartReply::Encoded { buf, .. } = r {
                    out.extend_from_slice(buf);
                }
            }
        }
        Plan::Msetnx { set } => {
            if set.is_empty() {
                // Round two is over.
                resp::int(out, 1);
            } else if replies.iter().map(int_of).sum::<i64>() > 0 {
                resp::int(out, 0);
            } else {
                next.append(set);
                return Gather::Again;
            }
        }
        Plan::Coll(p) => return cross::coll::gather(p, replies, next, out),
        Plan::Key(p) => return keys::gather(p, replies, out),
        // Server plans are gathered by `Redis::gather`, on the origin shard's state.
        Plan::Server(_) | Plan::Misrouted => {
            resp::error(out, b"ERR internal error: command has no plan")
        }
        Plan::Whole => replies
            .iter()
            .for_each(|r| out.extend_from_slice(bytes_of(r))),
        Plan::Reply(reply) => out.append(reply),
        Plan::Family(plan) => return plan.gather(replies, next, out),
    }
    Gather::Done
}

/// [`gather`] for the one-round plans (a sum, all-OK, MGET's values in
/// request order), reading the replies where they are (`reply_of` finds
/// the part reply in each): the crate root passes its timed replies without
/// collecting them again. Any other plan writes nothing.
pub fn gather_one_round<R>(
    plan: &Plan,
    replies: &mut [R],
    reply_of: impl Fn(&mut R) -> &mut PartReply,
    out: &mut Reply<'_>,
) {
    match plan {
        Plan::Sum => resp::int(out, replies.iter_mut().map(|r| int_of(reply_of(r))).sum()),
        Plan::Ok => resp::ok(out),
        Plan::Mget { slots } => {
            resp::array(out, slots.len());
            for &(part, item) in slots.iter() {
                match replies
                    .get_mut(part as usize)
                    .and_then(|r| item_of(reply_of(r), item as usize))
                {
                    Some(bytes) => out.extend_from_slice(bytes),
                    None => resp::null(out),
                }
            }
            // The parts' buffers serve the next MGET parts run here.
            for r in replies.iter_mut() {
                if let PartReply::Encoded { buf, ends } = reply_of(r) {
                    cross::spare::keep_reply(std::mem::take(buf), std::mem::take(ends));
                }
            }
        }
        _ => {}
    }
}

fn int_of(r: &PartReply) -> i64 {
    match r {
        PartReply::Int(n) => *n,
        _ => 0,
    }
}

fn item_of(r: &PartReply, i: usize) -> Option<&[u8]> {
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

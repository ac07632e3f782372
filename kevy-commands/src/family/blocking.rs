//! The blocking commands' side of the runtime's arbiter ([`kevy_rt::park`]):
//! BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP (lists) and BZPOPMIN,
//! BZPOPMAX, BZMPOP (sorted sets) say which keys they wait on and their
//! timeout ([`blocking`]), whether a key can serve them now ([`ready`]),
//! serve from it ([`serve`]) and answer a timeout or `CLIENT UNBLOCK`
//! ([`unparked`]). The same handlers run their non-blocking form inside
//! `MULTI` (and scripts), where nothing blocks.
//!
//! A new blocking command (XREAD BLOCK, say) adds one `Kind` with its
//! key positions, readiness test and serve; nothing else changes.

use kevy_rt::{Args, OwnedArgs, Park, Router, Served, Unpark};

use super::spec::Spec;
use super::{list, stream, zset};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::list::End;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::store::db::Clock;
pub use wait::{check_last, timeout};

/// What `CLIENT UNBLOCK … ERROR` answers the unblocked client.
pub const UNBLOCKED: &[u8] = b"UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// The blocking commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// BLPOP / BRPOP key [key …] timeout.
    Pop(End),
    /// BRPOPLPUSH source destination timeout, BLMOVE source destination
    /// wherefrom whereto timeout.
    Move,
    /// BLMPOP timeout numkeys key [key …] LEFT|RIGHT [COUNT n].
    Mpop,
    /// BZPOPMIN / BZPOPMAX key [key …] timeout (true: max).
    Zpop(bool),
    /// BZMPOP timeout numkeys key [key …] MIN|MAX [COUNT n].
    Zmpop,
    /// XREAD / XREADGROUP (true) … BLOCK ms … STREAMS key … id ….
    Xread(bool),
}

fn kind(cmd: &Spec) -> Option<Kind> {
    Some(match cmd.name {
        "blpop" => Kind::Pop(End::Left),
        "brpop" => Kind::Pop(End::Right),
        "brpoplpush" | "blmove" => Kind::Move,
        "blmpop" => Kind::Mpop,
        "bzpopmin" => Kind::Zpop(false),
        "bzpopmax" => Kind::Zpop(true),
        "bzmpop" => Kind::Zmpop,
        "xread" => Kind::Xread(false),
        "xreadgroup" => Kind::Xread(true),
        _ => return None,
    })
}

/// Pushes the positions in `args` of the keys `k` waits on.
fn layout(k: Kind, args: Args<'_>, keys: &mut Vec<u32>) {
    let n = args.len();
    match k {
        Kind::Pop(_) | Kind::Zpop(_) => keys.extend(1..n.saturating_sub(1) as u32),
        Kind::Move => keys.push(1),
        Kind::Mpop | Kind::Zmpop => {
            let numkeys = crate::base::num::parse_i64(args.at(2)).unwrap_or(0).max(0) as usize;
            keys.extend((3..n.min(3 + numkeys)).map(|i| i as u32));
        }
        // Parked through `stream::park::park` instead.
        Kind::Xread(_) => {}
    }
}

/// Whether `cmd` may park at all: flagged `blocking`, or WAIT (which Redis
/// does not flag). Checked inline before [`blocking`], so the usual keyed
/// command pays one test, not a call.
#[inline]
pub fn may_park(cmd: &Spec) -> bool {
    cmd.flags & super::spec::flags::BLOCKING != 0
        || (matches!(cmd.run, super::spec::Run::Server(_)) && cmd.name == "wait")
}

/// [`Commands::blocking`](kevy_rt::Commands::blocking): a blocking command
/// outside `MULTI` and RESP2's subscribed mode parks.
pub fn blocking(
    session: &Session,
    cmd: &'static Spec,
    args: Args<'_>,
    keys: &mut Vec<u32>,
) -> Option<Park> {
    if cmd.flags & super::spec::flags::BLOCKING == 0 || (session.subscribed && !session.resp3) {
        return None;
    }
    let k = kind(cmd)?;
    if let Kind::Xread(group) = k {
        return stream::park::park(args, group, keys);
    }
    let at = match k {
        Kind::Mpop | Kind::Zmpop => 1,
        _ => args.len() - 1,
    };
    // The timeout first: `keys` stays empty when the command does not park.
    let timeout = timeout(args.at(at)).ok()?;
    layout(k, args, keys);
    Some(Park { timeout })
}

/// [`Commands::ready`](kevy_rt::Commands::ready).
pub fn ready(
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    key: u32,
    first: bool,
) -> bool {
    let Some(k) = kind(cmd) else {
        return false;
    };
    let at = key as usize;
    if let Kind::Xread(group) = k {
        let waits = &mut shard.stream_waits;
        let Some(db) = shard.dbs.get_mut(ctx.db as usize) else {
            return false;
        };
        return stream::park::ready(db, waits, ctx, args, at, group, first);
    }
    let db = shard.db(ctx.db as usize);
    let now = Clock::new();
    let key = args.at(at);
    match k {
        Kind::Pop(_) | Kind::Move | Kind::Mpop => list::blocking::ready(db, key, &now, first),
        Kind::Zpop(_) | Kind::Zmpop => zset::blocking::ready(db, key, &now, first),
        Kind::Xread(_) => false,
    }
}

/// What the caller does with a served command's reply and its change
/// count before a quiet client's reply is dropped (the append-only file
/// logs the pop made).
pub type AfterServe<'a> = &'a mut dyn FnMut(&mut ShardState, &[u8], u64);

/// [`Commands::serve`](kevy_rt::Commands::serve), counted in the command
/// statistics and the slow log of the shard that serves; `after` sees the
/// reply and what the serve added to the change counter.
pub fn serve(
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    key: u32,
    out: &mut Vec<u8>,
    after: AfterServe<'_>,
) -> Served {
    let (mark, t0) = (out.len(), crate::base::clock::now());
    let served = serve_from(shard, ctx, cmd, args, key, out);
    if let Some(k) = kind(cmd) {
        notify(shard.db(ctx.db as usize), k, args, key, &out[mark..]);
    }
    // Broken watches and notifications go out now, as after any command.
    shard.flush_signals(ctx.client);
    let ns = crate::base::clock::since(t0);
    let dirty = shard.server.dirty;
    shard
        .server
        .done(cmd, ns, &out[mark..], &ctx.who(), args, None);
    let changed = shard.server.dirty - dirty;
    after(shard, &out[mark..], changed);
    if ctx.quiet {
        // CLIENT REPLY OFF / SKIP.
        out.truncate(mark);
    }
    served
}

fn serve_from(
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    key: u32,
    out: &mut Vec<u8>,
) -> Served {
    let Some(k) = kind(cmd) else {
        return Served::Done;
    };
    let nshards = shard.server.info.as_ref().map_or(1, |i| i.nshards);
    let here = shard.server.info.as_ref().map_or(0, |i| i.id);
    let mut reply = Reply::new(out, ctx.resp3);
    if let Kind::Xread(group) = k {
        let router = Router::new(nshards);
        let here_keys = |k: &[u8]| router.shard_of(k) == here;
        let waits = &mut shard.stream_waits;
        return match shard.dbs.get_mut(ctx.db as usize) {
            Some(db) => {
                stream::park::serve_parked(db, waits, ctx, args, group, &here_keys, &mut reply)
            }
            None => Served::Done,
        };
    }
    let db = shard.db(ctx.db as usize);
    let now = Clock::new();
    let at = key as usize;
    let key = args.at(at);
    match k {
        Kind::Pop(end) => list::blocking::serve_pop(db, key, end, &now, &mut reply),
        Kind::Move => {
            let dst = args.at(2);
            if Router::new(nshards).shard_of(dst) != here {
                // The destination lives elsewhere: LMOVE (isolated) does
                // the move and answers in this call's place.
                return Served::Then(move_command(args));
            }
            let (from, to) = move_ends(args);
            list::blocking::serve_move(db, key, dst, from, to, &now, &mut reply)
        }
        Kind::Mpop => {
            let mpop = OwnedArgs::from_iter(args.iter().skip(1));
            list::blocking::serve_mpop(db, mpop.args(), key, &now, &mut reply)
        }
        Kind::Zpop(max) => zset::blocking::serve_zpop(db, key, max, &now, &mut reply),
        Kind::Zmpop => {
            let mpop = OwnedArgs::from_iter(args.iter().skip(1));
            zset::blocking::serve_zmpop(db, mpop.args(), key, &now, &mut reply)
        }
        Kind::Xread(_) => {}
    }
    Served::Done
}

/// What a serve changed, for WATCH and keyspace notifications, as Redis's
/// serve names it: the pop (after the push of a move), then `del` for a key
/// it emptied. Nothing for an error or a move finished elsewhere.
fn notify(db: &mut crate::store::db::Db, k: Kind, args: Args<'_>, key: u32, reply: &[u8]) {
    use crate::store::signal::class::{GENERIC, LIST, ZSET};
    let ok = match k {
        Kind::Move => reply.first() == Some(&b'$') && !reply.starts_with(b"$-1"),
        _ => reply.first() == Some(&b'*') && !reply.starts_with(b"*-1"),
    };
    if !ok {
        return;
    }
    let src = args.at(key as usize);
    let (class, event) = match k {
        // A stream read changes no key's contents (its group's state only).
        Kind::Xread(_) => return,
        Kind::Pop(End::Left) => (LIST, "lpop"),
        Kind::Pop(End::Right) => (LIST, "rpop"),
        Kind::Move => {
            let (from, to) = move_ends(args);
            let push = if to == End::Left { "lpush" } else { "rpush" };
            db.notify(LIST, push, args.at(2));
            (LIST, if from == End::Left { "lpop" } else { "rpop" })
        }
        Kind::Mpop => {
            let left = mpop_where(args).eq_ignore_ascii_case(b"left");
            (LIST, if left { "lpop" } else { "rpop" })
        }
        Kind::Zpop(max) => (ZSET, if max { "zpopmax" } else { "zpopmin" }),
        Kind::Zmpop => {
            let max = mpop_where(args).eq_ignore_ascii_case(b"max");
            (ZSET, if max { "zpopmax" } else { "zpopmin" })
        }
    };
    db.notify(class, event, src);
    if !db.in_table(src) {
        db.notify(GENERIC, "del", src);
    }
}

/// BLMPOP's / BZMPOP's end argument (after the timeout, numkeys and keys).
fn mpop_where(args: Args<'_>) -> &[u8] {
    let numkeys = crate::base::num::parse_i64(args.at(2)).unwrap_or(0).max(0) as usize;
    args.get(3 + numkeys).unwrap_or(b"")
}

/// BLMOVE's / BRPOPLPUSH's ends.
fn move_ends(args: Args<'_>) -> (End, End) {
    if args.len() == 6 {
        let end = |a: &[u8]| super::opts::end(a).unwrap_or(End::Left);
        (end(args.at(3)), end(args.at(4)))
    } else {
        (End::Right, End::Left)
    }
}

/// The LMOVE (or RPOPLPUSH) that finishes a move between shards.
fn move_command(args: Args<'_>) -> OwnedArgs {
    if args.len() == 6 {
        [b"lmove", args.at(1), args.at(2), args.at(3), args.at(4)]
            .into_iter()
            .collect()
    } else {
        [b"rpoplpush", args.at(1), args.at(2)].into_iter().collect()
    }
}

/// [`Commands::missed`](kevy_rt::Commands::missed): the LMOVE finishing a
/// move between shards ([`Served::Then`]) found its source emptied by
/// another client since the serve: the call waits again.
pub fn missed(plan: &crate::cross::Plan) -> bool {
    use crate::cross::coll::CollPlan;
    matches!(plan, crate::cross::Plan::Coll(CollPlan::Move(m)) if m.is_missed())
}

/// [`Commands::unparked`](kevy_rt::Commands::unparked): the null array a
/// timeout answers, or
/// `CLIENT UNBLOCK … ERROR`'s error; the call is counted then, as Redis
/// counts a blocked command when it is unblocked (a failed call, and an
/// error reply, for the error).
pub fn unparked(
    shard: &mut ShardState,
    session: &Session,
    cmd: &'static Spec,
    args: Args<'_>,
    why: Unpark,
    out: &mut Vec<u8>,
) {
    let mark = out.len();
    let mut reply = Reply::new(out, session.resp3);
    let replicas = &shard.server.shared.replicas;
    match why {
        Unpark::Error if cmd.name == "wait" => {
            replicas.finish_wait(session.id);
            resp::error(&mut reply, UNBLOCKED);
        }
        Unpark::Error => resp::error(&mut reply, UNBLOCKED),
        Unpark::Timeout if cmd.name == "wait" => {
            super::wait::finished(replicas, session.id, &mut reply)
        }
        // Redis 7.0 answers every blocked list or sorted-set timeout
        // with a null array, the moves' too.
        Unpark::Timeout => resp::null_array(&mut reply),
    }
    shard
        .server
        .done(cmd, 0, &out[mark..], &session.who(), args, None);
}

pub mod multi;
pub mod wait;

#[cfg(test)]
mod tests;

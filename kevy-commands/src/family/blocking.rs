//! The blocking commands' side of the runtime's arbiter ([`kevy_rt::park`]):
//! BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP (lists) and BZPOPMIN,
//! BZPOPMAX, BZMPOP (sorted sets) say which keys they wait on and their
//! timeout ([`blocking`]), whether a key can serve them now ([`ready`]),
//! serve from it ([`serve`]) and answer a timeout or `CLIENT UNBLOCK`
//! ([`unparked`]). The same handlers run their non-blocking form inside
//! `MULTI` (and scripts), where nothing blocks.
//!
//! A new blocking command (XREAD BLOCK, say) adds one [`Kind`] with its
//! key positions, readiness test and serve; nothing else changes.

use std::time::Duration;

use kevy_rt::{Args, OwnedArgs, Park, Router, Served, Unpark};

use super::spec::Spec;
use super::{list, stream, zset};
use crate::base::error::{Error, OpResult};
use crate::base::float::parse_bound;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::types::list::End;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::store::db::Clock;

/// `ERR timeout is not a float or out of range`.
const NOT_FLOAT: Error = Error::Message("ERR timeout is not a float or out of range");
/// `ERR timeout is negative`.
const NEGATIVE: Error = Error::Message("ERR timeout is negative");
/// What `CLIENT UNBLOCK … ERROR` answers the unblocked client.
pub const UNBLOCKED: &[u8] = b"UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// Redis's `getTimeoutFromObjectOrReply` in seconds: a `long double`
/// (no leading space, no NaN; `inf` and hexadecimal accepted), times 1000
/// rounded up to whole milliseconds; 0 waits forever. Values past the
/// 64-bit range turn negative, as Redis's conversion does.
pub fn timeout(arg: &[u8]) -> OpResult<Option<Duration>> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg.len() >= 5 * 1024 {
        return Err(NOT_FLOAT);
    }
    let v = parse_bound(arg).filter(|v| !v.is_nan()).ok_or(NOT_FLOAT)?;
    let ms = (v * 1000.0).ceil();
    if !ms.is_finite() || !(i64::MIN as f64..i64::MAX as f64).contains(&ms) {
        return Err(NEGATIVE);
    }
    match ms as i64 {
        n if n < 0 => Err(NEGATIVE),
        0 => Ok(None),
        n => Ok(Some(Duration::from_millis(n as u64))),
    }
}

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

/// The timeout's position and the keys' positions of `args` for `k`.
fn layout(k: Kind, args: Args<'_>, keys: &mut Vec<u32>) -> usize {
    let n = args.len();
    match k {
        Kind::Pop(_) | Kind::Zpop(_) => {
            keys.extend(1..n.saturating_sub(1) as u32);
            n - 1
        }
        Kind::Move => {
            keys.push(1);
            n - 1
        }
        Kind::Mpop | Kind::Zmpop => {
            let numkeys = crate::base::num::parse_i64(args.at(2)).unwrap_or(0).max(0) as usize;
            keys.extend((3..n.min(3 + numkeys)).map(|i| i as u32));
            1
        }
        // Parked through `stream::read::park` instead.
        Kind::Xread(_) => 0,
    }
}

/// The resolve-time check of a command whose timeout is its last argument.
pub fn check_last(args: Args<'_>) -> Result<(), Error> {
    timeout(args.at(args.len() - 1)).map(drop)
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
    let at = layout(k, args, keys);
    let timeout = timeout(args.at(at)).ok()?;
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

/// [`Commands::serve`](kevy_rt::Commands::serve).
pub fn serve(
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

/// [`Commands::unparked`](kevy_rt::Commands::unparked): the null array a
/// timeout answers, or
/// `CLIENT UNBLOCK … ERROR`'s error.
pub fn unparked(session: &Session, _cmd: &'static Spec, why: Unpark, out: &mut Vec<u8>) {
    let mut reply = Reply::new(out, session.resp3);
    match why {
        Unpark::Error => resp::error(&mut reply, UNBLOCKED),
        // Redis 7.0 answers every blocked list or sorted-set timeout
        // with a null array, the moves' too.
        Unpark::Timeout => resp::null_array(&mut reply),
    }
}

#[cfg(test)]
mod tests;

//! Generic key commands (Redis's `db.c` and `expire.c`): DEL, UNLINK, EXISTS,
//! TOUCH, TYPE, the EXPIRE family, TTL family, PERSIST, and the
//! whole-keyspace DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, KEYS with their plans;
//! RENAME, RENAMENX, COPY and MOVE in `moves`; SCAN and RANDOMKEY in `scan`;
//! OBJECT in `object`.

use kevy_rt::{Args, Planned, Router};

use super::Call;
use crate::base::error::{cstr, Error, OpResult};
use crate::base::glob::stringmatch;
use crate::base::num::int_arg;
use crate::base::resp;
use crate::cross::{self, Op, Part, Plan};
use crate::store::db::{Clock, Db, Ms};
use crate::store::lazyfree;

pub mod moves;
pub mod object;
pub mod scan;

pub use moves::{copy, move_, plan_copy, plan_rename, plan_renamenx, rename, renamenx};
pub use scan::{check_scan, plan_randomkey, plan_scan};

/// Removes each of `keys`; returns how many existed.
pub fn op_del(db: &mut Db, keys: Args<'_>, now: &Clock) -> i64 {
    let lazy = db
        .limits()
        .lazy
        .user_del
        .load(std::sync::atomic::Ordering::Relaxed);
    op_remove(db, keys, now, lazy)
}

/// Deletes the live keys among `keys`, their values freed in the
/// background when `lazy` and big enough ([`lazyfree::free`]); returns how
/// many there were.
pub fn op_remove(db: &mut Db, keys: Args<'_>, now: &Clock, lazy: bool) -> i64 {
    let mut n = 0;
    for k in keys.iter() {
        if let Some(v) = db.remove(k, now) {
            n += 1;
            if lazy {
                lazyfree::free(v);
            }
        }
    }
    n
}

/// Counts the live keys among `keys`, repeats included.
pub fn op_exists(db: &mut Db, keys: Args<'_>, now: &Clock) -> i64 {
    keys.iter().filter(|k| db.contains(k, now)).count() as i64
}

/// Counts an access to each live key among `keys`; returns how many there
/// were, repeats included.
pub fn op_touch(db: &mut Db, keys: Args<'_>, now: &Clock) -> i64 {
    keys.iter().filter(|k| db.touch(k, now)).count() as i64
}

/// DEL key [key ...]
pub fn del(c: &mut Call<'_>) {
    let n = op_del(c.db, c.args.skip(1), &c.now);
    resp::int(c.out, n);
}

/// UNLINK key [key ...]
///
/// Big values are freed by the lazy-free thread ([`lazyfree`]).
pub fn unlink(c: &mut Call<'_>) {
    let n = op_remove(c.db, c.args.skip(1), &c.now, true);
    resp::int(c.out, n);
}

/// EXISTS key [key ...]
pub fn exists(c: &mut Call<'_>) {
    let n = op_exists(c.db, c.args.skip(1), &c.now);
    resp::int(c.out, n);
}

/// TOUCH key [key ...]
pub fn touch(c: &mut Call<'_>) {
    let n = op_touch(c.db, c.args.skip(1), &c.now);
    resp::int(c.out, n);
}

fn plan_sum(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
    op: Op,
) -> Planned<Plan> {
    cross::scatter_parts(args, 1, op, router, parts);
    cross::planned(Plan::Sum)
}

/// Plans a cross-shard DEL: the sum of each shard's deletions.
pub fn plan_del(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    plan_sum(args, router, parts, Op::Del)
}

/// Plans a cross-shard UNLINK, like DEL.
pub fn plan_unlink(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_sum(args, router, parts, Op::Unlink)
}

/// Plans a cross-shard EXISTS: the sum of each shard's count.
pub fn plan_exists(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_sum(args, router, parts, Op::Exists)
}

/// Plans a cross-shard TOUCH: the sum of each shard's count.
pub fn plan_touch(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_sum(args, router, parts, Op::Touch)
}

/// TYPE key
pub fn type_(c: &mut Call<'_>) {
    let name = match c.db.peek(c.args.at(1), &c.now) {
        Some(v) => v.type_name(),
        None => "none",
    };
    resp::simple(c.out, name.as_bytes());
}

/// EXPIRE's condition options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ExpireOpts {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Redis's `parseExtendedExpireArgumentsOrReply`.
fn parse_expire_opts(args: Args<'_>) -> OpResult<ExpireOpts> {
    let mut o = ExpireOpts::default();
    for (i, arg) in args.iter().enumerate().skip(3) {
        let opt = cstr(arg);
        if opt.eq_ignore_ascii_case(b"nx") {
            o.nx = true;
        } else if opt.eq_ignore_ascii_case(b"xx") {
            o.xx = true;
        } else if opt.eq_ignore_ascii_case(b"gt") {
            o.gt = true;
        } else if opt.eq_ignore_ascii_case(b"lt") {
            o.lt = true;
        } else {
            return Err(Error::UnsupportedOption(i as u32));
        }
    }
    if o.nx && (o.xx || o.gt || o.lt) {
        return Err(Error::ExpireNxConflict);
    }
    if o.gt && o.lt {
        return Err(Error::ExpireGtLtConflict);
    }
    Ok(o)
}

/// Redis's `expireGenericCommand` after parsing: applies the deadline `when`
/// under the options; a deadline not in the future deletes the key. Returns
/// whether anything was done (the 1 / 0 reply).
fn op_expire(db: &mut Db, key: &[u8], when: Ms, o: ExpireOpts, now: &Clock) -> bool {
    let Some(current) = db.deadline_of(key, now) else {
        return false;
    };
    let refused = (o.nx && current.is_some())
        || (o.xx && current.is_none())
        || (o.gt && current.is_none_or(|cur| when <= cur))
        || (o.lt && current.is_some_and(|cur| when >= cur));
    if refused {
        return false;
    }
    if when <= now.ms() {
        db.remove(key, now);
    } else {
        db.expire(key, when, now);
    }
    true
}

/// EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: `relative` adds the current time,
/// `seconds` scales by 1000.
fn expire_generic(c: &mut Call<'_>, relative: bool, seconds: bool, cmd: &'static str) {
    let r = (|| -> OpResult<bool> {
        let o = parse_expire_opts(c.args)?;
        let mut when = int_arg(c.args.at(2))?;
        if seconds {
            when = when.checked_mul(1000).ok_or(Error::InvalidExpire(cmd))?;
        }
        if relative {
            when = when
                .checked_add(c.now.ms())
                .ok_or(Error::InvalidExpire(cmd))?;
        }
        Ok(op_expire(c.db, c.args.at(1), when, o, &c.now))
    })();
    match r {
        Ok(done) => resp::int(c.out, done as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// EXPIRE key seconds [NX | XX | GT | LT]
pub fn expire(c: &mut Call<'_>) {
    expire_generic(c, true, true, "expire");
}

/// PEXPIRE key milliseconds [NX | XX | GT | LT]
pub fn pexpire(c: &mut Call<'_>) {
    expire_generic(c, true, false, "pexpire");
}

/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
pub fn expireat(c: &mut Call<'_>) {
    expire_generic(c, false, true, "expireat");
}

/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
pub fn pexpireat(c: &mut Call<'_>) {
    expire_generic(c, false, false, "pexpireat");
}

/// Redis's `ttlGenericCommand`: -2 for a missing key, -1 without deadline,
/// else the time left (`absolute`: the deadline) in ms or rounded seconds.
fn op_ttl(db: &mut Db, key: &[u8], ms: bool, absolute: bool, now: &Clock) -> i64 {
    match db.deadline_of(key, now) {
        None => -2,
        Some(None) => -1,
        Some(Some(at)) => {
            let t = if absolute {
                at
            } else {
                at.saturating_sub(now.ms())
            }
            .max(0);
            if ms {
                t
            } else {
                t.saturating_add(500) / 1000
            }
        }
    }
}

fn ttl_generic(c: &mut Call<'_>, ms: bool, absolute: bool) {
    let n = op_ttl(c.db, c.args.at(1), ms, absolute, &c.now);
    resp::int(c.out, n);
}

/// TTL key
pub fn ttl(c: &mut Call<'_>) {
    ttl_generic(c, false, false);
}

/// PTTL key
pub fn pttl(c: &mut Call<'_>) {
    ttl_generic(c, true, false);
}

/// EXPIRETIME key
pub fn expiretime(c: &mut Call<'_>) {
    ttl_generic(c, false, true);
}

/// PEXPIRETIME key
pub fn pexpiretime(c: &mut Call<'_>) {
    ttl_generic(c, true, true);
}

/// PERSIST key
pub fn persist(c: &mut Call<'_>) {
    let done = c.db.persist(c.args.at(1), &c.now);
    resp::int(c.out, done as i64);
}

/// DBSIZE
///
/// Planned over every shard; the reply is the sum of their sizes.
pub fn plan_dbsize(_: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    cross::broadcast(Op::Dbsize, &[], router, parts);
    cross::planned(Plan::Sum)
}

/// The resolve-time check of FLUSHDB and FLUSHALL: `[ASYNC | SYNC]`.
pub fn check_flush(args: Args<'_>) -> Result<(), Error> {
    match args.len() {
        1 => Ok(()),
        2 if [&b"sync"[..], b"async"]
            .iter()
            .any(|w| cstr(args.at(1)).eq_ignore_ascii_case(w)) =>
        {
            Ok(())
        }
        _ => Err(Error::Syntax),
    }
}

/// The flush parts' argument: the mode given (`async` / `sync`), if any
/// (without one, `lazyfree-lazy-user-flush` decides on each shard).
fn flush_mode(args: Args<'_>) -> Vec<&[u8]> {
    args.get(1).into_iter().collect()
}

/// Whether a flush part with these arguments frees in the background.
pub fn flush_async(db: &Db, args: Args<'_>) -> bool {
    match args.get(0) {
        Some(mode) => cstr(mode).eq_ignore_ascii_case(b"async"),
        None => db
            .limits()
            .lazy
            .user_flush
            .load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// FLUSHDB [ASYNC | SYNC]
///
/// Planned over every shard, each emptying the selected database; ASYNC
/// hands the old table to the lazy-free thread.
pub fn plan_flushdb(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    cross::broadcast(Op::Flushdb, &flush_mode(args), router, parts);
    cross::planned(Plan::Ok)
}

/// FLUSHALL [ASYNC | SYNC]
///
/// Planned over every shard, each emptying every database; then, when
/// `save` has rules, the (now empty) dataset is saved at once, as Redis's
/// `flushAllDataAndResetRDB` does: a restart does not bring back what was
/// flushed, and the change counter starts again from 0.
pub fn plan_flushall(cx: &mut crate::family::ServerCx<'_, '_>) -> Planned<Plan> {
    cross::broadcast(Op::Flushall, &flush_mode(cx.args), cx.router, cx.parts);
    cross::planned(Plan::Server(cross::admin::ServerPlan::Flushall(
        cx.router.nshards(),
    )))
}

/// The resolve-time check of SWAPDB: two integers (Redis's
/// `getIntFromObjectOrReply` with its own messages).
pub fn check_swapdb(args: Args<'_>) -> Result<(), Error> {
    let int = |i: usize, msg| match crate::base::num::parse_i64(args.at(i)) {
        Some(n) if i32::try_from(n).is_ok() => Ok(()),
        _ => Err(Error::Message(msg)),
    };
    int(1, "ERR invalid first DB index")?;
    int(2, "ERR invalid second DB index")
}

/// SWAPDB index1 index2
///
/// Planned over every shard, each swapping its two databases; an index out
/// of range is refused by every shard alike. Connections keep their
/// selected index, and so see the other data. The shards swap
/// independently: another client may briefly see one shard swapped and
/// another not.
pub fn plan_swapdb(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let index = |i: usize| {
        crate::base::num::parse_i64(args.at(i))
            .filter(|&n| n >= 0)
            .map_or_else(|| b"-1".to_vec(), |n| n.to_string().into_bytes())
    };
    let (a, b) = (index(1), index(2));
    cross::broadcast(
        Op::Key(cross::keys::KeyOp::Swapdb),
        &[&a, &b],
        router,
        parts,
    );
    cross::keys::plan(cross::keys::KeyPlan::Swapdb)
}

/// Calls `f` with each live key matching the glob `pattern`.
pub fn op_keys(db: &Db, pattern: &[u8], now: &Clock, mut f: impl FnMut(&[u8])) {
    let all = pattern == b"*";
    db.for_each_key(now, |key| {
        if all || stringmatch(pattern, key, false) {
            f(key)
        }
    });
}

/// KEYS pattern
///
/// Planned over every shard; the reply concatenates their matching keys.
pub fn plan_keys(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    cross::broadcast(Op::Keys, &[args.at(1)], router, parts);
    cross::planned(Plan::Keys)
}

#[cfg(test)]
mod tests;

//! The list family's blocking commands: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE
//! and BLMPOP. Their non-blocking form (inside `MULTI`, where nothing
//! blocks) runs as these handlers; parked calls are served through
//! [`ready`] and the `serve_…` functions ([`crate::family::blocking`]).

use kevy_rt::{Args, Planned, Router};

use super::moves::{check_lmove, check_lmpop, op_lmove, parse_lmpop, plan_lmpop, write_lmpop};
use super::{list_mut, op_pop, op_pop_one};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{Part, Plan};
use crate::family::blocking::wait::{check_last, timeout};
use crate::family::Call;
use crate::model::types::list::End;
use crate::store::db::{Clock, Db};

/// Whether the list at `key` can serve a blocked pop: it holds elements
/// (on a first attempt, a value of another type answers too: WRONGTYPE).
pub fn ready(db: &mut Db, key: &[u8], now: &Clock, first: bool) -> bool {
    match list_mut(db, key, now) {
        Ok(Some(l)) => !l.is_empty(),
        Ok(None) => false,
        Err(_) => first,
    }
}

/// BLPOP's / BRPOP's serve: `[key, element]` from `end` of the list at
/// `key` (WRONGTYPE for another type).
pub fn serve_pop(db: &mut Db, key: &[u8], end: End, now: &Clock, out: &mut Reply<'_>) {
    match op_pop_one(db, key, end, now) {
        Ok(Some(e)) => {
            resp::array(out, 2);
            resp::bulk(out, key);
            resp::bulk(out, &e);
        }
        Ok(None) => resp::null_array(out),
        Err(e) => e.write(Args::new(&[], &[]), out),
    }
}

/// BLMOVE's / BRPOPLPUSH's serve when both lists live on this shard.
pub fn serve_move(
    db: &mut Db,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    now: &Clock,
    out: &mut Reply<'_>,
) {
    match op_lmove(db, src, dst, from, to, now) {
        Ok(e) => resp::bulk_or_null(out, e.as_deref()),
        Err(e) => e.write(Args::new(&[], &[]), out),
    }
}

/// BLMPOP's serve from `key`; `mpop` is the command without its verb
/// (LMPOP's arguments, the timeout standing for the verb).
pub fn serve_mpop(db: &mut Db, mpop: Args<'_>, key: &[u8], now: &Clock, out: &mut Reply<'_>) {
    let r = parse_lmpop(mpop).and_then(|p| op_pop(db, key, p.end, p.count, now));
    match r {
        Ok(Some(popped)) => write_lmpop(out, key, &popped),
        Ok(None) => resp::null_array(out),
        Err(e) => e.write(Args::new(&[], &[]), out),
    }
}

/// BLPOP / BRPOP without blocking: the first key holding a list (or a
/// value of another type, WRONGTYPE) answers; a null array when none.
fn pop_first(c: &mut Call<'_>, end: End) {
    let n = c.args.len();
    let r = (|| -> OpResult<Option<(usize, Vec<u8>)>> {
        for i in 1..n - 1 {
            if let Some(e) = op_pop_one(c.db, c.args.at(i), end, &c.now)? {
                return Ok(Some((i, e.to_vec())));
            }
        }
        Ok(None)
    })();
    match r {
        Ok(Some((i, e))) => {
            resp::array(c.out, 2);
            resp::bulk(c.out, c.args.at(i));
            resp::bulk(c.out, &e);
        }
        Ok(None) => resp::null_array(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// BLPOP key [key ...] timeout
pub fn blpop(c: &mut Call<'_>) {
    pop_first(c, End::Left);
}

/// BRPOP key [key ...] timeout
pub fn brpop(c: &mut Call<'_>) {
    pop_first(c, End::Right);
}

/// BLPOP / BRPOP with keys on several shards inside `MULTI` (outside it
/// the arbiter serves them): the leftmost existing key, shard by shard
/// ([`crate::family::blocking::multi`]).
pub fn plan_pop(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    crate::family::blocking::multi::plan_first(args, router, parts)
}

/// The resolve-time check of BLMOVE: both ends, then the timeout.
pub fn check_blmove(args: Args<'_>) -> Result<(), Error> {
    check_lmove(args)?;
    check_last(args)
}

/// The resolve-time check of BLMPOP: the timeout, then LMPOP's arguments.
pub fn check_blmpop(args: Args<'_>) -> Result<(), Error> {
    timeout(args.at(1))?;
    check_lmpop(args.skip(1))
}

/// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]: not
/// blocking (inside `MULTI`), LMPOP's plan over the arguments after the
/// timeout.
pub fn plan_blmpop(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan_lmpop(args.skip(1), router, parts)
}

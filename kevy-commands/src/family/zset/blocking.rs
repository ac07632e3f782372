//! The sorted-set family's blocking commands: BZPOPMIN, BZPOPMAX and
//! BZMPOP. Their non-blocking form (inside `MULTI`) runs as these
//! handlers; parked calls are served through [`ready`] and the `serve_…`
//! functions ([`crate::family::blocking`]).

use kevy_rt::{Args, Planned, Router};

use super::pop::{op_pop, parse_zmpop, zmpop, PopShape};
use super::{plan_zmpop, read};
use crate::base::error::{Error, OpResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, Part, Plan};
use crate::family::blocking::wait::timeout;
use crate::family::Call;
use crate::store::db::{Clock, Db};

/// Whether the sorted set at `key` can serve a blocked pop: it exists (an
/// empty one never does); on a first attempt a value of another type
/// answers too (WRONGTYPE).
pub fn ready(db: &mut Db, key: &[u8], now: &Clock, first: bool) -> bool {
    match read(db, key, now) {
        Ok(Some(z)) => !z.is_empty(),
        Ok(None) => false,
        Err(_) => first,
    }
}

/// Pops one member of the set at `key` as `[key, member, score]`; false
/// when the key is missing.
fn pop_keyed(
    db: &mut Db,
    key: &[u8],
    max: bool,
    now: &Clock,
    out: &mut Reply<'_>,
) -> OpResult<bool> {
    if read(db, key, now)?.is_none() {
        return Ok(false);
    }
    // `[member, score]` from the shared pop, behind our header.
    let mut body = Vec::new();
    let mut r = Reply::new(&mut body, out.resp3());
    op_pop(db, key, max, 1, PopShape::One, now, &mut r)?;
    resp::array(out, 3);
    resp::bulk(out, key);
    // Skip the pop's own `*2` header.
    let at = body.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    out.extend_from_slice(&body[at..]);
    Ok(true)
}

/// BZPOPMIN's / BZPOPMAX's serve from `key`.
pub fn serve_zpop(db: &mut Db, key: &[u8], max: bool, now: &Clock, out: &mut Reply<'_>) {
    match pop_keyed(db, key, max, now, out) {
        Ok(true) => {}
        Ok(false) => resp::null_array(out),
        Err(e) => e.write(Args::new(&[], &[]), out),
    }
}

/// BZMPOP's serve from `key`; `mpop` is the command without its verb
/// (ZMPOP's arguments, the timeout standing for the verb).
pub fn serve_zmpop(db: &mut Db, mpop: Args<'_>, key: &[u8], now: &Clock, out: &mut Reply<'_>) {
    let r = parse_zmpop(mpop)
        .and_then(|req| op_pop(db, key, req.max, req.count, PopShape::Keyed, now, out));
    match r {
        Ok(true) => {}
        Ok(false) => resp::null_array(out),
        Err(e) => e.write(Args::new(&[], &[]), out),
    }
}

/// BZPOPMIN / BZPOPMAX without blocking: the first key holding a sorted
/// set (or a value of another type, WRONGTYPE) answers; a null array when
/// none.
fn zpop_first(c: &mut Call<'_>, max: bool) {
    let n = c.args.len();
    let r = (|| -> OpResult<bool> {
        for i in 1..n - 1 {
            if pop_keyed(c.db, c.args.at(i), max, &c.now, c.out)? {
                return Ok(true);
            }
        }
        Ok(false)
    })();
    match r {
        Ok(true) => {}
        Ok(false) => resp::null_array(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(c: &mut Call<'_>) {
    zpop_first(c, false);
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(c: &mut Call<'_>) {
    zpop_first(c, true);
}

/// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count], not
/// blocking (inside `MULTI`): ZMPOP over the arguments after the timeout.
pub fn bzmpop(c: &mut Call<'_>) {
    let resp3 = c.out.resp3();
    let mut reply = Reply::new(&mut *c.out, resp3);
    zmpop(&mut Call {
        db: &mut *c.db,
        args: c.args.skip(1),
        now: Clock::new(),
        out: &mut reply,
    });
}

/// The resolve-time check of BZMPOP: the timeout, then ZMPOP's arguments.
pub fn check_bzmpop(args: Args<'_>) -> Result<(), Error> {
    timeout(args.at(1))?;
    parse_zmpop(args.skip(1)).map(drop)
}

/// Plans BZMPOP (inside `MULTI`): whole on the shard owning its keys, else
/// ZMPOP's plan over the arguments after the timeout.
pub fn plan_bzmpop(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    if let Ok(req) = parse_zmpop(args.skip(1)) {
        let keys = req.keys.map(|i| args.at(i + 1));
        if let Some(shard) = cross::one_shard(router, keys) {
            return cross::whole(args, shard, parts);
        }
    }
    plan_zmpop(args.skip(1), router, parts)
}

/// BZPOPMIN / BZPOPMAX with keys on several shards inside `MULTI`
/// (outside it the arbiter serves them): the leftmost existing key, shard
/// by shard ([`crate::family::blocking::multi`]).
pub fn plan_zpop(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    crate::family::blocking::multi::plan_first(args, router, parts)
}

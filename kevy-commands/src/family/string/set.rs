//! SET and its variants (SETNX, SETEX, PSETEX, GETSET) and GETEX: Redis's
//! `parseExtendedStringArgumentsOrReply`, `getExpireMillisecondsOrReply` and
//! `setGenericCommand`.

use kevy_rt::Args;

use super::{op_get, reply_value};
use crate::base::error::{cstr, Error, OpResult};
use crate::base::num::{int_arg, I64_BUF};
use crate::base::resp;
use crate::family::Call;
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db, Ms};

/// The condition of a SET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cond {
    /// Only when the key does not exist.
    Nx,
    /// Only when the key exists.
    Xx,
}

/// How an expire argument is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    /// EX: seconds from now.
    Ex,
    /// PX: milliseconds from now.
    Px,
    /// EXAT: unix seconds.
    ExAt,
    /// PXAT: unix milliseconds.
    PxAt,
}

/// Parsed SET / GETEX options.
#[derive(Clone, Copy, Debug, Default)]
struct SetOpts<'a> {
    cond: Option<Cond>,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

/// Which command's options are parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Set,
    Getex,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: options from `from` on.
/// Conflicting or unknown options are a syntax error; an option word is
/// matched as C reads it (up to a NUL byte).
fn parse_set_opts(args: Args<'_>, from: usize, flavor: Flavor) -> OpResult<SetOpts<'_>> {
    let mut o = SetOpts::default();
    let set = flavor == Flavor::Set;
    let mut j = from;
    while j < args.len() {
        let opt = cstr(args.at(j));
        let next = args.get(j + 1);
        let is = |w: &[u8]| opt.eq_ignore_ascii_case(w);
        let no_expire = o.expire.is_none() && !o.keep_ttl && !o.persist;
        let expire_unit = if is(b"ex") {
            Some(Unit::Ex)
        } else if is(b"px") {
            Some(Unit::Px)
        } else if is(b"exat") {
            Some(Unit::ExAt)
        } else if is(b"pxat") {
            Some(Unit::PxAt)
        } else {
            None
        };
        if set && is(b"nx") && o.cond != Some(Cond::Xx) {
            o.cond = Some(Cond::Nx);
        } else if set && is(b"xx") && o.cond != Some(Cond::Nx) {
            o.cond = Some(Cond::Xx);
        } else if set && is(b"get") {
            o.get = true;
        } else if set && is(b"keepttl") && !o.persist && o.expire.is_none() {
            o.keep_ttl = true;
        } else if !set && is(b"persist") && o.expire.is_none() && !o.keep_ttl {
            o.persist = true;
        } else if let (Some(unit), Some(value)) = (expire_unit, next) {
            // The same unit may repeat (the last one wins); mixing units may not.
            let same = o.expire.is_some_and(|(u, _)| u == unit);
            if !(no_expire || same) {
                return Err(Error::Syntax);
            }
            o.expire = Some((unit, value));
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute deadline an expire
/// argument names, or "invalid expire time in '`cmd`' command".
fn deadline(unit: Unit, arg: &[u8], now: &Clock, cmd: &'static str) -> OpResult<Ms> {
    let mut ms = int_arg(arg)?;
    let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(Error::InvalidExpire(cmd));
    }
    if seconds {
        ms *= 1000;
    }
    if matches!(unit, Unit::Ex | Unit::Px) {
        ms = ms.checked_add(now.ms()).ok_or(Error::InvalidExpire(cmd))?;
    }
    if ms <= 0 {
        return Err(Error::InvalidExpire(cmd));
    }
    Ok(ms)
}

/// What a SET did.
struct SetOutcome {
    /// The value was stored.
    done: bool,
    /// The old value, when GET was asked for (`None`: there was none).
    old: Option<Bytes>,
}

/// Redis's `setGenericCommand` after parsing: GET's read, the NX/XX check, the
/// store with its deadline.
fn op_set(
    db: &mut Db,
    key: &[u8],
    value: &[u8],
    o: &SetOpts<'_>,
    at: Option<Ms>,
    now: &Clock,
) -> OpResult<SetOutcome> {
    let mut old = None;
    if o.get {
        if let Some(v) = db.get(key, now) {
            let mut buf = I64_BUF;
            old = Some(Bytes::from_slice(v.as_bytes(&mut buf)?));
        }
    }
    if let Some(cond) = o.cond {
        let found = if o.get {
            old.is_some()
        } else {
            db.contains(key, now)
        };
        if (cond == Cond::Nx && found) || (cond == Cond::Xx && !found) {
            return Ok(SetOutcome { done: false, old });
        }
    }
    db.set(key, Value::string(value), now, o.keep_ttl, at);
    Ok(SetOutcome { done: true, old })
}

/// Parses the expire of `o` and runs [`op_set`].
fn set_generic(
    c: &mut Call<'_>,
    value: &[u8],
    o: &SetOpts<'_>,
    cmd: &'static str,
) -> OpResult<SetOutcome> {
    let at = match o.expire {
        Some((unit, arg)) => Some(deadline(unit, arg, &c.now, cmd)?),
        None => None,
    };
    op_set(c.db, c.args.at(1), value, o, at, &c.now)
}

/// `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]`
pub fn set(c: &mut Call<'_>) {
    if c.args.len() == 3 {
        // The plain form: no option to parse, one probe of the table.
        c.db.set(
            c.args.at(1),
            Value::string(c.args.at(2)),
            &c.now,
            false,
            None,
        );
        return resp::ok(c.out);
    }
    let r = parse_set_opts(c.args, 3, Flavor::Set)
        .and_then(|o| set_generic(c, c.args.at(2), &o, "set").map(|r| (o, r)));
    match r {
        Ok((o, r)) if o.get => resp::bulk_or_null(c.out, r.old.as_deref()),
        Ok((_, r)) if r.done => resp::ok(c.out),
        Ok(_) => resp::null(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// SETNX key value
pub fn setnx(c: &mut Call<'_>) {
    let o = SetOpts {
        cond: Some(Cond::Nx),
        ..SetOpts::default()
    };
    match set_generic(c, c.args.at(2), &o, "setnx") {
        Ok(r) => resp::int(c.out, r.done as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

fn setex_generic(c: &mut Call<'_>, unit: Unit, cmd: &'static str) {
    let o = SetOpts {
        expire: Some((unit, c.args.at(2))),
        ..SetOpts::default()
    };
    match set_generic(c, c.args.at(3), &o, cmd) {
        Ok(_) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// SETEX key seconds value
pub fn setex(c: &mut Call<'_>) {
    setex_generic(c, Unit::Ex, "setex");
}

/// PSETEX key milliseconds value
pub fn psetex(c: &mut Call<'_>) {
    setex_generic(c, Unit::Px, "psetex");
}

/// GETSET key value
pub fn getset(c: &mut Call<'_>) {
    let o = SetOpts {
        get: true,
        ..SetOpts::default()
    };
    match set_generic(c, c.args.at(2), &o, "getset") {
        Ok(r) => resp::bulk_or_null(c.out, r.old.as_deref()),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Redis's `getexCommand` after parsing: the value, then the new deadline,
/// the removal (a deadline already past) or the persist.
fn op_getex(db: &mut Db, key: &[u8], o: &SetOpts<'_>, now: &Clock) -> OpResult<Option<Value>> {
    let Some(v) = op_get(db, key, now)? else {
        return Ok(None);
    };
    let value = v.clone();
    let at = match o.expire {
        Some((unit, arg)) => Some((unit, deadline(unit, arg, now, "getex")?)),
        None => None,
    };
    match at {
        Some((Unit::ExAt | Unit::PxAt, at)) if at <= now.ms() => {
            db.remove(key, now);
        }
        Some((_, at)) => {
            db.expire(key, at, now);
        }
        None if o.persist => {
            db.persist(key, now);
        }
        None => {}
    }
    Ok(Some(value))
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
pub fn getex(c: &mut Call<'_>) {
    let r = parse_set_opts(c.args, 2, Flavor::Getex)
        .and_then(|o| op_getex(c.db, c.args.at(1), &o, &c.now));
    reply_value(c, r.as_ref().map(Option::as_ref).map_err(|e| *e));
}

//! String commands (Redis's `t_string.c`): GET, SET and its variants, the
//! INCR family, INCRBYFLOAT, APPEND, STRLEN, GETRANGE, SETRANGE, and the
//! multi-key MGET, MSET, MSETNX with their cross-shard plans.

use kevy_rt::{Args, Planned, Router};

use super::Call;
use crate::error::{cstr, Error, OpResult};
use crate::keyspace::{Db, Ms};
use crate::multi::{self, Op, Part, Plan};
use crate::num::{incr_by_float, int_arg, I64_BUF, LD_CHARS};
use crate::resp;
use crate::value::{Bytes, Value, MAX_STRING};

/// Appends a string value as a bulk reply (or `WrongType`).
fn write_value(out: &mut Vec<u8>, v: &Value) -> OpResult<()> {
    let mut buf = I64_BUF;
    resp::bulk(out, v.as_bytes(&mut buf)?);
    Ok(())
}

/// Writes `r`: a value as a bulk, nothing as the null bulk, or the error.
fn reply_value(c: &mut Call<'_>, r: OpResult<Option<&Value>>) {
    let r = match r {
        Ok(Some(v)) => write_value(c.out, v),
        Ok(None) => Ok(resp::null(c.out)),
        Err(e) => Err(e),
    };
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// The live value of `key`, checked to be a string.
fn op_get<'a>(db: &'a mut Db, key: &[u8], now: Ms) -> OpResult<Option<&'a Value>> {
    match db.get(key, now) {
        Some(v) => {
            v.str_len()?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// GET key
pub fn get(c: &mut Call<'_>) {
    let r = op_get(c.db, c.args.at(1), c.now);
    let (args, out) = (c.args, &mut *c.out);
    match r {
        Ok(Some(v)) => {
            let _ = write_value(out, v);
        }
        Ok(None) => resp::null(out),
        Err(e) => e.write(args, out),
    }
}

/// Appends `key`'s string value as a bulk, or the null bulk when it is
/// missing or not a string (MGET's rule).
pub fn write_get_or_null(db: &mut Db, key: &[u8], now: Ms, out: &mut Vec<u8>) {
    match op_get(db, key, now) {
        Ok(Some(v)) => {
            let _ = write_value(out, v);
        }
        _ => resp::null(out),
    }
}

/// MGET key [key ...]
pub fn mget(c: &mut Call<'_>) {
    resp::array(c.out, c.args.len() - 1);
    for key in c.args.iter().skip(1) {
        write_get_or_null(c.db, key, c.now, c.out);
    }
}

/// Plans a cross-shard MGET: one part per shard with its keys.
pub fn plan_mget(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    let slots = multi::scatter(args, 1, Op::Mget, router, parts);
    multi::planned(Plan::Mget { slots })
}

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
        } else if !set && is(b"persist") && no_expire {
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
fn deadline(unit: Unit, arg: &[u8], now: Ms, cmd: &'static str) -> OpResult<Ms> {
    let mut ms = int_arg(arg)?;
    let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(Error::InvalidExpire(cmd));
    }
    if seconds {
        ms *= 1000;
    }
    if matches!(unit, Unit::Ex | Unit::Px) {
        ms = ms.checked_add(now).ok_or(Error::InvalidExpire(cmd))?;
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
    now: Ms,
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
        Some((unit, arg)) => Some(deadline(unit, arg, c.now, cmd)?),
        None => None,
    };
    op_set(c.db, c.args.at(1), value, o, at, c.now)
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
pub fn set(c: &mut Call<'_>) {
    if c.args.len() == 3 {
        // The plain form: no option to parse, one probe of the table.
        c.db.set(
            c.args.at(1),
            Value::string(c.args.at(2)),
            c.now,
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

/// Removes a string key, returning its value.
fn op_getdel(db: &mut Db, key: &[u8], now: Ms) -> OpResult<Option<Value>> {
    if op_get(db, key, now)?.is_none() {
        return Ok(None);
    }
    Ok(db.remove(key, now))
}

/// GETDEL key
pub fn getdel(c: &mut Call<'_>) {
    let r = op_getdel(c.db, c.args.at(1), c.now);
    reply_value(c, r.as_ref().map(Option::as_ref).map_err(|e| *e));
}

/// Redis's `getexCommand` after parsing: the value, then the new deadline,
/// the removal (a deadline already past) or the persist.
fn op_getex(db: &mut Db, key: &[u8], o: &SetOpts<'_>, now: Ms) -> OpResult<Option<Value>> {
    let Some(v) = op_get(db, key, now)? else {
        return Ok(None);
    };
    let value = v.clone();
    let at = match o.expire {
        Some((unit, arg)) => Some((unit, deadline(unit, arg, now, "getex")?)),
        None => None,
    };
    match at {
        Some((Unit::ExAt | Unit::PxAt, at)) if at <= now => {
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
        .and_then(|o| op_getex(c.db, c.args.at(1), &o, c.now));
    reply_value(c, r.as_ref().map(Option::as_ref).map_err(|e| *e));
}

/// Stores each `key value` pair of `pairs`, dropping deadlines.
pub fn op_mset(db: &mut Db, pairs: Args<'_>, now: Ms) {
    let mut i = 0;
    while i + 1 < pairs.len() {
        db.set(
            pairs.at(i),
            Value::string(pairs.at(i + 1)),
            now,
            false,
            None,
        );
        i += 2;
    }
}

/// The resolve-time check of MSET and MSETNX: keys and values must pair up.
pub fn check_mset(args: Args<'_>) -> Result<(), Error> {
    if args.len() % 2 == 1 {
        return Ok(());
    }
    let name = if args.at(0).eq_ignore_ascii_case(b"msetnx") {
        "msetnx"
    } else {
        "mset"
    };
    Err(Error::WrongArity(name))
}

/// MSET key value [key value ...]
pub fn mset(c: &mut Call<'_>) {
    op_mset(c.db, c.args.skip(1), c.now);
    resp::ok(c.out);
}

/// Plans a cross-shard MSET: one part per shard with its pairs.
pub fn plan_mset(args: Args<'_>, router: &Router, parts: &mut Vec<(usize, Part)>) -> Planned<Plan> {
    multi::scatter(args, 2, Op::Mset, router, parts);
    multi::planned(Plan::Ok)
}

/// MSETNX key value [key value ...]
pub fn msetnx(c: &mut Call<'_>) {
    let pairs = c.args.skip(1);
    let any = (0..pairs.len())
        .step_by(2)
        .any(|i| c.db.contains(pairs.at(i), c.now));
    if !any {
        op_mset(c.db, pairs, c.now);
    }
    resp::int(c.out, !any as i64);
}

/// Plans a cross-shard MSETNX: round one asks every shard whether one of its
/// keys exists; round two, sent only when none does, sets the pairs. The
/// connection is held in between.
pub fn plan_msetnx(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let mut set = Vec::new();
    multi::scatter(args, 2, Op::MsetnxSet, router, &mut set);
    for (shard, part) in &set {
        let keys = part.args.args().iter().step_by(2).collect();
        parts.push((
            *shard,
            Part {
                op: Op::MsetnxProbe,
                args: keys,
            },
        ));
    }
    Planned {
        plan: Plan::Msetnx { set },
        hold: true,
    }
}

/// Adds `delta` to the integer at `key` (0 when missing), keeping its deadline.
fn op_incr(db: &mut Db, key: &[u8], delta: i64, now: Ms) -> OpResult<i64> {
    match db.get(key, now) {
        Some(v) => {
            let n = v.as_int()?.checked_add(delta).ok_or(Error::Overflow)?;
            *v = Value::Int(n);
            Ok(n)
        }
        None => {
            db.set(key, Value::Int(delta), now, false, None);
            Ok(delta)
        }
    }
}

fn incr_generic(c: &mut Call<'_>, delta: OpResult<i64>) {
    match delta.and_then(|d| op_incr(c.db, c.args.at(1), d, c.now)) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// INCR key
pub fn incr(c: &mut Call<'_>) {
    incr_generic(c, Ok(1));
}

/// DECR key
pub fn decr(c: &mut Call<'_>) {
    incr_generic(c, Ok(-1));
}

/// INCRBY key increment
pub fn incrby(c: &mut Call<'_>) {
    let delta = int_arg(c.args.at(2));
    incr_generic(c, delta);
}

/// DECRBY key decrement
pub fn decrby(c: &mut Call<'_>) {
    let delta = int_arg(c.args.at(2)).and_then(|d| d.checked_neg().ok_or(Error::DecrementOverflow));
    incr_generic(c, delta);
}

/// Adds the float `incr` to the value at `key` (0 when missing), in C `long
/// double` like Redis; the new text is written to `buf`, its length returned.
fn op_incrbyfloat(
    db: &mut Db,
    key: &[u8],
    incr: &[u8],
    now: Ms,
    buf: &mut [u8; LD_CHARS],
) -> OpResult<usize> {
    match db.get(key, now) {
        Some(v) => {
            let mut ib = I64_BUF;
            let n = incr_by_float(Some(v.as_bytes(&mut ib)?), incr, buf)?;
            *v = Value::string(&buf[..n]);
            Ok(n)
        }
        None => {
            let n = incr_by_float(None, incr, buf)?;
            db.set(key, Value::string(&buf[..n]), now, false, None);
            Ok(n)
        }
    }
}

/// INCRBYFLOAT key increment
pub fn incrbyfloat(c: &mut Call<'_>) {
    let mut buf = [0u8; LD_CHARS];
    match op_incrbyfloat(c.db, c.args.at(1), c.args.at(2), c.now, &mut buf) {
        Ok(n) => resp::bulk(c.out, &buf[..n]),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Redis's `checkStringLength`: a string of `len + extra` bytes must fit.
fn check_len(len: usize, extra: usize) -> OpResult<()> {
    match len.checked_add(extra) {
        Some(total) if total <= MAX_STRING => Ok(()),
        _ => Err(Error::StringTooLong),
    }
}

/// Appends `data` to the string at `key` (created when missing).
fn op_append(db: &mut Db, key: &[u8], data: &[u8], now: Ms) -> OpResult<usize> {
    match db.get(key, now) {
        Some(v) => {
            check_len(v.str_len()?, data.len())?;
            let s = v.make_raw()?;
            s.extend_from_slice(data);
            Ok(s.len())
        }
        None => {
            db.set(key, Value::string(data), now, false, None);
            Ok(data.len())
        }
    }
}

/// APPEND key value
pub fn append(c: &mut Call<'_>) {
    match op_append(c.db, c.args.at(1), c.args.at(2), c.now) {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// STRLEN key
pub fn strlen(c: &mut Call<'_>) {
    let r = match c.db.get(c.args.at(1), c.now) {
        Some(v) => v.str_len(),
        None => Ok(0),
    };
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Redis's `getrangeCommand` index arithmetic: the byte range of a string of
/// `len` bytes that `start..=end` selects, if any.
fn range_of(start: i64, end: i64, len: usize) -> Option<std::ops::Range<usize>> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i128;
    let (mut start, mut end) = (start as i128, end as i128);
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0).min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some(start as usize..end as usize + 1)
}

/// GETRANGE key start end
pub fn getrange(c: &mut Call<'_>) {
    let r = (|| -> OpResult<()> {
        let start = int_arg(c.args.at(2))?;
        let end = int_arg(c.args.at(3))?;
        let Some(v) = c.db.get(c.args.at(1), c.now) else {
            c.out.extend_from_slice(resp::EMPTY_BULK);
            return Ok(());
        };
        let mut buf = I64_BUF;
        let s = v.as_bytes(&mut buf)?;
        match range_of(start, end, s.len()).and_then(|r| s.get(r)) {
            Some(part) => resp::bulk(c.out, part),
            None => c.out.extend_from_slice(resp::EMPTY_BULK),
        }
        Ok(())
    })();
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// Writes `data` at `offset` of the string at `key`, zero-padding as needed.
fn op_setrange(db: &mut Db, key: &[u8], offset: usize, data: &[u8], now: Ms) -> OpResult<usize> {
    let Some(v) = db.get(key, now) else {
        if data.is_empty() {
            return Ok(0);
        }
        check_len(offset, data.len())?;
        let mut s = Bytes::from_elem(0, offset);
        s.extend_from_slice(data);
        let len = s.len();
        db.set(key, Value::Str(s), now, false, None);
        return Ok(len);
    };
    let len = v.str_len()?;
    if data.is_empty() {
        return Ok(len);
    }
    check_len(offset, data.len())?;
    let s = v.make_raw()?;
    let end = offset + data.len();
    if s.len() < end {
        s.resize(end, 0);
    }
    s[offset..end].copy_from_slice(data);
    Ok(s.len())
}

/// SETRANGE key offset value
pub fn setrange(c: &mut Call<'_>) {
    let r = int_arg(c.args.at(2)).and_then(|off| {
        let off = usize::try_from(off).map_err(|_| Error::OffsetOutOfRange)?;
        op_setrange(c.db, c.args.at(1), off, c.args.at(3), c.now)
    });
    match r {
        Ok(n) => resp::int(c.out, n as i64),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

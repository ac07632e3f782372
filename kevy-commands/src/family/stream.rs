//! Stream commands (Redis's `t_stream.c`): XADD, XLEN, XRANGE, XREVRANGE,
//! XDEL, XTRIM and XSETID here; XREAD and XREADGROUP (one shard or several)
//! in `read`; consumer groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM)
//! in `groups`; XINFO in `info`. The data structure is
//! [`crate::model::stream::Stream`].
//!
//! Errors are [`XErr`] values (Redis's fixed texts, or a message naming a
//! key or group) written when the reply is.

use kevy_rt::Args;
use smallvec::SmallVec;

use super::Call;
use crate::base::error::{cstr, write_sanitized, Error};
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::stream::id::{self, Parsed};
use crate::model::stream::node::Entry;
use crate::model::stream::{AppendError, Stream, StreamId, Trim};
use crate::model::value::Value;
use crate::store::db::{Clock, Db};
use crate::store::signal::class;

pub mod groups;
pub mod info;
pub mod park;
pub mod read;

pub use groups::{xack, xautoclaim, xclaim, xgroup_create, xgroup_createconsumer};
pub use groups::{xgroup_delconsumer, xgroup_destroy, xgroup_help, xgroup_setid, xpending};
pub use info::{xinfo_consumers, xinfo_groups, xinfo_help, xinfo_stream};
pub use read::{plan_xread, plan_xreadgroup, xread, xreadgroup, StreamOp, StreamPlan};

/// A stream command's error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XErr {
    /// One of the shared errors.
    Std(Error),
    /// A fixed message, code included (`ERR …`).
    Msg(&'static str),
    /// A message built from arguments, code included (`NOGROUP …`).
    Text(Vec<u8>),
}

impl From<Error> for XErr {
    fn from(e: Error) -> XErr {
        XErr::Std(e)
    }
}

impl XErr {
    /// Appends the error reply.
    pub fn write(self, args: Args<'_>, out: &mut Vec<u8>) {
        match self {
            XErr::Std(e) => e.write(args, out),
            XErr::Msg(m) => resp::error(out, m.as_bytes()),
            XErr::Text(t) => write_sanitized(out, &t),
        }
    }

    /// A message made of parts, each argument cut at its first NUL as C's
    /// `%s` prints it.
    pub fn text(parts: &[&[u8]]) -> XErr {
        let mut t = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 {
                t.extend_from_slice(cstr(p));
            } else {
                t.extend_from_slice(p);
            }
        }
        XErr::Text(t)
    }
}

/// A stream command's result.
pub type XResult<T> = Result<T, XErr>;

/// The invalid-ID error.
pub const INVALID_ID: XErr =
    XErr::Msg("ERR Invalid stream ID specified as stream command argument");

/// Parses a strict ID (no `-` / `+`).
pub fn strict_id(arg: &[u8]) -> XResult<StreamId> {
    id::parse(arg, 0, true, false)
        .map(|p| p.id)
        .ok_or(INVALID_ID)
}

/// Parses an ID accepting `-` and `+`, the missing sequence `missing`.
pub fn loose_id(arg: &[u8], missing: u64) -> XResult<StreamId> {
    id::parse(arg, missing, false, false)
        .map(|p| p.id)
        .ok_or(INVALID_ID)
}

/// A range bound (`streamParseIntervalIDOrReply` and the increment or
/// decrement of an exclusive one): `start` bounds move up, end bounds down.
pub fn interval(arg: &[u8], start: bool) -> XResult<StreamId> {
    let exclusive = arg.len() > 1 && arg[0] == b'(';
    let missing = if start { 0 } else { u64::MAX };
    if !exclusive {
        return loose_id(arg, missing);
    }
    let id = id::parse(&arg[1..], missing, true, false)
        .ok_or(INVALID_ID)?
        .id;
    if start {
        id.incr()
            .ok_or(XErr::Msg("ERR invalid start ID for the interval"))
    } else {
        id.decr()
            .ok_or(XErr::Msg("ERR invalid end ID for the interval"))
    }
}

/// A `long long` argument (`getLongLongFromObjectOrReply`), `msg` the
/// error when it is not one (`None`: the standard one).
pub fn int(arg: &[u8], msg: Option<&'static str>) -> XResult<i64> {
    parse_i64(arg).ok_or(match msg {
        Some(m) => XErr::Msg(m),
        None => XErr::Std(Error::NotInteger),
    })
}

/// Case-insensitive equality of an argument with an option name.
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

/// The stream at `key`: `None` when missing, `WrongType` for another type.
pub fn stream_mut<'a>(db: &'a mut Db, key: &[u8], now: &Clock) -> XResult<Option<&'a mut Stream>> {
    Ok(db.get(key, now).map(Value::as_stream_mut).transpose()?)
}

/// Appends a stream ID as a bulk string.
pub fn write_id(out: &mut Vec<u8>, id: StreamId) {
    let mut buf = [0u8; 41];
    resp::bulk(out, id.fmt(&mut buf));
}

/// Appends an entry: its ID and its field-value pairs.
pub fn write_entry(out: &mut Vec<u8>, e: &Entry<'_>) {
    resp::array(out, 2);
    write_id(out, e.id);
    resp::array(out, e.nfields * 2);
    for (f, v) in e.pairs() {
        resp::bulk(out, f);
        resp::bulk(out, v);
    }
}

/// The milliseconds of `now`, as Redis's unsigned `mstime()` (the real
/// time while a file loads: delivery and seen times are kept).
pub fn now_ms(now: &Clock) -> i64 {
    now.wall_ms()
}

/// XADD's and XTRIM's options (`streamParseAddOrTrimArgsOrReply`).
#[derive(Clone, Copy, Debug, Default)]
pub struct AddTrim {
    /// The trimming strategy, if any.
    pub trim: Option<Trim>,
    /// `~`: whole nodes only.
    pub approx: bool,
    /// Most entries a trim removes (0: no limit).
    pub limit: u64,
    /// XADD: NOMKSTREAM.
    pub nomkstream: bool,
    /// XADD: the ID given (`None` for `*`).
    pub id: Option<Parsed>,
    /// XADD: the ID's position.
    pub id_at: usize,
}

/// Parses XADD's (`xadd`) or XTRIM's options; `node_entries` is
/// `stream-node-max-entries` (the default LIMIT of `~`).
pub fn parse_add_trim(args: Args<'_>, xadd: bool, node_entries: usize) -> XResult<AddTrim> {
    const BOTH: &str =
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
    let mut o = AddTrim::default();
    let mut limit: Option<i64> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = args.at(i);
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if o.trim.is_some() {
                return Err(XErr::Msg(BOTH));
            }
            o.approx = false;
            let next = args.at(i + 1);
            if more >= 2 && next == b"~" {
                o.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            if is(opt, "maxlen") {
                let n = int(args.at(i + 1), None)?;
                if n < 0 {
                    return Err(XErr::Msg("ERR The MAXLEN argument must be >= 0."));
                }
                o.trim = Some(Trim::MaxLen(n as u64));
            } else {
                o.trim = Some(Trim::MinId(strict_id(args.at(i + 1))?));
            }
            i += 1;
        } else if is(opt, "limit") && more > 0 {
            let n = int(args.at(i + 1), None)?;
            if n < 0 {
                return Err(XErr::Msg("ERR The LIMIT argument must be >= 0."));
            }
            limit = Some(n);
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            o.nomkstream = true;
        } else if xadd {
            o.id = Some(id::parse(opt, 0, true, true).ok_or(INVALID_ID)?);
            break;
        } else {
            return Err(XErr::Std(Error::Syntax));
        }
        i += 1;
    }
    o.id_at = i;
    if limit.unwrap_or(0) != 0 && o.trim.is_none() {
        return Err(XErr::Msg(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && o.trim.is_none() {
        return Err(XErr::Msg(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    o.limit = match limit {
        Some(_) if !o.approx => {
            return Err(XErr::Msg(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ))
        }
        Some(n) => n as u64,
        None if o.approx => {
            let n = 100i64.saturating_mul(node_entries as i64);
            (if n <= 0 { 10_000 } else { n.min(1_000_000) }) as u64
        }
        None => 0,
    };
    Ok(o)
}

/// Adds the entry of an XADD; `None` when NOMKSTREAM met no stream.
fn op_xadd(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<Option<StreamId>> {
    let limits = db.limits().encodings.stream_limits();
    let o = parse_add_trim(args, true, limits.entries)?;
    let fields = o.id_at + 1;
    if args.len() < fields + 2 || (args.len() - fields) % 2 == 1 {
        return Err(Error::WrongArity("xadd").into());
    }
    if let Some(p) = o.id {
        if p.seq_given && p.id.is_zero() {
            return Err(XErr::Msg(
                "ERR The ID specified in XADD must be greater than 0-0",
            ));
        }
    }
    if stream_mut(db, args.at(1), now)?.is_none() {
        if o.nomkstream {
            return Ok(None);
        }
        db.set(args.at(1), Value::Stream(Box::default()), now, false, None);
    }
    let Some(st) = stream_mut(db, args.at(1), now)? else {
        return Ok(None);
    };
    if st.log.last_id == StreamId::MAX {
        return Err(XErr::Msg(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let pairs: SmallVec<[&[u8]; 8]> = args.iter().skip(fields).collect();
    let (given, seq_given) = match o.id {
        Some(p) => (Some(p.id), p.seq_given),
        None => (None, true),
    };
    let added = st
        .log
        .append(&pairs, given, seq_given, now_ms(now).max(0) as u64, limits)
        .map_err(|e| match e {
            AppendError::NotGreater => XErr::Msg(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            ),
            AppendError::TooLarge => XErr::Msg("ERR Elements are too large to be stored"),
        })?;
    let trimmed = match o.trim {
        Some(how) => st.log.trim(how, o.approx, o.limit),
        None => 0,
    };
    if trimmed > 0 {
        // After the "xadd" the events table names (see `events::after`).
        db.notify(class::STREAM, "xtrim", args.at(1));
    }
    // Parked XREAD / XREADGROUP calls on this key may be served now.
    db.ready.signal_in(db.index, args.at(1));
    Ok(Some(added))
}

/// XADD key \[NOMKSTREAM\] \[MAXLEN|MINID \[=|~\] threshold \[LIMIT count\]\] *|id field value \[field value ...\]
pub fn xadd(c: &mut Call<'_>) {
    match op_xadd(c.db, c.args, &c.now) {
        Ok(Some(id)) => write_id(c.out, id),
        Ok(None) => resp::null(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

/// XLEN key
pub fn xlen(c: &mut Call<'_>) {
    match stream_mut(c.db, c.args.at(1), &c.now) {
        Ok(s) => resp::int(c.out, s.map_or(0, |s| s.log.length as i64)),
        Err(e) => e.write(c.args, c.out),
    }
}

/// XRANGE and XREVRANGE: the entries between the bounds, `count` at most.
fn range(c: &mut Call<'_>, rev: bool) -> XResult<()> {
    let (a, b) = (c.args.at(2), c.args.at(3));
    let (start_arg, end_arg) = if rev { (b, a) } else { (a, b) };
    let start = interval(start_arg, true)?;
    let end = interval(end_arg, false)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < c.args.len() {
        if is(c.args.at(j), "count") && j + 1 < c.args.len() {
            count = int(c.args.at(j + 1), None)?.max(0);
            j += 2;
        } else {
            return Err(Error::Syntax.into());
        }
    }
    let Some(st) = stream_mut(c.db, c.args.at(1), &c.now)? else {
        resp::array(c.out, 0);
        return Ok(());
    };
    if count == 0 {
        resp::null_array(c.out);
        return Ok(());
    }
    write_range(c.out, st, start, end, count.max(0) as usize, rev);
    Ok(())
}

/// Appends the array of entries from `start` to `end`, at most `count`
/// (0: all).
pub fn write_range(
    out: &mut Reply<'_>,
    st: &Stream,
    start: StreamId,
    end: StreamId,
    count: usize,
    rev: bool,
) {
    let mut body = Vec::new();
    let mut n = 0;
    st.log.walk(start, end, rev, |e| {
        write_entry(&mut body, e);
        n += 1;
        count == 0 || n < count
    });
    resp::array(out, n);
    out.extend_from_slice(&body);
}

/// XRANGE key start end [COUNT count]
pub fn xrange(c: &mut Call<'_>) {
    if let Err(e) = range(c, false) {
        e.write(c.args, c.out);
    }
}

/// XREVRANGE key end start [COUNT count]
pub fn xrevrange(c: &mut Call<'_>) {
    if let Err(e) = range(c, true) {
        e.write(c.args, c.out);
    }
}

/// Deletes the IDs of an XDEL; how many existed.
fn op_xdel(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let Some(st) = stream_mut(db, args.at(1), now)? else {
        return Ok(0);
    };
    let ids: SmallVec<[StreamId; 8]> =
        args.iter().skip(2).map(strict_id).collect::<XResult<_>>()?;
    let mut deleted = 0;
    let mut first = false;
    for id in ids {
        if st.log.delete(id) {
            first |= id == st.log.first_id;
            st.log.deleted(id);
            deleted += 1;
        }
    }
    if deleted > 0 && (st.log.length == 0 || first) {
        st.log.refresh_first();
    }
    Ok(deleted)
}

/// XDEL key id [id ...]
pub fn xdel(c: &mut Call<'_>) {
    match op_xdel(c.db, c.args, &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Trims as an XTRIM says; how many entries went.
fn op_xtrim(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let limits = db.limits().encodings.stream_limits();
    let o = parse_add_trim(args, false, limits.entries)?;
    let Some(st) = stream_mut(db, args.at(1), now)? else {
        return Ok(0);
    };
    Ok(match o.trim {
        Some(how) => st.log.trim(how, o.approx, o.limit) as i64,
        None => 0,
    })
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
pub fn xtrim(c: &mut Call<'_>) {
    match op_xtrim(c.db, c.args, &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// Sets the stream's last ID (and counters) as an XSETID says.
fn op_xsetid(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<()> {
    let id = strict_id(args.at(2))?;
    let mut added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = args.at(i);
        if is(opt, "entriesadded") && more > 0 {
            added = int(args.at(i + 1), None)?;
            if added < 0 {
                return Err(XErr::Msg("ERR entries_added must be positive"));
            }
        } else if is(opt, "maxdeletedid") && more > 0 {
            max_deleted = strict_id(args.at(i + 1))?;
            if id < max_deleted {
                return Err(XErr::Msg(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(Error::Syntax.into());
        }
        i += 2;
    }
    let Some(st) = stream_mut(db, args.at(1), now)? else {
        return Err(XErr::Msg("ERR no such key"));
    };
    let log = &mut st.log;
    if log.length > 0 {
        let max = log.edge_id(true).unwrap_or(StreamId::MIN);
        if id < max {
            return Err(XErr::Msg(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if added != -1 && log.length > added as u64 {
            return Err(XErr::Msg(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    log.last_id = id;
    if added != -1 {
        log.entries_added = added as u64;
    }
    if !max_deleted.is_zero() {
        log.max_deleted = max_deleted;
    }
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
pub fn xsetid(c: &mut Call<'_>) {
    match op_xsetid(c.db, c.args, &c.now) {
        Ok(()) => resp::ok(c.out),
        Err(e) => e.write(c.args, c.out),
    }
}

#[cfg(test)]
mod tests;

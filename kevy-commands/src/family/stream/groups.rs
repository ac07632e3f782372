//! Consumer groups: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER,
//! DELCONSUMER, HELP), XACK, XPENDING, XCLAIM and XAUTOCLAIM, as
//! `t_stream.c` answers them.

use kevy_rt::{Args, Flow};
use smallvec::SmallVec;

use super::{
    int, interval, is, loose_id, now_ms, stream_mut, strict_id, write_entry, write_id, XErr,
    XResult,
};
use crate::base::error::Error;
use crate::base::resp;
use crate::family::opts::{subcommand_syntax, write_help};
use crate::family::{Call, Local};
use crate::model::stream::group::Nack;
use crate::model::stream::{Group, Stream, StreamId, INVALID_READ};
use crate::model::value::{Bytes, Value};
use crate::store::db::{Clock, Db};
use crate::store::signal::class;

/// What XGROUP's shared preamble found.
struct Pre<'a> {
    st: Option<&'a mut Stream>,
    mkstream: bool,
    entries_read: i64,
}

/// XGROUP's shared preamble (`xgroupCommand` before the subcommands): the
/// options from argument 5, the key's type, the key's and the group's
/// existence. `Ok(None)`: an error reply is due (written into `err`).
fn preamble<'a>(db: &'a mut Db, args: Args<'_>, now: &Clock) -> XResult<Pre<'a>> {
    let sub = args.at(1);
    let (create, setid) = (is(sub, "create"), is(sub, "setid"));
    let mut mkstream = false;
    let mut entries_read = INVALID_READ;
    let mut i = 5;
    while i < args.len() {
        if create && is(args.at(i), "mkstream") {
            mkstream = true;
            i += 1;
        } else if (create || setid) && is(args.at(i), "entriesread") && i + 1 < args.len() {
            entries_read = int(args.at(i + 1), None)?;
            if entries_read < 0 && entries_read != INVALID_READ {
                return Err(XErr::Msg(
                    "ERR value for ENTRIESREAD must be positive or -1",
                ));
            }
            i += 2;
        } else {
            return Err(syntax(args));
        }
    }
    let st = stream_mut(db, args.at(2), now)?;
    if !mkstream {
        let Some(s) = st.as_ref() else {
            return Err(XErr::Msg("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        };
        if !create && !is(sub, "destroy") && !s.groups.contains_key(args.at(3)) {
            return Err(no_group(args.at(3), args.at(2)));
        }
    }
    Ok(Pre {
        st,
        mkstream,
        entries_read,
    })
}

/// `NOGROUP No such consumer group '<group>' for key name '<key>'`.
pub fn no_group(group: &[u8], key: &[u8]) -> XErr {
    XErr::text(&[
        b"NOGROUP No such consumer group '",
        group,
        b"' for key name '",
        key,
        b"'",
    ])
}

/// `NOGROUP No such key '<key>' or consumer group '<group>'`.
fn no_key_or_group(key: &[u8], group: &[u8]) -> XErr {
    XErr::text(&[
        b"NOGROUP No such key '",
        key,
        b"' or consumer group '",
        group,
        b"'",
    ])
}

/// Redis's `addReplySubcommandSyntaxError`, as a value.
fn syntax(args: Args<'_>) -> XErr {
    let mut out = Vec::new();
    subcommand_syntax(args, &mut out);
    XErr::Text(out[1..out.len() - 2].to_vec())
}

/// Writes a subcommand handler's result.
fn finish(c: &mut Call<'_>, r: XResult<i64>, ok: bool) {
    match r {
        Ok(_) if ok => resp::ok(c.out),
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

fn op_create(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let pre = preamble(db, args, now)?;
    if !(5..=8).contains(&args.len()) {
        return Err(syntax(args));
    }
    let id = if args.at(4) == b"$" {
        pre.st.as_ref().map_or(StreamId::MIN, |s| s.log.last_id)
    } else {
        strict_id(args.at(4))?
    };
    let entries_read = pre.entries_read;
    let mkstream = pre.mkstream;
    if pre.st.is_none() && mkstream {
        db.set(args.at(2), Value::Stream(Box::default()), now, false, None);
    }
    let Some(st) = stream_mut(db, args.at(2), now)? else {
        return Err(XErr::Std(Error::WrongType));
    };
    if st.groups.contains_key(args.at(3)) {
        return Err(XErr::Msg("BUSYGROUP Consumer Group name already exists"));
    }
    st.groups
        .insert(Bytes::from_slice(args.at(3)), Group::new(id, entries_read));
    Ok(1)
}

/// XGROUP CREATE key group id|$ \[MKSTREAM\] \[ENTRIESREAD entries-read\]
pub fn xgroup_create(c: &mut Call<'_>) {
    let r = op_create(c.db, c.args, &c.now);
    finish(c, r, true);
}

fn op_setid(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let pre = preamble(db, args, now)?;
    if args.len() != 5 && args.len() != 7 {
        return Err(syntax(args));
    }
    let entries_read = pre.entries_read;
    let Some(st) = pre.st else {
        return Err(XErr::Std(Error::WrongType));
    };
    let id = if args.at(4) == b"$" {
        st.log.last_id
    } else {
        loose_id(args.at(4), 0)?
    };
    if let Some(g) = st.groups.get_mut(args.at(3)) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    Ok(1)
}

/// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
pub fn xgroup_setid(c: &mut Call<'_>) {
    let r = op_setid(c.db, c.args, &c.now);
    finish(c, r, true);
}

fn op_destroy(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let pre = preamble(db, args, now)?;
    let gone = pre
        .st
        .is_some_and(|s| s.groups.remove(args.at(3)).is_some());
    if gone {
        // Readers parked on the group are answered NOGROUP.
        db.ready.signal_in(db.index, args.at(2));
    }
    Ok(gone as i64)
}

/// XGROUP DESTROY key group
pub fn xgroup_destroy(c: &mut Call<'_>) {
    let r = op_destroy(c.db, c.args, &c.now);
    finish(c, r, false);
}

fn op_createconsumer(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let pre = preamble(db, args, now)?;
    let ms = now_ms(now);
    Ok(pre
        .st
        .and_then(|s| s.groups.get_mut(args.at(3)))
        .is_some_and(|g| g.create_consumer(args.at(4), ms)) as i64)
}

/// XGROUP CREATECONSUMER key group consumer
pub fn xgroup_createconsumer(c: &mut Call<'_>) {
    let r = op_createconsumer(c.db, c.args, &c.now);
    finish(c, r, false);
}

fn op_delconsumer(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let pre = preamble(db, args, now)?;
    Ok(pre
        .st
        .and_then(|s| s.groups.get_mut(args.at(3)))
        .and_then(|g| g.delete_consumer(args.at(4)))
        .unwrap_or(0) as i64)
}

/// XGROUP DELCONSUMER key group consumer
pub fn xgroup_delconsumer(c: &mut Call<'_>) {
    let r = op_delconsumer(c.db, c.args, &c.now);
    finish(c, r, false);
}

/// XGROUP HELP's text.
const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

/// XGROUP HELP
pub fn xgroup_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, XGROUP_HELP);
    Flow::Continue
}

/// Acknowledges the IDs of an XACK; how many were pending.
fn op_xack(db: &mut Db, args: Args<'_>, now: &Clock) -> XResult<i64> {
    let Some(st) = stream_mut(db, args.at(1), now)? else {
        return Ok(0);
    };
    let Some(g) = st.groups.get_mut(args.at(2)) else {
        return Ok(0);
    };
    let ids: SmallVec<[StreamId; 8]> =
        args.iter().skip(3).map(strict_id).collect::<XResult<_>>()?;
    Ok(ids.into_iter().filter(|&id| g.ack(id)).count() as i64)
}

/// XACK key group id [id ...]
pub fn xack(c: &mut Call<'_>) {
    match op_xack(c.db, c.args, &c.now) {
        Ok(n) => resp::int(c.out, n),
        Err(e) => e.write(c.args, c.out),
    }
}

/// XPENDING's reply.
fn op_xpending(c: &mut Call<'_>) -> XResult<()> {
    let args = c.args;
    let n = args.len();
    if n != 3 && !(6..=9).contains(&n) {
        return Err(Error::Syntax.into());
    }
    let mut range = None;
    let mut min_idle = 0;
    if n >= 6 {
        let mut at = 3;
        if is(args.at(3), "idle") {
            min_idle = int(args.at(4), None)?;
            if n < 8 {
                return Err(Error::Syntax.into());
            }
            at += 2;
        }
        let count = int(args.at(at + 2), None)?.max(0);
        let start = interval(args.at(at), true)?;
        let end = interval(args.at(at + 1), false)?;
        let consumer = (at + 3 < n).then(|| args.at(at + 3));
        range = Some((start, end, count, consumer));
    }
    let st = stream_mut(c.db, args.at(1), &c.now)?;
    let Some(g) = st.and_then(|s| s.groups.get(args.at(2))) else {
        return Err(no_key_or_group(args.at(1), args.at(2)));
    };
    let out = &mut *c.out;
    let Some((start, end, mut count, consumer)) = range else {
        resp::array(out, 4);
        resp::int(out, g.pel.len() as i64);
        let (Some((first, _)), Some((last, _))) = (g.pel.first_key_value(), g.pel.last_key_value())
        else {
            resp::null(out);
            resp::null(out);
            resp::null_array(out);
            return Ok(());
        };
        write_id(out, *first);
        write_id(out, *last);
        let owners: Vec<_> = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .collect();
        resp::array(out, owners.len());
        for (name, cons) in owners {
            resp::array(out, 2);
            resp::bulk(out, name);
            resp::bulk_int(out, cons.pel.len() as i64);
        }
        return Ok(());
    };
    let now = now_ms(&c.now);
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match g.consumers.get(name) {
            Some(cons) => cons.pel.iter().copied().collect(),
            None => {
                resp::array(out, 0);
                return Ok(());
            }
        },
        None => Vec::new(),
    };
    let mut body = Vec::new();
    let mut rows = 0;
    // Writes one row; false when the entry is not idle enough.
    let mut emit = |id: StreamId, nack: &Nack| {
        if min_idle != 0 && now - nack.delivery_time < min_idle {
            return false;
        }
        rows += 1;
        resp::array(&mut body, 4);
        write_id(&mut body, id);
        resp::bulk(&mut body, &nack.consumer);
        resp::int(&mut body, (now - nack.delivery_time).max(0));
        resp::int(&mut body, nack.delivery_count as i64);
        true
    };
    if start <= end {
        if consumer.is_some() {
            for id in ids.into_iter().filter(|id| *id >= start && *id <= end) {
                if count == 0 {
                    break;
                }
                if let Some(nack) = g.pel.get(&id) {
                    count -= emit(id, nack) as i64;
                }
            }
        } else {
            for (id, nack) in g.pel.range(start..=end) {
                if count == 0 {
                    break;
                }
                count -= emit(*id, nack) as i64;
            }
        }
    }
    resp::array(out, rows);
    out.extend_from_slice(&body);
    Ok(())
}

/// XPENDING key group \[\[IDLE min-idle-time\] start end count \[consumer\]\]
pub fn xpending(c: &mut Call<'_>) {
    if let Err(e) = op_xpending(c) {
        e.write(c.args, c.out);
    }
}

/// XCLAIM's reply.
fn op_xclaim(c: &mut Call<'_>) -> XResult<()> {
    let args = c.args;
    let st = stream_mut(c.db, args.at(1), &c.now)?;
    let Some(st) = st.filter(|s| s.groups.contains_key(args.at(2))) else {
        return Err(no_key_or_group(args.at(1), args.at(2)));
    };
    let min_idle = int(
        args.at(4),
        Some("ERR Invalid min-idle-time argument for XCLAIM"),
    )?
    .max(0);
    let mut ids: SmallVec<[StreamId; 8]> = SmallVec::new();
    let mut j = 5;
    while j < args.len() {
        match strict_id(args.at(j)) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = now_ms(&c.now);
    let (mut force, mut justid) = (false, false);
    let mut time: i64 = -1;
    let mut retry: i64 = -1;
    let mut last = StreamId::MIN;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let o = args.at(j);
        if is(o, "force") {
            force = true;
        } else if is(o, "justid") {
            justid = true;
        } else if is(o, "idle") && more > 0 {
            j += 1;
            time = now.saturating_sub(int(
                args.at(j),
                Some("ERR Invalid IDLE option argument for XCLAIM"),
            )?);
        } else if is(o, "time") && more > 0 {
            j += 1;
            time = int(
                args.at(j),
                Some("ERR Invalid TIME option argument for XCLAIM"),
            )?;
        } else if is(o, "retrycount") && more > 0 {
            j += 1;
            retry = int(
                args.at(j),
                Some("ERR Invalid RETRYCOUNT option argument for XCLAIM"),
            )?;
        } else if is(o, "lastid") && more > 0 {
            j += 1;
            last = strict_id(args.at(j))?;
        } else {
            return Err(XErr::text(&[b"ERR Unrecognized XCLAIM option '", o, b"'"]));
        }
        j += 1;
    }
    let Stream { log, groups } = st;
    let Some(g) = groups.get_mut(args.at(2)) else {
        return Ok(());
    };
    if last > g.last_id {
        g.last_id = last;
    }
    if time == -1 || time < 0 || time > now {
        time = now;
    }
    let name = args.at(3);
    let mut body = Vec::new();
    let mut rows = 0;
    let (mut have_consumer, mut created) = (false, false);
    for id in ids {
        if !log.contains(id) {
            g.ack(id);
            continue;
        }
        let mut fresh = false;
        if force && !g.pel.contains_key(&id) {
            fresh = true;
        } else if !g.pel.contains_key(&id) {
            continue;
        }
        if !fresh && min_idle != 0 {
            if let Some(n) = g.pel.get(&id) {
                if now - n.delivery_time < min_idle {
                    continue;
                }
            }
        }
        if !have_consumer {
            created = g.touch_consumer(name, now);
            have_consumer = true;
        }
        if fresh {
            g.pel.insert(
                id,
                Nack {
                    delivery_time: time,
                    delivery_count: 1,
                    consumer: Bytes::from_slice(name),
                },
            );
        }
        let count = (retry >= 0).then_some(retry as u64);
        g.claim(id, name, time, count, !justid);
        if justid {
            write_id(&mut body, id);
        } else {
            log.with_entry(id, |e| write_entry(&mut body, e));
        }
        rows += 1;
    }
    resp::array(c.out, rows);
    c.out.extend_from_slice(&body);
    if created {
        c.db.notify(class::STREAM, "xgroup-createconsumer", args.at(1));
    }
    Ok(())
}

/// XCLAIM key group consumer min-idle-time id \[id ...\] \[IDLE ms\] \[TIME unix-time-milliseconds\] \[RETRYCOUNT count\] \[FORCE\] \[JUSTID\] \[LASTID lastid\]
pub fn xclaim(c: &mut Call<'_>) {
    if let Err(e) = op_xclaim(c) {
        e.write(c.args, c.out);
    }
}

/// XAUTOCLAIM's reply.
fn op_xautoclaim(c: &mut Call<'_>) -> XResult<()> {
    let args = c.args;
    let min_idle = int(
        args.at(4),
        Some("ERR Invalid min-idle-time argument for XAUTOCLAIM"),
    )?
    .max(0);
    let start = interval(args.at(5), true)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let o = args.at(j);
        if is(o, "count") && more > 0 {
            let max = i64::MAX / 16;
            count = match crate::base::num::parse_i64(args.at(j + 1)) {
                Some(n) if (1..=max).contains(&n) => n,
                _ => return Err(XErr::Msg("ERR COUNT must be > 0")),
            };
            j += 1;
        } else if is(o, "justid") {
            justid = true;
        } else {
            return Err(Error::Syntax.into());
        }
        j += 1;
    }
    let st = stream_mut(c.db, args.at(1), &c.now)?;
    let Some(st) = st.filter(|s| s.groups.contains_key(args.at(2))) else {
        return Err(no_key_or_group(args.at(1), args.at(2)));
    };
    let Stream { log, groups } = st;
    let Some(g) = groups.get_mut(args.at(2)) else {
        return Ok(());
    };
    let now = now_ms(&c.now);
    let name = args.at(3);
    let mut attempts = count * 10;
    let mut deleted = Vec::new();
    let mut body = Vec::new();
    let mut rows = 0;
    let (mut have_consumer, mut created) = (false, false);
    // The next PEL entry to look at; `None` once past the last possible ID.
    let mut cursor = Some(start);
    let next_from = |g: &Group, cur: Option<StreamId>| {
        cur.and_then(|cur| g.pel.range(cur..).next().map(|(id, _)| *id))
    };
    let next = loop {
        if attempts == 0 || count == 0 {
            break next_from(g, cursor);
        }
        attempts -= 1;
        let Some(id) = next_from(g, cursor) else {
            break None;
        };
        cursor = id.incr();
        let idle = g.pel.get(&id).map_or(0, |n| now - n.delivery_time);
        if !log.contains(id) {
            g.ack(id);
            deleted.push(id);
            count -= 1;
            continue;
        }
        if min_idle != 0 && idle < min_idle {
            continue;
        }
        if !have_consumer {
            created = g.touch_consumer(name, now);
            have_consumer = true;
        }
        g.claim(id, name, now, None, !justid);
        if justid {
            write_id(&mut body, id);
        } else {
            log.with_entry(id, |e| write_entry(&mut body, e));
        }
        rows += 1;
        count -= 1;
    };
    resp::array(c.out, 3);
    write_id(c.out, next.unwrap_or(StreamId::MIN));
    resp::array(c.out, rows);
    c.out.extend_from_slice(&body);
    resp::array(c.out, deleted.len());
    for id in deleted {
        write_id(c.out, id);
    }
    if created {
        c.db.notify(class::STREAM, "xgroup-createconsumer", args.at(1));
    }
    Ok(())
}

/// XAUTOCLAIM key group consumer min-idle-time start \[COUNT count\] \[JUSTID\]
pub fn xautoclaim(c: &mut Call<'_>) {
    if let Err(e) = op_xautoclaim(c) {
        e.write(c.args, c.out);
    }
}

//! XREAD and XREADGROUP (`xreadCommand`), on one shard or several.
//!
//! Redis checks every key (its type, the group, the ID) before it serves
//! any, then serves each stream with data, in key order. On one shard the
//! key handler does exactly that. When the keys live on several shards the
//! plan sends each shard its keys (the command rewritten with just them):
//! XREAD in one round, each part answering per key either nothing, the
//! stream's item or the first error; XREADGROUP, which changes groups, in
//! two: every shard checks its keys first ([`StreamOp::Check`]) and only
//! when all pass do they serve ([`StreamOp::Read`]). The origin puts the
//! items back in key order, or answers the error of the earliest key.
//!
//! With `BLOCK` (outside MULTI) the command goes through the runtime's
//! blocking arbiter (`park.rs`): served at once
//! when a key has something for it, else parked until an XADD (or XGROUP
//! DESTROY) on one of its keys, on any shard, signals it; served once, from
//! the keys of the shard that signalled. `$` is fixed, per client and key,
//! on the key's shard at the first attempt (`Waits`). Without BLOCK (or
//! inside MULTI) a read that finds nothing answers a null array.

use kevy_rt::{Args, Gather, OwnedArgs, Planned, Router};

use super::{int, is, now_ms, strict_id, write_entry, write_id, XErr, XResult};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{self, Op, Part, PartReply, Plan};
use crate::family::Call;
use crate::model::stream::{Stream, StreamId, INVALID_READ};
use crate::model::value::Value;
use crate::store::db::{Clock, Db};
use crate::store::signal::class;

pub use crate::cross::ops::StreamOp;

/// What the origin keeps of a read across shards.
#[derive(Debug)]
pub enum StreamPlan {
    /// Gathering: for each key in request order, its (part, position).
    Read {
        /// Where each key's item is.
        slots: Vec<(u32, u32)>,
        /// XREADGROUP's serving parts, sent once every check passed
        /// (empty when the read round is running or for XREAD).
        serve: Vec<(usize, Part)>,
    },
}

crate::cross::family_plan!(StreamPlan => gather);

/// A part item's tag: the key was not served.
const NONE: u8 = 0;
/// A part item's tag: the key's item follows.
const ITEM: u8 = 1;
/// A part item's tag: the key's error follows.
const ERROR: u8 = 2;

/// XREAD's and XREADGROUP's options.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadArgs {
    /// BLOCK milliseconds (0: forever).
    pub block: Option<i64>,
    /// COUNT (0: no limit).
    pub count: usize,
    /// Positions of the group and consumer names.
    pub group: Option<usize>,
    /// NOACK.
    pub noack: bool,
    /// Position of the first key.
    pub keys: usize,
    /// Number of streams.
    pub n: usize,
}

/// Parses the options of XREAD (`group` false) or XREADGROUP.
pub fn parse(args: Args<'_>, group: bool) -> XResult<ReadArgs> {
    let mut r = ReadArgs::default();
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let o = args.at(i);
        if is(o, "block") && more > 0 {
            i += 1;
            let t = int(
                args.at(i),
                Some("ERR timeout is not an integer or out of range"),
            )?;
            if t < 0 {
                return Err(XErr::Msg("ERR timeout is negative"));
            }
            r.block = Some(t);
        } else if is(o, "count") && more > 0 {
            i += 1;
            r.count = int(args.at(i), None)?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            r.keys = i + 1;
            let rest = args.len() - r.keys;
            if !rest.is_multiple_of(2) {
                return Err(XErr::Msg(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            r.n = rest / 2;
            break;
        } else if is(o, "group") && more >= 2 {
            if !group {
                return Err(XErr::Msg(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some(i + 1);
            i += 2;
        } else if is(o, "noack") {
            if !group {
                return Err(XErr::Msg(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(crate::base::error::Error::Syntax.into());
        }
        i += 1;
    }
    if r.keys == 0 {
        return Err(crate::base::error::Error::Syntax.into());
    }
    if group && r.group.is_none() {
        return Err(XErr::Msg("ERR Missing GROUP option for XREADGROUP"));
    }
    Ok(r)
}

/// Where a key's read starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// No stream: nothing to serve.
    Missing,
    /// Entries after this ID (XREAD), or this consumer's history from it.
    After(StreamId),
    /// XREADGROUP's `>`: entries the group has not delivered.
    New,
}

/// Checks key `k` (an index among the streams) as Redis's parse loop does.
pub(super) fn check(
    db: &mut Db,
    args: Args<'_>,
    r: &ReadArgs,
    k: usize,
    now: &Clock,
) -> XResult<Start> {
    let key = args.at(r.keys + k);
    let arg = args.at(r.keys + r.n + k);
    let st = match db.get(key, now) {
        Some(v) => Some(v.as_stream_mut()?),
        None => None,
    };
    if let Some(g) = r.group {
        let found = st
            .as_ref()
            .is_some_and(|s| s.groups.contains_key(args.at(g)));
        if !found {
            return Err(XErr::text(&[
                b"NOGROUP No such key '",
                key,
                b"' or consumer group '",
                args.at(g),
                b"' in XREADGROUP with GROUP option",
            ]));
        }
    }
    if arg == b"$" {
        if r.group.is_some() {
            return Err(XErr::Msg("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
        }
        return Ok(match st {
            Some(s) => Start::After(s.log.last_id),
            None => Start::Missing,
        });
    }
    if arg == b">" {
        if r.group.is_none() {
            return Err(XErr::Msg("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
        }
        return Ok(Start::New);
    }
    let id = strict_id(arg)?;
    Ok(if st.is_some() {
        Start::After(id)
    } else {
        Start::Missing
    })
}

/// Serves key `k` from `from` into `out` (its item: name and entries, the
/// pair in RESP2); false when the stream has nothing to give.
pub(super) fn serve(
    db: &mut Db,
    args: Args<'_>,
    r: &ReadArgs,
    k: usize,
    from: Start,
    now: &Clock,
    out: &mut Reply<'_>,
) -> bool {
    let key = args.at(r.keys + k);
    let Some(Ok(st)) = db.get(key, now).map(Value::as_stream_mut) else {
        return false;
    };
    let Some(g) = r.group else {
        let Start::After(after) = from else {
            return false;
        };
        let has = st.log.length > 0 && st.log.edge_id(true).is_some_and(|m| m > after);
        if !has {
            return false;
        }
        head(out, key);
        let start = after.incr().unwrap_or(StreamId::MAX);
        super::write_range(out, st, start, StreamId::MAX, r.count, false);
        return true;
    };
    let (group, consumer) = (args.at(g), args.at(g + 1));
    let ms = now_ms(now);
    match from {
        Start::Missing => false,
        Start::After(after) => {
            head(out, key);
            // Like new entries, history starts after the ID given (the
            // maximum wraps around to 0-0, as `streamIncrID` does).
            let start = after.incr().unwrap_or(StreamId::MIN);
            if history(st, group, consumer, start, r.count, ms, out) {
                db.notify(class::STREAM, "xgroup-createconsumer", key);
            }
            true
        }
        Start::New => {
            let last = match st.groups.get(group) {
                Some(gr) => gr.last_id,
                None => return false,
            };
            let has = st.log.length > 0 && st.log.edge_id(true).is_some_and(|m| m > last);
            if !has {
                return false;
            }
            head(out, key);
            if deliver(st, group, consumer, r.count, r.noack, ms, out) {
                db.notify(class::STREAM, "xgroup-createconsumer", key);
            }
            true
        }
    }
}

/// The start of a served stream's item.
fn head(out: &mut Reply<'_>, key: &[u8]) {
    if !out.resp3() {
        resp::array(out, 2);
    }
    resp::bulk(out, key);
}

/// A consumer's own pending entries from `start`
/// (`streamReplyWithRangeFromConsumerPEL`); true when the consumer was
/// created.
fn history(
    st: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
    out: &mut Reply<'_>,
) -> bool {
    let Stream { log, groups } = st;
    let Some(g) = groups.get_mut(group) else {
        resp::array(out, 0);
        return false;
    };
    let created = g.touch_consumer(consumer, now);
    let ids: Vec<StreamId> = match g.consumers.get(consumer) {
        Some(c) => c
            .pel
            .range(start..)
            .take(if count == 0 { usize::MAX } else { count })
            .copied()
            .collect(),
        None => Vec::new(),
    };
    resp::array(out, ids.len());
    for id in ids {
        let found = log.with_entry(id, |e| write_entry(out, e)).is_some();
        if found {
            if let Some(n) = g.pel.get_mut(&id) {
                n.delivery_time = now;
                n.delivery_count += 1;
            }
        } else {
            resp::array(out, 2);
            write_id(out, id);
            resp::null_array(out);
        }
    }
    created
}

/// Delivers the entries after the group's last ID to `consumer`
/// (`streamReplyWithRange` with a group); true when the consumer was
/// created.
fn deliver(
    st: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    count: usize,
    noack: bool,
    now: i64,
    out: &mut Reply<'_>,
) -> bool {
    let Stream { log, groups } = st;
    let Some(g) = groups.get_mut(group) else {
        resp::array(out, 0);
        return false;
    };
    let created = g.touch_consumer(consumer, now);
    let start = g.last_id.incr().unwrap_or(StreamId::MAX);
    let mut body = Vec::new();
    let mut n = 0usize;
    log.walk(start, StreamId::MAX, false, |e| {
        if e.id > g.last_id {
            if g.entries_read != INVALID_READ && !log.has_tombstones(Some(e.id), None) {
                g.entries_read += 1;
            } else if log.entries_added > 0 {
                g.entries_read = log.distance(e.id).unwrap_or(INVALID_READ);
            }
            g.last_id = e.id;
        }
        write_entry(&mut body, e);
        if !noack {
            g.deliver(e.id, consumer, now);
        }
        n += 1;
        count == 0 || n < count
    });
    resp::array(out, n);
    out.extend_from_slice(&body);
    created
}

/// Runs a read over the streams `ks` (indexes among the command's
/// streams): checks them all, then serves them, calling `item` with each
/// key's index and either its item bytes (`Some`, or `None` when not
/// served). The first failing key's index and error otherwise.
#[allow(clippy::too_many_arguments)]
fn run(
    db: &mut Db,
    args: Args<'_>,
    r: &ReadArgs,
    ks: &[usize],
    serve_too: bool,
    resp3: bool,
    now: &Clock,
    mut item: impl FnMut(usize, Option<&[u8]>),
) -> Result<(), (usize, XErr)> {
    let mut froms = Vec::with_capacity(ks.len());
    for &k in ks {
        froms.push(check(db, args, r, k, now).map_err(|e| (k, e))?);
    }
    if !serve_too {
        return Ok(());
    }
    let mut buf = Vec::new();
    for (&k, &from) in ks.iter().zip(&froms) {
        buf.clear();
        let served = serve(db, args, r, k, from, now, &mut Reply::new(&mut buf, resp3));
        item(k, served.then_some(&buf[..]));
    }
    Ok(())
}

/// XREAD / XREADGROUP with every key on this shard.
fn read_here(c: &mut Call<'_>, group: bool) {
    let r = match parse(c.args, group) {
        Ok(r) => r,
        Err(e) => return e.write(c.args, c.out),
    };
    let ks: Vec<usize> = (0..r.n).collect();
    let resp3 = c.out.resp3();
    let mut items = Vec::new();
    let mut served = 0;
    let res = run(c.db, c.args, &r, &ks, true, resp3, &c.now, |_, it| {
        if let Some(b) = it {
            items.extend_from_slice(b);
            served += 1;
        }
    });
    match res {
        Err((_, e)) => e.write(c.args, c.out),
        Ok(()) => write_items(c.out, served, &items),
    }
}

/// The reply of a read: the served streams (a map in RESP3), or a null
/// array when none was.
pub(super) fn write_items(out: &mut Reply<'_>, served: usize, items: &[u8]) {
    if served == 0 {
        resp::null_array(out);
    } else {
        if out.resp3() {
            resp::map(out, served);
        } else {
            resp::array(out, served);
        }
        out.extend_from_slice(items);
    }
}

/// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
pub fn xread(c: &mut Call<'_>) {
    read_here(c, false);
}

/// XREADGROUP GROUP group consumer \[COUNT count\] \[BLOCK milliseconds\] \[NOACK\] STREAMS key \[key ...\] id \[id ...\]
pub fn xreadgroup(c: &mut Call<'_>) {
    read_here(c, true);
}

/// Plans XREAD.
pub fn plan_xread(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan(args, false, router, parts)
}

/// Plans XREADGROUP.
pub fn plan_xreadgroup(
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    plan(args, true, router, parts)
}

/// Whole on the shard owning every key; otherwise one part per shard with
/// the command rewritten for its keys.
fn plan(
    args: Args<'_>,
    group: bool,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Plan> {
    let r = match parse(args, group) {
        Ok(r) => r,
        Err(e) => {
            let mut out = Vec::new();
            e.write(args, &mut out);
            return cross::reply(out);
        }
    };
    let keys = (0..r.n).map(|k| args.at(r.keys + k));
    if let Some(shard) = cross::one_shard(router, keys) {
        return cross::whole(args, shard, parts);
    }
    let mut by_shard: Vec<Vec<usize>> = vec![Vec::new(); router.nshards()];
    for k in 0..r.n {
        by_shard[router.shard_of(args.at(r.keys + k))].push(k);
    }
    let mut slots = vec![(0u32, 0u32); r.n];
    let mut built = Vec::new();
    for (shard, ks) in by_shard.iter().enumerate() {
        if ks.is_empty() {
            continue;
        }
        let mut a: OwnedArgs = args.iter().take(r.keys).collect();
        for &k in ks {
            a.push(args.at(r.keys + k));
        }
        for &k in ks {
            a.push(args.at(r.keys + r.n + k));
        }
        for (pos, &k) in ks.iter().enumerate() {
            slots[k] = (built.len() as u32, pos as u32);
        }
        built.push((shard, a));
    }
    let op = if group {
        StreamOp::Check
    } else {
        StreamOp::Read
    };
    let mut serve = Vec::new();
    for (shard, a) in built {
        if group {
            serve.push((shard, Part::new(Op::Stream(StreamOp::Read), a.clone())));
        }
        parts.push((shard, Part::new(Op::Stream(op), a)));
    }
    Planned {
        plan: Plan::of(StreamPlan::Read { slots, serve }),
        hold: group,
    }
}

/// Runs a read part: one item per key of the part (tag, then bytes).
pub fn execute_part(
    db: &mut Db,
    op: StreamOp,
    args: Args<'_>,
    now: &Clock,
    resp3: bool,
) -> PartReply {
    let group = args.at(0).len() == 10;
    let (mut buf, mut ends) = (Vec::new(), Vec::new());
    let Ok(r) = parse(args, group) else {
        return PartReply::Encoded { buf, ends };
    };
    let ks: Vec<usize> = (0..r.n).collect();
    let res = run(
        db,
        args,
        &r,
        &ks,
        op == StreamOp::Read,
        resp3,
        now,
        |_, item| {
            match item {
                Some(b) => {
                    buf.push(ITEM);
                    buf.extend_from_slice(b);
                }
                None => buf.push(NONE),
            }
            ends.push(buf.len() as u32);
        },
    );
    if let Err((k, e)) = res {
        buf.clear();
        ends.clear();
        for i in 0..r.n {
            if i == k {
                buf.push(ERROR);
                e.clone().write(args, &mut buf);
            } else {
                buf.push(NONE);
            }
            ends.push(buf.len() as u32);
        }
    } else if op == StreamOp::Check {
        for _ in 0..r.n {
            buf.push(NONE);
            ends.push(buf.len() as u32);
        }
    }
    PartReply::Encoded { buf, ends }
}

/// The item a part answered for position `i`.
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

/// Gathers a read across shards.
pub fn gather(
    plan: &mut StreamPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let StreamPlan::Read { slots, serve } = plan;
    let item = |&(p, pos): &(u32, u32)| {
        replies
            .get(p as usize)
            .and_then(|r| item_of(r, pos as usize))
    };
    if let Some(err) = slots
        .iter()
        .filter_map(item)
        .find(|b| b.first() == Some(&ERROR))
    {
        out.extend_from_slice(&err[1..]);
        return Gather::Done;
    }
    if !serve.is_empty() {
        next.append(serve);
        return Gather::Again;
    }
    let mut items = Vec::new();
    let mut served = 0;
    for b in slots.iter().filter_map(item) {
        if b.first() == Some(&ITEM) {
            items.extend_from_slice(&b[1..]);
            served += 1;
        }
    }
    write_items(out, served, &items);
    Gather::Done
}

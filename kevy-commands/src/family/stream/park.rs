//! XREAD BLOCK and XREADGROUP BLOCK on the runtime's blocking arbiter
//! ([`kevy_rt::park`]): which keys a call waits on ([`park`]), whether a
//! stream can serve it ([`ready`]) and the serve ([`serve_parked`]). `$` is
//! fixed, per client and key, on the key's shard at the call's first
//! attempt ([`Waits`]); a group destroyed while a reader waits answers it
//! Redis's NOGROUP text for parked readers, a stream deleted or replaced
//! by another type `-UNBLOCKED`.

use std::time::Duration;

use kevy_rt::{Args, OwnedArgs, Park, Served};

use super::read::{check, parse, serve, write_items, ReadArgs, Start};
use super::{is, XErr};
use crate::base::resp;
use crate::base::resp::Reply;
use crate::model::stream::{StreamId, Waits};
use crate::model::value::{Bytes, Value};
use crate::session::Ctx;
use crate::store::db::{Clock, Db};

/// [`Commands::blocking`](kevy_rt::Commands::blocking) for XREAD and
/// XREADGROUP: with BLOCK, the streams' positions and the timeout (0: none);
/// a command that does not parse runs unparked and answers its error.
pub fn park(args: Args<'_>, group: bool, keys: &mut Vec<u32>) -> Option<Park> {
    let r = parse(args, group).ok()?;
    let ms = r.block?;
    keys.extend((r.keys..r.keys + r.n).map(|i| i as u32));
    Some(Park {
        timeout: (ms > 0).then(|| Duration::from_millis(ms as u64)),
    })
}

/// The key of a parked `$` in [`Waits`].
fn wait_key(ctx: Ctx, key: &[u8]) -> (u64, u32, Bytes) {
    (ctx.client, ctx.db, Bytes::from_slice(key))
}

/// [`Commands::ready`](kevy_rt::Commands::ready) for the stream at argument
/// `at`: at the first attempt an error or data counts (and `$` is fixed
/// here); afterwards new data, or, for a group reader, a stream or group
/// that is gone. A first attempt found ready leaves a mark the serve reads
/// (`first_mark`): the runtime asks every key of the call on a shard
/// with `first` before it serves one there, so the last answer stands.
pub fn ready(
    db: &mut Db,
    waits: &mut Waits,
    ctx: Ctx,
    args: Args<'_>,
    at: usize,
    group: bool,
    first: bool,
) -> bool {
    if first {
        waits.remove(&first_mark(ctx));
    }
    let ready = ready_now(db, waits, ctx, args, at, group, first);
    if first && ready {
        waits.insert(first_mark(ctx), StreamId::MIN);
    }
    ready
}

/// [`ready`] without the first-attempt mark.
fn ready_now(
    db: &mut Db,
    waits: &mut Waits,
    ctx: Ctx,
    args: Args<'_>,
    at: usize,
    group: bool,
    first: bool,
) -> bool {
    let Ok(r) = parse(args, group) else {
        return first;
    };
    let Some(k) = at.checked_sub(r.keys).filter(|&k| k < r.n) else {
        return false;
    };
    let now = Clock::new();
    let start = match check(db, args, &r, k, &now) {
        // A group reader's stream deleted, replaced by another type or
        // without its group answers it (Redis's
        // `unblockDeletedStreamReadgroupClients`); XREAD keeps waiting.
        Err(_) => return first || group,
        Ok(s) => s,
    };
    let key = args.at(r.keys + k);
    let dollar = args.at(r.keys + r.n + k) == b"$";
    let last = match db.get(key, &now).map(Value::as_stream_mut) {
        Some(Ok(st)) => Some((st.log.last_id, st.log.edge_id(true))),
        _ => None,
    };
    if dollar {
        let seen = last.map_or(StreamId::MIN, |(l, _)| l);
        if first {
            waits.insert(wait_key(ctx, key), seen);
            return false;
        }
        let gt = *waits.entry(wait_key(ctx, key)).or_insert(seen);
        return last.is_some_and(|(l, _)| l > gt);
    }
    let gt = match start {
        Start::Missing => return false,
        Start::After(_) if group => return first,
        Start::After(id) => id,
        Start::New => match db.get(key, &now).map(Value::as_stream_mut) {
            Some(Ok(st)) => match st.groups.get(args.at(r.group.unwrap_or(0))) {
                Some(g) => g.last_id,
                None => return true,
            },
            _ => return false,
        },
    };
    match last {
        Some((_, valid)) if first => valid.is_some_and(|v| v > gt),
        Some((l, _)) => l > gt,
        None => false,
    }
}

/// The [`Waits`] entry marking a call found ready at its first attempt.
fn first_mark(ctx: Ctx) -> (u64, u32, Bytes) {
    (ctx.client, u32::MAX, Bytes::from_slice(b""))
}

/// The command without its `BLOCK ms`: the non-blocking read.
fn unblocked(args: Args<'_>, r: &ReadArgs) -> OwnedArgs {
    let mut out = OwnedArgs::new();
    let mut i = 0;
    while i < args.len() {
        if i > 0 && i < r.keys && is(args.at(i), "block") {
            i += 2;
            continue;
        }
        out.push(args.at(i));
        i += 1;
    }
    out
}

/// Redis's `XREAD_BLOCKED_DEFAULT_COUNT`: the most entries per stream a
/// parked read without COUNT is served (its first attempt has no limit).
const BLOCKED_COUNT: usize = 1000;

/// [`Commands::serve`](kevy_rt::Commands::serve): a parked (or first)
/// XREAD / XREADGROUP served from its streams on this shard (`here`). A
/// call served at its first attempt whose streams span shards runs as the
/// non-blocking read instead, which answers from every stream with data
/// on any shard, as Redis answers a read that need not block (it runs as
/// the connection's next command: a read racing another consumer of the
/// same group for the same entries may then find nothing and answer a
/// null array, as at a timeout). A parked call is served from the
/// signalling shard's streams, COUNT 1000 when it gave none; a parked
/// XREADGROUP whose stream went (deleted, or replaced by another type)
/// answers `-UNBLOCKED`, one whose group went `-NOGROUP`, as Redis's.
pub fn serve_parked(
    db: &mut Db,
    waits: &mut Waits,
    ctx: Ctx,
    args: Args<'_>,
    group: bool,
    here: &dyn Fn(&[u8]) -> bool,
    out: &mut Reply<'_>,
) -> Served {
    let mut r = match parse(args, group) {
        Ok(r) => r,
        Err(e) => {
            e.write(args, out);
            return Served::Done;
        }
    };
    let now = Clock::new();
    let ks: Vec<usize> = (0..r.n).filter(|&k| here(args.at(r.keys + k))).collect();
    let first = waits.remove(&first_mark(ctx)).is_some();
    if first && ks.len() < r.n {
        return Served::Then(unblocked(args, &r));
    }
    if !first && r.count == 0 {
        r.count = BLOCKED_COUNT;
    }
    let parked = group && !first;
    let mut starts = Vec::with_capacity(ks.len());
    for &k in &ks {
        if parked && !is_stream(db, args.at(r.keys + k), &now) {
            resp::error(out, b"UNBLOCKED the stream key no longer exists");
            return Served::Done;
        }
        match check(db, args, &r, k, &now) {
            Ok(s) => starts.push(s),
            Err(XErr::Text(t)) if parked && t.starts_with(b"NOGROUP") => {
                resp::error(
                    out,
                    b"NOGROUP the consumer group this client was blocked on no longer exists",
                );
                return Served::Done;
            }
            Err(e) => {
                e.write(args, out);
                return Served::Done;
            }
        }
    }
    for (&k, start) in ks.iter().zip(starts.iter_mut()) {
        let key = args.at(r.keys + k);
        if args.at(r.keys + r.n + k) == b"$" {
            if let Some(gt) = waits.remove(&wait_key(ctx, key)) {
                *start = Start::After(gt);
            }
        }
    }
    let resp3 = out.resp3();
    let mut items = Vec::new();
    let mut served = 0;
    for (&k, &start) in ks.iter().zip(&starts) {
        let mut item = Reply::new(&mut items, resp3);
        served += serve(db, args, &r, k, start, &now, &mut item) as usize;
    }
    write_items(out, served, &items);
    Served::Done
}

/// True when `key` holds a stream.
fn is_stream(db: &mut Db, key: &[u8], now: &Clock) -> bool {
    matches!(db.get(key, now), Some(Value::Stream(_)))
}

//! What a write command changed, seen from above the families: after a
//! command runs on a shard, [`after`] signals the keys it changed in place
//! (breaking watches, logging them for tracking: the store itself sees
//! stores, removals, deadlines and expiry) and names its keyspace events as
//! Redis's `notifyKeyspaceEvent` calls do, in Redis's order ("new" from the
//! store's insertion first, then the command's events, then "del" for a
//! collection it emptied).
//!
//! One table ([`events`]) for every family: the event of each write
//! command, read from its arguments, its reply and which keys were live
//! before and after. A command pays for it only while someone listens
//! (a watched key on the shard, notifications or tracking on).

use kevy_rt::Args;
use smallvec::SmallVec;

use crate::family::spec::{key_flags, Spec};
use crate::shard::ShardState;
use crate::store::db::{Clock, Db};
use crate::store::signal::{class, Item};
use crate::table::{self, flags};

/// The keys of a write command and whether each was live before it ran.
pub struct Before {
    mark: usize,
    keys: SmallVec<[(usize, u32, bool); 4]>,
    ttl: bool,
}

/// Snapshots a write command's keys before it runs in database `db`;
/// `None` when nobody listens or it is not a write.
#[inline]
pub fn before(shard: &ShardState, db: usize, cmd: &'static Spec, args: Args<'_>) -> Option<Before> {
    if cmd.flags & flags::WRITE == 0 || !shard.db_ref(db).listening() {
        return None;
    }
    before_slow(shard.db_ref(db), args)
}

#[cold]
fn before_slow(db: &Db, args: Args<'_>) -> Option<Before> {
    let now = Clock::new();
    let found = crate::family::command::op_getkeys(args).ok()?;
    let keys = found
        .into_iter()
        .filter(|&(at, f)| at < args.len() && f & key_flags::RO == 0)
        .map(|(at, f)| (at, f, db.get_ref(args.at(at), &now).is_some()))
        .collect();
    let ttl = args.len() > 1 && db.ttl_ref(args.at(1), &now).is_some_and(|t| t.is_some());
    Some(Before {
        mark: db.signals().mark(),
        keys,
        ttl,
    })
}

/// Commands whose change the change counter may not show (a score or
/// value updated without a count in the reply).
fn silent(name: &str) -> bool {
    matches!(
        name,
        "zadd" | "geoadd" | "hset" | "hmset" | "setrange" | "bitfield" | "sort"
    )
}

/// Signals and names what `cmd` (run in database `db` with `args`,
/// answering `reply`) changed.
pub fn after(
    shard: &mut ShardState,
    db: usize,
    cmd: &'static Spec,
    args: Args<'_>,
    reply: &[u8],
    b: Before,
) {
    if shard.db(db).limits().switches.notify() & class::KEY_MISS != 0 {
        // A write command's lookups are write lookups: no "keymiss".
        let sig = shard.db(db).signals().clone();
        sig.reorder(b.mark, |_, tail| {
            tail.into_iter()
                .filter(|i| i.class != class::KEY_MISS)
                .collect()
        });
    }
    if reply.first().is_none_or(|&c| c == b'-' || c == b'!') {
        return;
    }
    let changed = table::ids::id_of(cmd)
        .is_some_and(|id| table::dirty::dirty(id, args, args.len(), reply) > 0)
        || silent(cmd.name);
    let d = shard.db(db);
    if changed {
        for &(at, f, _) in &b.keys {
            if f & (key_flags::RW | key_flags::INSERT | key_flags::DELETE) != 0 {
                d.modified(args.at(at));
            }
        }
    }
    let notify = d.limits().switches.notify();
    if notify == 0 {
        return;
    }
    let live: SmallVec<[(usize, bool, bool); 4]> = b
        .keys
        .iter()
        .map(|&(at, _, was)| (at, was, d.in_table(args.at(at))))
        .collect();
    let list = events(cmd.name, args, reply, &live, b.ttl, changed);
    if cmd.name == "move" && !list.is_empty() {
        let to = crate::base::num::parse_i64(args.at(2)).unwrap_or(0) as usize;
        let key = args.at(1);
        d.notify(class::GENERIC, "move_from", key);
        if to < shard.dbs.len() {
            shard.db(to).notify(class::GENERIC, "move_to", key);
        }
        return;
    }
    let d = shard.db(db);
    let index = d.index();
    let sig = d.signals().clone();
    let news_first = matches!(cmd.name, "rename" | "renamenx");
    sig.reorder(b.mark, |log, tail| {
        let (news, mut out): (Vec<Item>, Vec<Item>) =
            tail.into_iter().partition(|i| i.class == class::NEW);
        // XADD's "xtrim" (signalled as it trims) follows its "xadd".
        let mut late = Vec::new();
        if cmd.name == "xadd" {
            (late, out) = out.into_iter().partition(|i| i.event == "xtrim");
        }
        let mut news: Vec<Option<Item>> = news.into_iter().map(Some).collect();
        if news_first {
            out.extend(news.iter_mut().filter_map(Option::take));
        }
        for (at, cl, ev) in list {
            let key = args.at(at);
            if let Some(n) = news.iter_mut().find(|n| {
                n.as_ref()
                    .is_some_and(|n| n.db == index && log.key(n) == key)
            }) {
                out.extend(n.take());
            }
            out.push(log.item(index, key, cl, ev));
        }
        out.extend(late);
        out.extend(news.into_iter().flatten());
        out
    });
}

/// The event of a store command whose parts do not name it (class, event).
pub fn store_event(cmd: &Spec) -> Option<(u32, &'static str)> {
    use class::*;
    Some(match cmd.name {
        "zunionstore" => (ZSET, "zunionstore"),
        "zinterstore" => (ZSET, "zinterstore"),
        "zdiffstore" => (ZSET, "zdiffstore"),
        "zrangestore" => (ZSET, "zrangestore"),
        "geosearchstore" => (ZSET, "geosearchstore"),
        "sinterstore" => (SET, "sinterstore"),
        "sunionstore" => (SET, "sunionstore"),
        "sdiffstore" => (SET, "sdiffstore"),
        "bitop" => (STRING, "set"),
        "pfmerge" => (STRING, "pfadd"),
        _ => return None,
    })
}

/// A multi-shard store command (`spec`, destination `dst`, database `db`)
/// finished with `reply`: names its event on the destination's shard (a
/// notice; the store itself already signalled the change there). An empty
/// result names nothing (Redis: "del" when the key existed).
pub fn stored(
    shard: &mut ShardState,
    router: &kevy_rt::Router,
    db: u32,
    spec: &Spec,
    dst: &[u8],
    reply: &[u8],
) {
    let Some((class, event)) = store_event(spec) else {
        return;
    };
    let d = shard.db_ref(db as usize);
    if d.limits().switches.notify() & class == 0 || reply.first() == Some(&b'-') {
        return;
    }
    if int(reply) == Some(0) {
        return;
    }
    let n = crate::shard::notify::Notice::Event {
        db,
        class,
        event: event.as_bytes(),
        key: dst,
    };
    shard.send_notice(router.shard_of(dst), &n);
}

/// True when `reply` is a null or an empty array.
fn none(reply: &[u8]) -> bool {
    reply.starts_with(b"$-1")
        || reply.starts_with(b"*-1")
        || reply.starts_with(b"*0\r")
        || reply.first() == Some(&b'_')
}

/// The integer reply, if it is one.
fn int(reply: &[u8]) -> Option<i64> {
    let end = reply.iter().position(|&c| c == b'\r')?;
    (reply.first() == Some(&b':'))
        .then(|| crate::base::num::parse_i64(&reply[1..end]))
        .flatten()
}

/// True when argument `word` (any case) is among `args[from..]`.
fn has(args: Args<'_>, from: usize, word: &[u8]) -> bool {
    args.iter().skip(from).any(|a| a.eq_ignore_ascii_case(word))
}

/// The key a `*MPOP` reply names (`*2 $n key …`).
fn mpop_key(reply: &[u8]) -> Option<&[u8]> {
    keyed_reply(reply.strip_prefix(b"*2\r\n")?)
}

/// The key a blocking pop's reply names first (`[key, …]` after its
/// array header).
fn keyed_reply(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest.strip_prefix(b"$")?;
    let nl = rest.iter().position(|&c| c == b'\n')?;
    let n = crate::base::num::parse_i64(rest.get(..nl.checked_sub(1)?)?)? as usize;
    rest.get(nl + 1..nl + 1 + n)
}

/// Event list: `(argument index of the key, class, event)`.
type Events = Vec<(usize, u32, &'static str)>;

/// The events of command `name` (Redis 7.0's `notifyKeyspaceEvent` calls),
/// given its write keys `(index, live before, in the table after)`.
fn events(
    name: &str,
    args: Args<'_>,
    reply: &[u8],
    keys: &[(usize, bool, bool)],
    had_ttl: bool,
    changed: bool,
) -> Events {
    use class::*;
    let mut ev: Events = Vec::new();
    let first = keys.first().copied().unwrap_or((1, false, false));
    let k = first.0;
    let emptied = |ev: &mut Events, (at, was, now): (usize, bool, bool)| {
        if was && !now {
            ev.push((at, GENERIC, "del"));
        }
    };
    let n = int(reply).unwrap_or(0);
    let not_none = !none(reply);
    match name {
        "del" | "unlink" | "getdel" => {
            for &key in keys {
                emptied(&mut ev, key);
            }
        }
        "set" => {
            let upper: Vec<Vec<u8>> = args
                .iter()
                .skip(3)
                .map(|a| a.to_ascii_uppercase())
                .collect();
            let opt = |w: &[u8]| upper.iter().any(|a| a == w);
            let nx = opt(b"NX");
            let xx = opt(b"XX");
            let done = if first.1 { !nx } else { !xx };
            if done {
                ev.push((k, STRING, "set"));
                if opt(b"EX") || opt(b"PX") || opt(b"EXAT") || opt(b"PXAT") {
                    ev.push((k, GENERIC, "expire"));
                }
            }
        }
        "setnx" | "msetnx" if n != 1 => {}
        "getset" | "setnx" => ev.push((k, STRING, "set")),
        "mset" | "msetnx" => keys
            .iter()
            .for_each(|&(at, ..)| ev.push((at, STRING, "set"))),
        "setex" | "psetex" => {
            ev.push((k, STRING, "set"));
            ev.push((k, GENERIC, "expire"));
        }
        "append" => ev.push((k, STRING, "append")),
        "setrange" if args.len() > 3 && !args.at(3).is_empty() => ev.push((k, STRING, "setrange")),
        "incr" | "decr" | "incrby" | "decrby" => ev.push((k, STRING, "incrby")),
        "incrbyfloat" => ev.push((k, STRING, "incrbyfloat")),
        "setbit" => ev.push((k, STRING, "setbit")),
        "bitfield" if has(args, 2, b"set") || has(args, 2, b"incrby") => {
            ev.push((k, STRING, "setbit"))
        }
        "bitop" => match first.2 {
            true => ev.push((k, STRING, "set")),
            false => emptied(&mut ev, first),
        },
        "getex" => {
            if first.1 && !first.2 {
                ev.push((k, GENERIC, "del"));
            } else if has(args, 2, b"persist") {
                if had_ttl {
                    ev.push((k, GENERIC, "persist"));
                }
            } else if args.len() > 2 && first.2 {
                ev.push((k, GENERIC, "expire"));
            }
        }
        "expire" | "pexpire" | "expireat" | "pexpireat" if n == 1 => match first.2 {
            true => ev.push((k, GENERIC, "expire")),
            false => ev.push((k, GENERIC, "del")),
        },
        "persist" if n == 1 => ev.push((k, GENERIC, "persist")),
        "rename" | "renamenx" if changed && keys.len() == 2 => {
            ev.push((keys[0].0, GENERIC, "rename_from"));
            ev.push((keys[1].0, GENERIC, "rename_to"));
        }
        "copy" if n == 1 => {
            if let Some(&(at, ..)) = keys.get(1) {
                ev.push((at, GENERIC, "copy_to"));
            }
        }
        "move" if n == 1 => ev.push((k, GENERIC, "move_from")),
        "restore" | "restore-asking" => ev.push((k, GENERIC, "restore")),
        "lpush" | "lpushx" if n > 0 => ev.push((k, LIST, "lpush")),
        "rpush" | "rpushx" if n > 0 => ev.push((k, LIST, "rpush")),
        "linsert" if n > 0 => ev.push((k, LIST, "linsert")),
        "lset" => ev.push((k, LIST, "lset")),
        "ltrim" => {
            ev.push((k, LIST, "ltrim"));
            emptied(&mut ev, first);
        }
        "lrem" if n > 0 => {
            ev.push((k, LIST, "lrem"));
            emptied(&mut ev, first);
        }
        "lpop" | "rpop" if not_none => {
            ev.push((k, LIST, if name == "lpop" { "lpop" } else { "rpop" }));
            emptied(&mut ev, first);
        }
        "rpoplpush" | "lmove" if not_none && keys.len() == 2 => {
            let (from, to) = match name {
                "lmove" => (
                    args.at(3).eq_ignore_ascii_case(b"left"),
                    args.at(4).eq_ignore_ascii_case(b"left"),
                ),
                _ => (false, true),
            };
            ev.push((keys[1].0, LIST, if to { "lpush" } else { "rpush" }));
            ev.push((keys[0].0, LIST, if from { "lpop" } else { "rpop" }));
            emptied(&mut ev, keys[0]);
        }
        "lmpop" | "zmpop" if not_none => {
            if let Some(key) = mpop_key(reply) {
                if let Some(&kk) = keys.iter().find(|&&(at, ..)| args.at(at) == key) {
                    let left = has(args, 2, b"left");
                    let min = has(args, 2, b"min");
                    let e = match name {
                        "lmpop" if left => (LIST, "lpop"),
                        "lmpop" => (LIST, "rpop"),
                        _ if min => (ZSET, "zpopmin"),
                        _ => (ZSET, "zpopmax"),
                    };
                    ev.push((kk.0, e.0, e.1));
                    emptied(&mut ev, kk);
                }
            }
        }
        "sadd" if n > 0 => ev.push((k, SET, "sadd")),
        "srem" if n > 0 => {
            ev.push((k, SET, "srem"));
            emptied(&mut ev, first);
        }
        "smove" if n == 1 && keys.len() == 2 => {
            ev.push((keys[0].0, SET, "srem"));
            emptied(&mut ev, keys[0]);
            ev.push((keys[1].0, SET, "sadd"));
        }
        "spop" if not_none => {
            ev.push((k, SET, "spop"));
            emptied(&mut ev, first);
        }
        "sinterstore" | "sunionstore" | "sdiffstore" | "zunionstore" | "zinterstore"
        | "zdiffstore" | "zrangestore" | "geosearchstore" | "georadius" | "georadiusbymember"
        | "sort" => {
            let e = match name {
                "sinterstore" => (SET, "sinterstore"),
                "sunionstore" => (SET, "sunionstore"),
                "sdiffstore" => (SET, "sdiffstore"),
                "zunionstore" => (ZSET, "zunionstore"),
                "zinterstore" => (ZSET, "zinterstore"),
                "zdiffstore" => (ZSET, "zdiffstore"),
                "zrangestore" => (ZSET, "zrangestore"),
                "geosearchstore" => (ZSET, "geosearchstore"),
                "sort" => (LIST, "sortstore"),
                _ => (ZSET, "georadiusstore"),
            };
            // The stored key: the written one (SORT and GEORADIUS name it
            // after a keyword).
            if let Some(&dst) = keys.last() {
                match dst.2 {
                    true => ev.push((dst.0, e.0, e.1)),
                    false => emptied(&mut ev, dst),
                }
            }
        }
        "hset" | "hmset" => ev.push((k, HASH, "hset")),
        "hsetnx" if n == 1 => ev.push((k, HASH, "hset")),
        "hdel" if n > 0 => {
            ev.push((k, HASH, "hdel"));
            emptied(&mut ev, first);
        }
        "hincrby" => ev.push((k, HASH, "hincrby")),
        "hincrbyfloat" => ev.push((k, HASH, "hincrbyfloat")),
        "zadd" | "geoadd" if changed => {
            let incr = name == "zadd" && has(args, 2, b"incr");
            if !incr || not_none {
                ev.push((k, ZSET, if incr { "zincr" } else { "zadd" }));
            }
        }
        "zincrby" => ev.push((k, ZSET, "zincr")),
        "zrem" | "zremrangebyscore" | "zremrangebyrank" | "zremrangebylex" if n > 0 => {
            let e = match name {
                "zrem" => "zrem",
                "zremrangebyscore" => "zremrangebyscore",
                "zremrangebyrank" => "zremrangebyrank",
                _ => "zremrangebylex",
            };
            ev.push((k, ZSET, e));
            emptied(&mut ev, first);
        }
        // The blocking pops' non-blocking form (inside MULTI): the key the
        // reply names.
        "blpop" | "brpop" | "bzpopmin" | "bzpopmax" if not_none => {
            let at = reply.iter().position(|&c| c == b'\n').map_or(0, |p| p + 1);
            let popped = keyed_reply(&reply[at..]);
            if let Some(&kk) = keys.iter().find(|&&(i, ..)| Some(args.at(i)) == popped) {
                let e = match name {
                    "blpop" => (LIST, "lpop"),
                    "brpop" => (LIST, "rpop"),
                    "bzpopmin" => (ZSET, "zpopmin"),
                    _ => (ZSET, "zpopmax"),
                };
                ev.push((kk.0, e.0, e.1));
                emptied(&mut ev, kk);
            }
        }
        "brpoplpush" | "blmove" if not_none && keys.len() == 2 => {
            let (from, to) = match name {
                "blmove" => (
                    args.at(3).eq_ignore_ascii_case(b"left"),
                    args.at(4).eq_ignore_ascii_case(b"left"),
                ),
                _ => (false, true),
            };
            ev.push((keys[1].0, LIST, if to { "lpush" } else { "rpush" }));
            ev.push((keys[0].0, LIST, if from { "lpop" } else { "rpop" }));
            emptied(&mut ev, keys[0]);
        }
        "zpopmin" | "zpopmax" if not_none => {
            ev.push((
                k,
                ZSET,
                if name == "zpopmin" {
                    "zpopmin"
                } else {
                    "zpopmax"
                },
            ));
            emptied(&mut ev, first);
        }
        "pfadd" if n == 1 => ev.push((k, STRING, "pfadd")),
        "pfmerge" => ev.push((k, STRING, "pfadd")),
        // Streams stay when emptied (no "del"). XADD's "xtrim" and the
        // "xgroup-createconsumer" of a consumer XREADGROUP, XCLAIM or
        // XAUTOCLAIM creates are signalled by the stream family itself.
        "xadd" if not_none => ev.push((k, STREAM, "xadd")),
        "xdel" if n > 0 => ev.push((k, STREAM, "xdel")),
        "xtrim" if n > 0 => ev.push((k, STREAM, "xtrim")),
        "xsetid" => ev.push((k, STREAM, "xsetid")),
        "xgroup|create" => ev.push((k, STREAM, "xgroup-create")),
        "xgroup|setid" => ev.push((k, STREAM, "xgroup-setid")),
        "xgroup|destroy" if n == 1 => ev.push((k, STREAM, "xgroup-destroy")),
        "xgroup|createconsumer" if n == 1 => ev.push((k, STREAM, "xgroup-createconsumer")),
        "xgroup|delconsumer" => ev.push((k, STREAM, "xgroup-delconsumer")),
        _ => {}
    }
    ev
}

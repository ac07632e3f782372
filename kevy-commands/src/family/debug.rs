//! DEBUG (HELP, SLEEP, SHARD-SLEEP, SEGFAULT, SET-ACTIVE-EXPIRE, PAUSE-CRON, REPLYBUFFER, OBJECT, HTSTATS, HTSTATS-KEY, POPULATE, RELOAD, LOADAOF, CONFIG-REWRITE-FORCE-ALL) and MEMORY (USAGE, STATS,
//! DOCTOR, PURGE, MALLOC-STATS, HELP). DEBUG answers only when
//! `enable-debug-command` allows it, as in Redis 7.0.

mod help;
mod memory;
mod protocol;

use std::sync::atomic::Ordering;
use std::time::Duration;

use kevy_rt::{Args, Planned};

pub use memory::{
    gather_memory_doctor, gather_memory_stats, malloc_stats, memory_help, memory_usage,
    plan_memory_doctor, plan_memory_stats, purge,
};

use super::opts::keyword;
use super::opts::subcommand_syntax;
use super::ServerCx;
use crate::base::error::cstr;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::{Part, Plan};
use crate::model::digest::{self, Digest};
use crate::model::types::list::List;
use crate::model::value::Value;
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::store::db::Clock;
use help::HELP;

const NOT_ALLOWED: &[u8] = b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

/// True when `enable-debug-command` lets this client run DEBUG.
fn allowed(cx: &ServerCx<'_, '_>) -> bool {
    let shared = &cx.shard.server.shared;
    if shared.upstream.is_link(cx.ctx.client) {
        // The replica link loads the primary's snapshot (DEBUG RELOAD).
        return true;
    }
    let setting = shared.config.get("enable-debug-command");
    crate::config::protected_enabled(setting.as_deref(), {
        cx.ctx.unix
            || shared
                .peer_of(cx.ctx.client)
                .is_some_and(|p| p.ip().is_loopback())
    })
}

/// `DEBUG SLEEP`'s part (arguments: the seconds, the origin shard): this
/// shard sleeps that long. Every shard's part runs as it arrives, so the
/// shards sleep together, except the origin's own, which runs before its
/// parts for the others are sent: the origin sleeps once its iteration's
/// messages left (`Commands::after_messages`). The command's reply waits
/// for the other shards' sleeps, so its duration (slow log, latency
/// monitor) is the sleep, as in Redis.
pub fn sleep_part(shard: &mut ShardState, args: Args<'_>) -> ServerReply {
    let secs = atof(args.at(0));
    if secs.is_finite() && secs > 0.0 {
        let d = Duration::from_secs_f64(secs.min(1e9));
        let origin = crate::base::num::parse_i64(args.at(1));
        if origin == Some(shard.id as i64) && shard.nshards > 1 {
            shard.server.sleep = Some(shard.server.sleep.map_or(d, |s| s.max(d)));
        } else {
            std::thread::sleep(d);
        }
    }
    ServerReply::Count(0)
}

/// C's `atof`: the longest numeric prefix, 0 when there is none.
fn atof(s: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(cstr(s));
    let s = s.trim_start();
    let mut end = 0;
    for i in (1..=s.len()).rev() {
        if s.is_char_boundary(i) && s[..i].parse::<f64>().is_ok() {
            end = i;
            break;
        }
    }
    s[..end].parse().unwrap_or(0.0)
}

/// DEBUG subcommand [argument …]
pub fn plan_debug(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    if !allowed(cx) {
        return srv::error(NOT_ALLOWED);
    }
    let args = cx.args;
    let sub = args.at(1);
    let mut out = Vec::new();
    match args.len() {
        2 if keyword(sub, "help") => super::opts::write_help(&mut out, HELP),
        _ if keyword(sub, "reload") => return super::persist::plan_reload(cx),
        2 if keyword(sub, "loadaof") => return super::loadaof::plan(cx),
        2 if keyword(sub, "config-rewrite-force-all") => {
            match cx.shard.server.shared.config.rewrite(true) {
                Ok(()) => resp::ok(&mut out),
                Err(msg) => crate::base::error::write_sanitized(&mut out, msg.as_bytes()),
            }
        }
        3 if keyword(sub, "sleep") => {
            let secs = atof(args.at(2));
            if !(secs.is_finite() && secs > 0.0) {
                resp::ok(&mut out);
            } else {
                let origin = cx.shard.id.to_string();
                return srv::broadcast(
                    ServerOp::Sleep,
                    &[args.at(2), origin.as_bytes()],
                    cx.router.nshards(),
                    cx.parts,
                    ServerPlan::Ok,
                );
            }
        }
        // kevy's own: only the shard serving the connection sleeps, the
        // others go on (tests stall one shard with it).
        3 if keyword(sub, "shard-sleep") => {
            let secs = atof(args.at(2));
            if secs.is_finite() && secs > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(secs.min(1e9)));
            }
            resp::ok(&mut out);
        }
        3 if keyword(sub, "error") => {
            // The string as an error reply, its line breaks turned to
            // spaces (Redis writes it raw, without counting an error).
            out.push(b'-');
            out.extend(args.at(2).iter().map(|&b| match b {
                b'\r' | b'\n' => b' ',
                b => b,
            }));
            out.extend_from_slice(b"\r\n");
        }
        2 if keyword(sub, "segfault") => {
            // Redis writes through an invalid pointer; the signal itself is
            // what a crash report is made of (kevy-server's handler writes
            // it, then the process dies of the signal).
            // SAFETY: raise only delivers SIGSEGV to this thread.
            unsafe { libc::raise(libc::SIGSEGV) };
            resp::ok(&mut out);
        }
        3 if keyword(sub, "log") => {
            let msg = format!("DEBUG LOG: {}", String::from_utf8_lossy(args.at(2)));
            cx.shard
                .server
                .shared
                .log
                .log(crate::base::log::Level::Warning, &msg);
            resp::ok(&mut out);
        }
        3 if keyword(sub, "set-skip-checksum-validation") => {
            // C's `atoi`: any non-zero integer part skips.
            let skip = atof(args.at(2)).trunc() != 0.0;
            crate::persist::rdb::dump::SKIP_CHECKSUM.store(skip, Ordering::Relaxed);
            resp::ok(&mut out);
        }
        3 if keyword(sub, "aof-flush-sleep") => {
            // C's `atoi`: the integer part, negative as none.
            let us = atof(args.at(2)).trunc().max(0.0) as u64;
            crate::aof::files::FLUSH_SLEEP_US.store(us, Ordering::Relaxed);
            resp::ok(&mut out);
        }
        3 if keyword(sub, "set-active-expire") => {
            let on =
                crate::base::num::parse_i64(args.at(2)).map_or(atof(args.at(2)) != 0.0, |n| n != 0);
            cx.shard
                .server
                .shared
                .active_expire
                .store(on, Ordering::Relaxed);
            resp::ok(&mut out);
        }
        3 if keyword(sub, "pause-cron") => {
            // C's `atoi`: the integer part.
            let on = atof(args.at(2)).trunc() != 0.0;
            cx.shard
                .server
                .shared
                .cron_paused
                .store(on, Ordering::Relaxed);
            resp::ok(&mut out);
        }
        4 if keyword(sub, "replybuffer") => reply_buffer(cx, args, &mut out),
        3 if keyword(sub, "set-disable-deny-scripts") => {
            // C's `atoi`: the integer part.
            let on = atof(args.at(2)).trunc() != 0.0;
            cx.shard
                .server
                .shared
                .script_deny_off
                .store(on, Ordering::Relaxed);
            resp::ok(&mut out);
        }
        2 if keyword(sub, "change-repl-id") => {
            cx.shard.server.shared.change_repl_id();
            resp::ok(&mut out);
        }
        2 if keyword(sub, "stringmatch-test") => {
            stringmatch_fuzz();
            resp::simple(&mut out, b"Apparently Redis did not crash: test passed");
        }
        3 if keyword(sub, "protocol") => {
            protocol::protocol(&mut resp::Reply::new(&mut out, cx.ctx.resp3), args.at(2));
        }
        2 if keyword(sub, "digest") => {
            return srv::broadcast(
                ServerOp::Digest,
                &[],
                cx.router.nshards(),
                cx.parts,
                ServerPlan::Digest,
            );
        }
        _ if keyword(sub, "digest-value") => {
            if args.len() == 2 {
                resp::array(&mut out, 0);
                return srv::reply(out);
            }
            for key in (2..args.len()).map(|i| args.at(i)) {
                cx.parts.push((
                    cx.router.shard_of(key),
                    Part {
                        db: None,
                        resp3: None,
                        op: crate::cross::Op::Server(ServerOp::DigestValue),
                        args: [key].iter().collect(),
                        value: None,
                    },
                ));
            }
            return crate::cross::planned(Plan::Server(ServerPlan::DigestValue));
        }
        3 if keyword(sub, "quicklist-packed-threshold") => {
            let n = std::str::from_utf8(args.at(2))
                .ok()
                .and_then(crate::config::memory);
            let limits = cx.shard.db(0).limits();
            match n {
                Some(n) if limits.encodings.set_list_packed(n) => resp::ok(&mut out),
                _ => resp::error(
                    &mut out,
                    b"ERR argument must be a memory value bigger than 1 and smaller than 4gb",
                ),
            }
        }
        3 | 4 if keyword(sub, "quicklist") || (args.len() == 3 && keyword(sub, "listpack")) => {
            let op = if keyword(sub, "listpack") {
                ServerOp::DebugListpack
            } else {
                ServerOp::DebugQuicklist
            };
            return on_key_shard(cx, op);
        }
        3..=5 if keyword(sub, "populate") => {
            let positive = |a: &[u8]| crate::base::num::parse_i64(a).filter(|n| *n >= 0);
            let Some(_) = positive(args.at(2)) else {
                resp::error(&mut out, b"ERR value is out of range, must be positive");
                return srv::reply(out);
            };
            if args.len() == 5 && positive(args.at(4)).is_none() {
                resp::error(&mut out, b"ERR value is out of range, must be positive");
                return srv::reply(out);
            }
            let rest: Vec<&[u8]> = args.iter().skip(2).collect();
            return srv::broadcast(
                ServerOp::Populate,
                &rest,
                cx.router.nshards(),
                cx.parts,
                ServerPlan::Ok,
            );
        }
        3 if keyword(sub, "htstats") => {
            let Some(db) = crate::base::num::parse_i64(args.at(2)) else {
                resp::error(&mut out, b"ERR value is not an integer or out of range");
                return srv::reply(out);
            };
            if db < 0 || db as usize >= cx.shard.dbs.len() {
                resp::error(&mut out, b"ERR Out of range database");
                return srv::reply(out);
            }
            return srv::broadcast(
                ServerOp::Report,
                &[b"0"],
                cx.router.nshards(),
                cx.parts,
                ServerPlan::HtStats(db as usize),
            );
        }
        3 if keyword(sub, "htstats-key") => return on_key_shard(cx, ServerOp::HtStatsKey),
        3 if keyword(sub, "object") => return on_key_shard(cx, ServerOp::DebugObject),
        _ => subcommand_syntax(args, &mut out),
    }
    srv::reply(out)
}

/// DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms> |
/// DEBUG REPLYBUFFER RESIZING <0|1>: the reply-buffer sizing of every
/// connection (kevy-rt's `Settings`).
fn reply_buffer(cx: &mut ServerCx<'_, '_>, args: Args<'_>, out: &mut Vec<u8>) {
    let Some(info) = &cx.shard.server.info else {
        return resp::ok(out);
    };
    let (what, value) = (args.at(2), args.at(3));
    if keyword(what, "peak-reset-time") {
        let ms = if keyword(value, "never") {
            -1
        } else if keyword(value, "reset") {
            kevy_rt::settings::REPLY_PEAK_RESET_MS
        } else {
            match crate::base::num::int_arg(value) {
                Ok(ms) => ms,
                Err(e) => return e.write(args, out),
            }
        };
        info.settings.set_reply_peak_reset_ms(ms);
    } else if keyword(what, "resizing") {
        // C's `atoi`: the integer part.
        info.settings.set_reply_resizing(atof(value).trunc() != 0.0);
    } else {
        return subcommand_syntax(args, out);
    }
    resp::ok(out);
}

/// `DEBUG <sub> key [arg …]` run by `op` on the key's shard, its reply the
/// command's (the part gets the key and what follows it).
fn on_key_shard(cx: &mut ServerCx<'_, '_>, op: ServerOp) -> Planned<Plan> {
    let key = cx.args.at(2);
    cx.parts.push((
        cx.router.shard_of(key),
        Part {
            db: None,
            resp3: None,
            op: crate::cross::Op::Server(op),
            args: cx.args.iter().skip(2).collect(),
            value: None,
        },
    ));
    crate::cross::planned(Plan::Server(ServerPlan::Forward))
}

/// Matches random patterns against random strings (Redis's
/// `stringmatchlen_fuzz_test`, 1M cycles where Redis runs 10M): the glob
/// matcher must end on any input. Returns the number of matches.
fn stringmatch_fuzz() -> usize {
    use crate::base::random::below;
    let mut matches = 0;
    let (mut s, mut p) = ([0u8; 32], [0u8; 32]);
    for _ in 0..1_000_000 {
        let (slen, plen) = (below(32), below(32));
        s[..slen].iter_mut().for_each(|c| *c = below(128) as u8);
        p[..plen].iter_mut().for_each(|c| *c = below(128) as u8);
        matches += crate::base::glob::stringmatch(&p[..plen], &s[..slen], false) as usize;
    }
    matches
}

/// Redis's name for a value's encoding (`OBJECT ENCODING`).
pub fn encoding(v: &Value) -> &'static str {
    super::opts::encoding_name(v)
}

/// `DEBUG OBJECT key` on the key's shard: the value's address and encoding,
/// the length it would have in an RDB file (strings exactly, other types
/// as length-prefixed elements, without compression), and its access data
/// (`lru`: the access clock in seconds, 24 bits, or the LFU data under an
/// LFU policy). Not an access, nor an expiry.
pub fn object_part(shard: &mut ShardState, ctx: Ctx, args: Args<'_>) -> ServerReply {
    // A key past its deadline but not yet reclaimed is still shown, as
    // Redis's `dictFind` finds it: a clock stopped before every deadline.
    let clock = Clock::at(0);
    let compress = super::persist::options(&shard.server.shared).compression;
    let db = shard.db(ctx.db as usize);
    let mut out = Vec::new();
    let lfu = db.limits().lfu();
    let enc = db.enc();
    let access = db.access_data(args.at(0), &clock);
    let idle = db.idle_seconds(args.at(0), &clock).unwrap_or(0);
    match (db.peek(args.at(0), &clock), access) {
        (Some(v), Some((lru, data))) => {
            let lru = if lfu {
                data & 0xFF_FFFF
            } else {
                (lru / crate::store::db::TICKS_PER_SECOND) & 0xFF_FFFF
            };
            let mut line = format!(
                "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}",
                v as *const Value,
                encoding(v),
                crate::persist::rdb::write::serialized_len(v, compress)
            );
            if let Value::List(l) = v {
                let nodes = l.node_count().max(1);
                let bytes: usize = l.nodes().map(|n| n.bytes()).sum();
                // A list of one node compresses at the depth it will take
                // when it grows: the current setting.
                let depth = match l {
                    List::One(_) => enc.list_compress,
                    List::Many(_) => l.compress_depth(),
                };
                line.push_str(&format!(
                    " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{bytes}",
                    l.node_count(),
                    l.len() as f64 / nodes as f64,
                    enc.list_fill,
                    u8::from(depth != 0)
                ));
            }
            resp::simple(&mut out, line.as_bytes());
        }
        _ => resp::error(&mut out, b"ERR no such key"),
    }
    ServerReply::Bytes(out)
}

/// Redis's `dictGetStats` text for a table of `n` elements, as kevy's
/// open-addressing tables hold them: every element in a slot of its own
/// (no chains), in a table of the size Redis's dict grows to for `n`
/// (powers of two from 4, doubled when full).
fn dict_stats(n: u64) -> String {
    if n == 0 {
        return "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
            .to_string();
    }
    let size = n.max(4).next_power_of_two();
    let mut s = format!(
        "Hash table 0 stats (main hash table):\n table size: {size}\n number of elements: {n}\n \
         different slots: {n}\n max chain length: 1\n avg chain length (counted): 1.00\n \
         avg chain length (computed): 1.00\n Chain length distribution:\n"
    );
    for (len, count) in [(0, size - n), (1, n)] {
        if count > 0 {
            let pct = count as f64 / size as f64 * 100.0;
            s.push_str(&format!("   {len}: {count} ({pct:.02}%)\n"));
        }
    }
    s
}

/// `DEBUG HTSTATS dbid`: the database's keys and keys with a time to live
/// over every shard, as Redis's two dictionaries' statistics.
pub fn gather_htstats(db: usize, replies: Vec<ServerReply>, out: &mut resp::Reply<'_>) {
    let total = super::info::merge_reports(replies);
    let (keys, expires) = total.dbs.get(db).map_or((0, 0), |d| (d.keys, d.expires));
    let text = format!(
        "[Dictionary HT]\n{}[Expires HT]\n{}",
        dict_stats(keys),
        dict_stats(expires)
    );
    resp::verbatim(out, text.as_bytes());
}

/// `DEBUG HTSTATS-KEY key` on the key's shard: the statistics of a set,
/// hash or sorted set kept as a hash table (Redis's `hashtable` and
/// `skiplist` encodings), else Redis's refusal.
pub fn htstats_key_part(shard: &mut ShardState, ctx: Ctx, args: Args<'_>) -> ServerReply {
    let mut out = Vec::new();
    let mut reply = resp::Reply::new(&mut out, ctx.resp3);
    match shard.db(ctx.db as usize).peek(args.at(0), &Clock::new()) {
        None => resp::error(&mut reply, b"ERR no such key"),
        Some(v) => match (encoding(v), v) {
            ("hashtable", Value::Set(s)) => {
                resp::verbatim(&mut reply, dict_stats(s.len() as u64).as_bytes())
            }
            ("hashtable", Value::Hash(h)) => {
                resp::verbatim(&mut reply, dict_stats(h.len() as u64).as_bytes())
            }
            ("skiplist", Value::ZSet(z)) => {
                resp::verbatim(&mut reply, dict_stats(z.len() as u64).as_bytes())
            }
            _ => resp::error(
                &mut reply,
                b"ERR The value stored at the specified key is not represented using an hash table",
            ),
        },
    }
    ServerReply::Bytes(out)
}

/// `DEBUG POPULATE count [prefix [size]]` on every shard: of the keys
/// `prefix:0` … `prefix:<count-1>` (prefix `key`), the ones this shard
/// owns and that do not exist yet get `value:<j>` (with `size`: that many
/// bytes, zeros after the `value:<j>` text, cut to `size`), as Redis's.
pub fn populate_part(shard: &mut ShardState, ctx: Ctx, args: Args<'_>) -> ServerReply {
    let count = crate::base::num::parse_i64(args.at(0)).unwrap_or(0).max(0) as u64;
    let prefix = if args.len() >= 2 { args.at(1) } else { b"key" };
    let size = match args.len() {
        3 => crate::base::num::parse_i64(args.at(2)).unwrap_or(0).max(0) as usize,
        _ => 0,
    };
    let router = kevy_rt::Router::new(shard.nshards);
    let (id, now) = (shard.id, Clock::new());
    let db = shard.db(ctx.db as usize);
    let mut key = Vec::with_capacity(prefix.len() + 21);
    for j in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.extend_from_slice(format!(":{j}").as_bytes());
        if router.shard_of(&key) != id || db.contains(&key, &now) {
            continue;
        }
        let text = format!("value:{j}");
        let value = if size == 0 {
            Value::string(text.as_bytes())
        } else {
            let mut v = vec![0u8; size];
            let n = text.len().min(size);
            v[..n].copy_from_slice(&text.as_bytes()[..n]);
            Value::string(&v)
        };
        db.set(&key, value, &now, false, None);
    }
    ServerReply::Count(0)
}

/// `DEBUG LISTPACK key` / `DEBUG QUICKLIST key [0|1]` on the key's shard:
/// the structure goes to the server's standard output, as in Redis.
pub fn structure_part(
    shard: &mut ShardState,
    ctx: Ctx,
    args: Args<'_>,
    quicklist: bool,
) -> ServerReply {
    let clock = Clock::new();
    let mut out = Vec::new();
    let Some(v) = shard.db(ctx.db as usize).peek(args.at(0), &clock) else {
        resp::error(&mut out, b"ERR no such key");
        return ServerReply::Bytes(out);
    };
    let name = encoding(v);
    let key = String::from_utf8_lossy(args.at(0));
    if quicklist {
        match v {
            Value::List(l) if name == "quicklist" => {
                let full = args.len() > 1 && atof(args.at(1)) as i64 != 0;
                println!(
                    "{{quicklist key:{key} count:{} nodes:{}}}",
                    l.len(),
                    l.node_count().max(1)
                );
                for (i, node) in l.nodes().enumerate() {
                    println!(
                        "{{node {i} count:{} bytes:{} compressed:{} stored:{}}}",
                        node.len(),
                        node.bytes(),
                        u8::from(node.is_compressed()),
                        node.capacity()
                    );
                    if full {
                        for e in node.unpacked().iter() {
                            println!("  {}", String::from_utf8_lossy(e));
                        }
                    }
                }
                resp::simple(&mut out, b"Quicklist structure printed on stdout");
            }
            _ => resp::error(&mut out, b"ERR Not a quicklist encoded object."),
        }
    } else if name == "listpack" {
        println!("{{listpack key:{key} type:{}}}", v.type_name());
        resp::simple(&mut out, b"Listpack structure printed on stdout");
    } else {
        resp::error(&mut out, b"ERR Not a listpack encoded object.");
    }
    ServerReply::Bytes(out)
}

/// `DEBUG DIGEST` on one shard: the XOR of its entries' digests, per
/// non-empty database.
pub fn digest_part(shard: &mut ShardState) -> ServerReply {
    let mut dbs = Vec::new();
    for i in 0..shard.db_count() {
        let db = shard.db_ref(i);
        if db.is_empty() {
            continue;
        }
        let mut acc: Digest = [0; 20];
        db.for_each_entry(|key, v, at| {
            digest::xor(&mut acc, &digest::entry(key, v, at.is_some()));
        });
        dbs.push((i as u32, acc));
    }
    ServerReply::Digests(dbs)
}

/// `DEBUG DIGEST-VALUE` for one key on its shard: zeros when the key does
/// not exist; an expired key not yet reclaimed still counts, as in Redis.
pub fn digest_value_part(shard: &mut ShardState, ctx: Ctx, args: Args<'_>) -> ServerReply {
    let mut d: Digest = [0; 20];
    if let Some((v, at)) = shard.db_ref(ctx.db as usize).raw(args.at(0)) {
        digest::value(&mut d, v, at.is_some());
    }
    ServerReply::Digests(vec![(0, d)])
}

/// Combines every shard's per-database digests into the status reply.
pub fn gather_digest(replies: Vec<ServerReply>, out: &mut resp::Reply<'_>) {
    let mut dbs: std::collections::BTreeMap<u32, Digest> = Default::default();
    for r in replies {
        if let ServerReply::Digests(list) = r {
            for (db, d) in list {
                let acc = dbs.entry(db).or_insert([0; 20]);
                acc.iter_mut().zip(d).for_each(|(a, d)| *a ^= d);
            }
        }
    }
    resp::simple(out, &digest::hex(&digest::dataset(dbs)));
}

/// One status reply per key, in the order the keys were given.
pub fn gather_digest_value(replies: Vec<ServerReply>, out: &mut resp::Reply<'_>) {
    resp::array(out, replies.len());
    for r in replies {
        let d = match r {
            ServerReply::Digests(list) => list.first().map_or([0; 20], |(_, d)| *d),
            _ => [0; 20],
        };
        resp::simple(out, &digest::hex(&d));
    }
}

#[cfg(test)]
mod tests;

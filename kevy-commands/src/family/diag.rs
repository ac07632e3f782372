//! SLOWLOG GET | LEN | RESET | HELP and LATENCY LATEST | HISTORY | DOCTOR |
//! GRAPH | RESET | HISTOGRAM | HELP: each shard keeps its own log and
//! samples; these plans ask every shard and merge (the slow log in global id
//! order, latency samples by second, histograms by adding counts). DOCTOR's
//! report and GRAPH's chart are written from the merge by
//! [`latency::report`].

use std::sync::atomic::Ordering;

use kevy_rt::{Args, Flow, Planned};

use super::opts::write_help;
use super::{Local, ServerCx};
use crate::accounting::latency::{self, report, Series};
use crate::accounting::{slowlog, unix_secs};
use crate::base::hist::Histogram;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::base::sys;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::family::spec::catalog;
use crate::shard::ShardState;

/// Entries `SLOWLOG GET` returns without a count.
const DEFAULT_COUNT: i64 = 10;

/// SLOWLOG GET \[count\]
pub fn plan_slowlog_get(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let count = match cx.args.get(2) {
        None => DEFAULT_COUNT,
        Some(a) => match parse_i64(a) {
            Some(n) if n >= -1 => n,
            _ => return srv::error(b"ERR count should be greater than or equal to -1"),
        },
    };
    let max = cx
        .shard
        .server
        .shared
        .config
        .live()
        .slowlog_max_len
        .load(Ordering::Relaxed);
    let n = if count == -1 {
        max
    } else {
        (count as u64).min(max)
    };
    let n = n.min(usize::MAX as u64) as usize;
    let arg = n.to_string();
    srv::broadcast(
        ServerOp::SlowlogGet,
        &[arg.as_bytes()],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::SlowlogGet(n),
    )
}

/// A shard's newest entries (argument: how many).
pub fn slowlog_part(shard: &ShardState, args: Args<'_>) -> ServerReply {
    let n = args.get(0).and_then(parse_i64).unwrap_or(0).max(0) as usize;
    ServerReply::Slow(shard.server.slowlog.newest(n))
}

/// The `SLOWLOG GET` reply: the newest `n` entries over all shards.
pub fn gather_slowlog(n: usize, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let lists = replies
        .into_iter()
        .filter_map(|r| match r {
            ServerReply::Slow(l) => Some(l),
            _ => None,
        })
        .collect();
    let entries = slowlog::merge(lists, n);
    resp::array(out, entries.len());
    for e in &entries {
        e.write(out);
    }
}

/// SLOWLOG LEN
pub fn plan_slowlog_len(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::SlowlogLen,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::SlowlogLen,
    )
}

/// The `SLOWLOG LEN` reply: the entries over all shards, at most
/// `slowlog-max-len` (what one log would hold).
pub fn gather_slowlog_len(shard: &ShardState, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let max = shard
        .server
        .shared
        .config
        .live()
        .slowlog_max_len
        .load(Ordering::Relaxed);
    let sum: i64 = replies
        .iter()
        .map(|r| match r {
            ServerReply::Count(n) => *n,
            _ => 0,
        })
        .sum();
    resp::int(out, (sum as u64).min(max) as i64);
}

/// SLOWLOG RESET
pub fn plan_slowlog_reset(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::SlowlogReset,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Ok,
    )
}

const SLOWLOG_HELP: &[&str] = &[
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
];

/// SLOWLOG HELP
pub fn slowlog_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, SLOWLOG_HELP);
    Flow::Continue
}

/// LATENCY LATEST
pub fn plan_latency_latest(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::Latency,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyLatest,
    )
}

fn merged(replies: Vec<ServerReply>) -> Vec<(&'static str, Series)> {
    latency::merge(
        replies
            .into_iter()
            .filter_map(|r| match r {
                ServerReply::Latency(l) => Some(l),
                _ => None,
            })
            .collect(),
    )
}

/// The `LATENCY LATEST` reply: per event, its latest sample and maximum.
pub fn gather_latest(replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let events = merged(replies);
    let events: Vec<_> = events
        .iter()
        .filter_map(|(n, s)| s.samples.back().map(|last| (n, last, s.max)))
        .collect();
    resp::array(out, events.len());
    for (name, last, max) in events {
        resp::array(out, 4);
        resp::bulk(out, name.as_bytes());
        resp::int(out, last.time);
        resp::int(out, last.ms as i64);
        resp::int(out, max as i64);
    }
}

/// LATENCY HISTORY event
pub fn plan_latency_history(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let event = cx.args.at(2).to_vec();
    srv::broadcast(
        ServerOp::Latency,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyHistory(event),
    )
}

/// The `LATENCY HISTORY` reply: `[time, ms]` pairs, oldest first.
pub fn gather_history(event: &[u8], replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let events = merged(replies);
    let samples = events
        .iter()
        .find(|(n, _)| n.as_bytes() == event)
        .map(|(_, s)| s.samples.iter().copied().collect::<Vec<_>>())
        .unwrap_or_default();
    resp::array(out, samples.len());
    for s in samples {
        resp::array(out, 2);
        resp::int(out, s.time);
        resp::int(out, s.ms as i64);
    }
}

/// LATENCY DOCTOR
pub fn plan_latency_doctor(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    srv::broadcast(
        ServerOp::Latency,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyDoctor,
    )
}

/// The `LATENCY DOCTOR` reply: Redis's report on the merged events, as
/// verbatim text.
pub fn gather_doctor(shard: &ShardState, replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let events = merged(replies);
    let cfg = &shard.server.shared.config;
    let setup = report::Setup {
        threshold_ms: cfg.live().latency_threshold.load(Ordering::Relaxed),
        slowlog_slower_than: cfg.live().slowlog_slower_than.load(Ordering::Relaxed),
        hz: cfg.get_i64("hz"),
        fsync_always: cfg.get("appendfsync").as_deref() == Some("always"),
        huge_pages: sys::anon_huge_pages() > 0,
    };
    let text = report::doctor(&events, unix_secs(), &setup);
    resp::verbatim(out, text.as_bytes());
}

/// LATENCY GRAPH event
pub fn plan_latency_graph(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let event = cx.args.at(2).to_vec();
    srv::broadcast(
        ServerOp::Latency,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyGraph(event),
    )
}

/// The `LATENCY GRAPH` reply: the event's chart as verbatim text, or
/// Redis's error when no shard has sampled it.
pub fn gather_graph(event: &[u8], replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let events = merged(replies);
    // Redis reads the event as a C string.
    let event = crate::base::error::cstr(event);
    match events.iter().find(|(n, _)| n.as_bytes() == event) {
        Some((name, series)) => {
            resp::verbatim(out, &report::graph(name, series, unix_secs()));
        }
        None => {
            let mut msg = b"ERR No samples available for event '".to_vec();
            msg.extend_from_slice(event);
            msg.push(b'\'');
            crate::base::error::write_sanitized(out, &msg);
        }
    }
}

/// LATENCY RESET [event …]
pub fn plan_latency_reset(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let names: Vec<&[u8]> = cx.args.iter().skip(2).collect();
    srv::broadcast(
        ServerOp::LatencyReset,
        &names,
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyReset,
    )
}

/// Drops a shard's events named in `args` (all when none).
pub fn latency_reset_part(shard: &mut ShardState, args: Args<'_>) -> ServerReply {
    let names: Vec<Vec<u8>> = args.iter().map(<[u8]>::to_vec).collect();
    ServerReply::Names(shard.server.latency.reset(&names))
}

/// The `LATENCY RESET` reply: how many distinct events were dropped.
pub fn gather_reset(replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let mut names: Vec<&'static str> = replies
        .into_iter()
        .flat_map(|r| match r {
            ServerReply::Names(n) => n,
            _ => Vec::new(),
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    resp::int(out, names.len() as i64);
}

/// LATENCY HISTOGRAM [command …]
pub fn plan_latency_histogram(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let names = cx.args.iter().skip(2).map(<[u8]>::to_vec).collect();
    srv::broadcast(
        ServerOp::Histograms,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::LatencyHistogram(names),
    )
}

/// A shard's latency histograms, by command index.
pub fn histograms_part(shard: &ShardState) -> ServerReply {
    let hists = shard
        .server
        .stats
        .cmds
        .iter()
        .enumerate()
        .filter_map(|(id, c)| {
            c.hist
                .as_ref()
                .filter(|h| h.total() > 0)
                .map(|h| (id, (**h).clone()))
        })
        .collect();
    ServerReply::Histograms(hists)
}

/// The `LATENCY HISTOGRAM` reply: per command, its calls and cumulative
/// latency distribution in power-of-two microsecond buckets.
pub fn gather_histograms(names: &[Vec<u8>], replies: Vec<ServerReply>, out: &mut Reply<'_>) {
    let mut all: Vec<Option<Histogram>> = vec![None; (catalog().count)()];
    for r in replies {
        if let ServerReply::Histograms(hs) = r {
            for (id, h) in hs {
                if let Some(slot) = all.get_mut(id) {
                    slot.get_or_insert_with(Histogram::new).merge(&h);
                }
            }
        }
    }
    let mut chosen: Vec<usize> = Vec::new();
    if names.is_empty() {
        chosen.extend((0..all.len()).filter(|&i| all[i].is_some()));
    } else {
        for name in names {
            let Some(spec) = (catalog().lookup_fullname)(name) else {
                continue;
            };
            for s in std::iter::once(spec).chain(spec.subcommands) {
                if let Some(id) = (catalog().id_of)(s).filter(|&i| all[i].is_some()) {
                    chosen.push(id);
                }
            }
        }
    }
    let shown: Vec<_> = chosen
        .into_iter()
        .filter_map(|id| Some(((catalog().spec_of)(id)?, all[id].as_ref()?)))
        .collect();
    resp::map(out, shown.len());
    for (spec, h) in shown {
        resp::bulk(out, spec.name.as_bytes());
        resp::map(out, 2);
        resp::bulk(out, b"calls");
        resp::int(out, h.total() as i64);
        resp::bulk(out, b"histogram_usec");
        let buckets = h.cumulative_usec();
        resp::map(out, buckets.len());
        for (usec, n) in buckets {
            resp::int(out, usec as i64);
            resp::int(out, n as i64);
        }
    }
}

const LATENCY_HELP: &[&str] = &[
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
];

/// LATENCY HELP
pub fn latency_help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, LATENCY_HELP);
    Flow::Continue
}

#[cfg(test)]
mod tests;

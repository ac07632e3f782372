//! CONFIG GET | SET | REWRITE | RESETSTAT | HELP, over the shared
//! [`ConfigTable`](crate::config::ConfigTable).

use std::sync::atomic::Ordering;

use kevy_rt::{Flow, Planned};

use super::opts::write_help;
use super::{Local, ServerCx};
use crate::base::{error, resp};
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::shard::notify::Notice;
use crate::shard::ShardState;

/// CONFIG GET parameter [parameter …]
pub fn get(c: &mut Local<'_>) -> Flow {
    let patterns: Vec<&[u8]> = c.args.iter().skip(2).collect();
    let found = c.shard.server.shared.config.matching(&patterns);
    resp::map(c.out, found.len());
    for (name, value) in found {
        resp::bulk(c.out, &name);
        resp::bulk(c.out, value.as_bytes());
    }
    Flow::Continue
}

/// CONFIG SET parameter value [parameter value …]
pub fn set(c: &mut Local<'_>) -> Flow {
    if !c.args.len().is_multiple_of(2) {
        resp::error(c.out, b"ERR syntax error");
        return Flow::Continue;
    }
    let pairs: Vec<(&[u8], &[u8])> = (2..c.args.len())
        .step_by(2)
        .map(|i| (c.args.at(i), c.args.at(i + 1)))
        .collect();
    // Redis's DENY_LOADING_CONFIG settings wait for the load to end (the
    // loading error first: clients may retry on it).
    let shared = &c.shard.server.shared;
    if shared
        .persist
        .loading
        .load(std::sync::atomic::Ordering::Relaxed)
        && pairs.iter().any(|(name, _)| {
            ["dir", "appendonly", "repl-diskless-load"]
                .iter()
                .any(|d| name.eq_ignore_ascii_case(d.as_bytes()))
        })
    {
        resp::error(c.out, crate::family::persist::LOADING_ERR);
        return Flow::Continue;
    }
    match c
        .shard
        .server
        .shared
        .config
        .set(&pairs, c.cx.client.local())
    {
        Ok(()) => {
            if pairs
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(b"tracking-table-max-keys"))
            {
                // Every shard forgets tracked keys past the new limit now
                // (Redis: before the next command).
                let bytes = Notice::TrackingLimit.encode();
                for s in 0..c.shard.nshards.max(1) {
                    c.shard.outbox.notice(s as u32, &bytes);
                }
                // The `OK` once every shard has (and its invalidations are
                // on their way ahead of it): a client's next command finds
                // the new limit applied (Redis's "Regression test for #11715").
                resp::ok(c.out);
                return Flow::Barrier;
            }
            resp::ok(c.out)
        }
        Err(e) => error::write_sanitized(c.out, &e.message()),
    }
    Flow::Continue
}

/// CONFIG REWRITE
pub fn rewrite(c: &mut Local<'_>) -> Flow {
    match c.shard.server.shared.config.rewrite(false) {
        Ok(()) => resp::ok(c.out),
        Err(msg) => error::write_sanitized(c.out, msg.as_bytes()),
    }
    Flow::Continue
}

/// CONFIG RESETSTAT: every shard forgets its statistics.
pub fn plan_resetstat(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    cx.shard.server.shared.reset_memory_peak();
    srv::broadcast(
        ServerOp::ResetStat,
        &[],
        cx.router.nshards(),
        cx.parts,
        ServerPlan::Ok,
    )
}

/// Resets a shard's statistics: command and error counters, latency
/// histograms, and the runtime's connection counters.
pub fn reset_part(shard: &mut ShardState) -> ServerReply {
    shard.server.stats.reset();
    crate::store::lazyfree::reset_stats();
    shard.evict.evicted = 0;
    shard.expire_stats = Default::default();
    for db in &mut shard.dbs {
        db.counts = Default::default();
    }
    if let Some(info) = &shard.server.info {
        info.stats.accepted.store(0, Ordering::Relaxed);
        info.stats.rejected.store(0, Ordering::Relaxed);
        // This shard is the counters' only writer.
        info.stats.net_input.store(0, Ordering::Relaxed);
        info.stats.net_output.store(0, Ordering::Relaxed);
    }
    ServerReply::Count(0)
}

const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
];

/// CONFIG HELP
pub fn help(c: &mut Local<'_>) -> Flow {
    write_help(c.out, HELP);
    Flow::Continue
}

#[cfg(test)]
mod tests;

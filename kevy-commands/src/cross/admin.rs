//! The multi-shard parts of server commands (`CLIENT LIST | KILL`, `INFO`,
//! `CONFIG RESETSTAT`, `SLOWLOG`, `LATENCY`, `DEBUG OBJECT`, `MEMORY
//! STATS | DOCTOR`): what each part does on its shard, what it answers, and
//! how the origin shard reduces the answers. The work itself lives in the
//! families; this module only routes.

use kevy_rt::{ClientsOf, Gather, OwnedArgs, Planned};

use crate::accounting::latency::Series;
use crate::accounting::slowlog::Entry;
use crate::base::hist::Histogram;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::{Part, PartReply, Plan};
use crate::family::{client, config, debug, diag, info, persist};
use crate::session::{Ctx, Session};
use crate::shard::ShardState;

/// What a server command's part does on its shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerOp {
    /// The lines of the shard's connections (filters in the arguments).
    ClientList,
    /// Close the shard's connections matching the filters.
    ClientKill,
    /// Unblock the shard's connection of this id, if parked.
    ClientUnblock,
    /// The shard's figures for `INFO` and `MEMORY STATS | DOCTOR`.
    Report,
    /// Forget the shard's statistics.
    ResetStat,
    /// The shard's newest slow-log entries.
    SlowlogGet,
    /// The shard's slow-log length.
    SlowlogLen,
    /// Empty the shard's slow log.
    SlowlogReset,
    /// The shard's latency-monitor events.
    Latency,
    /// Drop the shard's latency events named in the arguments (all if none).
    LatencyReset,
    /// The shard's per-command latency histograms.
    Histograms,
    /// `DEBUG OBJECT key` on the key's shard.
    DebugObject,
    /// `DEBUG LISTPACK key` on the key's shard.
    DebugListpack,
    /// `DEBUG QUICKLIST key [0|1]` on the key's shard.
    DebugQuicklist,
    /// `DEBUG DIGEST`: the shard's per-database digests.
    Digest,
    /// `DEBUG DIGEST-VALUE`: one key's value digest on its shard.
    DigestValue,
    /// A pub/sub part (PUBLISH, PUBSUB …).
    Pubsub(crate::family::pubsub::PubsubOp),
    /// The append-only file rewrite's cut on the shard.
    AofCut,
    /// The shard's keys, encoded for an RDB file (SAVE, DEBUG RELOAD).
    Snapshot,
    /// Empty the shard and load its keys of the RDB file (DEBUG RELOAD).
    Load,
    /// Hand the shard's AOF feed to the file (DEBUG LOADAOF).
    AofFlush,
    /// Replace the shard's databases by the AOF replay's (DEBUG LOADAOF).
    AofLoad,
    /// Close the shard's connections of the users whose ids are the
    /// arguments (ACL DELUSER, ACL LOAD), or a user's subscribers to
    /// channels it lost (ACL SETUSER).
    AclKill,
    /// MIGRATE of the shard's keys named in the arguments (see
    /// [`crate::family::migrate`]).
    Migrate,
}

/// What a server part answers.
#[derive(Debug, PartialEq, Eq)]
pub enum ServerReply {
    /// A count.
    Count(i64),
    /// `(connection id, CLIENT LIST line)` of each connection.
    Clients(Vec<(u64, Vec<u8>)>),
    /// A shard's figures.
    Report(Box<info::Report>),
    /// Slow-log entries, newest first.
    Slow(Vec<Entry>),
    /// Latency events.
    Latency(Vec<(&'static str, Series)>),
    /// Names of latency events dropped.
    Names(Vec<&'static str>),
    /// `(command index, histogram)` of each command with latencies.
    Histograms(Vec<(usize, Histogram)>),
    /// A finished reply.
    Bytes(Vec<u8>),
    /// A pub/sub part's answer.
    Pubsub(crate::family::pubsub::PubsubReply),
    /// `(database, digest)` of each non-empty database, or one value's
    /// digest (database 0).
    Digests(Vec<(u32, crate::model::digest::Digest)>),
    /// A shard's keys encoded for an RDB file, and its change counter.
    Chunks(Vec<crate::persist::rdb::DbChunk>, u64),
}

/// How the origin shard reduces a server command's parts.
#[derive(Debug)]
pub enum ServerPlan {
    /// The reply, known when planning (an error, or no parts needed).
    Reply(Vec<u8>),
    /// `CLIENT LIST`: every line by id, or those of these ids in this order.
    ClientList(Option<Vec<u64>>),
    /// `CLIENT KILL`: the old form (`+OK` or an error) or the count.
    ClientKill {
        /// `CLIENT KILL addr:port`.
        old: bool,
    },
    /// `INFO` of these sections.
    Info(info::Sections),
    /// `MEMORY STATS`.
    MemoryStats,
    /// `MEMORY DOCTOR`.
    MemoryDoctor,
    /// `+OK` once every part is done.
    Ok,
    /// `SLOWLOG GET`: the newest this many entries.
    SlowlogGet(usize),
    /// `SLOWLOG LEN`.
    SlowlogLen,
    /// `LATENCY LATEST`.
    LatencyLatest,
    /// `LATENCY HISTORY event`.
    LatencyHistory(Vec<u8>),
    /// `LATENCY DOCTOR`: the report from the merged latency events.
    LatencyDoctor,
    /// `LATENCY GRAPH event`: the chart of the event's merged samples.
    LatencyGraph(Vec<u8>),
    /// `LATENCY RESET`: the number of distinct events dropped.
    LatencyReset,
    /// `LATENCY HISTOGRAM [command …]`.
    LatencyHistogram(Vec<Vec<u8>>),
    /// The one part's [`ServerReply::Bytes`] is the reply.
    Forward,
    /// `DEBUG DIGEST`: the dataset digest from every shard's databases.
    Digest,
    /// `DEBUG DIGEST-VALUE`: one digest per part, in part order.
    DigestValue,
    /// A pub/sub command.
    Pubsub(crate::family::pubsub::PubsubPlan),
    /// `BGREWRITEAOF`: every shard has cut.
    AofRewrite,
    /// `SAVE`: the file from the parts' keys.
    Save,
    /// `DEBUG RELOAD` on this many shards: save, then load with these
    /// options (`persist::RELOAD_*` bits).
    Reload(usize, u8),
    /// `DEBUG RELOAD`'s load round.
    Reloading(usize),
    /// MIGRATE: the first error, else `+OK` if a shard moved keys, else `+NOKEY`.
    Migrate,
    /// `DEBUG LOADAOF` on this many shards: the feeds flushed.
    LoadAof(usize),
    /// `DEBUG LOADAOF`'s load round.
    LoadingAof,
}

/// A plan answered without parts.
pub fn reply(bytes: Vec<u8>) -> Planned<Plan> {
    super::planned(Plan::Server(ServerPlan::Reply(bytes)))
}

/// An error reply known when planning.
pub fn error(msg: &[u8]) -> Planned<Plan> {
    let mut out = Vec::new();
    crate::base::error::write_sanitized(&mut out, msg);
    reply(out)
}

/// Sends `op` with `args` to every shard; reduced as `plan` says.
pub fn broadcast(
    op: ServerOp,
    args: &[&[u8]],
    nshards: usize,
    parts: &mut Vec<(usize, Part)>,
    plan: ServerPlan,
) -> Planned<Plan> {
    for shard in 0..nshards {
        let args: OwnedArgs = args.iter().collect();
        parts.push((
            shard,
            Part {
                db: None,
                op: super::Op::Server(op),
                args,
                value: None,
            },
        ));
    }
    super::planned(Plan::Server(plan))
}

/// Runs a server part on its shard.
pub fn execute(
    shard: &mut ShardState,
    ctx: Ctx,
    op: ServerOp,
    args: &OwnedArgs,
    clients: &mut ClientsOf<'_, Session, &'static crate::family::spec::Spec>,
) -> PartReply {
    let args = args.args();
    PartReply::Server(match op {
        ServerOp::ClientList => client::list_part(shard, ctx, args, clients),
        ServerOp::ClientKill => client::kill_part(shard, ctx, args, clients),
        ServerOp::ClientUnblock => client::unblock_part(args, clients),
        ServerOp::Report => info::report_part(shard, args, clients),
        ServerOp::ResetStat => config::reset_part(shard),
        ServerOp::SlowlogGet => diag::slowlog_part(shard, args),
        ServerOp::SlowlogLen => ServerReply::Count(shard.server.slowlog.len() as i64),
        ServerOp::SlowlogReset => {
            shard.server.slowlog.reset();
            ServerReply::Count(0)
        }
        ServerOp::Latency => ServerReply::Latency(shard.server.latency.snapshot()),
        ServerOp::LatencyReset => diag::latency_reset_part(shard, args),
        ServerOp::Histograms => diag::histograms_part(shard),
        ServerOp::DebugObject => debug::object_part(shard, ctx, args),
        ServerOp::DebugListpack => debug::structure_part(shard, ctx, args, false),
        ServerOp::DebugQuicklist => debug::structure_part(shard, ctx, args, true),
        ServerOp::Digest => debug::digest_part(shard),
        ServerOp::DigestValue => debug::digest_value_part(shard, ctx, args),
        ServerOp::Pubsub(op) => crate::family::pubsub::part(&shard.pubsub, op, args),
        ServerOp::AofCut => crate::family::rewrite::cut_part(shard, args),
        ServerOp::Snapshot => persist::snapshot_part(shard),
        ServerOp::Load => persist::load_part(shard, args),
        ServerOp::AofFlush => crate::family::loadaof::flush_part(shard),
        ServerOp::AofLoad => crate::family::loadaof::load_part(shard),
        ServerOp::AclKill => crate::family::acl::kill_part(args, clients),
        ServerOp::Migrate => crate::family::migrate::migrate_part(shard, ctx, args),
    })
}

/// The server replies of a round, in part order.
fn server_replies(replies: Vec<PartReply>) -> Vec<ServerReply> {
    replies
        .into_iter()
        .filter_map(|r| match r {
            PartReply::Server(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Reduces a server command's parts into its reply, on the origin shard.
pub fn gather(
    shard: &mut ShardState,
    ctx: Ctx,
    plan: &mut ServerPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
) -> Gather {
    let replies = server_replies(replies);
    match plan {
        ServerPlan::Reply(bytes) => out.extend_from_slice(bytes),
        ServerPlan::ClientList(ids) => client::gather_list(ids.as_deref(), replies, out),
        ServerPlan::ClientKill { old } => client::gather_kill(*old, replies, out),
        ServerPlan::Info(sections) => info::gather_info(shard, ctx, sections, replies, out),
        ServerPlan::MemoryStats => debug::gather_memory_stats(shard, replies, out),
        ServerPlan::MemoryDoctor => debug::gather_memory_doctor(shard, replies, out),
        ServerPlan::Ok => resp::ok(out),
        ServerPlan::SlowlogGet(n) => diag::gather_slowlog(*n, replies, out),
        ServerPlan::SlowlogLen => diag::gather_slowlog_len(shard, replies, out),
        ServerPlan::LatencyLatest => diag::gather_latest(replies, out),
        ServerPlan::LatencyHistory(event) => diag::gather_history(event, replies, out),
        ServerPlan::LatencyDoctor => diag::gather_doctor(shard, replies, out),
        ServerPlan::LatencyGraph(event) => diag::gather_graph(event, replies, out),
        ServerPlan::LatencyReset => diag::gather_reset(replies, out),
        ServerPlan::LatencyHistogram(names) => diag::gather_histograms(names, replies, out),
        ServerPlan::Forward => match replies.into_iter().next() {
            Some(ServerReply::Bytes(b)) => out.extend_from_slice(&b),
            _ => resp::error(out, b"ERR internal error: no reply from the key's shard"),
        },
        ServerPlan::Pubsub(p) => crate::family::pubsub::gather(p, replies, out),
        ServerPlan::AofRewrite => crate::family::rewrite::gather(shard, out),
        ServerPlan::Digest => debug::gather_digest(replies, out),
        ServerPlan::DigestValue => debug::gather_digest_value(replies, out),
        ServerPlan::Save => persist::gather_save(shard, replies, out),
        ServerPlan::Migrate => crate::family::migrate::gather(replies, out),
        ServerPlan::Reload(n, opts) => {
            let n = *n;
            let mut stage = 0;
            if !persist::gather_reload(shard, n, *opts, &mut stage, replies, next, out) {
                *plan = ServerPlan::Reloading(n);
                return Gather::Again;
            }
        }
        ServerPlan::Reloading(n) => {
            let mut stage = 1;
            persist::gather_reload(shard, *n, 0, &mut stage, replies, next, out);
        }
        ServerPlan::LoadAof(n) => {
            if !crate::family::loadaof::gather_flushed(shard, *n, next, out) {
                *plan = ServerPlan::LoadingAof;
                return Gather::Again;
            }
        }
        ServerPlan::LoadingAof => crate::family::loadaof::gather_loaded(out),
    }
    Gather::Done
}

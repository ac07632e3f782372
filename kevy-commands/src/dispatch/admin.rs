//! Server commands' parts run on their shards, with the shard's
//! connections, and their plans reduced on the origin shard's state (the
//! types are [`crate::cross::admin`]'s): each op and plan is routed to the
//! family doing the work.

use kevy_rt::{ClientsOf, Gather, OwnedArgs};

use crate::base::resp;
use crate::base::resp::Reply;
use crate::cross::admin::{ServerOp, ServerPlan, ServerReply};
use crate::cross::{Part, PartReply};
use crate::family::{client, config, debug, diag, info, persist};
use crate::session::{Ctx, Session};
use crate::shard::ShardState;

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
        ServerOp::HtStatsKey => debug::htstats_key_part(shard, ctx, args),
        ServerOp::Populate => debug::populate_part(shard, ctx, args),
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
        ServerOp::ReplCut => crate::family::repl::cut_part(shard, args),
        ServerOp::Sleep => debug::sleep_part(shard, args),
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
/// `lent`: the command set and this shard's connections, when the runtime
/// lends them (DEBUG LOADAOF answers them while its replay runs).
pub fn gather(
    shard: &mut ShardState,
    ctx: Ctx,
    plan: &mut ServerPlan,
    replies: Vec<PartReply>,
    next: &mut Vec<(usize, Part)>,
    out: &mut Reply<'_>,
    lent: Option<(
        &crate::Redis,
        &mut ClientsOf<'_, Session, &'static crate::table::Spec>,
    )>,
) -> Gather {
    let replies = server_replies(replies);
    match plan {
        ServerPlan::Reply(bytes) => out.extend_from_slice(bytes),
        ServerPlan::ClientList(ids) => client::gather_list(ids.as_deref(), replies, out),
        ServerPlan::ClientKill { old } => client::gather_kill(*old, replies, out),
        ServerPlan::Info(sections, used) => {
            info::gather_info(shard, ctx, sections, *used, replies, out)
        }
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
        ServerPlan::Pubsub(p) => {
            if let crate::cross::admin::PubsubPlan::Sum(argv) = p {
                crate::family::pubsub::to_replicas(shard, ctx.db, argv);
            }
            crate::family::pubsub::gather(p, replies, out)
        }
        ServerPlan::AofRewrite { in_exec } => crate::family::rewrite::gather(shard, *in_exec, out),
        ServerPlan::HtStats(db) => debug::gather_htstats(*db, replies, out),
        ServerPlan::Digest => debug::gather_digest(replies, out),
        ServerPlan::DigestValue => debug::gather_digest_value(replies, out),
        ServerPlan::Save => persist::gather_save(shard, replies, out),
        ServerPlan::Flushall(n) => {
            if persist::save_after_flush(shard, *n, next) {
                *plan = ServerPlan::FlushallSave;
                return Gather::Again;
            }
            resp::ok(out);
        }
        ServerPlan::FlushallSave => {
            // Redis replies +OK whatever the save did (the log says).
            persist::gather_save(shard, replies, &mut Vec::new());
            resp::ok(out);
        }
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
            let mut serve = lent.map(|(redis, clients)| {
                move |shard: &mut ShardState| {
                    clients.serve_busy(|session, req, out| {
                        loading_answer(redis, shard, session, req, out)
                    })
                }
            });
            let serve = serve.as_mut().map(|f| f as &mut dyn FnMut(&mut ShardState));
            if !crate::family::loadaof::gather_flushed(shard, *n, next, out, serve) {
                *plan = ServerPlan::LoadingAof;
                return Gather::Again;
            }
        }
        ServerPlan::LoadingAof => crate::family::loadaof::gather_loaded(out),
        ServerPlan::Sync { psync, offset, id } => {
            crate::family::repl::gather(shard, *psync, *offset, *id, replies, out)
        }
    }
    Gather::Done
}

/// How the shard that replays answers a request of one of its connections
/// (see [`crate::family::persist::with_loading_serve`]), as Redis's
/// `processCommand` while loading: an unknown command or a wrong arity
/// gets its error, a command Redis refuses while loading gets `-LOADING`,
/// a session-level command (AUTH, HELLO, SELECT…) runs, and anything else
/// (INFO, SHUTDOWN…) waits for the load's end.
fn loading_answer(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut crate::session::Session,
    req: &kevy_rt::BusyRequest<'_>,
    out: &mut Vec<u8>,
) -> kevy_rt::Busy {
    let spec = crate::table::find(req.args).unwrap_or(&crate::table::REJECT);
    // `loading_refusal` without its exemption of this thread's replay.
    let run = if std::ptr::eq(spec, &crate::table::REJECT) {
        spec
    } else if spec.flags & crate::family::spec::flags::LOADING == 0 {
        &crate::family::persist::REFUSED_LOADING
    } else if matches!(spec.run, crate::family::spec::Run::Local(_))
        && !matches!(spec.name, "shutdown" | "monitor")
    {
        // Session-level; SHUTDOWN and MONITOR change the connection's or
        // the server's course, which only the event loop takes up.
        spec
    } else {
        return kevy_rt::Busy::Later;
    };
    let cx = kevy_rt::LocalCx {
        nshards: shard.server.info.as_ref().map_or(1, |i| i.nshards),
        client: req.client,
        conn: req.conn,
    };
    match kevy_rt::Commands::execute_local(redis, shard, session, &cx, run, req.args, out) {
        kevy_rt::Flow::Close => kevy_rt::Busy::Close,
        _ => kevy_rt::Busy::Replied,
    }
}

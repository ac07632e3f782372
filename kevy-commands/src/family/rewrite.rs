//! `BGREWRITEAOF`: the append-only file rewritten without a fork and
//! without stopping writes. The command locks every shard whole (it is
//! isolated like FLUSHALL), so no multi-shard operation straddles the cut;
//! each shard's part is its cut: it hands what it logged so far to the old
//! incremental file, switches to the new one and starts an incremental
//! snapshot of its keyspace (the one background saves use,
//! `store/db/snap.rs`: RDB pairs under `aof-use-rdb-preamble yes`, else
//! commands) — O(1), no key is encoded at the cut. The snapshot then
//! advances slice by slice while the shard serves commands, and each shard
//! deposits it when complete; the gather deposits the function libraries
//! (read while every shard is still at its cut). Whichever comes last
//! starts the thread that writes the base and switches the manifest.

use std::sync::Arc;

use kevy_rt::Planned;

use crate::accounting::Shared;
use crate::aof::files::BaseHead;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::family::persist::cut::{begin_cut, file_info, options};
use crate::family::ServerCx;
use crate::persist::state::{child, SnapJob};
use crate::shard::ShardState;
use crate::store::db::SnapFormat;

/// The reply once the rewrite is under way.
const STARTED: &[u8] = b"Background append only file rewriting started";

/// The reply inside `EXEC` (Redis schedules the rewrite for after the
/// transaction; kevy's cut is taken under the transaction's locks, so it
/// starts at once, and says what Redis says).
const SCHEDULED: &[u8] = b"Background append only file rewriting scheduled";

/// BGREWRITEAOF
pub fn plan_bgrewriteaof(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let shared = &cx.shard.server.shared;
    let aof = &shared.aof;
    if aof.rewriting() {
        return srv::error(b"ERR Background append only file rewriting already in progress");
    }
    if !shared.persist.claim(child::AOF) {
        // A background save holds the snapshots: the rewrite starts when
        // it ends (kevy-server's rewrite thread asks again).
        aof.schedule(true);
        let mut out = Vec::new();
        resp::simple(&mut out, SCHEDULED);
        return srv::reply(out);
    }
    if !aof.is_open() {
        // Off: Redis still writes a base (and the manifest naming it).
        let (dir, prefix, _) = crate::aof::paths(&shared.config);
        if let Err(e) = aof.open_one_off(&dir, &prefix) {
            shared.persist.release(child::AOF);
            return srv::error(format!("ERR Can't open the append-only file: {e}").as_bytes());
        }
    }
    let nshards = cx.router.nshards();
    let rdb = shared.config.get_bool("aof-use-rdb-preamble");
    match aof.begin_rewrite(nshards, rdb) {
        Ok(generation) => srv::broadcast(
            ServerOp::AofCut,
            &[generation.to_string().as_bytes()],
            nshards,
            cx.parts,
            ServerPlan::AofRewrite {
                in_exec: cx.ctx.in_exec,
            },
        ),
        Err(e) => {
            shared.persist.release(child::AOF);
            srv::error(e.as_bytes())
        }
    }
}

/// The cut on one shard (arguments: the rewrite's generation).
pub fn cut_part(shard: &mut ShardState, args: kevy_rt::Args<'_>) -> ServerReply {
    let generation = args.get(0).and_then(parse_i64).unwrap_or(0) as u64;
    let aof = shard.server.shared.aof.clone();
    if !shard.aof.on && !aof.one_off() {
        // The file was turned on at run time: this shard logs from its cut.
        shard.set_propagating(true);
    }
    if shard.aof.on {
        // What it logged before the cut reaches the replicas too (the cut
        // hands it to the old file only).
        shard.hand_over_feed();
    }
    aof.cut(&mut shard.aof, generation);
    let format = match aof.rdb_base() {
        true => SnapFormat::Rdb,
        false => SnapFormat::Resp,
    };
    begin_cut(shard, format);
    shard.server.rdb_job = Some(SnapJob::Rewrite(generation));
    ServerReply::Count(0)
}

/// Every shard has cut: the function libraries as they are now (every
/// shard is still locked, and the commands changing them lock every shard
/// too) complete the base's head.
pub fn gather(shard: &mut ShardState, in_exec: bool, out: &mut crate::base::resp::Reply<'_>) {
    let shared = &shard.server.shared;
    let head = BaseHead {
        info: file_info(shared),
        opts: crate::persist::rdb::Options {
            incremental_fsync: shared.config.get_bool("aof-rewrite-incremental-fsync"),
            ..options(shared)
        },
    };
    // Every shard is still locked at its cut: this is the rewrite's
    // generation.
    let generation = shared.aof.generation();
    if shared.aof.set_head(generation, head) {
        write_in_background(shared.clone(), generation);
    }
    resp::simple(out, if in_exec { SCHEDULED } else { STARTED });
}

/// A shard's snapshot for rewrite `generation` is complete: it joins the
/// base (unless that rewrite was stopped).
pub fn deposit(shard: &mut ShardState, generation: u64, chunks: Vec<crate::persist::rdb::DbChunk>) {
    let id = shard.server.info.as_ref().map_or(0, |i| i.id);
    let shared = &shard.server.shared;
    if shared.aof.deposit(id, generation, chunks) {
        write_in_background(shared.clone(), generation);
    }
}

/// Writes rewrite `generation`'s base and switches the manifest on a
/// thread of its own, then gives the snapshots back to background saves.
fn write_in_background(shared: Arc<Shared>, generation: u64) {
    let spawned = std::thread::Builder::new()
        .name("aof-rewrite".into())
        .spawn({
            let shared = shared.clone();
            move || {
                crate::base::cpus::place(crate::base::cpus::Helper::AofRewrite);
                // A stopped rewrite gave the snapshots back when stopped.
                if shared.aof.write_and_switch(generation) {
                    shared.persist.release(child::AOF);
                }
            }
        });
    if spawned.is_err() {
        shared.aof.abandon();
        shared.persist.release(child::AOF);
    }
}

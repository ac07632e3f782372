//! `BGREWRITEAOF`: the append-only file rewritten without a fork and
//! without stopping writes to the file. The command locks every shard
//! whole (it is isolated like FLUSHALL), so no multi-shard operation
//! straddles the cut; then each shard, in its part, hands what it logged so
//! far to the old incremental file, switches to the new one and takes its
//! keyspace — RDB key–value pairs under `aof-use-rdb-preamble yes`, else
//! commands (see [`crate::aof::Aof::cut`]); the origin's gather reads the
//! function libraries and starts the thread that writes the base and
//! switches the manifest.

use kevy_rt::Planned;

use crate::aof::files::{BaseHead, BasePart};
use crate::aof::snapshot::snapshot;
use crate::base::num::parse_i64;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::Plan;
use crate::family::persist::{encode_shard, file_info, options};
use crate::family::ServerCx;
use crate::shard::ShardState;

/// The reply once the rewrite is under way.
const STARTED: &[u8] = b"Background append only file rewriting started";

/// BGREWRITEAOF
pub fn plan_bgrewriteaof(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let aof = &cx.shard.server.shared.aof;
    if !aof.is_open() && !aof.rewriting() {
        // Off: Redis still writes a base (and the manifest naming it).
        let (dir, prefix, _) = crate::aof::paths(&cx.shard.server.shared.config);
        if let Err(e) = aof.open_one_off(&dir, &prefix) {
            return srv::error(format!("ERR Can't open the append-only file: {e}").as_bytes());
        }
    }
    let nshards = cx.router.nshards();
    let rdb = cx
        .shard
        .server
        .shared
        .config
        .get_bool("aof-use-rdb-preamble");
    match aof.begin_rewrite(nshards, rdb) {
        Ok(generation) => srv::broadcast(
            ServerOp::AofCut,
            &[generation.to_string().as_bytes()],
            nshards,
            cx.parts,
            ServerPlan::AofRewrite,
        ),
        Err(e) => srv::error(e.as_bytes()),
    }
}

/// The cut on one shard (arguments: the rewrite's generation).
pub fn cut_part(shard: &mut ShardState, args: kevy_rt::Args<'_>) -> ServerReply {
    let generation = args.get(0).and_then(parse_i64).unwrap_or(0) as u64;
    let id = shard.server.info.as_ref().map_or(0, |i| i.id);
    let aof = shard.server.shared.aof.clone();
    let shot = if aof.rdb_base() {
        BasePart::Rdb(encode_shard(shard).0)
    } else {
        BasePart::Resp(snapshot(shard))
    };
    if !shard.aof.on && !aof.one_off() {
        // The file was turned on at run time: this shard logs from its cut.
        shard.set_propagating(true);
    }
    aof.cut(id, &mut shard.aof, generation, shot);
    ServerReply::Count(0)
}

/// Every shard has cut: the base is written in the background, with the
/// function libraries as they are now (every shard is still locked, and
/// the commands changing them lock every shard too).
pub fn gather(shard: &mut ShardState, out: &mut crate::base::resp::Reply<'_>) {
    let shared = &shard.server.shared;
    shared.aof.finish_rewrite(BaseHead {
        info: file_info(shared),
        opts: options(shared),
    });
    resp::simple(out, STARTED);
}

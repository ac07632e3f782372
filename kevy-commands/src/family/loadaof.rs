//! DEBUG LOADAOF: what the shards logged is handed to the file, then the
//! server's data is replaced by what the append-only file holds — Redis's
//! `flushAppendOnlyFile`, `emptyData` and `loadAppendOnlyFiles`. Every
//! shard is held for the whole command (it is planned like DEBUG RELOAD).
//!
//! Round one: each shard hands its feed to the file. Then the origin
//! replays the AOF directory on a harness of as many shards (the
//! registered [`AofLoader`](crate::persist::state::AofLoader): the replay
//! lives in the crate root), which leaves each shard's databases in
//! `Shared::preloaded`. Round two: each shard empties its databases and
//! takes its own.

use kevy_rt::{OwnedArgs, Planned};

use super::ServerCx;
use crate::base::resp;
use crate::cross::admin::{self as srv, ServerOp, ServerPlan, ServerReply};
use crate::cross::{Op, Part, Plan};
use crate::shard::ShardState;

/// DEBUG LOADAOF
pub fn plan(cx: &mut ServerCx<'_, '_>) -> Planned<Plan> {
    let n = cx.router.nshards();
    let mut planned = srv::broadcast(ServerOp::AofFlush, &[], n, cx.parts, ServerPlan::LoadAof(n));
    planned.hold = true;
    planned
}

/// Round one on a shard: what it logged goes to the file.
pub fn flush_part(shard: &mut ShardState) -> ServerReply {
    if shard.aof.on {
        shard.log_expired_all();
        // To the file, and to the replicas.
        shard.hand_over_feed();
    }
    ServerReply::Count(0)
}

/// After round one: the replay, then a load part per shard (false: a
/// round follows). On failure, the error is the reply and nothing changed
/// (Redis exits instead).
pub fn gather_flushed(
    shard: &mut ShardState,
    nshards: usize,
    next: &mut Vec<(usize, Part)>,
    out: &mut Vec<u8>,
    serve: Option<&mut dyn FnMut(&mut ShardState)>,
) -> bool {
    let shared = shard.server.shared.clone();
    let Some(loader) = shared.persist.aof_loader.get() else {
        resp::error(out, b"ERR the append only file cannot be loaded here");
        return true;
    };
    // While it replays, the server is loading (Redis's `loadAppendOnlyFiles`
    // sets `loading`): what a busy script's yield serves meanwhile is
    // answered `-LOADING`, not `-BUSY`; INFO says `loading:1`.
    let loading = &shared.persist.loading;
    loading.store(true, std::sync::atomic::Ordering::Release);
    // This shard's own connections are answered meanwhile (`-LOADING`),
    // as Redis's `processEventsWhileBlocked` answers them: the other shards
    // refuse at `resolve`, this one is busy with the replay.
    let replayed = match serve {
        Some(serve) => {
            // The replay does not touch this shard's state: the serve may.
            let mut serve_here = || serve(shard);
            super::persist::with_loading_serve(&mut serve_here, || loader(nshards))
        }
        None => loader(nshards),
    };
    loading.store(false, std::sync::atomic::Ordering::Release);
    if let Err(e) = replayed {
        resp::error(out, format!("ERR Error loading the AOF: {e}").as_bytes());
        return true;
    }
    for s in 0..nshards {
        next.push((
            s,
            Part {
                db: None,
                resp3: None,
                op: Op::Server(ServerOp::AofLoad),
                args: OwnedArgs::new(),
                value: None,
            },
        ));
    }
    false
}

/// Round two on a shard: its databases replaced by the replay's.
pub fn load_part(shard: &mut ShardState) -> ServerReply {
    for db in shard.dbs.iter_mut() {
        db.emptied(None);
        db.clear();
    }
    let id = shard.server.info.as_ref().map_or(0, |i| i.id);
    if let Some(dbs) = shard.server.shared.preloaded.take(id) {
        for (db, entries) in shard.dbs.iter_mut().zip(dbs) {
            db.restore(entries);
        }
    }
    ServerReply::Count(0)
}

/// After round two.
pub fn gather_loaded(out: &mut Vec<u8>) {
    resp::ok(out);
}

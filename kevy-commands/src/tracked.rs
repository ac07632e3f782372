//! What the `Commands` implementation keeps and writes around a command:
//! the origin-side record of a multi-shard operation ([`Tracked`]), timed
//! part replies, and the refusals accounted as rejected calls.

use kevy_rt::Args;

use crate::accounting::slowlog::Captured;
use crate::base::resp;
use crate::cross::{PartReply, Plan};
use crate::family::spec::Spec;
use crate::session::Ctx;
use crate::shard::{self, ShardState};
use crate::{family, store, table};

/// Writes Redis's `-OOM` refusal of a write over `maxmemory`, accounted as a
/// rejected call.
#[cold]
pub(crate) fn refuse_oom(shard: &mut ShardState, args: Args<'_>, out: &mut Vec<u8>, quiet: bool) {
    let mark = out.len();
    resp::error(out, shard::evict::OOM);
    shard
        .server
        .rejected(table::ids::id_of_args(args), &out[mark..]);
    finish(out, mark, quiet);
}

/// The refusal of a write from client `client`, if it is refused
/// ([`family::replica::write_refusal`]); never while an append-only file
/// loads.
#[inline]
pub(crate) fn write_refusal(
    shard: &ShardState,
    cmd: &'static Spec,
    client: u64,
) -> Option<&'static [u8]> {
    if shard.loading {
        return None;
    }
    family::replica::write_refusal(&shard.server.shared, cmd.flags, client)
}

/// The refusal of a write (`-READONLY`, `-NOREPLICAS`), accounted as a
/// rejected call.
pub(crate) fn refuse_write(
    shard: &mut ShardState,
    err: &[u8],
    args: Args<'_>,
    out: &mut Vec<u8>,
    quiet: bool,
) {
    let mark = out.len();
    resp::error(out, err);
    shard
        .server
        .rejected(table::ids::id_of_args(args), &out[mark..]);
    finish(out, mark, quiet);
}

/// The refusal of a command other than pub/sub ones in RESP2 subscribed mode.
pub(crate) fn refuse_subscribed(
    shard: &mut ShardState,
    cmd: &'static Spec,
    args: Args<'_>,
    out: &mut Vec<u8>,
    quiet: bool,
) {
    let mark = out.len();
    family::pubsub::write_refusal(out, cmd.name);
    shard
        .server
        .rejected(table::ids::id_of_args(args), &out[mark..]);
    finish(out, mark, quiet);
}

/// A command's reply as written to `out[mark..]`: accounted, then dropped
/// when the client asked for no reply.
#[inline]
pub(crate) fn finish(out: &mut Vec<u8>, mark: usize, quiet: bool) {
    if quiet {
        out.truncate(mark);
    }
}

/// A part's reply with how long the part ran.
#[derive(Debug)]
pub struct TimedReply {
    /// The reply.
    pub reply: PartReply,
    /// Nanoseconds the part ran on its shard.
    pub ns: u64,
    /// What a transaction's step propagated on its shard (empty unless the
    /// append-only file is on), for the origin's MULTI/EXEC block.
    pub log: crate::aof::Fragment,
}

/// A multi-shard operation in flight on its origin shard, with what its
/// accounting needs once it is over.
pub struct Tracked {
    /// The operation's own plan.
    pub plan: Plan,
    pub(crate) spec: &'static Spec,
    pub(crate) ctx: Ctx,
    /// Time spent so far: planning, gathering, the longest part of each round.
    pub(crate) ns: u64,
    /// The arguments, kept for the slow log while it is on.
    pub(crate) slow: Option<Captured>,
    /// The number of arguments (for the change counter).
    pub(crate) argc: usize,
    /// An `EXEC` running its queued commands.
    pub(crate) exec: Option<Box<crate::exec::Exec>>,
    /// The arguments, kept to be propagated once the operation is done
    /// (only while the append-only file is on).
    pub(crate) argv: Option<kevy_rt::OwnedArgs>,
    /// The key a multi-shard store command writes (its keyspace event is
    /// sent to that key's shard when the command is done).
    pub(crate) dst: Option<Vec<u8>>,
    /// A script running (see [`crate::script`]).
    pub(crate) script: Option<Box<crate::script::Running>>,
    /// Refused before it ran, and counted so (a rejected call): its reply
    /// is not counted again as a call.
    pub(crate) rejected: bool,
}

impl Tracked {
    /// `plan` for command `spec` with `argc` arguments, nothing else kept
    /// (no slow-log capture, EXEC, propagation, event or script yet).
    /// A refusal already counted (a rejected call): its reply is the plan,
    /// and the gather counts nothing more.
    pub(crate) fn refused(
        reply: Vec<u8>,
        spec: &'static Spec,
        ctx: Ctx,
        ns: u64,
        argc: usize,
    ) -> Tracked {
        Tracked {
            rejected: true,
            ..Tracked::new(Plan::Reply(reply), spec, ctx, ns, argc)
        }
    }

    pub(crate) fn new(plan: Plan, spec: &'static Spec, ctx: Ctx, ns: u64, argc: usize) -> Tracked {
        Tracked {
            plan,
            spec,
            ctx,
            ns,
            slow: None,
            argc,
            exec: None,
            argv: None,
            dst: None,
            script: None,
            rejected: false,
        }
    }
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("plan", &self.plan)
            .field("command", &self.spec.name)
            .field("ns", &self.ns)
            .finish_non_exhaustive()
    }
}

/// Gives `db` back the hit and miss counts it had before a write command
/// (`before`), keeping the expirations it made.
#[inline]
pub(crate) fn uncount(db: &mut store::db::Db, (hits, misses): (u64, u64)) {
    db.counts.hits = hits;
    db.counts.misses = misses;
}

/// The reply for a command handed to the wrong entry point, which the runtime
/// never does with the routes [`Spec::route`] gives.
pub(crate) fn misrouted(out: &mut Vec<u8>) {
    debug_assert!(false, "command routed against its spec");
    resp::error(out, b"ERR internal error: command routed against its spec");
}

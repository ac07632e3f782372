//! A command run on one shard: a keyed command on the shard owning its
//! keys, a connection command on the connection's shard. Refusals first
//! (ACL, OOM, subscribed mode), then the handler, then what every command
//! pays afterwards: keyspace events, tracking, statistics and the AOF.

use kevy_rt::{Args, Flow, LocalCx};

use crate::base::clock::{self, since};
use crate::base::resp::Reply;
use crate::family::{Call, Local, ShardCall};
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::table::{self, Run, Spec};
use crate::tracked::{
    finish, misrouted, refuse_oom, refuse_subscribed, refuse_write, uncount, write_refusal,
};
use crate::{aofrun, events, family, Redis};

impl Redis {
    /// Runs a keyed or shard command on the shard that owns its keys
    /// (`Commands::execute`): ACL, OOM and subscribed-mode refusals, then
    /// the handler with its keyspace events, tracking, accounting and log.
    pub(crate) fn run_keyed(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) {
        if ctx.acl != 0 {
            if let Some(err) = self.refuse(shard, ctx, cmd, args) {
                let mark = out.len();
                out.extend_from_slice(&err);
                return finish(out, mark, ctx.quiet);
            }
        }
        // Inside EXEC nothing is refused as a replica's: the queued
        // commands were checked when queued (Redis's processCommand), and
        // the transaction may have made this server a replica itself.
        if !ctx.in_exec {
            if let Some(err) = write_refusal(shard, cmd, ctx.client) {
                return refuse_write(shard, err, args, out, ctx.quiet);
            }
        }
        // Inside EXEC nothing is refused for memory: the transaction as a
        // whole was checked when EXEC started (Redis's processCommand).
        if !ctx.in_exec && shard.evict.limited() {
            let write = cmd.flags & table::flags::DENYOOM != 0 && !ctx.allow_oom;
            if shard.evict_for(write, args, (ctx.client, ctx.resp3), out) {
                return refuse_oom(shard, args, out, ctx.quiet);
            }
        }
        if ctx.subscribed {
            return refuse_subscribed(shard, cmd, args, out, ctx.quiet);
        }
        match cmd.run {
            Run::Key(f) | Run::Keys(f, _) => {
                if let (Run::Keys(..), Ok(first)) = (cmd.run, usize::try_from(cmd.first_key)) {
                    // MGET, MSET, DEL… with every key here: their lookups'
                    // misses overlap.
                    let end = match usize::try_from(cmd.last_key) {
                        Ok(last) => last + 1,
                        Err(_) => (args.len() as i64 + 1 + i64::from(cmd.last_key)) as usize,
                    };
                    let step = usize::try_from(cmd.step).unwrap_or(1);
                    shard
                        .db_ref(ctx.db as usize)
                        .prefetch_keys(args, first, end, step);
                }
                keyed(shard, ctx, cmd, args, out, false, |shard, now, out| {
                    f(&mut Call {
                        db: shard.db(ctx.db as usize),
                        args,
                        now,
                        out: &mut Reply::new(out, ctx.resp3),
                    })
                })
            }
            Run::Shard(f) | Run::ShardKeys(f, _) => {
                keyed(shard, ctx, cmd, args, out, true, |shard, now, out| {
                    f(&mut ShardCall {
                        db: ctx.db as usize,
                        shard,
                        args,
                        now,
                        out: &mut Reply::new(out, ctx.resp3),
                        caller: (ctx.client, ctx.acl),
                    })
                })
            }
            Run::Local(_) | Run::Plan(_) | Run::Movable(..) | Run::Server(_) => misrouted(out),
        }
    }

    /// Runs a connection command on the connection's shard
    /// (`Commands::execute_local`), or queues it inside `MULTI`.
    pub(crate) fn run_local(
        &self,
        shard: &mut ShardState,
        session: &mut Session,
        cx: &LocalCx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        let code = family::acl::code(&self.acl, session);
        if code != 0 {
            if let Some(flow) = self.refuse_local(shard, session, cx, code, cmd, args, out) {
                return flow;
            }
        }
        if family::txn::diverted(session, cmd) {
            // In MULTI: queued (or refused), not run.
            let mut reply = Reply::new(out, session.resp3);
            return family::txn::queue(
                &mut Local {
                    shard,
                    session,
                    cx,
                    args,
                    out: &mut reply,
                },
                cmd,
            );
        }
        let Run::Local(f) = cmd.run else {
            misrouted(out);
            return Flow::Continue;
        };
        if session.subscribed
            && !session.resp3
            && !family::pubsub::allowed_when_subscribed(cmd.name)
            && !std::ptr::eq(cmd, &table::REJECT)
        {
            let quiet = session.end_command();
            refuse_subscribed(shard, cmd, args, out, quiet);
            return Flow::Continue;
        }
        let mark = out.len();
        let t0 = clock::now();
        let mut reply = Reply::new(out, session.resp3);
        let flow = f(&mut Local {
            shard,
            session,
            cx,
            args,
            out: &mut reply,
        });
        let ns = since(t0);
        shard.flush_signals(session.id);
        shard
            .server
            .done(cmd, ns, &out[mark..], &session.who(), args, None);
        let quiet = session.end_command();
        finish(
            out,
            mark,
            quiet && !family::pubsub::replies_as_pushes(cmd.name),
        );
        flow
    }
}

/// Runs a keyed command's handler `run` (given the shard, the command's
/// time and the reply), with what every keyed command pays around it:
/// keyspace events, hit/miss counts, tracking, signals, accounting, the AOF.
/// `whole`: a handler given the whole shard (`Run::Shard`), which tracks
/// no keys itself and is logged to the AOF as such.
#[inline(always)]
fn keyed(
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    out: &mut Vec<u8>,
    whole: bool,
    run: impl FnOnce(&mut ShardState, crate::store::db::Clock, &mut Vec<u8>),
) {
    let mark = out.len();
    let t0 = clock::now();
    let before = events::before(shard, ctx.db as usize, cmd, args);
    let now = shard.clock();
    let db = shard.db(ctx.db as usize);
    let counts = (db.counts.hits, db.counts.misses);
    run(shard, now, out);
    if cmd.flags & table::flags::WRITE != 0 {
        // Redis counts hits and misses of read lookups only.
        uncount(shard.db(ctx.db as usize), counts);
    }
    if let Some(b) = before {
        events::after(shard, ctx.db as usize, cmd, args, &out[mark..], b);
    }
    if !whole && ctx.track {
        family::tracking::remember(shard, ctx.client, cmd, args);
    }
    shard.flush_signals(ctx.client);
    let ns = since(t0);
    let dirty = shard.server.dirty;
    shard
        .server
        .done(cmd, ns, &out[mark..], &ctx.who(), args, None);
    if shard.aof.on {
        let changed = shard.server.dirty - dirty;
        aofrun::after_command(shard, ctx.db, cmd, args, &out[mark..], changed, whole);
    }
    finish(out, mark, ctx.quiet);
}

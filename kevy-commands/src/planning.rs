//! Multi-shard and isolated commands on their origin shard: planning
//! (refusals, the table's planner, scripts and `EXEC`) and the gather that
//! reduces the parts' replies, accounts the command and logs it.

use kevy_rt::{Args, Gather, LocalCx, Planned, Router};

use crate::base::clock::{self, since};
use crate::base::resp::{self, Reply};
use crate::cross::{self, Part, Plan};
use crate::family::ServerCx;
use crate::session::{Ctx, Session};
use crate::shard::{self, ShardState};
use crate::table::{self, Run, Spec};
use crate::tracked::{finish, TimedReply, Tracked};
use crate::{aofrun, dispatch, events, exec, family, script, Redis};

/// A write refused on a read-only replica (`-READONLY`) or for want of
/// good replicas (`-NOREPLICAS`), or a `denyoom`
/// command (FUNCTION LOAD / RESTORE among the script-owned ones) refused
/// over `maxmemory` with Redis's `-OOM` (none inside EXEC: the transaction
/// was checked as a whole when it started); counted as a rejected call.
/// Any other command evicts as needed first.
pub(crate) fn refuse_oom(
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    t0: clock::Stamp,
) -> Option<Planned<Tracked>> {
    let refused = if ctx.in_exec {
        None
    } else {
        crate::tracked::write_refusal(shard, cmd, ctx.client)
    };
    if refused.is_none() && cmd.flags & table::flags::DENYOOM == 0 {
        // Any other command evicts first, as Redis's `processCommand`
        // does before every command (INFO and DBSIZE included).
        if !ctx.in_exec {
            shard.evict_before();
        }
        return None;
    }
    if refused.is_none() && (ctx.in_exec || ctx.allow_oom || !shard.refuses_write(args)) {
        return None;
    }
    let mut reply = Vec::new();
    if let Some(err) = refused {
        resp::error(&mut reply, err);
    } else {
        resp::error(&mut reply, shard::evict::OOM);
    }
    shard.server.rejected(table::ids::id_of_args(args), &reply);
    Some(Planned {
        plan: Tracked::refused(reply, cmd, ctx, since(t0), args.len()),
        hold: false,
    })
}

impl Redis {
    /// Plans a multi-shard command (`Commands::plan`): refusals answered at
    /// once, then the table's planner, with what the gather will need to
    /// account and log the command.
    pub(crate) fn plan_command(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Tracked> {
        let t0 = clock::now();
        let denied = if ctx.acl != 0 {
            self.refuse(shard, ctx, cmd, args).map(|e| match cmd.name {
                "exec" => crate::base::error::exec_abort(&e),
                _ => e,
            })
        } else {
            None
        };
        if let Some(reply) = denied {
            // Counted by `refuse` (a rejected call, or SORT's failed one).
            return Planned {
                plan: Tracked::refused(reply, cmd, ctx, since(t0), args.len()),
                hold: false,
            };
        }
        if let Some(refused) = refuse_oom(shard, ctx, cmd, args, t0) {
            return refused;
        }
        if ctx.subscribed {
            let mut reply = Vec::new();
            family::pubsub::write_refusal(&mut reply, cmd.name);
            shard.server.rejected(table::ids::id_of_args(args), &reply);
            return Planned {
                plan: Tracked::refused(reply, cmd, ctx, since(t0), args.len()),
                hold: false,
            };
        }
        let planned = match cmd.run {
            Run::Keys(_, plan)
            | Run::ShardKeys(_, plan)
            | Run::Plan(plan)
            | Run::Movable(_, plan) => plan(args, router, parts),
            Run::Server(plan) => plan(&mut ServerCx {
                shard,
                ctx,
                args,
                router,
                parts,
            }),
            Run::Local(_) | Run::Key(_) | Run::Shard(_) => cross::planned(Plan::Misrouted),
        };
        let logging = shard
            .server
            .shared
            .config
            .live()
            .slowlog_slower_than
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 0;
        Planned {
            plan: Tracked {
                slow: logging.then(|| {
                    let hidden = family::monitor::redactions(cmd, args);
                    shard.server.slowlog.capture(args, &hidden)
                }),
                argv: shard.aof.on.then(|| args.to_owned_args()),
                dst: events::store_event(cmd)
                    .and_then(|_| args.get(if cmd.name == "bitop" { 2 } else { 1 }))
                    .map(<[u8]>::to_vec),
                ..Tracked::new(planned.plan, cmd, ctx, since(t0), args.len())
            },
            hold: planned.hold,
        }
    }

    /// Plans an isolated operation (`Commands::plan_isolated`): a script,
    /// `EXEC`, or a command run under its locks.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn plan_isolated_command(
        &self,
        shard: &mut ShardState,
        session: &mut Session,
        cx: &LocalCx,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Tracked> {
        if script::owns(cmd) {
            let t0 = clock::now();
            if ctx.acl != 0 {
                if let Some(err) = self.refuse_isolated(shard, session, cx, ctx.acl, cmd, args) {
                    return Planned {
                        plan: Tracked::new(Plan::Reply(err), cmd, ctx, since(t0), args.len()),
                        hold: false,
                    };
                }
            }
            if let Some(refused) = refuse_oom(shard, ctx, cmd, args, t0) {
                return refused;
            }
            let mut planned = script::plan(self, shard, session, ctx, cmd, args, router, parts);
            planned.plan.ns = since(t0);
            if shard.aof.on && aofrun::changes_functions(cmd) {
                // Logged as given once it succeeded (`after_plan`).
                planned.plan.argv = Some(args.to_owned_args());
            }
            return planned;
        }
        if cmd.name != "exec" {
            return self.plan_command(shard, ctx, cmd, args, router, parts);
        }
        let t0 = clock::now();
        let (plan, exec, rejected) = match exec::start(self, shard, session, cx, (cmd, args)) {
            exec::Start::Reply(reply) => (Plan::Reply(reply), None, false),
            exec::Start::Rejected(reply) => (Plan::Reply(reply), None, true),
            exec::Start::Run(ex) => (Plan::Ok, Some(ex), false),
        };
        let mut tracked = Tracked {
            exec,
            rejected,
            ..Tracked::new(plan, cmd, ctx, 0, args.len())
        };
        if let Some(ex) = tracked.exec.as_mut() {
            ex.begin(self, shard, router, parts);
        }
        tracked.ns = since(t0);
        Planned {
            plan: tracked,
            hold: true,
        }
    }

    /// Reduces a round of part replies (`Commands::gather`): a script's or
    /// a transaction's own gather, a server plan, or the dispatch table's;
    /// the finished reply accounted and logged.
    /// `clients`: this shard's connections, when the runtime lends them
    /// (`Commands::gather_lending`): DEBUG LOADAOF's replay answers them
    /// while it runs.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gather_plan(
        &self,
        shard: &mut ShardState,
        op: &mut Tracked,
        replies: &mut Vec<TimedReply>,
        _router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
        clients: Option<&mut kevy_rt::Clients<'_, Self>>,
    ) -> Gather {
        if op.script.is_some() {
            let replies = std::mem::take(replies);
            return self.gather_script(shard, op, replies, _router, next, out, None);
        }
        let t0 = clock::now();
        op.ns += replies.iter().map(|r| r.ns).max().unwrap_or(0);
        if let Some(mut ex) = op.exec.take() {
            let mark = out.len();
            if !ex.gather(self, shard, std::mem::take(replies), _router, next, out) {
                op.exec = Some(ex);
                return Gather::Again;
            }
            op.ns += since(t0);
            let empty = kevy_rt::OwnedArgs::new();
            let who = op.ctx.who();
            let (spec, ns) = (op.spec, op.ns);
            shard
                .server
                .done(spec, ns, &out[mark..], &who, empty.args(), op.slow.as_ref());
            recycle(shard, op);
            finish(out, mark, op.ctx.quiet);
            return Gather::Done;
        }
        // A part that logged its own effect (`dispatch::logs_in_part`):
        // written here, where the origin logs the operation, so that a
        // transaction's or a script's capture takes it in order.
        let carried = matches!(op.plan, Plan::Whole) && op.spec.name == "xreadgroup";
        if carried {
            for r in replies.iter_mut() {
                let log = std::mem::take(&mut r.log);
                if !log.is_empty() {
                    shard.aof.out().append(&log);
                }
            }
        }
        let mark = out.len();
        let mut reply = Reply::new(out, op.ctx.resp3);
        let g = match &mut op.plan {
            // The one-round plans reduce the replies where they lie, in the
            // runtime's list (no vector of them).
            Plan::Sum | Plan::Ok | Plan::Mget { .. } => {
                dispatch::gather_one_round(&op.plan, replies, |r| &mut r.reply, &mut reply);
                if let Plan::Mget { slots } = &mut op.plan {
                    // Its list serves the next MGET planned here.
                    cross::spare::keep_slots(std::mem::take(slots));
                }
                Gather::Done
            }
            Plan::Server(p) => {
                let replies = replies.drain(..).map(|r| r.reply).collect();
                let lent = clients.map(|c| (self, c));
                dispatch::admin::gather(shard, op.ctx, p, replies, next, &mut reply, lent)
            }
            plan => {
                let replies = replies.drain(..).map(|r| r.reply).collect();
                dispatch::gather(plan, replies, next, &mut reply)
            }
        };
        op.ns += since(t0);
        if g == Gather::Done {
            let empty = kevy_rt::OwnedArgs::new();
            if !op.rejected {
                shard.server.done(
                    op.spec,
                    op.ns,
                    &out[mark..],
                    &op.ctx.who(),
                    empty.args(),
                    op.slow.as_ref(),
                );
            }
            recycle(shard, op);
            let dirty = shard.server.dirty;
            shard.server.count_dirty(op.spec, op.argc, &out[mark..]);
            if let Some(argv) = op.argv.take().filter(|_| !carried) {
                let changed = shard.server.dirty - dirty;
                aofrun::after_plan(
                    shard,
                    op.ctx.db,
                    op.spec,
                    argv.args(),
                    &out[mark..],
                    changed,
                );
            }
            // A plan run whole on one shard named its events there.
            if let Some(dst) = op.dst.take().filter(|_| !matches!(op.plan, Plan::Whole)) {
                events::stored(shard, _router, op.ctx.db, op.spec, &dst, &out[mark..]);
            }
            finish(out, mark, op.ctx.quiet);
        }
        g
    }

    /// `gather` of a script operation (`clients`: this shard's connections,
    /// when the runtime lends them).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gather_script(
        &self,
        shard: &mut ShardState,
        op: &mut Tracked,
        replies: Vec<TimedReply>,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
        clients: Option<&mut kevy_rt::Clients<'_, Self>>,
    ) -> Gather {
        let t0 = clock::now();
        op.ns += replies.iter().map(|r| r.ns).max().unwrap_or(0);
        let mark = out.len();
        let g = script::gather(self, shard, op, replies, router, next, out, clients);
        op.ns += since(t0);
        if g == Gather::Done {
            let empty = kevy_rt::OwnedArgs::new();
            let who = op.ctx.who();
            let (spec, ns) = (op.spec, op.ns);
            let counts = script::run::take_counts();
            let failed = out.get(mark) == Some(&b'-');
            if counts.top && failed {
                // Its error was counted where its call ran (Redis's
                // `ERR_REPLY_FLAG_NO_STATS_UPDATE`).
                shard.server.uncounted = true;
            }
            shard
                .server
                .done(spec, ns, &out[mark..], &who, empty.args(), op.slow.as_ref());
            if !counts.nested.is_empty() || counts.nested_counted > 0 {
                shard.server.nested_errors(spec, failed, &counts);
            }
            recycle(shard, op);
            finish(out, mark, op.ctx.quiet);
        }
        g
    }
}

/// Hands a finished operation's slow-log capture back to the shard's spares.
fn recycle(shard: &mut ShardState, op: &mut Tracked) {
    if let Some(c) = op.slow.take() {
        shard.server.slowlog.recycle(c);
    }
}

//! The [`Commands`] implementation for [`Redis`]: how the runtime calls
//! into the command table and the data structures, each method delegating
//! to `redis` (the struct, its builder, a shard's tick), `run` (a command
//! on one shard), `planning` (multi-shard and isolated commands: plan and
//! gather) or the family that owns the concern.

use kevy_rt::{
    Args, ClientFacts, Clients, Commands, Flow, Gather, LocalCx, LockSet, Park, Planned, Prefetch,
    Resolved, Route, Router, Served, ShardInfo, Unpark,
};

use crate::base::clock::{self, now_ms, since};
use crate::cross::Part;
use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::table::{Run, Spec};
use crate::tracked::{TimedReply, Tracked};
use crate::{
    accounting, aof, aofrun, cross, dispatch, exec, family, pause, persistence, planning, repl,
    script, shard, table,
};

use crate::redis::Redis;

impl Commands for Redis {
    type Shard = ShardState;
    type Cmd = &'static Spec;
    type Session = Session;
    type Ctx = Ctx;
    type Part = Part;
    type PartReply = TimedReply;
    type Plan = Tracked;

    fn new_shard(&self, info: ShardInfo) -> ShardState {
        let seed = (now_ms() as u64) ^ (info.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.scripts.set_nshards(info.nshards);
        let mut ks = ShardState::new(self.database_count(), seed);
        // A start-up load still running: this shard takes its keys later
        // (read before taking any, so that keys placed meanwhile are
        // taken then, by the same idempotent take). A replay's own
        // shards (the AOF's, on a harness) are not the runtime's.
        let p = &self.shared.persist;
        let loading =
            p.loading.load(std::sync::atomic::Ordering::Acquire) && !family::persist::replaying();
        let loaded = p.loaded.load(std::sync::atomic::Ordering::Acquire);
        if let Some(dbs) = self.shared.preloaded.take(info.id) {
            for (db, entries) in ks.dbs.iter_mut().zip(dbs) {
                db.restore(entries);
            }
        }
        // Replicas' output is left out of `maxmemory`: the runtime sums it.
        info.settings.sum_output_of(repl::REPLICA_CLASS);
        ks.set_limits(&self.shared.config.live().memory);
        ks.set_propagating(self.shared.aof.is_enabled());
        ks.aof.generation = self.shared.aof.generation();
        ks.pubsub.set_outbox(info.outbox.clone());
        ks.pubsub
            .set_key_listeners(self.shared.key_listeners.clone());
        ks.set_ready(&info.ready);
        ks.outbox = info.outbox.clone();
        ks.id = info.id;
        ks.nshards = info.nshards;
        p.shards
            .store(info.nshards, std::sync::atomic::Ordering::Relaxed);
        let id = info.id;
        let info_nshards = info.nshards;
        ks.server = accounting::ShardServer::new(self.shared.clone(), Some(info));
        ks.server.stats.make_all(table::ids::count());
        persistence::take_preloaded(&mut ks, id);
        if loading {
            ks.awaiting_load = true;
            if loaded {
                persistence::install_loaded(&mut ks, id, info_nshards);
            }
        }
        ks
    }

    fn new_session(&self, client: &ClientFacts) -> Session {
        let mut s = Session::new(client);
        s.set_user(0, self.acl.auth_free());
        s
    }

    fn evicting(&self, shard: &mut ShardState, client: kevy_rt::Client<'_, Self>) {
        family::client::log_eviction(shard, &client.facts, client.session, client.last_cmd);
    }

    #[inline]
    fn guest(&self, session: &Session) -> bool {
        !session.authenticated && !self.acl.auth_free()
    }

    #[inline]
    fn resolve(&self, args: Args<'_>) -> Resolved<&'static Spec> {
        match table::find(args) {
            Ok(spec) => match self.stand_in(spec, args) {
                None => Resolved {
                    cmd: spec,
                    route: spec.route(),
                },
                // Refused here, on the connection's shard.
                Some(refusal) => Resolved {
                    cmd: refusal,
                    route: Route::Local,
                },
            },
            Err(_) => Resolved {
                cmd: &table::REJECT,
                route: Route::Local,
            },
        }
    }

    #[inline]
    fn ctx(&self, session: &Session) -> Ctx {
        Ctx {
            db: session.db as u32,
            quiet: session.quiet(),
            named: session.name.is_some(),
            unix: session.unix,
            client: session.id,
            resp3: session.resp3,
            subscribed: session.subscribed && !session.resp3,
            track: family::tracking::tracks(session),
            acl: family::acl::code(&self.acl, session),
            in_exec: false,
            allow_oom: false,
        }
    }

    #[inline]
    fn dispatched(&self, session: &mut Session) {
        session.end_command();
    }

    #[inline]
    fn execute(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) {
        self.run_keyed(shard, ctx, cmd, args, out)
    }

    #[inline]
    fn prefetch(
        &self,
        shard: &ShardState,
        ctx: &Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        stage: Prefetch,
    ) {
        if let (Run::Key(_) | Run::Keys(..), Ok(k)) = (cmd.run, usize::try_from(cmd.first_key)) {
            if k > 0 && k < args.len() {
                shard.db_ref(ctx.db as usize).prefetch(args.at(k), stage);
            }
        }
    }

    fn execute_local(
        &self,
        shard: &mut ShardState,
        session: &mut Session,
        cx: &LocalCx,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Flow {
        self.run_local(shard, session, cx, cmd, args, out)
    }

    fn plan(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        router: &Router,
        parts: &mut Vec<(usize, Part)>,
    ) -> Planned<Tracked> {
        if script::owns(cmd) {
            // A script whose keys live on one shard: `isolate` locked nothing.
            let t0 = clock::now();
            if ctx.acl != 0 {
                if let Some(err) = self.refuse(shard, ctx, cmd, args) {
                    // Counted as a rejected call by `refuse`.
                    return Planned {
                        plan: Tracked::refused(err, cmd, ctx, since(t0), args.len()),
                        hold: false,
                    };
                }
            }
            if let Some(refused) = planning::refuse_oom(shard, ctx, cmd, args, t0) {
                return refused;
            }
            let mut planned = script::plan_free(self, shard, ctx, cmd, args, router, parts);
            planned.plan.ns = since(t0);
            return planned;
        }
        self.plan_command(shard, ctx, cmd, args, router, parts)
    }

    fn isolate(
        &self,
        session: &mut Session,
        _ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        locks: &mut LockSet,
    ) -> bool {
        if family::txn::one_round(cmd, args, locks) {
            return true;
        }
        if script::owns(cmd) {
            if aofrun::changes_functions(cmd) {
                // Every shard, as a rewrite's cut or a save takes them: the
                // libraries a base or snapshot holds agree with the log.
                locks.everything();
                return true;
            }
            return script::isolate(self, session, cmd, args, locks);
        }
        if cmd.name == "exec" {
            // Inside MULTI: always planned with the session, which holds the
            // queue (an aborted one locks nothing).
            if let Some(m) = session.multi.as_ref() {
                if !m.dirty {
                    family::txn::isolate_exec(m, &session.watched, locks);
                }
                return true;
            }
            return false;
        }
        family::txn::isolate(cmd, args, locks)
    }

    #[inline]
    fn diverted(&self, session: &Session, cmd: &'static Spec) -> bool {
        family::txn::diverted(session, cmd)
    }

    fn plan_isolated(
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
        if family::txn::is_one_round(cmd) {
            // Planned right after `isolate` declared its keys: the split
            // reuses their routing hashes.
            return cross::routes::lend(|| {
                self.plan_isolated_command(shard, session, cx, ctx, cmd, args, router, parts)
            });
        }
        self.plan_isolated_command(shard, session, cx, ctx, cmd, args, router, parts)
    }

    fn restart(
        &self,
        session: &mut Session,
        plan: &mut Tracked,
        locks: &mut LockSet,
    ) -> Option<(Ctx, &'static Spec, kevy_rt::OwnedArgs)> {
        script::restart(self, session, plan, locks)
    }

    fn execute_part(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        part: Part,
        clients: &mut Clients<'_, Self>,
    ) -> TimedReply {
        let t0 = clock::now();
        let ctx = match part.db {
            Some(db) => Ctx { db, ..ctx },
            None => ctx,
        };
        let ctx = match part.resp3 {
            Some(resp3) => Ctx { resp3, ..ctx },
            None => ctx,
        };
        if let (true, cross::Op::Mget) = (ctx.track, &part.op) {
            family::tracking::remember_keys(shard, ctx.client, part.args.args());
        }
        // What these parts log travels back to their origin with the reply:
        // a transaction's commands, a script's calls, and a whole
        // XREADGROUP (`dispatch::logs_in_part`).
        let capture = shard.aof.on
            && (matches!(part.op, cross::Op::Exec | cross::Op::ScriptCall)
                || dispatch::logs_in_part(&part));
        if capture {
            shard.aof.start_capture();
        }
        let reply = match part.op {
            cross::Op::Exec => exec::execute_part(self, shard, ctx, part),
            cross::Op::Script | cross::Op::ScriptFree => {
                script::execute_part(self, shard, ctx, part, clients)
            }
            cross::Op::ScriptCall => script::execute_call(self, shard, ctx, part),
            cross::Op::Server(op) => dispatch::admin::execute(shard, ctx, op, &part.args, clients),
            _ => dispatch::execute_part(shard, ctx, part),
        };
        let log = if capture {
            shard.aof.end_capture()
        } else {
            aof::Fragment::default()
        };
        if shard.aof.on {
            // Keys the part found expired (RANDOMKEY's, SCAN's…): their
            // `DEL`s before the command, which its origin logs once gathered.
            shard.log_expired_all();
        }
        shard.flush_signals(ctx.client);
        TimedReply {
            reply,
            ns: since(t0),
            log,
        }
    }

    fn gather_lending(
        &self,
        shard: &mut ShardState,
        op: &mut Tracked,
        replies: &mut Vec<TimedReply>,
        router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
        clients: &mut kevy_rt::Clients<'_, Self>,
    ) -> Gather {
        if op.script.is_some() {
            // A global-mode script runs here: past its time limit it
            // serves this shard's connections.
            let replies = std::mem::take(replies);
            return self.gather_script(shard, op, replies, router, next, out, Some(clients));
        }
        self.gather_plan(shard, op, replies, router, next, out, Some(clients))
    }

    fn gather(
        &self,
        shard: &mut ShardState,
        op: &mut Tracked,
        mut replies: Vec<TimedReply>,
        _router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        self.gather_plan(shard, op, &mut replies, _router, next, out, None)
    }

    /// Parked calls wait on keys of their database.
    fn keyspace(&self, ctx: Ctx) -> u32 {
        ctx.db
    }

    #[inline]
    fn blocking(
        &self,
        s: &Session,
        cmd: Self::Cmd,
        args: Args<'_>,
        keys: &mut Vec<u32>,
    ) -> Option<Park> {
        if !family::blocking::may_park(cmd) {
            return None;
        }
        if cmd.name == "wait" {
            return family::wait::blocking(&self.shared.replicas, s, args);
        }
        family::blocking::blocking(s, cmd, args, keys)
    }

    fn ready(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: Self::Cmd,
        args: Args<'_>,
        key: u32,
        first: bool,
    ) -> bool {
        family::blocking::ready(shard, ctx, cmd, args, key, first)
    }

    fn serve(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: Self::Cmd,
        args: Args<'_>,
        key: u32,
        out: &mut Vec<u8>,
    ) -> Served {
        let db = ctx.db;
        family::blocking::serve(
            shard,
            ctx,
            cmd,
            args,
            key,
            out,
            &mut |shard, reply, changed| {
                if shard.aof.on {
                    // A blocked pop served later logs the pop it made.
                    aofrun::after_command(shard, db, cmd, args, reply, changed, false);
                }
            },
        )
    }

    fn missed(&self, op: &Tracked) -> bool {
        family::blocking::missed(&op.plan)
    }

    fn unparked(
        &self,
        shard: &mut ShardState,
        s: &Session,
        cmd: Self::Cmd,
        args: Args<'_>,
        why: Unpark,
        out: &mut Vec<u8>,
    ) {
        family::blocking::unparked(shard, s, cmd, args, why, out);
    }

    fn monitor_line(
        &self,
        session: &Session,
        client: &ClientFacts,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) {
        family::monitor::monitor_line(&self.shared, session, client, cmd, args, out);
    }

    fn monitor_lines(&self, _shard: &mut ShardState, out: &mut Vec<u8>) {
        script::monitor::drain(out);
    }

    fn output_class(&self, session: &Session) -> usize {
        if session.subscribed {
            family::pubsub::PUBSUB_CLASS
        } else if self.shared.replicas.is(session.id) {
            family::pubsub::REPLICA_CLASS
        } else {
            0
        }
    }

    fn idle_exempt(&self, session: &Session) -> bool {
        // Redis's `timeout` spares Pub/Sub clients, replicas and the link
        // applying a primary's stream.
        session.subscribed
            || self.shared.replicas.is(session.id)
            || self.shared.upstream.is_link(session.id)
    }

    fn closed(&self, shard: &mut ShardState, session: &mut Session, conn: kevy_rt::ConnHandle) {
        if session.subscribed {
            family::pubsub::drop_all(&mut shard.pubsub, session, conn);
        }
        family::watch::unwatch_all(shard, session);
        family::tracking::closed(&self.shared, shard, session);
        if self.shared.replicas.remove(session.id) {
            // Its shard's pushes of its stream were delivered or are gone
            // with it: no need to wait for the tick to uncount them.
            let taken = std::mem::take(&mut shard.repl_taken);
            self.shared.replicas.release(taken);
        }
        self.shared.replicas.finish_wait(session.id);
    }

    fn evictable(&self, session: &Session) -> bool {
        // Only normal and Pub/Sub clients, as in Redis: never a replica
        // nor the link applying a primary's stream.
        !session.no_evict && self.client_memory_counted(session)
    }

    fn client_memory_counted(&self, session: &Session) -> bool {
        use family::client::ClientType;
        matches!(
            family::client::type_of(&self.shared, session),
            ClientType::Normal | ClientType::Pubsub
        )
    }

    fn session_memory(&self, session: &Session) -> usize {
        session.memory()
    }

    fn refuses_connection(&self, peer: Option<std::net::SocketAddr>, out: &mut Vec<u8>) -> bool {
        if !self.acl.refuses(peer) {
            return false;
        }
        out.extend_from_slice(family::acl::PROTECTED_MODE);
        true
    }

    /// A connection moves only with nothing of it registered on its shard:
    /// no subscriptions, watched keys, transaction, tracking (its keys'
    /// shards hold its handle), not a tracking redirect target, not
    /// monitoring, no script restart pending.
    fn movable(&self, session: &Session) -> bool {
        !session.subscribed
            && session.multi.is_none()
            && session.watched.is_empty()
            && session.tracking.is_none()
            && !session.monitor
            && !session.script_global
            && !family::tracking::is_redirect_target(&self.shared, session.id)
            && !self.shared.replicas.is(session.id)
    }

    fn moved(&self, _shard: &mut ShardState, session: &mut Session, conn: kevy_rt::ConnHandle) {
        session.conn = Some(conn);
        family::tracking::register(&self.shared, session.id, Some((conn, session.peer)));
    }

    fn opened(&self, _shard: &mut ShardState, session: &mut Session, conn: kevy_rt::ConnHandle) {
        session.conn = Some(conn);
        family::tracking::register(&self.shared, session.id, Some((conn, session.peer)));
    }

    fn render_push(&self, session: &Session, tag: u8, payload: &[u8], out: &mut Vec<u8>) {
        family::tracking::render(session, tag, payload, out);
    }

    fn notice(&self, shard: &mut ShardState, bytes: &[u8]) {
        if let Some(n) = shard::notify::Notice::decode(bytes) {
            shard.on_notice(&n);
        }
        shard.flush_signals(0);
    }

    fn pausable(
        &self,
        session: &Session,
        cmd: &'static Spec,
        args: Args<'_>,
        writes_only: bool,
    ) -> bool {
        pause::pausable(self, session, cmd, args, writes_only)
    }

    fn stopped(&self, shard: &mut ShardState) {
        persistence::stopped(&self.shared, shard);
    }

    fn tick(&self, shard: &mut ShardState) {
        self.tick_shard(shard)
    }

    fn nudged(&self, shard: &mut ShardState) {
        // The start-up load is done: take its keys now.
        persistence::install_when_loaded(shard);
        // `maxmemory` lowered: evict now, as Redis's CONFIG SET does, and
        // publish what went at once (invalidations, notifications), as
        // Redis does from its eviction loop. Left in the change log until
        // the tick, the evicted keys' names counted as used memory when the
        // tick's eviction looked, which evicted more for them, and so on
        // (Redis's "client tracking don't cause eviction feedback loop").
        shard.evict_nudged();
        shard.flush_signals(0);
    }

    #[inline]
    fn before_replies(&self, shard: &mut ShardState) {
        shard.broadcast_tracking();
        aofrun::before_replies(self, shard);
        // A background save's or AOF rewrite's snapshot advances a slice
        // per iteration.
        family::persist::snapshot_slice(shard, family::persist::SLICE_BUCKETS);
    }

    #[inline]
    fn after_messages(&self, shard: &mut ShardState) {
        if let Some(d) = shard.server.sleep.take() {
            std::thread::sleep(d);
        }
    }

    #[inline]
    fn holds_replies(&self, shard: &ShardState) -> bool {
        aofrun::holds_replies(self, shard)
    }

    #[inline]
    /// Redis's `hz`: read at each tick, so that CONFIG SET takes effect at
    /// the next one.
    fn tick_interval(&self) -> std::time::Duration {
        let hz = self.shared.config.get_i64("hz").clamp(1, 500) as u64;
        std::time::Duration::from_micros(1_000_000 / hz)
    }

    fn background(&self, shard: &ShardState) -> bool {
        shard.server.rdb_job.is_some()
    }
}

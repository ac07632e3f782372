//! # kevy-commands
//!
//! The Redis command set for [`kevy_rt`]: a declarative command table, the
//! per-shard keyspace, and the command families, answering byte-for-byte like
//! redis-server 7.0.
//!
//! ```
//! use kevy_commands::Redis;
//! use kevy_rt::testing::Harness;
//!
//! let mut h = Harness::new(Redis::new().databases(4), 3);
//! assert_eq!(h.run(&["SET", "k", "v"]), b"+OK\r\n");
//! assert_eq!(h.run(&["MGET", "k", "other"]), b"*2\r\n$1\r\nv\r\n$-1\r\n");
//! ```
//!
//! ## How a command runs
//! [`Redis::resolve`](kevy_rt::Commands::resolve) looks the verb up once in the
//! [`table`] and checks its arity; the resulting `&'static Spec` travels with
//! the command. Its [`Run`] says where it runs: on the connection's
//! shard (connection commands and every resolve-time error), on the shard that
//! owns its key, over the shards owning its keys, or planned over all shards.
//! A command whose keys follow a `numkeys` argument (ZUNION, ZMPOP…) is
//! always planned: it runs whole on the shard owning all its keys, or its
//! inputs are fetched to the origin and any result stored in a second round.
//! Handlers parse their arguments, call a shard-local `op_…` function that
//! returns a value or an [`Error`](base::error::Error), and write the reply from it.
//!
//! ## Protocols
//! A connection speaks RESP2 until `HELLO 3`; the session keeps its
//! protocol and [`Ctx`] carries it with every forwarded command and part, so
//! a handler on any shard, and the gather on the origin, write into a
//! [`base::resp::Reply`] that knows it. Replies whose RESP3 shape differs (null
//! `_`, maps `%`, sets `~`, doubles `,`, nested WITHSCORES pairs, verbatim
//! `=` text) go through the writers taking a `Reply`; the rest are the same
//! bytes in both.
//!
//! ## Layout
//! The crate is built in layers, bottom first; a module imports only its
//! own layer and those below (`cargo xtask tidy` checks it, with the list
//! in `xtask/src/layers.rs`; ARCHITECTURE.md draws it):
//! 1. [`base`], primitives: [`base::bytes`] (the byte string of keys,
//!    values and elements), [`base::num`] (integer and `long double`
//!    arithmetic), [`base::float`] (doubles through the C library, as Redis
//!    does), [`base::resp`] (the reply writer, RESP2 and RESP3:
//!    [`base::resp::Reply`] is a handler's output buffer with its
//!    connection's protocol, and the writers whose shape differs between the
//!    two take it), [`base::error`] (errors as values), [`base::clock`],
//!    [`base::random`] (the one xorshift generator), [`base::glob`]
//!    (Redis's glob matcher), [`base::sys`], [`base::hist`],
//!    [`base::sparkline`], [`base::text`].
//! 2. [`model`], the data model: [`model::value`] (stored values),
//!    [`model::types`] (list, hash and set with their compact encodings),
//!    [`model::zset`] (compact encoding and skiplist), [`model::hll`]
//!    (Redis's HyperLogLog representation), [`model::size`] (what a value
//!    costs: MEMORY USAGE's estimate, eviction's accounting).
//! 3. [`store`]: [`store::db`], a shard's databases (one thin pointer per
//!    key to a node holding key and value), lazy expiry, the access clock
//!    and LFU counter (OBJECT IDLETIME, FREQ), SCAN's walk, random keys and
//!    eviction's sampling; [`store::limits`] (`maxmemory` and its policies,
//!    the [`MemoryGauge`] an embedder installs), [`store::lfu`],
//!    [`store::pool`] (Redis's eviction pool).
//! 4. The shard: [`shard::ShardState`], everything one shard owns (its
//!    databases, accounting and eviction state), with [`shard::evict`]
//!    (eviction and the `-OOM` refusal of `denyoom` commands; each shard
//!    evicts its own keys) and [`shard::expire`] (active expiry);
//!    [`accounting`]: server-wide state ([`accounting::Shared`]) and each
//!    shard's accounting (command statistics, slow log, latency monitor;
//!    every command is timed on the shard that runs it); [`config`]: the
//!    settings registry behind the config file and `CONFIG`; [`session`]: a
//!    connection's [`Session`] and the [`Ctx`] its commands carry to other
//!    shards (selected database, protocol, …).
//! 5. The commands, in two layers:
//!    - [`cross`] (below the families, naming none of them): multi-shard
//!      parts, their replies, and the plans that gather them;
//!      [`cross::coll`] has those of the list and set families (moves
//!      between shards, LMPOP), [`cross::keys`] those of the generic key
//!      commands (whole values travelling between shards, RANDOMKEY,
//!      SWAPDB, SORT's rounds), [`cross::admin`] those of the server
//!      commands, [`cross::ops`] the part operations of the sorted set,
//!      bitmap, HyperLogLog, GEO and stream families; a family's own
//!      state between rounds is a [`cross::FamilyPlan`]
//!      (`family/*/cross.rs`, set algebra, LMPOP, RENAME, COPY, SCAN, SORT).
//!    - [`family`]: the handlers, one module per family: `connection`
//!      (PING, ECHO, QUIT, SELECT, HELLO, resolve errors), `command`
//!      (COMMAND …), `string` (with LCS), `keys` (generic key commands and
//!      expiry; RENAME, COPY, MOVE in `keys::moves`, SCAN and RANDOMKEY in
//!      `keys::scan`, OBJECT in `keys::object`), `sort` (SORT, SORT_RO),
//!      `list`, `hash`, `set`, `zset` (sorted sets), `bitmap` (SETBIT …
//!      BITFIELD), `hll` (PFADD, PFCOUNT, PFMERGE); the server commands
//!      `client`, `config`, `info`, `diag` (SLOWLOG, LATENCY), `debug`
//!      (DEBUG, MEMORY) and `monitor` (MONITOR, TIME, LASTSAVE); `opts`
//!      holds what several families share (argument parsing, client
//!      names, SELECT's index, OBJECT ENCODING's names). [`family::spec`]
//!      says what a command is ([`family::spec::Spec`]: arity, flags, key
//!      positions, ACL categories, key specs, route kind and handler; the
//!      handler contexts), holds [`family::spec::docs`] (what `COMMAND
//!      DOCS` reports: argument trees, history…, cold data apart from the
//!      specs, generated from a live redis-server by `cargo xtask gen-docs`
//!      into `family/spec/docs/generated/*.rs`), and the
//!      [`family::spec::Catalog`] through which the families read the
//!      table above them.
//! 6. [`table`]: the command table, one [`Spec`] per verb
//!    naming its handler (`table/specs.rs` and, per family,
//!    `table/specs/*.rs`), the one-lookup resolver, the commands' counter
//!    indexes ([`table::ids`]) and [`table::CATALOG`].
//! 7. This file: the [`Commands`] implementation for [`Redis`], each method
//!    delegating to `redis` (the struct, its builder, a shard's tick), `run`
//!    (a command on one shard) or `planning` (multi-shard and isolated
//!    commands: plan and gather); and
//!    [`dispatch`]: a part run by its [`cross::Op`], a plan gathered by its
//!    [`cross::Plan`] (the matches that call into each family;
//!    [`dispatch::coll`], [`dispatch::keys`] and [`dispatch::admin`] run
//!    the list and set, key and server parts, and reduce the key and
//!    server plans).
//!
//! ## Known limitations
//!
//! Listed in [`limits`].
#![deny(missing_docs)]

use kevy_rt::{
    Args, ClientFacts, Clients, Commands, Flow, Gather, LocalCx, LockSet, Park, Planned, Prefetch,
    Resolved, Route, Router, Served, ShardInfo, Unpark,
};

pub mod accounting;
pub mod acl;
pub mod aof;
pub mod aofrun;
pub mod base;
pub mod config;
pub mod cross;
pub mod dispatch;
mod events;
mod exec;
pub mod family;
pub mod limits;
pub mod model;
mod pause;
pub mod persist;
mod persistence;
mod planning;
mod redis;
pub mod repl;
mod run;
pub mod script;
pub mod session;
pub mod shard;
pub mod store;
pub mod table;
mod tracked;

pub use tracked::{TimedReply, Tracked};

pub use store::limits::MemoryGauge;

#[cfg(test)]
mod testutil;

use base::clock::{self, now_ms, since};
use cross::Part;
pub use session::{Ctx, Session};
use shard::ShardState;
use table::{Run, Spec};

pub use redis::Redis;

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
        let p = &self.shared.persist;
        p.shards
            .store(info.nshards, std::sync::atomic::Ordering::Relaxed);
        let id = info.id;
        ks.server = accounting::ShardServer::new(self.shared.clone(), Some(info));
        ks.server.stats.make_all(table::ids::count());
        persistence::take_preloaded(&mut ks, id);
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
        self.gather_plan(shard, op, replies, router, next, out)
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
        self.gather_plan(shard, op, &mut replies, _router, next, out)
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
    fn background(&self, shard: &ShardState) -> bool {
        shard.server.rdb_job.is_some()
    }
}

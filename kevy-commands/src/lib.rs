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
//! 5. The commands (one layer, whose modules still import each other
//!    through the `cross` enums):
//!    - [`cross`]: multi-shard parts, their replies, and the plans that
//!      gather them; [`cross::coll`] has those of the list and set families
//!      (set algebra, moves between shards, LMPOP), [`cross::keys`] those
//!      of the generic key commands (whole values travelling between
//!      shards, SCAN, RANDOMKEY, SWAPDB, SORT's rounds), [`cross::admin`]
//!      those of the server commands; the sorted set, bitmap and
//!      HyperLogLog families add their own (`family/*/cross.rs`).
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
//! 7. This file: [`Redis`], the [`Commands`] implementation, and
//!    [`dispatch`]: a part run by its [`cross::Op`], a plan gathered by its
//!    [`cross::Plan`] (the matches that call into each family).
//!
//! ## Known limitations
//!
//! Listed in [`limits`].
#![deny(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

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
pub mod script;
pub mod session;
pub mod shard;
pub mod store;
pub mod table;
mod tracked;

use tracked::{finish, misrouted, refuse_oom, refuse_subscribed, uncount};
pub use tracked::{TimedReply, Tracked};

pub use store::limits::MemoryGauge;

#[cfg(test)]
mod testutil;

use accounting::slowlog::Captured;
use accounting::Shared;
use base::clock::{self, now_ms, since};
use base::resp::{self, Reply};
use cross::{Part, PartReply, Plan};
use family::{Call, Local, ServerCx, ShardCall};
pub use session::{Ctx, Session};
use shard::ShardState;
use table::{Run, Spec};

/// The Redis command set. Configure with the builder methods (or its
/// [`config`](Redis::config)), then hand it to the runtime. Clones share the
/// server state: settings, statistics, logs.
#[derive(Clone, Debug)]
pub struct Redis {
    shared: Arc<Shared>,
    /// The users (also in the config's live settings), at hand for the
    /// per-command context.
    acl: Arc<acl::Acl>,
    /// The scripts (`EVAL`, `SCRIPT LOAD`), shared by every shard.
    scripts: Arc<script::Registry>,
}

impl Default for Redis {
    fn default() -> Redis {
        table::install();
        family::acl::install_commands();
        let shared = Arc::new(Shared::new());
        let scripts: Arc<script::Registry> = Arc::default();
        let _ = shared.persist.functions.set(scripts.clone());
        let (weak, lua) = (Arc::downgrade(&shared), scripts.clone());
        let _ = shared.persist.aof_loader.set(Box::new(move |nshards| {
            // A weak reference: the state does not keep itself alive.
            let shared = weak.upgrade().ok_or("the server is gone")?;
            let redis = Redis {
                acl: shared.config.live().acl.clone(),
                shared,
                scripts: lua.clone(),
            };
            aofrun::reload(&redis, nshards)
        }));
        Redis {
            acl: shared.config.live().acl.clone(),
            shared,
            scripts,
        }
    }
}

impl Redis {
    /// The command set with Redis's defaults (16 databases).
    pub fn new() -> Redis {
        Redis::default()
    }

    /// Sets the number of databases `SELECT` can reach (at least 1).
    pub fn databases(self, n: usize) -> Redis {
        let n = n.clamp(1, i32::MAX as usize).to_string();
        let _ = self.shared.config.load("databases", &[&n]);
        self
    }

    /// The number of databases.
    pub fn database_count(&self) -> usize {
        self.shared.config.get_i64("databases").max(1) as usize
    }

    /// The settings (filled by the server from its config file and flags
    /// before it starts; changed by `CONFIG SET` while it runs).
    pub fn config(&self) -> &config::ConfigTable {
        &self.shared.config
    }

    /// The server-wide state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Loads the users of `aclfile` (at start-up; nothing when it is
    /// not set). Redis's error text on failure.
    pub fn load_acl_file(&self) -> Result<(), String> {
        let path = self.shared.config.get("aclfile").unwrap_or_default();
        if path.is_empty() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("Error loading ACLs, opening file '{path}': {e}"))?;
        let all = self
            .acl
            .pubsub_all
            .load(std::sync::atomic::Ordering::Relaxed);
        let users = family::acl::file::parse(&path, &text, all)?;
        self.acl
            .modify(|t| Ok::<_, String>(family::acl::file::replace(t, users)))
            .map(|_| ())
    }

    /// Refuses a command of a restricted connection on another shard than
    /// its own (`Some(error)`), logging the denial.
    #[cold]
    #[inline(never)]
    fn refuse(
        &self,
        shard: &mut ShardState,
        ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
    ) -> Option<Vec<u8>> {
        let info = |user: &[u8]| family::acl::remote_info(&ctx, cmd, user);
        let who = family::acl::Asker {
            code: ctx.acl,
            multi: false,
            info: &info,
        };
        let err = family::acl::gate(&self.acl, &mut shard.acl, &who, cmd, args)?;
        shard.server.rejected(table::ids::id_of(cmd), &err);
        Some(err)
    }

    /// Refuses a local command (or one queued in `MULTI`) of a restricted
    /// connection: `Some(flow)` when refused, the error written.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn refuse_local(
        &self,
        shard: &mut ShardState,
        session: &mut Session,
        cx: &LocalCx,
        code: u32,
        cmd: &'static Spec,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> Option<Flow> {
        let shared = shard.server.shared.clone();
        let err = {
            let s: &Session = session;
            let info = |_: &[u8]| family::acl::client_line(&shared, &cx.client, s, Some(cmd));
            let who = family::acl::Asker {
                code,
                multi: s.multi.is_some(),
                info: &info,
            };
            family::acl::gate(&self.acl, &mut shard.acl, &who, cmd, args)?
        };
        if let Some(m) = session.multi.as_mut() {
            m.dirty = true;
        }
        shard.server.rejected(table::ids::id_of(cmd), &err);
        let mark = out.len();
        out.extend_from_slice(&err);
        finish(out, mark, session.end_command());
        Some(Flow::Continue)
    }

    /// Counts memory with `gauge` (`used_memory`, `maxmemory`): the
    /// embedder's allocator. Without one, eviction estimates from the
    /// allocator's statistics (see [`shard::evict`]).
    pub fn memory_gauge(self, gauge: &'static dyn MemoryGauge) -> Redis {
        self.shared.config.live().memory.set_gauge(gauge);
        self
    }
}

/// Share of the tick interval the active expiry may use (Redis: 25%).
const EXPIRE_BUDGET_DIVISOR: u32 = 4;

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
        ks.set_limits(&self.shared.config.live().memory);
        ks.set_propagating(self.shared.aof.is_enabled());
        ks.aof.generation = self.shared.aof.generation();
        ks.pubsub.set_outbox(info.outbox.clone());
        ks.set_ready(&info.ready);
        ks.outbox = info.outbox.clone();
        ks.id = info.id;
        ks.nshards = info.nshards;
        let p = &self.shared.persist;
        p.shards
            .store(info.nshards, std::sync::atomic::Ordering::Relaxed);
        let id = info.id;
        ks.server = accounting::ShardServer::new(self.shared.clone(), Some(info));
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
            Ok(spec) => Resolved {
                cmd: spec,
                route: spec.route(),
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
            peer: session.peer,
            resp3: session.resp3,
            subscribed: session.subscribed && !session.resp3,
            track: family::tracking::track_of(session),
            acl: family::acl::code(&self.acl, session),
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
        if ctx.acl != 0 {
            if let Some(err) = self.refuse(shard, ctx, cmd, args) {
                let mark = out.len();
                out.extend_from_slice(&err);
                return finish(out, mark, ctx.quiet);
            }
        }
        if cmd.flags & table::flags::DENYOOM != 0 && shard.refuses_write(args) {
            return refuse_oom(shard, args, out, ctx.quiet);
        }
        if ctx.subscribed {
            return refuse_subscribed(shard, cmd, args, out, ctx.quiet);
        }
        match cmd.run {
            Run::Key(f) | Run::Keys(f, _) => {
                let mark = out.len();
                let t0 = clock::now();
                let mut reply = Reply::new(out, ctx.resp3);
                let before = events::before(shard, ctx.db as usize, cmd, args);
                let now = shard.clock();
                let db = shard.db(ctx.db as usize);
                let counts = (db.counts.hits, db.counts.misses);
                f(&mut Call {
                    db: &mut *db,
                    args,
                    now,
                    out: &mut reply,
                });
                if cmd.flags & table::flags::WRITE != 0 {
                    // Redis counts hits and misses of read lookups only.
                    uncount(db, counts);
                }
                if let Some(b) = before {
                    events::after(shard, ctx.db as usize, cmd, args, &out[mark..], b);
                }
                if let Some(t) = ctx.track {
                    family::tracking::remember(shard, t, cmd, args);
                }
                shard.flush_signals(ctx.client);
                let ns = since(t0);
                let dirty = shard.server.dirty;
                shard
                    .server
                    .done(cmd, ns, &out[mark..], &ctx.who(), args, None);
                if shard.aof.on {
                    let changed = shard.server.dirty - dirty;
                    aofrun::after_command(shard, ctx.db, cmd, args, &out[mark..], changed, false);
                }
                finish(out, mark, ctx.quiet);
            }
            Run::Shard(f) | Run::ShardKeys(f, _) => {
                let mark = out.len();
                let t0 = clock::now();
                let before = events::before(shard, ctx.db as usize, cmd, args);
                let mut reply = Reply::new(out, ctx.resp3);
                let db = shard.db(ctx.db as usize);
                let counts = (db.counts.hits, db.counts.misses);
                let now = shard.clock();
                f(&mut ShardCall {
                    db: ctx.db as usize,
                    shard,
                    args,
                    now,
                    out: &mut reply,
                });
                if cmd.flags & table::flags::WRITE != 0 {
                    uncount(shard.db(ctx.db as usize), counts);
                }
                if let Some(b) = before {
                    events::after(shard, ctx.db as usize, cmd, args, &out[mark..], b);
                }
                shard.flush_signals(ctx.client);
                let ns = since(t0);
                let dirty = shard.server.dirty;
                shard
                    .server
                    .done(cmd, ns, &out[mark..], &ctx.who(), args, None);
                if shard.aof.on {
                    let changed = shard.server.dirty - dirty;
                    aofrun::after_command(shard, ctx.db, cmd, args, &out[mark..], changed, true);
                }
                finish(out, mark, ctx.quiet);
            }
            Run::Local(_) | Run::Plan(_) | Run::Movable(..) | Run::Server(_) => misrouted(out),
        }
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

    fn plan(
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
                "exec" => family::acl::exec_abort(&e),
                _ => e,
            })
        } else {
            None
        };
        if let Some(reply) = denied {
            return Planned {
                plan: Tracked::new(Plan::Reply(reply), cmd, ctx, since(t0), args.len()),
                hold: false,
            };
        }
        if cmd.flags & table::flags::DENYOOM != 0 && shard.refuses_write(args) {
            let mut reply = Vec::new();
            resp::error(&mut reply, shard::evict::OOM);
            return Planned {
                plan: Tracked::new(Plan::Reply(reply), cmd, ctx, since(t0), args.len()),
                hold: false,
            };
        }
        if ctx.subscribed {
            let mut reply = Vec::new();
            family::pubsub::write_refusal(&mut reply, cmd.name);
            shard.server.rejected(table::ids::id_of_args(args), &reply);
            return Planned {
                plan: Tracked::new(Plan::Reply(reply), cmd, ctx, since(t0), args.len()),
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
                slow: logging.then(|| Captured::new(args)),
                argv: shard.aof.on.then(|| args.to_owned_args()),
                dst: events::store_event(cmd)
                    .and_then(|_| args.get(if cmd.name == "bitop" { 2 } else { 1 }))
                    .map(<[u8]>::to_vec),
                ..Tracked::new(planned.plan, cmd, ctx, since(t0), args.len())
            },
            hold: planned.hold,
        }
    }

    fn isolate(
        &self,
        session: &mut Session,
        _ctx: Ctx,
        cmd: &'static Spec,
        args: Args<'_>,
        locks: &mut LockSet,
    ) -> bool {
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
        if script::owns(cmd) {
            let t0 = clock::now();
            let mut planned = script::plan(self, shard, session, ctx, cmd, args, router, parts);
            planned.plan.ns = since(t0);
            if shard.aof.on && aofrun::changes_functions(cmd) {
                // Logged as given once it succeeded (`after_plan`).
                planned.plan.argv = Some(args.to_owned_args());
            }
            return planned;
        }
        if cmd.name != "exec" {
            return self.plan(shard, ctx, cmd, args, router, parts);
        }
        let t0 = clock::now();
        let (plan, exec) = match exec::start(self, shard, session, cx, (cmd, args)) {
            exec::Start::Reply(reply) => (Plan::Reply(reply), None),
            exec::Start::Run(ex) => (Plan::Ok, Some(ex)),
        };
        let mut tracked = Tracked {
            exec,
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

    fn restart(
        &self,
        session: &mut Session,
        plan: &mut Tracked,
        locks: &mut LockSet,
    ) -> Option<(Ctx, &'static Spec, kevy_rt::OwnedArgs)> {
        script::restart(session, plan, locks)
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
        let mut log = aof::Fragment::default();
        if let (Some(t), cross::Op::Mget) = (ctx.track, &part.op) {
            family::tracking::remember_keys(shard, t, part.args.args());
        }
        let reply = match part.op {
            cross::Op::Exec if shard.aof.on => {
                shard.aof.start_capture();
                let reply = exec::execute_part(self, shard, ctx, part);
                log = shard.aof.end_capture();
                reply
            }
            cross::Op::Exec => exec::execute_part(self, shard, ctx, part),
            cross::Op::Script => script::execute_part(self, shard, ctx, part),
            cross::Op::ScriptCall => script::execute_call(self, shard, ctx, part),
            cross::Op::Server(op) => cross::admin::execute(shard, ctx, op, &part.args, clients),
            _ => dispatch::execute_part(shard, ctx, part),
        };
        shard.flush_signals(ctx.client);
        TimedReply {
            reply,
            ns: since(t0),
            log,
        }
    }

    fn gather(
        &self,
        shard: &mut ShardState,
        op: &mut Tracked,
        replies: Vec<TimedReply>,
        _router: &Router,
        next: &mut Vec<(usize, Part)>,
        out: &mut Vec<u8>,
    ) -> Gather {
        let t0 = clock::now();
        op.ns += replies.iter().map(|r| r.ns).max().unwrap_or(0);
        if op.script.is_some() {
            let mark = out.len();
            let g = script::gather(self, shard, op, replies, _router, next, out);
            op.ns += since(t0);
            if g == Gather::Done {
                let empty = kevy_rt::OwnedArgs::new();
                let who = op.ctx.who();
                let (spec, ns) = (op.spec, op.ns);
                shard
                    .server
                    .done(spec, ns, &out[mark..], &who, empty.args(), op.slow.as_ref());
                finish(out, mark, op.ctx.quiet);
            }
            return g;
        }
        if let Some(mut ex) = op.exec.take() {
            let mark = out.len();
            if !ex.gather(self, shard, replies, _router, next, out) {
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
            finish(out, mark, op.ctx.quiet);
            return Gather::Done;
        }
        let replies: Vec<PartReply> = replies.into_iter().map(|r| r.reply).collect();
        let mark = out.len();
        let mut reply = Reply::new(out, op.ctx.resp3);
        let g = match &mut op.plan {
            Plan::Server(p) => cross::admin::gather(shard, op.ctx, p, replies, next, &mut reply),
            plan => dispatch::gather(plan, replies, next, &mut reply),
        };
        op.ns += since(t0);
        if g == Gather::Done {
            let empty = kevy_rt::OwnedArgs::new();
            shard.server.done(
                op.spec,
                op.ns,
                &out[mark..],
                &op.ctx.who(),
                empty.args(),
                op.slow.as_ref(),
            );
            let dirty = shard.server.dirty;
            shard.server.count_dirty(op.spec, op.argc, &out[mark..]);
            if let Some(argv) = op.argv.take() {
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

    fn unparked(&self, s: &Session, cmd: Self::Cmd, _: Args<'_>, why: Unpark, out: &mut Vec<u8>) {
        family::blocking::unparked(s, cmd, why, out);
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

    fn output_class(&self, session: &Session) -> usize {
        if session.subscribed {
            family::pubsub::PUBSUB_CLASS
        } else {
            0
        }
    }

    fn closed(&self, shard: &mut ShardState, session: &mut Session, conn: kevy_rt::ConnHandle) {
        if session.subscribed {
            family::pubsub::drop_all(&mut shard.pubsub, session, conn);
        }
        family::watch::unwatch_all(shard, session);
        family::tracking::closed(&self.shared, shard, session);
    }

    fn evictable(&self, session: &Session) -> bool {
        !session.no_evict
    }

    fn refuses_connection(&self, peer: Option<std::net::SocketAddr>, out: &mut Vec<u8>) -> bool {
        if !self.acl.refuses(peer) {
            return false;
        }
        out.extend_from_slice(family::acl::PROTECTED_MODE);
        true
    }

    fn opened(&self, _shard: &mut ShardState, session: &mut Session, conn: kevy_rt::ConnHandle) {
        session.conn = Some(conn);
        family::tracking::register(&self.shared, session.id, Some(conn));
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
        shard.tick_clock(now_ms());
        shard.server.sample_meter(now_ms());
        if self
            .shared
            .active_expire
            .load(std::sync::atomic::Ordering::Relaxed)
            && shard
                .server
                .info
                .as_ref()
                .is_none_or(|i| i.settings.paused().is_none())
        {
            let budget = self.tick_interval() / EXPIRE_BUDGET_DIVISOR;
            let t0 = Instant::now();
            shard.active_expire(
                now_ms(),
                Instant::now() + budget.max(Duration::from_millis(1)),
            );
            let ms = t0.elapsed().as_millis() as u64;
            shard.server.event("expire-cycle", ms);
        }
        family::persist::tick(shard);
        shard.evict_tick();
        for db in &mut shard.dbs {
            db.shrink_if_sparse();
        }
        shard.flush_signals(0);
        shard.broadcast_tracking();
        if shard.aof.on {
            shard.log_expired_all();
        }
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
    fn holds_replies(&self, shard: &ShardState) -> bool {
        aofrun::holds_replies(self, shard)
    }

    #[inline]
    fn background(&self, shard: &ShardState) -> bool {
        shard.server.rdb_job.is_some()
    }
}

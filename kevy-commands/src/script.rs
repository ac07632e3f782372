//! Lua scripting: `EVAL`, `EVALSHA`, `EVAL_RO`, `EVALSHA_RO`, `SCRIPT`,
//! `FCALL`, `FCALL_RO` and `FUNCTION`, atomic on any number of shards.
//!
//! A script is a transaction whose keys are found as it runs. When its
//! declared keys live on one shard, the script runs there, start to end,
//! calls and all (shard mode: no other shard takes part): without locks,
//! as a keyed command, while no isolated operation takes part on that
//! shard ([`plan_free`]), else with the shard locked whole. A call that needs another
//! shard undoes what the run wrote and restarts the operation with every
//! shard locked (`Gather::Restart`); the script then runs on the
//! connection's shard, on a stack of its own, suspended at each call on
//! another shard until that call's part replies (global mode). See `run`,
//! `global` and ARCHITECTURE.md, "Scripts".
//!
//! `vm` is the sandboxed interpreter of each thread, `conv` the
//! conversions between replies and Lua values, `libs` the libraries
//! Redis adds, `cmds` the commands' argument handling and `SCRIPT`,
//! `function` the libraries (`FUNCTION`, `FCALL`) and `dump` their
//! `FUNCTION DUMP` payload.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use kevy_rt::{Args, Gather, LockSet, OwnedArgs, Planned, Router};

use crate::base::resp::{self, Reply};
use crate::cross::{self, Op, Part, PartReply, Plan};
use crate::session::{Ctx, ScriptDebug, Session};
use crate::shard::ShardState;
use crate::table::Spec;
use crate::{TimedReply, Tracked};

pub mod busy;
pub(crate) mod cmds;
pub(crate) mod conv;
pub(crate) mod current;
pub(crate) mod dump;
pub(crate) mod effects;
mod flags;
pub(crate) mod function;
pub(crate) mod global;
pub(crate) mod ldb;
pub(crate) mod libs;
pub(crate) mod log;
pub(crate) mod monitor;
pub(crate) mod run;
pub(crate) mod values;
pub(crate) mod vm;

#[cfg(test)]
mod tests;

pub use flags::{derived_write, function_no_writes, script_body};
use run::{Env, Mode, Stop, Undo};

/// `redis.REDIS_VERSION`.
pub(crate) const REDIS_VERSION: &str = "7.0.15";
/// `redis.REDIS_VERSION_NUM`.
pub(crate) const REDIS_VERSION_NUM: i64 = 0x0007_000f;

/// The server's scripts: bodies by SHA1, shared by every shard (each
/// thread compiles its own copy on first use).
#[derive(Debug, Default)]
pub struct Registry {
    bodies: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Bumped by `SCRIPT FLUSH`: threads drop their compiled scripts.
    generation: AtomicU64,
    /// The runtime's shard count (set as shards are made).
    nshards: AtomicUsize,
    /// The functions' libraries.
    pub(crate) libs: Mutex<function::Libraries>,
    /// The runs past `busy-reply-threshold`.
    pub(crate) watch: busy::Watch,
}

impl Registry {
    /// Stores `body` under its SHA1; the SHA1. `counts` gets the number
    /// of scripts and their bytes (Redis counts a script's body and its
    /// two dictionary entries).
    pub(crate) fn add(&self, body: &[u8], counts: &[AtomicU64; 2]) -> String {
        let sha = sha1_hex(body);
        if let Ok(mut m) = self.bodies.lock() {
            if !m.contains_key(&sha) {
                m.insert(sha.clone(), Arc::from(body));
                counts[0].fetch_add(1, Ordering::Relaxed);
                counts[1].fetch_add(script_bytes(body), Ordering::Relaxed);
            }
        }
        sha
    }

    /// The body of script `sha` (lowercase hex).
    pub(crate) fn body(&self, sha: &str) -> Option<Arc<[u8]>> {
        self.bodies.lock().ok()?.get(sha).cloned()
    }

    /// Forgets every script.
    pub(crate) fn flush(&self, counts: &[AtomicU64; 2]) {
        if let Ok(mut m) = self.bodies.lock() {
            m.clear();
            counts[0].store(0, Ordering::Relaxed);
            counts[1].store(0, Ordering::Relaxed);
        }
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Number of cached scripts and the bytes of their bodies.
    pub fn stats(&self) -> (usize, usize) {
        self.bodies
            .lock()
            .map(|m| (m.len(), m.values().map(|b| b.len() + 40).sum()))
            .unwrap_or((0, 0))
    }

    /// Records the runtime's shard count.
    pub(crate) fn set_nshards(&self, n: usize) {
        self.nshards.store(n.max(1), Ordering::Relaxed);
    }

    fn router(&self) -> Router {
        Router::new(self.nshards.load(Ordering::Relaxed).max(1))
    }
}

/// What one cached script counts in `used_memory_scripts_eval`: its body
/// and SHA1 as strings, plus the cache's entry (redis-server 7.0 reports
/// 136 bytes for an 8-byte body; its allocator rounds the rest).
fn script_bytes(body: &[u8]) -> u64 {
    body.len() as u64 + 128
}

/// SHA1 of `bytes` as 40 lowercase hex digits.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

/// Whether `cmd` is one of this module's commands.
pub fn owns(cmd: &Spec) -> bool {
    cmd.is_script()
}

/// A script operation in flight on its origin shard (global mode), or a
/// shard-mode run waiting for its part.
pub struct Running {
    spec: &'static Spec,
    args: OwnedArgs,
    ctx: Ctx,
    /// Global mode: the run, suspended between its remote calls.
    run: global::Suspended,
    /// The call whose parts are out, and the nested plan of a multi-shard one.
    pending: Option<(OwnedArgs, Option<Box<Tracked>>)>,
    global: bool,
    /// A fast-path run whose shard was busy ([`PartReply::Busy`]): it
    /// starts again locked, in shard mode.
    busy: bool,
    /// Global mode: what its calls propagated so far (`effects`).
    log: crate::aof::Fragment,
    /// Global mode: active expiry waits until the run ends.
    _hold: cmds::ExpiryHold,
    /// A debugging session (`SCRIPT DEBUG`): the connection closes after
    /// the reply.
    debug: bool,
    /// A forked one (`SCRIPT DEBUG YES`): its writes are undone, and it
    /// propagates nothing.
    forked: bool,
}

/// `Commands::isolate` for a script command: nothing when its declared
/// keys live on one shard (the fast path: planned as a plain multi-shard
/// command, [`plan_free`]); all shards when they span several, or when
/// the session's last attempt asked for it; nothing for `SCRIPT` and
/// `FUNCTION` (isolated all the same: run with the connection held).
pub fn isolate(
    redis: &crate::Redis,
    session: &mut Session,
    cmd: &Spec,
    args: Args<'_>,
    locks: &mut LockSet,
) -> bool {
    if cmd.name.starts_with("script|") || cmd.name.starts_with("function|") {
        return true;
    }
    if session.script_global || (session.script_debug != ScriptDebug::Off && debuggable(cmd)) {
        locks.everything();
        return true;
    }
    match home_key(args, &redis.scripts.router()) {
        // A parse error: planned isolated, where `plan` writes it.
        Err(()) => true,
        Ok(Some(_)) => false,
        Ok(None) => {
            locks.everything();
            true
        }
    }
}

/// The key naming a script's shard: its first declared key (the empty key
/// when none is declared), or `None` when its declared keys span several
/// shards; `Err` for arguments `cmds::parse` refuses.
fn home_key<'a>(args: Args<'a>, router: &Router) -> Result<Option<&'a [u8]>, ()> {
    if args.len() < 3 {
        return Err(());
    }
    let n = crate::base::num::parse_i64(args.at(2)).ok_or(())?;
    if n < 0 || n > (args.len() - 3) as i64 {
        return Err(());
    }
    let n = n as usize;
    if n == 0 {
        return Ok(Some(b""));
    }
    let k0 = args.at(3);
    let s0 = router.shard_of(k0);
    if (4..3 + n).all(|i| router.shard_of(args.at(i)) == s0) {
        Ok(Some(k0))
    } else {
        Ok(None)
    }
}

/// `Commands::restart`: every shard, global mode; or, for a fast-path
/// run whose shard was busy, that shard whole (shard mode).
pub fn restart(
    redis: &crate::Redis,
    session: &mut Session,
    plan: &mut Tracked,
    locks: &mut LockSet,
) -> Option<(Ctx, &'static Spec, OwnedArgs)> {
    let running = plan.script.take()?;
    match home_key(running.args.args(), &redis.scripts.router()) {
        Ok(Some(k)) if running.busy => locks.shard_of(k),
        _ => {
            locks.everything();
            session.script_global = true;
        }
    }
    Some((running.ctx, running.spec, running.args))
}

/// `Commands::plan_isolated` for a script command, its locks granted.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    redis: &crate::Redis,
    shard: &mut ShardState,
    session: &mut Session,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Tracked> {
    if cmd.name == "script|debug" {
        return script_debug(session, cmd, args, ctx);
    }
    let global = std::mem::take(&mut session.script_global);
    if session.script_debug != ScriptDebug::Off && debuggable(cmd) {
        if cmd.name.starts_with("evalsha") {
            // Refused after `EVALSHA`'s own check of the digest's length.
            let mut buf = Vec::new();
            let msg: &[u8] = if args.len() > 1 && args.at(1).len() != 40 {
                b"NOSCRIPT No matching script. Please use EVAL."
            } else {
                b"ERR Please use EVAL instead of EVALSHA for debugging"
            };
            resp::error(&mut buf, msg);
            return Planned {
                plan: Tracked::new(Plan::Reply(buf), cmd, ctx, 0, args.len()),
                hold: true,
            };
        }
        let mut planned = plan_in(redis, shard, How::Global, ctx, cmd, args, router, parts);
        if let Some(r) = planned.plan.script.as_mut() {
            r.debug = true;
            r.forked = session.script_debug == ScriptDebug::Yes;
        }
        return planned;
    }
    let how = if global { How::Global } else { How::Locked };
    plan_in(redis, shard, how, ctx, cmd, args, router, parts)
}

/// Whether `cmd` starts a debugging session after `SCRIPT DEBUG`: `EVAL`
/// and `EVALSHA` (refused then) and their read-only forms, as Redis's
/// `evalCommand` and `evalShaCommand`, which those forms call.
fn debuggable(cmd: &Spec) -> bool {
    matches!(cmd.name, "eval" | "eval_ro" | "evalsha" | "evalsha_ro")
}

/// `SCRIPT DEBUG YES|SYNC|NO`: the connection's next `EVAL` is debugged
/// (see [`ldb`]).
fn script_debug(
    session: &mut Session,
    cmd: &'static Spec,
    args: Args<'_>,
    ctx: Ctx,
) -> Planned<Tracked> {
    let mut buf = Vec::new();
    let set = ldb::mode_of(args.at(2));
    match set {
        Some(m) => {
            session.script_debug = m;
            resp::ok(&mut buf);
        }
        None => resp::error(&mut buf, b"ERR Use SCRIPT DEBUG YES/SYNC/NO"),
    }
    Planned {
        plan: Tracked::new(Plan::Reply(buf), cmd, ctx, 0, args.len()),
        hold: true,
    }
}

/// `Commands::plan` for a script command [`isolate`] left unlocked (its
/// declared keys on one shard): the fast path. The whole script goes as
/// one [`Op::ScriptFree`] part to that shard, where it runs at its turn as
/// a keyed command does, start to end; the connection is held only when
/// that shard is another one (a run that must start again, through the
/// locks, is overtaken by nothing of its connection).
#[allow(clippy::too_many_arguments)]
pub fn plan_free(
    redis: &crate::Redis,
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Tracked> {
    plan_in(redis, shard, How::Free, ctx, cmd, args, router, parts)
}

/// How [`plan_in`] runs a script.
#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    /// Shard mode, without locks ([`plan_free`]).
    Free,
    /// Shard mode, its shard locked whole.
    Locked,
    /// Global mode, every shard locked whole.
    Global,
    /// Global mode inside `EXEC` (every shard locked whole): the first run
    /// made while planning.
    Exec,
}

/// A script command queued in a transaction: `EXEC` holds every shard
/// whole (`family::txn::isolate_exec`), so it runs in global mode at once.
pub fn plan_in_exec(
    redis: &crate::Redis,
    shard: &mut ShardState,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Tracked {
    plan_in(redis, shard, How::Exec, ctx, cmd, args, router, parts).plan
}

/// [`plan`] or [`plan_free`], as `how` says.
#[allow(clippy::too_many_arguments)]
fn plan_in(
    redis: &crate::Redis,
    shard: &mut ShardState,
    how: How,
    ctx: Ctx,
    cmd: &'static Spec,
    args: Args<'_>,
    router: &Router,
    parts: &mut Vec<(usize, Part)>,
) -> Planned<Tracked> {
    let tracked = |plan: Plan, script: Option<Box<Running>>| Tracked {
        script,
        ..Tracked::new(plan, cmd, ctx, 0, args.len())
    };
    if cmd.name.starts_with("function|") {
        let mut buf = Vec::new();
        function::function_command(redis, cmd, args, &mut Reply::new(&mut buf, ctx.resp3));
        return Planned {
            plan: tracked(Plan::Reply(buf), None),
            hold: true,
        };
    }
    if cmd.name.starts_with("script|") {
        let mut buf = Vec::new();
        cmds::script_command(
            redis,
            shard,
            cmd,
            args,
            &mut Reply::new(&mut buf, ctx.resp3),
        );
        return Planned {
            plan: tracked(Plan::Reply(buf), None),
            hold: true,
        };
    }
    let call = match cmds::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let mut buf = Vec::new();
            resp::error(&mut buf, e);
            return Planned {
                plan: tracked(Plan::Reply(buf), None),
                hold: true,
            };
        }
    };
    let global = matches!(how, How::Global | How::Exec);
    let running = Box::new(Running {
        spec: cmd,
        args: args.to_owned_args(),
        ctx,
        run: global::Suspended::default(),
        pending: None,
        global,
        busy: false,
        log: crate::aof::Fragment::default(),
        _hold: cmds::ExpiryHold::new(&shard.server.shared, global),
        debug: false,
        forked: false,
    });
    if !global {
        // Shard mode: the whole script runs as one part on its keys' shard.
        // One that declares none runs where its connection is, without a
        // hop, on the fast path; locked (its shard was busy) it runs on
        // the shard `isolate` locked, the empty key's.
        let here = shard.server.info.as_ref().map_or(0, |i| i.id);
        let s = match (call.keys.first(), how) {
            (Some(k), _) => router.shard_of(k),
            (None, How::Free) => here,
            (None, _) => router.shard_of(b""),
        };
        let (op, hold) = match how {
            How::Free => (Op::ScriptFree, s != here),
            _ => (Op::Script, true),
        };
        parts.push((s, Part::new(op, args.to_owned_args())));
        return Planned {
            plan: tracked(Plan::Ok, Some(running)),
            hold,
        };
    }
    if how == How::Exec {
        // Queued in a transaction: the first run now, inside EXEC's
        // round (no connections are lent there).
        let mut t = tracked(Plan::Ok, Some(running));
        let mut buf = Vec::new();
        if global::step(
            redis,
            shard,
            &mut t,
            router,
            parts,
            &mut buf,
            &mut None,
            Vec::new(),
        ) {
            ended(shard, &mut t);
            t.plan = Plan::Reply(buf);
            t.script = None;
        }
        return Planned {
            plan: t,
            hold: true,
        };
    }
    // Global mode: no part; the first run is the gather that follows at
    // once, where the runtime lends the shard's connections (a run past
    // the time limit serves them).
    Planned {
        plan: tracked(Plan::Ok, Some(running)),
        hold: true,
    }
}

/// `Commands::gather` for a script operation (`clients`: the shard's
/// connections, when the runtime lends them).
#[allow(clippy::too_many_arguments)]
pub fn gather(
    redis: &crate::Redis,
    shard: &mut ShardState,
    t: &mut Tracked,
    mut replies: Vec<TimedReply>,
    router: &Router,
    next: &mut Vec<(usize, Part)>,
    out: &mut Vec<u8>,
    mut clients: Option<&mut kevy_rt::Clients<'_, crate::Redis>>,
) -> Gather {
    let global = t.script.as_ref().is_some_and(|r| r.global);
    if !global {
        // Shard mode: the one part's reply, or a restart.
        return match replies.pop().map(|r| r.reply) {
            Some(PartReply::Restart) => Gather::Restart,
            Some(PartReply::Busy) => {
                if let Some(r) = t.script.as_mut() {
                    r.busy = true;
                }
                Gather::Restart
            }
            Some(PartReply::Counted(buf, counts)) => {
                out.extend_from_slice(&buf);
                run::set_counts(*counts);
                Gather::Done
            }
            Some(r) => {
                out.extend_from_slice(cross::bytes_of(&r));
                Gather::Done
            }
            None => Gather::Done,
        };
    }
    let nested = t
        .script
        .as_ref()
        .is_some_and(|r| matches!(r.pending, Some((_, Some(_)))));
    let done = if nested {
        global::gather_nested(redis, shard, t, replies, router, next, out, &mut clients)
    } else {
        let mut answer = Vec::new();
        if let Some(r) = t.script.as_mut() {
            if let (Some((_, None)), Some(reply)) = (r.pending.take(), replies.pop()) {
                r.log.append(&reply.log);
                answer = cross::bytes_of(&reply.reply).to_vec();
            }
        }
        global::step(redis, shard, t, router, next, out, &mut clients, answer)
    };
    if done {
        let session = t.script.as_ref().filter(|r| r.debug).map(|r| r.ctx.client);
        ended(shard, t);
        if let (Some(client), Some(c)) = (session, clients.as_mut()) {
            // A debugging session ends its connection after the reply, as
            // Redis's does (`CLIENT_CLOSE_AFTER_REPLY`).
            c.kill(client);
        }
        Gather::Done
    } else {
        Gather::Again
    }
}

/// Runs a shard-mode part: the whole script on this shard, or the
/// [`PartReply::Restart`] of a run that needed another shard (its writes
/// undone). A fast-path part ([`Op::ScriptFree`]) runs only while no
/// isolated operation takes part on this shard (else
/// [`PartReply::Busy`]): then nothing can come between its calls, as
/// nothing comes between a keyed command's steps.
pub fn execute_part(
    redis: &crate::Redis,
    shard: &mut ShardState,
    ctx: Ctx,
    part: Part,
    clients: &mut kevy_rt::Clients<'_, crate::Redis>,
) -> PartReply {
    if part.op == Op::ScriptFree && clients.isolating() {
        return PartReply::Busy;
    }
    let args = part.args.args();
    let (here, nshards) = shard
        .server
        .info
        .as_ref()
        .map_or((0, 1), |i| (i.id, i.nshards));
    let spec = crate::table::find(args).ok();
    let Some(spec) = spec else {
        let mut buf = Vec::new();
        resp::error(
            &mut buf,
            b"ERR internal error: script part no longer resolves",
        );
        return cross::encoded(buf);
    };
    // A run past the threshold serves this shard's connections.
    let mut serve = |shard: &mut ShardState| {
        clients.serve_busy(|session, req, out| busy::answer(redis, shard, session, req, out));
    };
    let capturing = effects::begin(shard);
    let shown = monitor::mark();
    let mut env = Env {
        redis,
        shard,
        router: Router::new(nshards),
        here,
        ctx,
        db: ctx.db,
        resp3: false,
        ro: false,
        mode: Mode::Shard,
        undo: (nshards > 1).then(Undo::default),
        stop: None,
        serve: Some(&mut serve),
        yielder: None,
        read: false,
    };
    let mut buf = Vec::new();
    cmds::run(&mut env, spec, args, &mut Reply::new(&mut buf, ctx.resp3));
    let escalated = matches!(env.stop, Some(Stop::Escalate));
    let read = env.read;
    let undo = env.undo.take();
    if read && ctx.track && !escalated {
        // Its declared keys all live here (shard mode).
        crate::family::tracking::remember_each(shard, ctx.client, declared_keys(args));
    }
    // An escalated run's effects are undone: it logs nothing.
    let log = effects::end(shard, capturing);
    if escalated {
        monitor::forget(shown);
        if let Some(undo) = undo {
            undo.rollback(shard);
        }
        return PartReply::Restart;
    }
    effects::write(shard, &log);
    let counts = run::take_counts();
    if !counts.is_empty() {
        return PartReply::Counted(buf, Box::new(counts));
    }
    cross::encoded(buf)
}

/// The keys a script command declares (`EVAL script numkeys key…`,
/// `FCALL function numkeys key…`).
fn declared_keys<'a>(args: kevy_rt::Args<'a>) -> impl Iterator<Item = &'a [u8]> + 'a {
    let n = args
        .get(2)
        .and_then(crate::base::num::parse_i64)
        .unwrap_or(0)
        .max(0) as usize;
    args.iter().skip(3).take(n)
}

/// A global-mode script ended: its effects go to the origin's feed.
fn ended(shard: &mut ShardState, t: &mut Tracked) {
    if let Some(r) = t.script.as_mut() {
        let log = std::mem::take(&mut r.log);
        if r.forked {
            // Its writes were undone: nothing of it is propagated.
            return;
        }
        effects::write(shard, &log);
    }
}

/// Runs one call of a global-mode script on its shard (`db resp start
/// dirty verb args…`: `dirty`, the script wrote before it).
pub fn execute_call(
    redis: &crate::Redis,
    shard: &mut ShardState,
    ctx: Ctx,
    part: Part,
) -> PartReply {
    let args = part.args.args();
    let db = crate::base::num::parse_i64(args.at(0)).unwrap_or(0) as u32;
    let resp3 = args.at(1) == b"3";
    let start = crate::base::num::parse_i64(args.at(2));
    let dirty = args.at(3) == b"1";
    let argv = args.skip(4);
    let mut buf = Vec::new();
    crate::store::db::freeze(start);
    match crate::table::find(argv) {
        Ok(spec) => {
            let ctx = Ctx {
                db,
                resp3,
                quiet: false,
                subscribed: false,
                in_exec: ctx.in_exec || dirty,
                ..ctx
            };
            match spec.run {
                crate::table::Run::Movable(f, _) => {
                    let t0 = crate::base::clock::now();
                    let mut out = Reply::new(&mut buf, resp3);
                    f(&mut crate::family::Call {
                        db: shard.db(db as usize),
                        args: argv,
                        now: crate::store::db::Clock::new(),
                        out: &mut out,
                    });
                    let ns = crate::base::clock::since(t0);
                    shard.server.script_call(spec, ns, &buf);
                }
                _ => kevy_rt::Commands::execute(redis, shard, ctx, spec, argv, &mut buf),
            }
            monitor::call(shard, db, argv);
        }
        Err(_) => resp::error(
            &mut buf,
            b"ERR internal error: script call no longer resolves",
        ),
    }
    crate::store::db::freeze(None);
    cross::encoded(buf)
}

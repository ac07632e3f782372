//! Global-mode runs: a script on the connection's shard with every shard
//! locked whole, suspended at each call on another shard and resumed with
//! its reply.
//!
//! The run executes on a stack of its own (a stackful coroutine,
//! `corosensei`): the Lua interpreter's frames, the C trampoline of
//! `redis.call`, and the Rust frames of [`super::run::Env`] all live there.
//! A call that must run elsewhere suspends that stack
//! ([`super::run::Env::remote`] yields a [`Remote`]); the origin sends the
//! call as a part (`Op::ScriptCall`) or plans it over several shards as
//! `EXEC` does, returns `Gather::Again`, and when the reply is in resumes
//! the stack with it ([`Resume::Go`]). Any nesting suspends: a call inside
//! Lua's `pcall`, a metamethod, an iterator or a `table.sort` comparator
//! is a plain Rust call on the run's stack, so no run is ever replayed.
//! Each remote call costs one round trip, nothing more.
//!
//! While a run is suspended its shard's thread serves other work. What
//! the run holds across the suspension: the thread's interpreter (its
//! `RefCell` stays borrowed: `SCRIPT LOAD` and `FUNCTION LOAD`, which take
//! no lock, use a spare interpreter then, see `vm::with_spare`), the busy
//! state of [`super::busy`] and the current run of [`super::current`]
//! (thread-locals; nothing else runs a script on the thread meanwhile:
//! every shard is locked whole, so every other script, shard-mode part or
//! `EXEC` waits, and a fast-path part finds the shard isolating and
//! restarts through the locks), and nothing else. The shard
//! state, the command set and the connections are *lent* anew for every
//! resume ([`Lent`]) and never used outside one.
//!
//! A run whose operation is dropped while suspended (the runtime stops) is
//! resumed with [`Resume::Abort`]: the call fails, the hook ends the
//! script at its next line, and its stack unwinds normally.

use std::cell::RefCell;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};
use kevy_rt::{Gather, OwnedArgs, Router};

use super::run::{Env, Mode};
use super::{busy, cmds, effects, monitor, Running};
use crate::base::resp::{self, Reply};
use crate::cross::{Op, Part};
use crate::session::Ctx;
use crate::shard::ShardState;
use crate::{TimedReply, Tracked};

/// A run's own stack: as large as a shard thread's (its pages are only
/// touched as the run goes deeper; one is kept per thread for the next).
const STACK: usize = 2 << 20;

/// A call a suspended run asks for.
pub(crate) struct Remote {
    pub args: OwnedArgs,
    /// The shard that owns its keys; `None`: planned over several.
    pub shard: Option<usize>,
    /// The database and protocol the script's calls use at that point.
    pub db: u32,
    pub resp3: bool,
}

/// What the origin lends a run for one resume.
pub(crate) struct Lent {
    pub redis: *const crate::Redis,
    pub shard: *mut ShardState,
    pub serve: *mut (dyn FnMut(&mut ShardState) + 'static),
    /// The reply of the call the run was suspended at (empty at the start).
    pub reply: Vec<u8>,
}

/// How a suspended run goes on.
pub(crate) enum Resume {
    Go(Lent),
    /// End instead: the operation is dropped.
    Abort,
}

/// The handle a run suspends through.
pub(crate) type Yielder = corosensei::Yielder<Resume, Remote>;

type Co = Coroutine<Resume, Remote, Vec<u8>, DefaultStack>;

thread_local! {
    /// A finished run's stack, kept for the next run on this thread.
    static SPARE: RefCell<Option<DefaultStack>> = const { RefCell::new(None) };
}

/// A global-mode run in flight: not started, suspended, or done.
#[derive(Default)]
pub struct Suspended {
    co: Option<Co>,
}

impl Drop for Suspended {
    fn drop(&mut self) {
        let Some(mut co) = self.co.take() else {
            return;
        };
        // Suspended: end the script on its own stack (an abort makes no
        // call again, so one resume normally ends it).
        while co.started() && !co.done() {
            if co.resume(Resume::Abort).as_return().is_some() {
                break;
            }
        }
        if super::ldb::active() {
            // A debugging session's run (only such a run holds every shard
            // while the thread's session is active): it ends with it.
            super::ldb::finish();
        }
        give_back(co);
    }
}

/// Keeps a finished run's stack for the next run.
fn give_back(co: Co) {
    if !co.done() {
        // Never started (dropping it drops its closure), or still
        // suspended, which cannot happen (see `Drop`; dropping it unwinds).
        return;
    }
    let stack = co.into_stack();
    SPARE.with(|s| *s.borrow_mut() = Some(stack));
}

/// A new run of `r`'s script, not started yet.
fn start(r: &Running, here: usize, router: Router) -> Option<Co> {
    let stack = match SPARE.with(|s| s.borrow_mut().take()) {
        Some(s) => s,
        None => DefaultStack::new(STACK).ok()?,
    };
    let (spec, args, ctx) = (r.spec, r.args.clone(), r.ctx);
    Some(Coroutine::with_stack(
        stack,
        move |yielder: &Yielder, first: Resume| {
            let Resume::Go(lent) = first else {
                return Vec::new();
            };
            // SAFETY: the pointers are valid for this resume (see `Lent`,
            // made by `step` from references it holds until the resume
            // returns); `Env::remote` replaces them at every suspension.
            let (redis, shard, serve) =
                unsafe { (&*lent.redis, &mut *lent.shard, &mut *lent.serve) };
            let mut env = Env {
                redis,
                shard,
                router,
                here,
                ctx,
                db: ctx.db,
                resp3: false,
                ro: false,
                mode: Mode::Global,
                undo: None,
                stop: None,
                serve: Some(serve),
                yielder: Some(yielder),
                read: false,
            };
            let mut out = Vec::new();
            cmds::run(
                &mut env,
                spec,
                args.args(),
                &mut Reply::new(&mut out, ctx.resp3),
            );
            out
        },
    ))
}

/// Runs the script of `t` (global mode) until it ends or suspends at a
/// remote call, `reply` being that call's reply when it resumes. True when
/// it ended (its reply in `out`), false when it sent parts for a call.
#[allow(clippy::too_many_arguments)]
pub(super) fn step(
    redis: &crate::Redis,
    shard: &mut ShardState,
    t: &mut Tracked,
    router: &Router,
    next: &mut Vec<(usize, Part)>,
    out: &mut Vec<u8>,
    clients: &mut Option<&mut kevy_rt::Clients<'_, crate::Redis>>,
    reply: Vec<u8>,
) -> bool {
    let Some(r) = t.script.as_mut() else {
        return true;
    };
    let here = shard.server.info.as_ref().map_or(0, |i| i.id);
    if r.run.co.is_none() {
        match start(r, here, *router) {
            Some(co) => r.run.co = Some(co),
            None => {
                resp::error(out, b"ERR kevy: no memory for the script's stack");
                return true;
            }
        }
    }
    // A debugging session talks with its client through the connections
    // lent (`ldb`); any other run past the time limit serves them.
    let (debug, client) = (r.debug, r.ctx.client);
    if debug && !r.run.co.as_ref().is_some_and(|co| co.started()) {
        let src = r.args.args().get(1).unwrap_or_default().to_vec();
        let stopping = shard.server.info.as_ref().map(|i| i.stopping.clone());
        let threshold = shard
            .server
            .shared
            .config
            .get_i64("busy-reply-threshold")
            .max(0) as u64;
        super::ldb::begin(&src, stopping, threshold, r.forked);
    }
    let (mut busy_clients, mut talk_clients) = if debug {
        (None, clients.as_deref_mut())
    } else {
        (clients.as_deref_mut(), None)
    };
    let mut serve = |shard: &mut ShardState| {
        if let Some(c) = busy_clients.as_mut() {
            c.serve_busy(|session, req, out| busy::answer(redis, shard, session, req, out));
        }
    };
    let serve: &mut dyn FnMut(&mut ShardState) = &mut serve;
    let mut talk = |send: &[u8], wait: std::time::Duration| match talk_clients.as_mut() {
        Some(c) => c.converse(client, send, wait),
        None => kevy_rt::Heard::Gone,
    };
    let talk: &mut (dyn FnMut(&[u8], std::time::Duration) -> kevy_rt::Heard + '_) = &mut talk;
    if debug {
        // SAFETY: only the trait object's lifetime is erased; the session
        // uses the pointer during this resume only, and it is taken back
        // right after the resume returns (`ldb::lend(None)` below).
        super::ldb::lend(Some(unsafe {
            std::mem::transmute::<
                *mut (dyn FnMut(&[u8], std::time::Duration) -> kevy_rt::Heard + '_),
                *mut super::ldb::Talk,
            >(talk)
        }));
    }
    let capturing = effects::begin(shard);
    let lent = Lent {
        redis,
        shard: &mut *shard,
        // SAFETY: only the trait object's lifetime is erased; the run
        // uses the pointer during this resume only (see `Lent`).
        serve: unsafe {
            std::mem::transmute::<
                *mut (dyn FnMut(&mut ShardState) + '_),
                *mut (dyn FnMut(&mut ShardState) + 'static),
            >(serve)
        },
        reply,
    };
    let result = match r.run.co.as_mut() {
        Some(co) => co.resume(Resume::Go(lent)),
        None => CoroutineResult::Return(Vec::new()),
    };
    if debug {
        super::ldb::lend(None);
    }
    let log = effects::end(shard, capturing);
    r.log.append(&log);
    let call = match result {
        CoroutineResult::Return(bytes) => {
            if let Some(co) = r.run.co.take() {
                give_back(co);
            }
            if debug {
                // The session's last log lines, then the script's reply.
                out.extend_from_slice(&super::ldb::finish());
            }
            out.extend_from_slice(&bytes);
            return true;
        }
        CoroutineResult::Yield(call) => call,
    };
    let Remote {
        args,
        shard: owner,
        db,
        resp3,
    } = call;
    if let Some(s) = owner {
        let mut pargs = OwnedArgs::new();
        pargs.push(db.to_string().as_bytes());
        pargs.push(if resp3 { b"3" } else { b"2" });
        // The run's start: keys expire by it there too.
        pargs.push(super::cmds::started().to_string().as_bytes());
        // Whether the script wrote before this call (`run::dirty_call`).
        pargs.push(if super::run::dirty_call() { b"1" } else { b"0" });
        for a in args.args().iter() {
            pargs.push(a);
        }
        next.push((s, Part::new(Op::ScriptCall, pargs)));
        r.pending = Some((args, None));
        return false;
    }
    let spec = match crate::table::find(args.args()) {
        Ok(spec) => spec,
        // Resolved once already by the run: cannot happen.
        Err(_) => return step(redis, shard, t, router, next, out, clients, unresolved()),
    };
    let cctx = Ctx {
        db,
        resp3,
        quiet: false,
        subscribed: false,
        ..r.ctx
    };
    let from = next.len();
    let planned = kevy_rt::Commands::plan(redis, shard, cctx, spec, args.args(), router, next);
    next[from..].iter_mut().for_each(|(_, p)| {
        p.db = Some(cctx.db);
        p.resp3 = Some(cctx.resp3);
    });
    r.pending = Some((args, Some(Box::new(planned.plan))));
    if next.len() == from {
        // Planned with no part: gather at once.
        return gather_nested(redis, shard, t, Vec::new(), router, next, out, clients);
    }
    false
}

fn unresolved() -> Vec<u8> {
    let mut buf = Vec::new();
    resp::error(
        &mut buf,
        b"ERR internal error: script call no longer resolves",
    );
    buf
}

/// A nested multi-shard call's round is in: gathers it, and when it is
/// done resumes the run with its reply.
#[allow(clippy::too_many_arguments)]
pub(super) fn gather_nested(
    redis: &crate::Redis,
    shard: &mut ShardState,
    t: &mut Tracked,
    replies: Vec<TimedReply>,
    router: &Router,
    next: &mut Vec<(usize, Part)>,
    out: &mut Vec<u8>,
    clients: &mut Option<&mut kevy_rt::Clients<'_, crate::Redis>>,
) -> bool {
    let Some(r) = t.script.as_mut() else {
        return true;
    };
    let Some((call, Some(mut inner))) = r.pending.take() else {
        return true;
    };
    let mut buf = Vec::new();
    let from = next.len();
    let capturing = effects::begin(shard);
    let g = kevy_rt::Commands::gather(redis, shard, &mut inner, replies, router, next, &mut buf);
    let log = effects::end(shard, capturing);
    r.log.append(&log);
    let (db, resp3) = (inner.ctx.db, inner.ctx.resp3);
    next[from..].iter_mut().for_each(|(_, p)| {
        p.db = Some(db);
        p.resp3 = Some(resp3);
    });
    if g != Gather::Done {
        r.pending = Some((call, Some(inner)));
        return false;
    }
    monitor::call(shard, db, call.args());
    step(redis, shard, t, router, next, out, clients, buf)
}

//! One run of a script: the `redis.call` behind the Lua wrappers, where
//! each call runs, and what a run that must stop leaves behind.
//!
//! A run is in one of two modes ([`Mode`]):
//! - **shard**: the script runs whole on the shard that owns its declared
//!   keys, which is locked whole; every call whose keys live there runs at
//!   once. A call that needs another shard (an undeclared key elsewhere, a
//!   multi-shard command) stops the run: the writes it made are undone
//!   from the snapshots taken before each write ([`Undo`]), and the
//!   operation restarts in global mode.
//! - **global**: every shard is locked whole and the script runs on the
//!   connection's shard, on a stack of its own (`super::global`). A call
//!   on that shard runs at once; a call on another *suspends* the run
//!   ([`Env::remote`]): the call is sent there as a part, and the run
//!   resumes where it stopped with the reply, the Lua interpreter and
//!   every frame above the call (Lua's and Rust's) kept on that stack.

use std::cell::{Cell, RefCell};

use kevy_rt::{Args, LocalCx, OwnedArgs, Router};
use mlua::{Lua, MultiValue, Value};

use super::vm::{error_table, fail, ok};
use crate::base::float::fmt_double;
use crate::base::resp::Reply;
use crate::family::spec::{flags, Run, Spec};
use crate::family::{Call, Local};

mod counts;
mod undo;

use crate::session::{Ctx, Session};
use crate::shard::ShardState;
use crate::store::db::Clock;
use crate::table;
pub(crate) use counts::{mark_counted, note_error, set_counts, take_counts};
use undo::save_keys;
pub(crate) use undo::Undo;

/// Where a run is allowed to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// On its own shard only (locked whole); anything else restarts it.
    Shard,
    /// Anywhere (every shard locked whole); other shards' calls by parts.
    Global,
}

/// Why a run stopped before its end.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A shard-mode run needs another shard: undone, restart globally.
    Escalate,
    /// A suspended global run was told to end instead of resuming (its
    /// operation is dropped: the runtime stops).
    Aborted,
}

thread_local! {
    /// The running script must stop: raised again by the instruction hook
    /// so that a `pcall` cannot swallow it.
    pub(crate) static STOPPING: Cell<bool> = const { Cell::new(false) };
}

/// What one run needs and collects.
pub(crate) struct Env<'a> {
    pub redis: &'a crate::Redis,
    pub shard: &'a mut ShardState,
    pub router: Router,
    /// The shard running the script.
    pub here: usize,
    /// The caller's context.
    pub ctx: Ctx,
    /// The database calls run in (`SELECT` inside the script changes it).
    pub db: u32,
    /// Calls reply in RESP3 (`redis.setresp(3)`).
    pub resp3: bool,
    /// Write commands are refused (`EVAL_RO`, `no-writes`).
    pub ro: bool,
    pub mode: Mode,
    pub undo: Option<Undo>,
    pub stop: Option<Stop>,
    /// Serves the shard's connections while the run is timed out (where
    /// the runtime lends them; see [`super::busy`]).
    pub serve: Option<&'a mut dyn FnMut(&mut ShardState)>,
    /// Global mode: suspends the run's stack until a remote call's reply
    /// is in ([`super::global`]).
    pub yielder: Option<&'a super::global::Yielder>,
    /// A read command was called: a tracking caller then remembers the
    /// script's declared keys (Redis's `call` does it for the script's
    /// caller, not for the keys of the call).
    pub read: bool,
}

/// Where one call runs.
enum Place {
    Here,
    Shard(usize),
    Multi,
}

impl Env<'_> {
    /// `redis.call` (`raise`) / `redis.pcall`: `(ok, value)`; the Lua
    /// wrapper raises `value` when `ok` is false.
    pub(crate) fn call(
        &mut self,
        lua: &Lua,
        raise: bool,
        args: MultiValue,
    ) -> mlua::Result<MultiValue> {
        if self.stop.is_some() {
            return Err(stopping());
        }
        let reply = match self.argv(&args) {
            Ok(argv) => {
                let logging = super::ldb::stepping();
                if logging {
                    super::ldb::log_call(&argv);
                }
                REFUSED.with(|r| r.set(false));
                let id = table::ids::id_of_args(argv.args());
                match self.run(argv) {
                    Some(bytes) => {
                        if REFUSED.with(|r| r.replace(false)) {
                            // Counted as Redis's `scriptCall` counts a call
                            // it refuses: an error reply, and a rejected
                            // call of a known command (the script's reply
                            // quoting it is not counted again).
                            self.shard.server.rejected(id, &bytes);
                        }
                        if logging {
                            super::ldb::log_reply(&bytes);
                        }
                        bytes
                    }
                    None => return Err(stopping()),
                }
            }
            Err(msg) => {
                super::ldb::refused(msg);
                let t = error_table(lua, msg)?;
                return Ok(MultiValue::from_iter([
                    Value::Boolean(!raise),
                    Value::Table(t),
                ]));
            }
        };
        let value = match super::conv::to_lua(lua, &reply)? {
            Some((v, _)) => v,
            None => Value::Table(error_table(lua, b"ERR internal error: unreadable reply")?),
        };
        let failed = reply.first() == Some(&b'-');
        Ok(MultiValue::from_iter([
            Value::Boolean(!(raise && failed)),
            value,
        ]))
    }

    /// The call's arguments (`luaArgsToRedisArgv`): strings as they are,
    /// numbers as `%.17g`.
    fn argv(&self, args: &MultiValue) -> Result<OwnedArgs, &'static [u8]> {
        if args.is_empty() {
            return Err(b"Please specify at least one argument for this redis lib call");
        }
        let mut argv = OwnedArgs::new();
        if let (Some(Value::LightUserData(p)), Some(Value::Table(t)), 2) =
            (args.front(), args.get(1), args.len())
        {
            if p.0 as usize == super::vm::PACKED {
                // Many arguments, packed by the trampoline: read one at a
                // time.
                for i in 1..=t.raw_len() {
                    let a: Value = t.raw_get(i).unwrap_or(Value::Nil);
                    push_arg(&mut argv, &a)?;
                }
                return Ok(argv);
            }
        }
        for a in args.iter() {
            push_arg(&mut argv, a)?;
        }
        Ok(argv)
    }

    /// Runs one call for the debugger itself (a forked session keeping or
    /// putting back keys): not logged, not kept; its reply bytes, or
    /// `None` when the run must stop.
    pub(crate) fn call_quietly(&mut self, argv: OwnedArgs) -> Option<Vec<u8>> {
        // The call in progress keeps what it noted of itself.
        let (dirty, refused) = (DIRTY_CALL.with(Cell::get), REFUSED.with(Cell::get));
        let reply = super::ldb::quietly(|| self.run(argv));
        DIRTY_CALL.with(|d| d.set(dirty));
        REFUSED.with(|r| r.set(refused));
        reply
    }

    /// Runs one call; its reply bytes, or `None` when the run must stop.
    fn run(&mut self, argv: OwnedArgs) -> Option<Vec<u8>> {
        let args = argv.args();
        DIRTY_CALL.with(|d| d.set(super::busy::wrote()));
        let spec = match table::find(args) {
            Ok(spec) => spec,
            Err(table::Rejected::Error(_)) => {
                return Some(refuse(
                    b"Wrong number of args calling Redis command from script",
                ))
            }
            Err(_) => return Some(refuse(b"Unknown Redis command called from script")),
        };
        if spec.flags & flags::NOSCRIPT != 0 && !super::cmds::deny_off(self.shard, spec) {
            return Some(refuse(b"This Redis command is not allowed from script"));
        }
        if let Some(refused) = super::cmds::acl_refusal(self, spec, args) {
            return Some(refuse(refused.as_bytes()));
        }
        // Redis counts `may-replicate` commands as writes here, so that a
        // read-only script may run during CLIENT PAUSE WRITE.
        let may_replicate = matches!(spec.name, "publish" | "spublish" | "pfcount");
        if self.ro && (spec.flags & flags::WRITE != 0 || may_replicate) {
            return Some(refuse(
                b"Write commands are not allowed from read-only scripts.",
            ));
        }
        if spec.flags & flags::STALE == 0
            && crate::family::replica::running_stale(&self.shard.server.shared)
        {
            return Some(refuse(crate::family::replica::STALE_CALL));
        }
        if let Some(name) = blocking_read(spec, args) {
            // Redis's stream reads refuse BLOCK from scripts (a script
            // cannot wait); its text names the command as the script wrote it.
            let mut msg = name.to_vec();
            msg.extend_from_slice(b" command is not allowed with BLOCK option from scripts");
            return Some(refuse(&msg));
        }
        let remote = match self.place(spec, args) {
            Place::Here => None,
            Place::Shard(s) if self.mode == Mode::Global => Some(Some(s)),
            Place::Multi if self.mode == Mode::Global => Some(None),
            _ => {
                self.halt(Stop::Escalate);
                return None;
            }
        };
        if spec.flags & flags::WRITE != 0 {
            let shared = &self.shard.server.shared;
            // `scriptVerifyWriteCommandAllow`, inside EXEC too: the
            // server's state refuses a script's write only until the
            // script wrote (it cannot be failed halfway then).
            let dirty = dirty_call();
            if !dirty && crate::family::replica::read_only_for(shared, spec.flags, self.ctx.client)
            {
                return Some(refuse_coded(crate::family::replica::READONLY));
            }
            if !dirty && crate::family::replica::disk_error(shared) {
                return Some(refuse_coded(crate::family::replica::MISCONF));
            }
            if !dirty && shared.replicas.refusing() && !shared.upstream.active() {
                // A script without flags (the others were refused before
                // they ran): `scriptVerifyWriteCommandAllow`.
                let mut reply = Vec::new();
                crate::base::resp::error(&mut reply, crate::family::replica::NOREPLICAS);
                return Some(reply);
            }
            if !super::busy::writing() {
                // Killed before this write: the hook ends the run.
                return Some(refuse(super::busy::KILLED.as_bytes()));
            }
            if let Some(undo) = self.undo.as_mut() {
                save_keys(undo, self.shard, self.db, spec, args);
            }
            if super::ldb::forked() {
                match super::ldb::undo::Undo::keep(self, spec, args) {
                    Ok(()) => {}
                    Err(Some(msg)) => return Some(refuse(msg)),
                    Err(None) => return None,
                }
            }
        }
        self.read |= spec.flags & flags::READONLY != 0;
        if let Some(shard) = remote {
            return self.remote(argv, shard);
        }
        let reply = self.here(spec, args);
        super::monitor::call(self.shard, self.db, args);
        Some(reply)
    }

    /// A global run's call on another shard (`Some(s)`) or over several
    /// (`None`): the run suspends until the origin has the reply, and goes
    /// on with the shard state and connections it is lent then; `None`
    /// when it must end instead.
    fn remote(&mut self, argv: OwnedArgs, shard: Option<usize>) -> Option<Vec<u8>> {
        let Some(yielder) = self.yielder else {
            // Not on a stack of its own (cannot happen in global mode).
            self.halt(Stop::Aborted);
            return None;
        };
        let call = super::global::Remote {
            args: argv,
            shard,
            db: self.db,
            resp3: self.resp3,
        };
        match yielder.suspend(call) {
            super::global::Resume::Go(lent) => {
                // SAFETY: the pointers were made by `global::step` from
                // the references it holds for the whole resume, and are
                // replaced at every suspension: the run never uses one
                // lent for an earlier resume (nothing else of the run
                // holds a reference derived from `self.shard` or
                // `self.serve` across this call).
                unsafe {
                    self.redis = &*lent.redis;
                    self.shard = &mut *lent.shard;
                    self.serve = Some(&mut *lent.serve);
                }
                Some(lent.reply)
            }
            super::global::Resume::Abort => {
                super::busy::stop();
                self.halt(Stop::Aborted);
                None
            }
        }
    }

    fn halt(&mut self, why: Stop) {
        self.stop = Some(why);
        STOPPING.with(|s| s.set(true));
    }

    /// Where `args` runs: here, on one other shard, or planned over several.
    fn place(&self, spec: &'static Spec, args: Args<'_>) -> Place {
        match spec.run {
            Run::Local(_) => return Place::Here,
            Run::Plan(_) | Run::Server(_) => return Place::Multi,
            _ => {}
        }
        if matches!(spec.name, "flushall" | "flushdb" | "swapdb") {
            return Place::Multi;
        }
        let Ok(keys) = crate::family::command::op_getkeys(args) else {
            return Place::Here;
        };
        let mut owner = None;
        for (at, _) in keys {
            if at >= args.len() {
                continue;
            }
            let s = self.router.shard_of(args.at(at));
            if *owner.get_or_insert(s) != s {
                return Place::Multi;
            }
        }
        match owner {
            Some(s) if s != self.here => Place::Shard(s),
            _ => Place::Here,
        }
    }

    /// Runs a call on this shard; its reply bytes.
    fn here(&mut self, spec: &'static Spec, args: Args<'_>) -> Vec<u8> {
        let ctx = Ctx {
            db: self.db,
            resp3: self.resp3,
            quiet: false,
            subscribed: false,
            // Checked already (`acl_refusal`), in the script's context.
            acl: 0,
            // A script's calls track nothing themselves: in shard mode
            // its declared keys are remembered when it read anything;
            // a global run keeps tracking what its calls read.
            track: self.ctx.track && self.mode == Mode::Global,
            in_exec: self.ctx.in_exec || dirty_call(),
            ..self.ctx
        };
        let mut buf = Vec::new();
        let t0 = crate::base::clock::now();
        match spec.run {
            Run::Local(f) => {
                let mut session = Session::default();
                session.db = self.db as usize;
                session.resp3 = self.resp3;
                session.id = self.ctx.client;
                let now = std::time::Instant::now();
                let cx = LocalCx {
                    nshards: self.router.nshards(),
                    client: kevy_rt::ClientFacts {
                        id: self.ctx.client,
                        shard: self.here,
                        peer: if self.ctx.unix {
                            None
                        } else {
                            self.shard.server.shared.peer_of(self.ctx.client)
                        },
                        local: None,
                        unix: self.ctx.unix,
                        fd: -1,
                        blocked: false,
                        created: now,
                        last_active: now,
                        query_buf: 0,
                        query_buf_free: 0,
                        out_unsent: 0,
                        out_capacity: 0,
                        // A fresh client's reply buffer, as Redis's.
                        reply_buf_size: 16 * 1024,
                        reply_buf_peak: 0,
                        replies_pending: 0,
                        closing: false,
                    },
                    conn: kevy_rt::ConnHandle {
                        shard: self.here as u32,
                        idx: u32::MAX,
                        gen: 0,
                    },
                };
                let mut out = Reply::new(&mut buf, self.resp3);
                f(&mut Local {
                    shard: self.shard,
                    session: &mut session,
                    cx: &cx,
                    args,
                    out: &mut out,
                });
                if spec.name == "select" {
                    self.db = session.db as u32;
                }
                let ns = crate::base::clock::since(t0);
                self.shard.server.script_call(spec, ns, &buf);
            }
            Run::Movable(f, _) => {
                let mut out = Reply::new(&mut buf, self.resp3);
                f(&mut Call {
                    db: self.shard.db(self.db as usize),
                    args,
                    now: Clock::new(),
                    out: &mut out,
                });
                if spec.flags & flags::WRITE != 0 && self.shard.aof.on {
                    // Its effect joins the script's (ZUNIONSTORE, ZMPOP,
                    // GEORADIUS … STORE as their rules say; XREADGROUP as
                    // an XCLAIM per entry delivered).
                    crate::aofrun::after_call(self.shard, self.db, spec, args, &buf);
                }
                let ns = crate::base::clock::since(t0);
                self.shard.server.script_call(spec, ns, &buf);
            }
            _ => kevy_rt::Commands::execute(self.redis, self.shard, ctx, spec, args, &mut buf),
        }
        buf
    }
}

/// An error reply as `scriptCall` makes it (`ERR msg`).
/// The command name of an XREAD or XREADGROUP call with a BLOCK option
/// (among the options before STREAMS).
fn blocking_read<'a>(spec: &Spec, args: Args<'a>) -> Option<&'a [u8]> {
    if spec.name != "xread" && spec.name != "xreadgroup" {
        return None;
    }
    args.iter()
        .skip(1)
        .take_while(|a| !a.eq_ignore_ascii_case(b"streams"))
        .any(|a| a.eq_ignore_ascii_case(b"block"))
        .then(|| args.at(0))
}

/// One `redis.call` argument: a string or a number, as Redis takes them.
fn push_arg(argv: &mut OwnedArgs, a: &Value) -> Result<(), &'static [u8]> {
    match a {
        Value::String(s) => argv.push(&s.as_bytes()),
        Value::Integer(n) => argv.push(n.to_string().as_bytes()),
        Value::Number(n) => {
            let mut buf = [0u8; 32];
            argv.push(fmt_double(*n, &mut buf));
        }
        _ => return Err(b"Lua redis lib command arguments must be strings or integers"),
    }
    Ok(())
}

/// A call refused before it runs: its error, logged first while a
/// debugging session steps (`<error> msg`, no `<reply>`); `Env::call`
/// counts it.
fn refuse(msg: &[u8]) -> Vec<u8> {
    super::ldb::refused(msg);
    REFUSED.with(|r| r.set(true));
    err(msg)
}

thread_local! {
    /// The last call was refused by the script layer ([`refuse`]).
    static REFUSED: Cell<bool> = const { Cell::new(false) };
    /// The call running now comes from a script that wrote before it
    /// ([`dirty_call`]).
    static DIRTY_CALL: Cell<bool> = const { Cell::new(false) };
}

/// Whether the call being run comes from a script that had written
/// already (Redis's `SCRIPT_WRITE_DIRTY`): then the server's state (a
/// read-only replica, too few good replicas, `maxmemory`) refuses none
/// of its calls, which run as a transaction's do (`in_exec`), wherever
/// they run.
pub(crate) fn dirty_call() -> bool {
    DIRTY_CALL.with(Cell::get)
}

/// [`refuse`] with an error that names its own code (`READONLY …`).
fn refuse_coded(msg: &[u8]) -> Vec<u8> {
    super::ldb::refused(msg);
    REFUSED.with(|r| r.set(true));
    let mut out = b"-".to_vec();
    out.extend_from_slice(msg);
    out.extend_from_slice(b"\r\n");
    out
}

fn err(msg: &[u8]) -> Vec<u8> {
    let mut out = b"-ERR ".to_vec();
    out.extend_from_slice(msg);
    out.extend_from_slice(b"\r\n");
    out
}

/// The Lua error that unwinds a run that must stop.
pub(crate) fn stopping() -> mlua::Error {
    mlua::Error::RuntimeError("kevy: the script stops here".into())
}

/// The instruction hook's look at the run ([`super::busy::check`]),
/// between two instructions: serves the shard's connections when the run
/// is timed out; true when the run must end (the runtime is stopping).
pub(crate) fn busy_check(cell: &RefCell<&mut Env<'_>>, label: &str, args: Args<'_>) -> bool {
    let Ok(mut env) = cell.try_borrow_mut() else {
        return false;
    };
    let env = &mut **env;
    if env
        .shard
        .server
        .info
        .as_ref()
        .is_some_and(|i| i.stopping.get())
    {
        super::busy::stop();
        return true;
    }
    if super::busy::check(&env.redis.scripts.watch, env.shard, label, args) {
        if let Some(serve) = env.serve.as_mut() {
            serve(env.shard);
        }
        if crate::family::persist::replaying() {
            // A script of DEBUG LOADAOF's replay (its harness has no
            // connections): the replaying shard's are answered `-LOADING`.
            crate::family::persist::serve_while_loading();
        }
    }
    false
}

/// `redis.setresp(n)`.
pub(crate) fn setresp(env: &mut Env<'_>, lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    if args.len() != 1 {
        return fail(lua, "redis.setresp() requires one argument.");
    }
    let n = match &args[0] {
        Value::Integer(n) => *n as f64,
        Value::Number(n) => *n,
        Value::String(s) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0.0),
        _ => 0.0,
    };
    match n as i64 {
        2 => env.resp3 = false,
        3 => env.resp3 = true,
        _ => return fail(lua, "RESP version must be 2 or 3."),
    }
    Ok(ok([]))
}

/// `redis.set_repl(flags)`: checked, nothing to propagate to yet.
pub(crate) fn set_repl(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    if args.len() != 1 {
        return fail(lua, "redis.set_repl() requires two arguments.");
    }
    let n = match &args[0] {
        Value::Integer(n) => *n,
        Value::Number(n) => *n as i64,
        _ => 0,
    };
    if n & !3 != 0 {
        return fail(
            lua,
            "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        );
    }
    Ok(ok([]))
}

/// `redis.log(level, message…)`: the messages joined by spaces, to the
/// server's log at `level` (`luaLogCommand`; the log drops lines under
/// its `loglevel`).
pub(crate) fn log(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    if args.len() < 2 {
        return fail(lua, "redis.log() requires two arguments or more.");
    }
    let level = match &args[0] {
        Value::Integer(n) => *n as f64,
        Value::Number(n) => *n,
        Value::String(s) => match s.to_str().ok().and_then(|t| t.trim().parse::<f64>().ok()) {
            Some(n) => n,
            None => return fail(lua, "First argument must be a number (log level)."),
        },
        _ => return fail(lua, "First argument must be a number (log level)."),
    };
    // `lua_tonumber` into a C int: truncated towards zero.
    let level = level as i64;
    if !(0..=3).contains(&level) {
        return fail(lua, "Invalid debug level.");
    }
    let mut line = Vec::new();
    for (j, a) in args.iter().enumerate().skip(1) {
        let text = match a {
            Value::String(s) => s.as_bytes().to_vec(),
            Value::Integer(n) => n.to_string().into_bytes(),
            Value::Number(n) => super::vm::lua_number_text(*n).into_bytes(),
            // `lua_tolstring` gives nothing for other types: skipped.
            _ => continue,
        };
        // A space before every argument but the first, as Redis glues them.
        if j != 1 {
            line.push(b' ');
        }
        line.extend_from_slice(&text);
    }
    super::log::write(level, &String::from_utf8_lossy(&line));
    Ok(ok([]))
}

//! The script commands' arguments and bodies: `EVAL script numkeys key…
//! arg…` (and `EVALSHA`, `*_RO`), shebang flags, one run of a script in a
//! prepared [`Env`], and `SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP`.

use std::cell::{Cell, RefCell};

use kevy_rt::Args;
use mlua::{MultiValue, Value};

mod script_cmd;

use super::run::{self, Env, Stop, STOPPING};
use super::{conv, vm};
use crate::base::resp::{self, Reply};
use crate::table::Spec;
pub(crate) use script_cmd::script_command;

/// An `EVAL`-like command's parts.
pub(crate) struct EvalArgs {
    /// The declared keys.
    pub keys: Vec<Vec<u8>>,
}

/// Checks `EVAL script numkeys key… arg…`; the declared keys, or Redis's error.
pub(crate) fn parse(args: Args<'_>) -> Result<EvalArgs, &'static [u8]> {
    if args.len() < 3 {
        return Err(b"ERR wrong number of arguments");
    }
    let fcall =
        args.at(0).eq_ignore_ascii_case(b"fcall") || args.at(0).eq_ignore_ascii_case(b"fcall_ro");
    let n = crate::base::num::parse_i64(args.at(2)).ok_or(if fcall {
        &b"ERR Bad number of keys provided"[..]
    } else {
        &b"ERR value is not an integer or out of range"[..]
    })?;
    if n > (args.len() - 3) as i64 {
        return Err(b"ERR Number of keys can't be greater than number of args");
    }
    if n < 0 {
        return Err(b"ERR Number of keys can't be negative");
    }
    let keys = (3..3 + n as usize).map(|i| args.at(i).to_vec()).collect();
    Ok(EvalArgs { keys })
}

/// Shebang flags (`#!lua flags=…`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// No shebang: Redis's compatibility mode.
    pub compat: bool,
    pub no_writes: bool,
    /// Its calls may write over `maxmemory` (`allow-oom`).
    pub allow_oom: bool,
    /// It runs on a stale replica (`allow-stale`).
    pub allow_stale: bool,
}

/// Reads a body's shebang line (`evalExtractShebangFlags`): the flags and
/// the length of the line (the body compiles from there, keeping its
/// newline so line numbers hold).
pub(crate) fn shebang(body: &[u8]) -> Result<(Flags, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((
            Flags {
                compat: true,
                no_writes: false,
                allow_oom: false,
                allow_stale: false,
            },
            0,
        ));
    }
    let Some(end) = memchr::memchr(b'\n', body) else {
        return Err("Invalid script shebang".into());
    };
    let line = String::from_utf8_lossy(&body[..end]);
    let mut parts = line.split_ascii_whitespace();
    let engine = parts.next().unwrap_or("");
    if engine.is_empty() {
        return Err("Invalid engine in script shebang".into());
    }
    if engine != "#!lua" {
        return Err(format!("Unexpected engine in script shebang: {engine}"));
    }
    let mut flags = Flags::default();
    for p in parts {
        let Some(list) = p.strip_prefix("flags=") else {
            return Err(format!("Unknown lua shebang option: {p}"));
        };
        // `flags=` declares none (Redis splits an empty list into no parts).
        for f in list.split(',').filter(|_| !list.is_empty()) {
            match f {
                "no-writes" => flags.no_writes = true,
                "allow-oom" => flags.allow_oom = true,
                "allow-stale" => flags.allow_stale = true,
                "no-cluster" | "allow-cross-slot-keys" => {}
                _ => return Err(format!("Unexpected flag in script shebang: {f}")),
            }
        }
    }
    Ok((flags, end))
}

/// Runs the script `args` names (`EVAL`…) once in `env`, writing its
/// reply to `out` unless the run stops ([`Env::stop`]).
pub(crate) fn run(env: &mut Env<'_>, spec: &'static Spec, args: Args<'_>, out: &mut Reply<'_>) {
    let Ok(call) = parse(args) else {
        resp::error(out, b"ERR internal error: script arguments");
        return;
    };
    if spec.name.starts_with("fcall") {
        return run_function(env, spec, args, &call, out);
    }
    let by_sha = spec.name.starts_with("evalsha");
    let ro_cmd = spec.name.ends_with("_ro");
    let registry = &env.redis.scripts;
    let (sha, body) = if by_sha {
        let sha = String::from_utf8_lossy(args.at(1)).to_ascii_lowercase();
        match registry.body(&sha) {
            Some(b) if sha.len() == 40 => (sha, b),
            _ => {
                resp::error(out, b"NOSCRIPT No matching script. Please use EVAL.");
                return;
            }
        }
    } else {
        let sha = registry.add(args.at(1), &env.shard.server.shared.scripts);
        let body = registry.body(&sha).unwrap_or_else(|| args.at(1).into());
        (sha, body)
    };
    let (flags, skip) = match shebang(&body) {
        Ok(x) => x,
        Err(e) => {
            resp::error(out, format!("ERR {e}").as_bytes());
            return;
        }
    };
    if refuses_on_replica(env, flags.compat, flags.allow_stale, flags.no_writes, out) {
        return;
    }
    if ro_cmd && !flags.compat && !flags.no_writes {
        resp::error(
            out,
            b"ERR Can not execute a script with write flag using *_ro command.",
        );
        return;
    }
    if !flags.compat && refuses_for_memory(env, flags.allow_oom || flags.no_writes, args, out) {
        return;
    }
    env.ro = ro_cmd || flags.no_writes;
    env.ctx.allow_oom = flags.allow_oom;
    let generation = registry
        .generation
        .load(std::sync::atomic::Ordering::Relaxed);
    let done = vm::with(|vm| {
        if vm.generation != generation {
            vm.scripts.clear();
            vm.generation = generation;
        }
        let f = match vm.compile(&sha, &body[skip..]) {
            Ok(f) => f,
            Err(e) => {
                resp::error(
                    out,
                    format!("ERR Error compiling script (new function): {e}").as_bytes(),
                );
                return Ok(());
            }
        };
        execute(vm, env, Callee::Eval(f), &sha, &call, args, out)
    });
    finish(env, done, &sha, out);
}

/// What a run calls: a script body (KEYS and ARGV globals) or a function
/// (KEYS and ARGV its arguments).
enum Callee {
    Eval(mlua::Function),
    Function(mlua::Function),
}

/// `FCALL`/`FCALL_RO function numkeys key… arg…`.
fn run_function(
    env: &mut Env<'_>,
    spec: &'static Spec,
    args: Args<'_>,
    call: &EvalArgs,
    out: &mut Reply<'_>,
) {
    let name = String::from_utf8_lossy(args.at(1)).into_owned();
    let ro_cmd = spec.name.ends_with("_ro");
    let libs = &env.redis.scripts.libs;
    let done = vm::with(|vm| {
        let (f, meta) = match super::function::resolve(vm, libs, &name) {
            Ok(x) => x,
            Err(e) => {
                resp::error(out, e);
                return Ok(());
            }
        };
        let allow_stale = meta.flags.contains(&"allow-stale");
        if refuses_on_replica(env, false, allow_stale, meta.no_writes(), out) {
            return Ok(());
        }
        if ro_cmd && !meta.no_writes() {
            resp::error(
                out,
                b"ERR Can not execute a script with write flag using *_ro command.",
            );
            return Ok(());
        }
        let allow_oom = meta.flags.contains(&"allow-oom");
        if refuses_for_memory(env, allow_oom || meta.no_writes(), args, out) {
            return Ok(());
        }
        env.ro = ro_cmd || meta.no_writes();
        env.ctx.allow_oom = allow_oom;
        execute(vm, env, Callee::Function(f), &name, call, args, out)
    });
    finish(env, done, &name, out);
}

/// A script refused on a replica before it runs, as Redis's
/// `processCommand` refuses it with the flags it derives from the script's
/// (`scriptFlagsToCmdFlags`): on a read-only replica, a script with flags
/// that may write, `-READONLY`; then, on a stale replica, one that does
/// not declare `allow-stale` (`compat`: no shebang, which never does,
/// refused by `scriptPrepareForRun` with the same reply), `-MASTERDOWN`.
fn refuses_on_replica(
    env: &mut Env<'_>,
    compat: bool,
    allow_stale: bool,
    no_writes: bool,
    out: &mut Reply<'_>,
) -> bool {
    use crate::family::replica;
    let shared = &env.shard.server.shared;
    if !shared.upstream.active() {
        // A primary: a script with flags that may write is refused after a
        // failed save (`processCommand`, by the flags it derives), then
        // needs its good replicas (`scriptPrepareForRun`).
        if !compat && !no_writes && replica::disk_error(shared) {
            resp::error(out, replica::MISCONF);
            return true;
        }
        if !compat && !no_writes && shared.replicas.refusing() {
            resp::error(out, replica::NOREPLICAS);
            return true;
        }
        return false;
    }
    let writes = crate::table::flags::WRITE;
    if !compat && !no_writes && replica::read_only_for(shared, writes, env.ctx.client) {
        resp::error(out, replica::READONLY);
        return true;
    }
    if (compat || !allow_stale) && replica::running_stale(shared) {
        resp::error(out, replica::MASTERDOWN);
        return true;
    }
    false
}

/// A script with flags (a shebang, or a function) that may write and is
/// not flagged `allow-oom` does not start over `maxmemory` (`allowed`:
/// `allow-oom` or `no-writes`): Redis derives `denyoom` for the EVAL or
/// FCALL from those flags (`scriptFlagsToCmdFlags`), so it is refused with
/// the plain `-OOM` reply before it runs.
fn refuses_for_memory(
    env: &mut Env<'_>,
    allowed: bool,
    args: Args<'_>,
    out: &mut Reply<'_>,
) -> bool {
    if allowed || env.ctx.in_exec || !env.shard.refuses_write(args) {
        return false;
    }
    resp::error(out, crate::shard::evict::OOM);
    true
}

/// The end of a run: an interpreter failure becomes Redis's reply.
fn finish(env: &mut Env<'_>, done: Option<mlua::Result<()>>, label: &str, out: &mut Reply<'_>) {
    match done {
        Some(Ok(())) => {}
        Some(Err(e)) => {
            if env.stop.is_none() {
                resp::error(
                    out,
                    format!("ERR Error running script {label}, {}", vm::plain(&e)).as_bytes(),
                );
            }
        }
        None => resp::error(out, b"ERR internal error: no Lua interpreter"),
    }
    if matches!(env.stop, Some(Stop::Escalate | Stop::Aborted)) {
        STOPPING.with(|s| s.set(false));
    }
}

/// Runs `callee` with the call's keys and arguments in `vm`, writing its
/// reply (or error, labelled `label`) unless the run stops.
fn execute(
    vm: &mut vm::Vm,
    env: &mut Env<'_>,
    callee: Callee,
    label: &str,
    call: &EvalArgs,
    args: Args<'_>,
    out: &mut Reply<'_>,
) -> mlua::Result<()> {
    let nkeys = call.keys.len();
    {
        let lua = vm.lua.clone();
        let keys = lua.create_table_with_capacity(nkeys, 0)?;
        for (i, k) in call.keys.iter().enumerate() {
            keys.raw_set(i + 1, lua.create_string(k)?)?;
        }
        let argv = lua.create_table_with_capacity(args.len() - 3 - nkeys, 0)?;
        for i in 3 + nkeys..args.len() {
            argv.raw_set(i - 2 - nkeys, lua.create_string(args.at(i))?)?;
        }
        STOPPING.with(|s| s.set(false));
        super::run::take_counts();
        RUNNER.with(|r| {
            *r.borrow_mut() = Some(Runner {
                code: env.ctx.acl,
                acl: env.redis.acl.clone(),
                caller: crate::table::find(args).ok(),
                denied: Vec::new(),
            })
        });
        // Keys expire by the run's start while it runs (Redis's
        // `scriptTimeSnapshot`), suspended or not.
        let start = crate::base::clock::now_ms();
        START.with(|s| s.set(Some(start)));
        crate::store::db::freeze(Some(start));
        super::busy::begin(matches!(callee, Callee::Eval(_)));
        super::log::attach(&env.shard.server.shared);
        let watch = &env.redis.scripts.watch;
        let cell = RefCell::new(&mut *env);
        if super::ldb::active() {
            // A debugging session: its hook at every line, and every
            // 100,000 instructions to notice a script that runs too long
            // (Redis's `luaLdbLineHook`); the next run sets the usual one.
            lua.set_hook(
                mlua::HookTriggers::new()
                    .every_line()
                    .every_nth_instruction(100_000),
                super::ldb::hook,
            )?;
            vm.hooked = false;
        } else if !vm.hooked {
            lua.set_hook(
                mlua::HookTriggers::new().every_nth_instruction(1000),
                instruction_hook,
            )?;
            vm.hooked = true;
        }
        if !vm.bound {
            super::current::bind(&lua, &vm.hooks, &vm.names)?;
            vm.bound = true;
        }
        let current = super::current::Run {
            cell: &cell,
            label,
            args,
        };
        let result = (|| {
            let _current = super::current::enter(&current);
            let r: MultiValue = match &callee {
                Callee::Eval(f) => vm.runner.call((f, keys, argv))?,
                Callee::Function(f) => vm.fn_runner.call((f, keys, argv))?,
            };
            let env = cell.borrow();
            if env.stop.is_some() {
                return Ok(());
            }
            let mut it = r.into_iter();
            let ok = matches!(it.next(), Some(Value::Boolean(true)));
            let v = it.next().unwrap_or(Value::Nil);
            if ok {
                conv::write_reply(out, &v, env.resp3, 0)?;
            } else {
                write_error(out, &v, label);
            }
            Ok(())
        })();
        if super::ldb::forked() {
            // A forked debugging session: what it wrote is put back.
            let mut env = cell.borrow_mut();
            if env.stop.is_none() {
                super::ldb::undo::Undo::roll_back(&mut env);
            }
        }
        crate::store::db::freeze(None);
        if let Some(r) = RUNNER.with(|r| r.borrow_mut().take()) {
            if !matches!(cell.borrow().stop, Some(Stop::Escalate)) {
                for (d, info) in r.denied {
                    crate::family::acl::log_script(&r.acl, d, info);
                }
            }
        }
        super::busy::end(watch);
        // A run killed or stopped left the flag and the hook at every line.
        STOPPING.with(|s| s.set(false));
        if LINE_HOOK.with(|l| l.replace(false)) {
            vm.hooked = false;
        }
        result
    }
}

thread_local! {
    /// The instruction hook was set to every line (a run killed or
    /// stopped): the next run sets it back to every thousand instructions.
    static LINE_HOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The hook every thousand instructions of a run (every line once it is
/// killed, as Redis's, so that a `pcall` loop cannot outlive a kill):
/// stops a run that must stop, and lets [`super::busy`] time it out and
/// serve the shard's connections.
fn instruction_hook(lua: &mlua::Lua, _: &mlua::debug::Debug) -> mlua::Result<mlua::VmState> {
    if STOPPING.with(|s| s.get()) {
        // At every line from now on, so that a `pcall` loop ends too.
        LINE_HOOK.with(|l| l.set(true));
        lua.set_hook(mlua::HookTriggers::EVERY_LINE, instruction_hook)?;
        return Err(run::stopping());
    }
    let kill = match super::busy::tick() {
        super::busy::Tick::Continue => false,
        super::busy::Tick::Kill => true,
        super::busy::Tick::Check => {
            let hooks: mlua::Table = lua.named_registry_value(vm::HOOKS)?;
            match hooks.raw_get::<Value>("call")? {
                Value::Function(f) => {
                    let marker = Value::LightUserData(mlua::LightUserData(std::ptr::null_mut()));
                    f.call::<bool>((false, marker))?
                }
                _ => false,
            }
        }
    };
    if kill {
        LINE_HOOK.with(|l| l.set(true));
        lua.set_hook(mlua::HookTriggers::EVERY_LINE, instruction_hook)?;
        return Err(mlua::Error::RuntimeError(super::busy::KILLED.into()));
    }
    Ok(mlua::VmState::Continue)
}

/// A script's error as `luaCallFunction` replies it: the `err` text and,
/// when the error knows where it was raised, ` script: <sha>, on
/// <source>:<line>.`.
fn write_error(out: &mut Reply<'_>, v: &Value, sha: &str) {
    if let Value::Table(t) = v {
        super::run::mark_counted(t);
    }
    let Value::Table(t) = v else {
        let msg = match v {
            Value::String(s) => s.to_string_lossy(),
            _ => "execution failure".into(),
        };
        resp::error(
            out,
            format!("ERR Error running script {sha}, {msg}").as_bytes(),
        );
        return;
    };
    let text = |k: &str| match t.raw_get::<Value>(k) {
        Ok(Value::String(s)) => Some(s.as_bytes().to_vec()),
        Ok(Value::Number(n)) => Some(vm::lua_number_text(n).into_bytes()),
        Ok(Value::Integer(n)) => Some(n.to_string().into_bytes()),
        _ => None,
    };
    let mut msg = text("err").unwrap_or_default();
    if let (Some(source), Some(line)) = (text("source"), text("line")) {
        msg.extend_from_slice(format!(" script: {sha}, on ").as_bytes());
        msg.extend_from_slice(&source);
        msg.push(b':');
        msg.extend_from_slice(&line);
        msg.push(b'.');
    }
    for b in msg.iter_mut() {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    resp::error(out, &msg);
}

/// Counts a global-mode script in flight in
/// [`Shared::scripts_global`](crate::accounting::Shared::scripts_global)
/// while it lives: a global run is many steps, between which the shards
/// tick, and active expiry must not take a key the run may still read
/// (its keys expire by its start).
pub(crate) struct ExpiryHold(Option<std::sync::Arc<crate::accounting::Shared>>);

impl ExpiryHold {
    /// Holds when `global`.
    pub(crate) fn new(shared: &std::sync::Arc<crate::accounting::Shared>, global: bool) -> Self {
        if !global {
            return ExpiryHold(None);
        }
        shared
            .scripts_global
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ExpiryHold(Some(shared.clone()))
    }
}

impl Drop for ExpiryHold {
    fn drop(&mut self) {
        if let Some(s) = &self.0 {
            s.scripts_global
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// The start of this thread's last script run (unix ms): the time its
/// keys expire at, on any shard its calls run.
pub(crate) fn started() -> crate::store::db::Ms {
    START
        .with(Cell::get)
        .unwrap_or_else(crate::base::clock::now_ms)
}

/// Who runs the current script, for its ACL checks: the caller's user
/// code (`Ctx::acl`), the users, and the caller's command (its
/// `CLIENT LIST` line names it in a log entry).
struct Runner {
    code: u32,
    acl: std::sync::Arc<crate::acl::Acl>,
    caller: Option<&'static Spec>,
    /// Denied calls, with the caller's line: logged at the run's end,
    /// unless the run is undone to start again (a shard-mode run that
    /// escalates), so that a rerun's denial is not logged twice.
    denied: Vec<(crate::family::acl::ScriptDenial, Vec<u8>)>,
}

thread_local! {
    /// Set for the length of a run ([`execute`]).
    static RUNNER: RefCell<Option<Runner>> = const { RefCell::new(None) };
    /// The start of the last run (a global run's remote calls carry it).
    static START: Cell<Option<crate::store::db::Ms>> = const { Cell::new(None) };
}

/// True when `DEBUG SET-DISABLE-DENY-SCRIPTS` lets a script call the
/// `noscript` command `spec` (Redis's `script_disable_deny_script`); the
/// script and function commands and the blocking ones stay refused (a
/// script here cannot run another, nor wait).
pub(crate) fn deny_off(shard: &crate::shard::ShardState, spec: &'static Spec) -> bool {
    shard
        .server
        .shared
        .script_deny_off
        .load(std::sync::atomic::Ordering::Relaxed)
        && spec.flags & crate::family::spec::flags::BLOCKING == 0
        && !["eval", "fcall", "script", "function"]
            .iter()
            .any(|p| spec.name.starts_with(p))
}

/// Checks a script's call against its caller's ACL user (Redis's
/// `scriptVerifyACL`): the refusal's text (`scriptCall` makes it an `ERR`)
/// or `None` when allowed.
pub(crate) fn acl_refusal(
    env: &mut Env<'_>,
    spec: &'static Spec,
    args: Args<'_>,
) -> Option<&'static str> {
    if env.ctx.acl == 0 {
        return None;
    }
    let ctx = env.ctx;
    let d =
        crate::family::acl::gate_script(&env.redis.acl, &mut env.shard.acl, ctx.acl, spec, args)?;
    let text = d.text;
    RUNNER.with(|r| {
        if let Some(r) = r.borrow_mut().as_mut() {
            let caller = r.caller.unwrap_or(spec);
            let info =
                crate::family::acl::remote_info(&env.shard.server.shared, &ctx, caller, &d.user);
            r.denied.push((d, info));
        }
    });
    Some(text)
}

/// `redis.acl_check_cmd(cmd, …)`: true when the script's user may run the
/// command with these arguments (its keys and channels included), false
/// otherwise (`luaRedisAclCheckCmdPermissionsCommand`).
pub(crate) fn acl_check_cmd(lua: &mlua::Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let runner = RUNNER.with(|r| r.borrow().as_ref().map(|r| (r.code, r.acl.clone())));
    let Some((code, acl)) = runner else {
        return vm::fail(
            lua,
            "redis.acl_check_cmd can only be called inside a script invocation",
        );
    };
    if args.is_empty() {
        return vm::fail(
            lua,
            "Please specify at least one argument for this redis lib call",
        );
    }
    let mut argv = kevy_rt::OwnedArgs::new();
    for a in args.iter() {
        match a {
            Value::String(s) => argv.push(&s.as_bytes()),
            Value::Number(n) => argv.push(vm::lua_number_text(*n).as_bytes()),
            Value::Integer(n) => argv.push(n.to_string().as_bytes()),
            _ => {
                return vm::fail(
                    lua,
                    "Lua redis lib command arguments must be strings or integers",
                )
            }
        }
    }
    let Some(spec) = (crate::family::spec::catalog().lookup_args)(argv.args()) else {
        return vm::fail(lua, "Invalid command passed to redis.acl_check_cmd()");
    };
    if code == 0 {
        return Ok(vm::ok([Value::Boolean(true)]));
    }
    let id = if code == crate::family::acl::NOAUTH {
        0
    } else {
        code as usize - 1
    };
    let users = acl.users();
    let allowed = users
        .get(id)
        .is_some_and(|u| crate::family::acl::check_user(u, spec, argv.args()).is_ok());
    Ok(vm::ok([Value::Boolean(allowed)]))
}

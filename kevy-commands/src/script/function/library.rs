//! Running a library's code to collect its functions: the load-time API
//! (`redis.register_function`), its flags, and `FUNCTION LOAD`'s time
//! bound (Redis's `luaEngineCreate` and `luaRegisterFunction`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{Function, Lua, MultiValue, Value};

use super::{valid_name, FnMeta};
use crate::script::vm::{self, fail, ok, Vm};

/// A function collected while a library loads.
pub(super) struct Registered {
    pub(super) meta: FnMeta,
    pub(super) callback: Function,
}

/// Runs library `code` (after its shebang) in `vm` with only the
/// load-time API in sight, collecting with only the load-time API in sight, collecting
/// what it registers. With a `timeout`, code still running past it fails
/// with Redis's `FUNCTION LOAD timeout` (checked every 100,000
/// instructions, then at every line so that a `pcall` cannot catch it
/// for long, as Redis's `luaEngineLoadHook`).
pub(super) fn run_library(
    vm: &mut Vm,
    code: &[u8],
    timeout: Option<Duration>,
) -> Result<Vec<Registered>, String> {
    let lua = vm.lua.clone();
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = timeout {
        let start = Instant::now();
        let flag = timed_out.clone();
        let hook = move |lua: &Lua, _: &mlua::debug::Debug| -> mlua::Result<mlua::VmState> {
            if start.elapsed() <= limit {
                return Ok(mlua::VmState::Continue);
            }
            if !flag.swap(true, Relaxed) {
                let again = flag.clone();
                lua.set_hook(mlua::HookTriggers::EVERY_LINE, move |_, _| {
                    again.store(true, Relaxed);
                    Err(mlua::Error::RuntimeError(LOAD_TIMED_OUT.into()))
                })?;
            }
            Err(mlua::Error::RuntimeError(LOAD_TIMED_OUT.into()))
        };
        lua.set_hook(
            mlua::HookTriggers::new().every_nth_instruction(100_000),
            hook,
        )
        .map_err(|e| format!("Error registering functions: ERR {}", vm::plain(&e)))?;
        // The run's own hook is set again by the next run.
        vm.hooked = false;
    }
    let r = load_chunk(vm, &lua, code);
    if timeout.is_some() {
        lua.remove_hook();
    }
    if timed_out.load(Relaxed) {
        return Err(format!("Error registering functions: ERR {LOAD_TIMED_OUT}"));
    }
    r
}

/// The error a library's code gets when it runs past `FUNCTION LOAD`'s
/// bound.
const LOAD_TIMED_OUT: &str = "FUNCTION LOAD timeout";

/// [`run_library`] without the bound.
fn load_chunk(vm: &mut Vm, lua: &Lua, code: &[u8]) -> Result<Vec<Registered>, String> {
    let chunk = lua
        .load(code)
        .set_name("@user_function")
        .set_environment(vm.fenv.clone())
        .into_function()
        .map_err(|e| format!("Error compiling function: {}", vm::compile_error(&e)))?;
    let collected: std::cell::RefCell<Vec<Registered>> = Default::default();
    let outcome = lua.scope(|scope| {
        vm.hooks.raw_set(
            "register_function",
            scope.create_function(|lua, args: MultiValue| register(lua, args, &collected))?,
        )?;
        vm.set_loading.call::<()>(true)?;
        let r: MultiValue = vm.loader.call(chunk)?;
        vm.set_loading.call::<()>(false)?;
        Ok(r)
    });
    let _ = vm.set_loading.call::<()>(false);
    if let Ok(f) = lua.create_function(vm::register_outside_load) {
        let _ = vm.hooks.raw_set("register_function", f);
    }
    let r = outcome.map_err(|e| format!("Error registering functions: ERR {}", vm::plain(&e)))?;
    let mut it = r.into_iter();
    if !matches!(it.next(), Some(Value::Boolean(true))) {
        let msg = match it.next() {
            Some(Value::Table(t)) => match t.raw_get::<Value>("err") {
                Ok(Value::String(s)) => s.to_string_lossy(),
                _ => String::new(),
            },
            Some(Value::String(s)) => format!("ERR {}", s.to_string_lossy()),
            _ => String::new(),
        };
        return Err(format!("Error registering functions: {msg}"));
    }
    Ok(collected.into_inner())
}

/// `redis.register_function(name, callback)` or `redis.register_function{…}`.
fn register(
    lua: &Lua,
    args: MultiValue,
    collected: &std::cell::RefCell<Vec<Registered>>,
) -> mlua::Result<MultiValue> {
    let string = |v: &Value| match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Number(n) => Some(vm::lua_number_text(*n).into_bytes()),
        Value::Integer(n) => Some(n.to_string().into_bytes()),
        _ => None,
    };
    let (name, callback, desc, flags) = match args.len() {
        1 => {
            let Value::Table(t) = &args[0] else {
                return fail(lua, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            };
            let (mut name, mut cb, mut desc, mut flags) = (None, None, None, Vec::new());
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let Some(k) = string(&k) else {
                    return fail(
                        lua,
                        "named argument key given to redis.register_function is not a string",
                    );
                };
                match String::from_utf8_lossy(&k).to_ascii_lowercase().as_str() {
                    "function_name" => match string(&v) {
                        Some(s) => name = Some(s),
                        None => return fail(lua, "function_name argument given to redis.register_function must be a string"),
                    },
                    "description" => match string(&v) {
                        Some(s) => desc = Some(s),
                        None => return fail(lua, "description argument given to redis.register_function must be a string"),
                    },
                    "callback" => match v {
                        Value::Function(f) => cb = Some(f),
                        _ => return fail(lua, "callback argument given to redis.register_function must be a function"),
                    },
                    "flags" => {
                        let Value::Table(ft) = v else {
                            return fail(lua, "flags argument to redis.register_function must be a table representing function flags");
                        };
                        for f in ft.sequence_values::<Value>() {
                            let f = string(&f?).unwrap_or_default();
                            match known_flag(&f) {
                                Some(f) => flags.push(f),
                                None => return fail(lua, "unknown flag given"),
                            }
                        }
                    }
                    _ => return fail(lua, "unknown argument given to redis.register_function"),
                }
            }
            let Some(name) = name else {
                return fail(
                    lua,
                    "redis.register_function must get a function name argument",
                );
            };
            let Some(cb) = cb else {
                return fail(lua, "redis.register_function must get a callback argument");
            };
            (name, cb, desc, flags)
        }
        2 => {
            let Some(name) = string(&args[0]) else {
                return fail(
                    lua,
                    "first argument to redis.register_function must be a string",
                );
            };
            let Value::Function(cb) = &args[1] else {
                return fail(
                    lua,
                    "second argument to redis.register_function must be a function",
                );
            };
            (name, cb.clone(), None, Vec::new())
        }
        _ => return fail(lua, "wrong number of arguments to redis.register_function"),
    };
    if !valid_name(&name) {
        // Redis 7.0 says "Library" here too.
        return fail(lua, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let mut c = collected.borrow_mut();
    if c.iter().any(|r| r.meta.name == name) {
        return fail(lua, "Function already exists in the library");
    }
    c.push(Registered {
        meta: FnMeta { name, desc, flags },
        callback,
    });
    Ok(ok([]))
}

pub(super) fn known_flag(f: &[u8]) -> Option<&'static str> {
    [
        "no-writes",
        "allow-oom",
        "allow-stale",
        "no-cluster",
        "allow-cross-slot-keys",
    ]
    .into_iter()
    .find(|k| k.as_bytes() == f)
}

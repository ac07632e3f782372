//! One thread's Lua 5.1 interpreter, sandboxed as Redis 7.0's: the base,
//! table, string and math libraries plus `bit` (no `os`, `io`, `package`,
//! `debug`, `dofile`, `loadfile`, `print`), the `redis` table, Redis's
//! `pcall` (a table error becomes its `err` string), its
//! error handler (an error becomes `{err=…, source=…, line=…}`), and
//! read-only globals: reading a missing global or writing any is an error
//! with Redis's text.
//!
//! Redis marks tables read-only inside its patched Lua; the vendored Lua
//! 5.1 has no such flag, so here the global table and the library tables
//! are empty proxies whose metatables read through to the real tables and
//! refuse writes, and `rawset` refuses the proxies. Every shard thread has
//! its own interpreter ([`with`]); compiled scripts are cached per thread
//! by SHA1.

use std::cell::RefCell;
use std::collections::HashMap;

use mlua::{Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use super::libs;

mod locals;
mod trampoline;

pub(crate) use super::values::{error_table, fail, lua_number_text, ok};
pub(crate) use locals::locals;
use trampoline::TRAMPOLINES;
pub(crate) use trampoline::{HOOKS, PACKED};

/// The chunk name of kevy's own Lua code (frames the error handler skips).
pub(crate) const INTERNAL: &str = "@kevy_sandbox";

/// What the sandbox chunk builds, given the private `hooks` table, the
/// error handler, and the Rust helpers. It returns the runner: the
/// function that runs a script under `xpcall` with the handler.
const SANDBOX: &str = r#"
local hooks, handler, api = ...
local error, type, select, tostring, rawset, rawget, rawpcall, setmetatable, next =
  error, type, select, tostring, rawset, rawget, pcall, setmetatable, next
dofile = nil
loadfile = nil
print = nil
module = nil
-- Redis's Lua parses every chunk as text (its f_parser never undumps), so
-- precompiled bytecode, a way out of the sandbox, fails to load. A leading
-- space makes Lua read a binary chunk as text, failing the same way.
do
  local raw_loadstring, raw_load, byte = loadstring, load, string.byte
  local function binary(s)
    return type(s) == 'string' and byte(s, 1) == 27
  end
  loadstring = function(s, name)
    if binary(s) then
      return raw_loadstring(' ' .. s, name or s)
    end
    return raw_loadstring(s, name)
  end
  load = function(f, name)
    local first = true
    return raw_load(function()
      local piece = f()
      if first and piece ~= nil and piece ~= '' then
        first = false
        if binary(piece) then
          return ' ' .. piece
        end
      end
      return piece
    end, name)
  end
end
require = nil

local redis = {}
for name, f in next, api do
  if name:sub(1, 2) ~= 'x:' then redis[name] = f end
end
cjson.encode = api['x:cjson.encode']
cjson.decode = api['x:cjson.decode']
cjson.encode_sparse_array = api['x:cjson.encode_sparse_array']
cjson.encode_max_depth = api['x:cjson.encode_max_depth']
cjson.decode_max_depth = api['x:cjson.decode_max_depth']
cjson.encode_number_precision = api['x:cjson.encode_number_precision']
cjson.encode_keep_buffer = api['x:cjson.encode_keep_buffer']
cjson.encode_invalid_numbers = api['x:cjson.encode_invalid_numbers']
cjson.decode_invalid_numbers = api['x:cjson.decode_invalid_numbers']
cmsgpack.pack = api['x:cmsgpack.pack']
cmsgpack.unpack = api['x:cmsgpack.unpack']
cmsgpack.unpack_one = api['x:cmsgpack.unpack_one']
cmsgpack.unpack_limit = api['x:cmsgpack.unpack_limit']
struct.pack = api['x:struct.pack']
struct.unpack = api['x:struct.unpack']
struct.size = api['x:struct.size']
redis.LOG_DEBUG = 0
redis.LOG_VERBOSE = 1
redis.LOG_NOTICE = 2
redis.LOG_WARNING = 3
redis.REPL_NONE = 0
redis.REPL_AOF = 1
redis.REPL_SLAVE = 2
redis.REPL_REPLICA = 2
redis.REPL_ALL = 3
redis.replicate_commands = function() return true end
redis.REDIS_VERSION = hooks.version
redis.REDIS_VERSION_NUM = hooks.version_num

math.random = api['x:random']
math.randomseed = api['x:randomseed']

local function fix(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then return false, m end
  end
  return false, e
end
pcall = function(f, ...) return fix(rawpcall(f, ...)) end

local readonly = {}
local function refuse() error("Attempt to modify a readonly table", 2) end
local realrawset = rawset
local function protect(real)
  local proxy = {}
  readonly[proxy] = true
  setmetatable(proxy, { __index = real, __newindex = refuse, __metatable = false })
  return proxy
end
_G.rawset = function(t, k, v)
  if readonly[t] then error("Attempt to modify a readonly table", 0) end
  return realrawset(t, k, v)
end
-- Redis's readonly tables refuse a new metatable the same way; the
-- protected metatables read as Redis's (none for a readonly library).
_G.setmetatable = function(t, mt)
  if readonly[t] then error("Attempt to modify a readonly table", 0) end
  return setmetatable(t, mt)
end
local realgetmetatable = getmetatable
_G.getmetatable = function(t)
  local mt = realgetmetatable(t)
  if mt == false then return nil end
  return mt
end
local rawredis = redis
redis = protect(redis)
for _, name in ipairs({ 'string', 'math', 'table', 'coroutine', 'bit', 'cjson', 'struct', 'cmsgpack' }) do
  if _G[name] ~= nil then _G[name] = protect(_G[name]) end
end

-- The real globals move to a hidden table; _G becomes their proxy.
local G = _G
local real = {}
for k, v in next, G do real[k] = v end
for k in next, real do G[k] = nil end
real.redis = redis
real._G = G
readonly[G] = true
setmetatable(G, {
  __index = function(_, k)
    local v = real[k]
    if v == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end
    return v
  end,
  __newindex = refuse,
  -- getmetatable(_G) gives a table, readonly as Redis's.
  __metatable = protect({}),
})

-- Functions: their libraries load with only this in sight (Redis's
-- load-time globals); once loaded they see the same globals as scripts.
local function strict(t)
  local proxy = {}
  readonly[proxy] = true
  setmetatable(proxy, {
    __index = function(_, k)
      local v = t[k]
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end,
    __newindex = refuse,
    __metatable = false,
  })
  return proxy
end
local loadredis = { register_function = api['x:register_function'], log = rawredis.log }
for _, k in ipairs({ 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM' }) do
  loadredis[k] = rawredis[k]
end
local loadglobals = { redis = strict(loadredis) }
local loading = false
local FENV = {}
readonly[FENV] = true
setmetatable(FENV, {
  __index = function(_, k)
    local v
    if loading then v = loadglobals[k] else v = real[k] end
    if v == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end
    return v
  end,
  __newindex = refuse,
  __metatable = false,
})

local xpcall = xpcall
return function(f, k, a) real.KEYS = k real.ARGV = a return xpcall(f, handler) end, real, FENV,
  function(b) loading = b end,
  function(f) return rawpcall(f) end,
  function(f, k, a) return xpcall(function() return f(k, a) end, handler) end
"#;

/// A thread's interpreter.
pub(crate) struct Vm {
    pub lua: Lua,
    /// The private table the `redis` functions call through (`call`,
    /// `setresp`…).
    pub hooks: Table,
    /// `runner(f, keys, argv)`: sets the `KEYS` and `ARGV` globals, then
    /// `xpcall(f, handler)`.
    pub runner: Function,
    /// Compiled scripts by SHA1 (lowercase hex).
    pub scripts: HashMap<String, Function>,
    /// The registry generation `scripts` belong to (`SCRIPT FLUSH` bumps it).
    pub generation: u64,
    /// The environment of functions' libraries.
    pub fenv: Table,
    /// `set_loading(b)`: libraries see the load-time globals while true.
    pub set_loading: Function,
    /// `loader(chunk)`: `pcall(chunk)`.
    pub loader: Function,
    /// `fn_runner(f, keys, args)`: `xpcall` of `f(keys, args)` with the handler.
    pub fn_runner: Function,
    /// Loaded functions by name.
    pub functions: HashMap<String, Function>,
    /// The libraries' generation `functions` belong to.
    pub fn_generation: u64,
    /// The names of the hooks that reach the current run (`call`,
    /// `setresp`; see `super::current`).
    pub names: [mlua::LuaString; 2],
    /// Those hooks are in `hooks` (put there by the first run).
    pub bound: bool,
    /// The instruction hook is set (every thousand instructions): a run
    /// sets it only when it is not (first run, or after a kill set it to
    /// every line). Outside a run it finds no run and lets Lua go on.
    pub hooked: bool,
}

thread_local! {
    static VM: RefCell<Option<Vm>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's interpreter, made on first use. `None`
/// when the interpreter cannot be made (out of memory) or is in use
/// already (a re-entrant call).
pub(crate) fn with<R>(f: impl FnOnce(&mut Vm) -> R) -> Option<R> {
    VM.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Some(Vm::new().ok()?);
        }
        slot.as_mut().map(f)
    })
}

/// Runs `f` with this thread's interpreter, or, while a suspended
/// global-mode run holds it (see `super::global`), with a spare one made
/// for `f` alone (the thread's cjson options untouched). For the commands
/// that compile or load code without any lock: `SCRIPT LOAD`, `FUNCTION
/// LOAD`.
pub(crate) fn with_spare<R>(f: impl FnOnce(&mut Vm) -> R) -> Option<R> {
    let mut f = Some(f);
    let got = with(|vm| f.take().map(|f| f(vm)));
    match (got, f) {
        (Some(r), _) => r,
        (None, Some(f)) => Vm::build().ok().as_mut().map(f),
        (None, None) => None,
    }
}

impl Vm {
    fn new() -> mlua::Result<Vm> {
        // A new interpreter starts with lua-cjson's default options.
        libs::json::config::reset();
        Vm::build()
    }

    fn build() -> mlua::Result<Vm> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        libs::install(&lua)?;
        let hooks = lua.create_table()?;
        hooks.set("sha1hex", lua.create_function(sha1hex)?)?;
        hooks.set("breakpoint", lua.create_function(super::ldb::breakpoint)?)?;
        hooks.set("debug", lua.create_function(super::ldb::debug)?)?;
        hooks.set("error_reply", lua.create_function(error_reply)?)?;
        hooks.set("status_reply", lua.create_function(status_reply)?)?;
        hooks.set("version", super::REDIS_VERSION)?;
        hooks.set("version_num", super::REDIS_VERSION_NUM)?;
        hooks.set("random", lua.create_function(libs::random)?)?;
        hooks.set("randomseed", lua.create_function(libs::randomseed)?)?;
        hooks.set(
            "register_function",
            lua.create_function(register_outside_load)?,
        )?;
        hooks.set("cjson_encode", lua.create_function(libs::json::encode)?)?;
        hooks.set("cjson_decode", lua.create_function(libs::json::decode)?)?;
        hooks.set(
            "cjson_encode_sparse_array",
            lua.create_function(libs::json::config::encode_sparse_array)?,
        )?;
        hooks.set(
            "cjson_encode_max_depth",
            lua.create_function(libs::json::config::encode_max_depth)?,
        )?;
        hooks.set(
            "cjson_decode_max_depth",
            lua.create_function(libs::json::config::decode_max_depth)?,
        )?;
        hooks.set(
            "cjson_encode_number_precision",
            lua.create_function(libs::json::config::encode_number_precision)?,
        )?;
        hooks.set(
            "cjson_encode_keep_buffer",
            lua.create_function(libs::json::config::encode_keep_buffer)?,
        )?;
        hooks.set(
            "cjson_encode_invalid_numbers",
            lua.create_function(libs::json::config::encode_invalid_numbers)?,
        )?;
        hooks.set(
            "cjson_decode_invalid_numbers",
            lua.create_function(libs::json::config::decode_invalid_numbers)?,
        )?;
        hooks.set("msgpack_pack", lua.create_function(libs::msgpack::pack)?)?;
        hooks.set(
            "msgpack_unpack",
            lua.create_function(libs::msgpack::unpack)?,
        )?;
        hooks.set(
            "msgpack_unpack_one",
            lua.create_function(libs::msgpack::unpack_one)?,
        )?;
        hooks.set(
            "msgpack_unpack_limit",
            lua.create_function(libs::msgpack::unpack_limit)?,
        )?;
        hooks.set("struct_pack", lua.create_function(libs::structs::pack)?)?;
        hooks.set("struct_unpack", lua.create_function(libs::structs::unpack)?)?;
        hooks.set("struct_size", lua.create_function(libs::structs::size)?)?;
        hooks.set("set_repl", lua.create_function(super::run::set_repl)?)?;
        hooks.set("log", lua.create_function(super::run::log)?)?;
        hooks.set(
            "acl_check_cmd",
            lua.create_function(super::cmds::acl_check_cmd)?,
        )?;
        lua.set_named_registry_value(HOOKS, &hooks)?;
        let api = lua.create_table()?;
        for (name, f) in TRAMPOLINES {
            // SAFETY: each trampoline keeps the invariant stated on
            // `trampoline` (no Rust value alive across the calls that may
            // unwind the Lua stack).
            api.set(*name, unsafe { lua.create_c_function(*f)? })?;
        }
        let handler = lua.create_function(handle_error)?;
        type Made = (Function, Table, Table, Function, Function, Function);
        let (runner, _globals, fenv, set_loading, loader, fn_runner): Made = lua
            .load(SANDBOX)
            .set_name(INTERNAL)
            .call((hooks.clone(), handler, api))?;
        let names = [lua.create_string("call")?, lua.create_string("setresp")?];
        Ok(Vm {
            lua,
            hooks,
            runner,
            scripts: HashMap::new(),
            generation: 0,
            fenv,
            set_loading,
            loader,
            fn_runner,
            functions: HashMap::new(),
            fn_generation: u64::MAX,
            names,
            bound: false,
            hooked: false,
        })
    }

    /// Compiles `body` (a script's code, shebang line removed) as Redis's
    /// `@user_script` chunk; the error is Redis's compile error text.
    pub(crate) fn compile(&mut self, sha: &str, body: &[u8]) -> Result<Function, String> {
        if let Some(f) = self.scripts.get(sha) {
            return Ok(f.clone());
        }
        let f = self
            .lua
            .load(body)
            .set_name("@user_script")
            .into_function()
            .map_err(|e| compile_error(&e))?;
        self.scripts.insert(sha.to_string(), f.clone());
        Ok(f)
    }
}

/// Lua's message of a compile error (`user_script:1: '=' expected near '1'`).
pub(crate) fn compile_error(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// `redis.register_function` reached outside `FUNCTION LOAD` (a library
/// that kept the load-time `redis` table and calls it from a function):
/// Redis's refusal.
pub(crate) fn register_outside_load(lua: &Lua, _args: MultiValue) -> mlua::Result<MultiValue> {
    fail(
        lua,
        "redis.register_function can only be called on FUNCTION LOAD command",
    )
}

/// `redis.sha1hex(s)`.
fn sha1hex(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    if args.len() != 1 {
        return fail(lua, "wrong number of arguments");
    }
    let bytes = match &args[0] {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Integer(n) => n.to_string().into_bytes(),
        Value::Number(n) => lua_number_text(*n).into_bytes(),
        _ => Vec::new(),
    };
    Ok(ok([Value::String(
        lua.create_string(super::sha1_hex(&bytes))?,
    )]))
}

/// `redis.error_reply(msg)`.
fn error_reply(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    match (args.len(), args.front()) {
        (1, Some(Value::String(s))) => {
            let s = s.as_bytes();
            let mut text = Vec::with_capacity(s.len() + 1);
            if s.first() != Some(&b'-') {
                text.push(b'-');
            }
            text.extend_from_slice(&s);
            Ok(ok([Value::Table(error_table(lua, &text)?)]))
        }
        _ => Ok(ok([Value::Table(error_table(
            lua,
            b"wrong number or type of arguments",
        )?)])),
    }
}

/// `redis.status_reply(msg)`.
fn status_reply(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    match (args.len(), args.front()) {
        (1, Some(v @ Value::String(_))) => {
            let t = lua.create_table()?;
            t.raw_set("ok", v.clone())?;
            Ok(ok([Value::Table(t)]))
        }
        _ => Ok(ok([Value::Table(error_table(
            lua,
            b"wrong number or type of arguments",
        )?)])),
    }
}

/// The error handler scripts run under (Redis's `__redis__err__handler`):
/// a string error becomes `{err='ERR ' .. msg}`; the table gets the
/// `source` and `line` of the script frame that raised it (the raising
/// function's frame, or its caller's when it is a C function; kevy's own
/// wrappers are skipped).
fn handle_error(lua: &Lua, err: Value) -> mlua::Result<Value> {
    let t = match err {
        Value::Table(t) => t,
        Value::Error(e) => error_table(lua, format!("-ERR {}", plain(&e)).as_bytes())?,
        other => {
            let text = match &other {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Number(n) => lua_number_text(*n).into_bytes(),
                Value::Integer(n) => n.to_string().into_bytes(),
                Value::Nil => b"nil".to_vec(),
                Value::Boolean(b) => b.to_string().into_bytes(),
                _ => other.to_string().unwrap_or_default().into_bytes(),
            };
            let t = lua.create_table()?;
            let mut msg = b"ERR ".to_vec();
            msg.extend_from_slice(&text);
            t.raw_set("err", lua.create_string(msg)?)?;
            t
        }
    };
    // Level 0 is this handler; 1 the function that raised.
    let mut level = 1;
    let mut c_skipped = false;
    while let Some((what, source, line)) = lua.inspect_stack(level, |d| {
        let s = d.source();
        (
            s.what,
            s.source.map(|x| x.into_owned()).unwrap_or_default(),
            d.current_line(),
        )
    }) {
        if source == INTERNAL || (what == "C" && !c_skipped) {
            c_skipped |= what == "C";
            level += 1;
            continue;
        }
        t.raw_set("source", source)?;
        t.raw_set("line", line.map_or(-1, |l| l as i64))?;
        break;
    }
    Ok(Value::Table(t))
}

/// An mlua error's message without mlua's traceback decorations.
pub(crate) fn plain(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::CallbackError { cause, .. } => plain(cause),
        mlua::Error::WithContext { cause, .. } => plain(cause),
        mlua::Error::MemoryError(m) => m.clone(),
        other => other.to_string(),
    }
}
